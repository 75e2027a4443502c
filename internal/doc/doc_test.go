package doc_test

import (
	"bytes"
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/doc"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func hostNamed(t *testing.T, s *doc.Site, name string) *doc.Host {
	t.Helper()
	for _, h := range s.Hosts {
		if h.Name == name {
			return h
		}
	}
	t.Fatalf("no host %s", name)
	return nil
}

func TestKnownTruth(t *testing.T) {
	s := site(t, scenario(t))
	if !s.Moment.Equal(t1) {
		t.Errorf("documented moment = %s; want the latest change %s", s.Moment, t1)
	}

	// The VLAN gap: esx01's active uplink for app-110 lost VLAN 110.
	esx01, esx02 := hostNamed(t, s, "esx01"), hostNamed(t, s, "esx02")
	if got := esx01.VLANs[110]; got != doc.VLANGap {
		t.Errorf("esx01 VLAN 110 = %q; want gap", got)
	}
	for _, v := range []int{110, 120, 130} {
		if got := esx02.VLANs[v]; got != doc.VLANOK {
			t.Errorf("esx02 VLAN %d = %q; want ok", v, got)
		}
	}
	for _, pg := range esx01.Portgroups {
		if pg.Name == "app-110" && !slices.Equal(pg.Missing, []string{"vmnic0 → leaf1 Ethernet1/1"}) {
			t.Errorf("esx01 app-110 missing on %v; want vmnic0 → leaf1 Ethernet1/1", pg.Missing)
		}
	}

	// Uplinks: vmnic2 lands on leaf1 Port-channel101, whose vPC peer is leaf2.
	for _, u := range esx01.Uplinks {
		if u.Device != "vmnic2" {
			continue
		}
		if len(u.Ports) != 1 || u.Ports[0].Switch.Name != "leaf1" || u.Ports[0].Port.Name != "Ethernet1/11" ||
			u.Ports[0].Channel == nil || u.Ports[0].Channel.Name != "Port-channel101" || u.Ports[0].MLAGPeer == nil || u.Ports[0].MLAGPeer.Name != "leaf2" {
			t.Errorf("esx01 vmnic2 ports = %+v; want leaf1 Ethernet1/11 in Port-channel101, MLAG peer leaf2", u.Ports)
		}
		if len(u.VMs) != 1 || u.VMs[0].Name != "db1" {
			t.Errorf("VMs behind esx01 vmnic2 = %v; want db1", u.VMs)
		}
	}

	// Bundles: lag1 on the vPC pair is bundled; esx03's IP hash is not.
	var bundles []string
	for _, b := range s.Bundles {
		var chans []string
		for _, c := range b.Channels {
			chans = append(chans, c.Switch.Name+"/"+c.Name)
		}
		bundles = append(bundles, b.Host.Name+" "+b.Name+" "+strings.Join(chans, ",")+" "+b.Status)
	}
	want := []string{
		"esx01 lag1 leaf1/Port-channel101,leaf2/Port-channel101 " + doc.BundleOK,
		"esx02 lag1 leaf1/Port-channel102,leaf2/Port-channel102 " + doc.BundleOK,
		"esx03 IP hash  " + doc.BundleNotOnPort,
	}
	if !slices.Equal(bundles, want) {
		t.Errorf("bundles:\n got %q\nwant %q", bundles, want)
	}
	if len(s.MLAGPairs) != 1 || s.MLAGPairs[0].A.Name != "leaf1" || s.MLAGPairs[0].B.Name != "leaf2" ||
		!slices.Equal(s.MLAGPairs[0].Channels, []string{"Port-channel101", "Port-channel102"}) {
		t.Errorf("MLAG pairs = %+v; want leaf1-leaf2 with Port-channel101, Port-channel102", s.MLAGPairs)
	}

	// VLAN matrix: 110 has a gap on one host, 140 is on no switch.
	for _, v := range s.VLANs {
		switch v.VID {
		case 110:
			if v.Gaps != 1 || v.OnNoSwitch || len(v.Hosts) != 2 {
				t.Errorf("VLAN 110: gaps %d on-no-switch %v hosts %d; want 1 gap on 2 hosts", v.Gaps, v.OnNoSwitch, len(v.Hosts))
			}
		case 140:
			if !v.OnNoSwitch {
				t.Errorf("VLAN 140 not marked as on no switch")
			}
		case 130:
			if v.Gaps != 0 || len(v.Hosts) != 2 {
				t.Errorf("VLAN 130: gaps %d hosts %d; want none on 2", v.Gaps, len(v.Hosts))
			}
		}
	}

	// Applications: shop's VMs, ports and flows.
	var shop *doc.App
	for _, a := range s.Apps {
		if a.Name == "shop" {
			shop = a
		}
	}
	if shop == nil {
		t.Fatal("no application shop")
	}
	var vms []string
	for _, vm := range shop.VMs {
		vms = append(vms, vm.Name+"@"+vm.Host.Name)
	}
	if !slices.Equal(vms, []string{"app1@esx01", "web1@esx01"}) {
		t.Errorf("shop VMs = %v; want app1 and web1 on esx01", vms)
	}
	var ports []string
	for _, p := range shop.Ports {
		ports = append(ports, p.Port.Switch.Name+"/"+p.Port.Name)
	}
	if !slices.Equal(ports, []string{"leaf1/Ethernet1/1", "leaf2/Ethernet1/1"}) {
		t.Errorf("shop ports = %v; want esx01's vmnic0 and vmnic1 ports", ports)
	}
	var flows []string
	for _, e := range shop.Flows {
		flows = append(flows, e.Src.Kind+":"+e.Src.Name+" → "+e.Dst.Kind+":"+e.Dst.Name)
	}
	if !slices.Equal(flows, []string{"application:shop → application:db", "external: → application:shop", "application:shop → application:../../etc/passwd"}) {
		t.Errorf("shop flows = %v", flows)
	}

	// Change log: the migration and the finding that appeared with the gap.
	if s.Changes == nil || len(s.Changes.Diff.Migrations) != 1 || s.Changes.Diff.Migrations[0].Name != "web1" ||
		s.Changes.Diff.Migrations[0].FromHost != "esx02" || s.Changes.Diff.Migrations[0].ToHost != "esx01" {
		t.Errorf("changes = %+v; want web1 esx02 → esx01", s.Changes)
	}
	appeared := false
	for _, f := range s.Changes.Appeared {
		appeared = appeared || f.Rule == check.RuleVLANNotCarried
	}
	if !appeared {
		t.Errorf("appeared findings %+v; want %s", s.Changes.Appeared, check.RuleVLANNotCarried)
	}
}

func render(t testing.TB, s *doc.Site) doc.Files {
	t.Helper()
	files, err := doc.Render(context.Background(), s, []string{doc.FormatMarkdown, doc.FormatHTML})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestGolden compares the rendered documentation of the scenario with
// testdata/golden (go test -run TestGolden -update rewrites it).
func TestGolden(t *testing.T) {
	files := render(t, site(t, scenario(t)))
	dir := filepath.Join("testdata", "golden")
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for _, p := range files.Paths() {
			name := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, files[p], 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var golden []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		golden = append(golden, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatalf("no golden files (go test -run TestGolden -update writes them): %v", err)
	}
	slices.Sort(golden)
	if got := files.Paths(); !slices.Equal(got, golden) {
		t.Errorf("files:\n got %q\nwant %q", got, golden)
	}
	for _, p := range golden {
		want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		if got := files[p]; !bytes.Equal(got, want) {
			t.Errorf("%s differs from its golden file (-update rewrites it):\n%s", p, firstDiff(got, want))
		}
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n got " + a + "\nwant " + b
		}
	}
	return ""
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestLinksAndNames checks that every file stays inside the output (names
// derived from hostile entity names included), and that every Markdown
// link and every href of the HTML site points at a file of the output
// (and at an anchor the target defines).
func TestLinksAndNames(t *testing.T) {
	files := render(t, site(t, scenario(t)))
	nameRE := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	for _, p := range files.Paths() {
		for _, part := range strings.Split(p, "/") {
			if !nameRE.MatchString(part) || part == ".." || strings.Contains(part, "..") {
				t.Errorf("file %q: part %q is not a safe name", p, part)
			}
		}
	}
	for _, want := range []string{"apps/etc-passwd-", "clusters/etc-", "apps/Zahlung-"} {
		found := false
		for _, p := range files.Paths() {
			found = found || strings.HasPrefix(p, want)
		}
		if !found {
			t.Errorf("no file named like %s* (the hostile names sanitised)", want)
		}
	}
	ids := regexp.MustCompile(`id="([^"]+)"`)
	anchors := func(p string) map[string]bool {
		m := map[string]bool{}
		for _, x := range ids.FindAllSubmatch(files[p], -1) {
			m[string(x[1])] = true
		}
		return m
	}
	hrefRE := regexp.MustCompile(`href="([^"]+)"`)
	checked := 0
	for _, p := range files.Paths() {
		var targets [][][]byte
		switch {
		case strings.HasSuffix(p, ".md"):
			targets = mdLink.FindAllSubmatch(files[p], -1)
		case strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".svg"):
			targets = hrefRE.FindAllSubmatch(files[p], -1)
		}
		for _, m := range targets {
			ref := string(m[1])
			if strings.Contains(ref, "://") || strings.HasPrefix(ref, "//") {
				t.Errorf("%s links outside the documentation: %s", p, ref)
				continue
			}
			file, frag, _ := strings.Cut(ref, "#")
			target := filepath.ToSlash(filepath.Join(filepath.Dir(p), file))
			if _, ok := files[target]; !ok {
				t.Errorf("%s: broken link %s (no %s)", p, ref, target)
				continue
			}
			if frag != "" && !anchors(target)[frag] {
				t.Errorf("%s: link %s: %s has no anchor %q", p, ref, target, frag)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Errorf("checked %d links; want the documentation's hundreds", checked)
	}
	// Hostile VM names are text, not markup.
	for _, p := range []string{"html/hosts/esx03.html", "hosts/esx03.md"} {
		if bytes.Contains(files[p], []byte("<b>x</b>")) {
			t.Errorf("%s has the VM name <b>x</b>|y as markup", p)
		}
	}
	if !bytes.Contains(files["html/hosts/esx03.html"], []byte("&lt;b&gt;x&lt;/b&gt;|y")) {
		t.Errorf("html/hosts/esx03.html does not show the VM <b>x</b>|y escaped")
	}
	if !bytes.Contains(files["hosts/esx03.md"], []byte(`\<b\>x\</b\>\|y`)) {
		t.Errorf("hosts/esx03.md does not show the VM <b>x</b>|y escaped")
	}
}

// TestDeterministic renders the scenario twice from two stores and writes
// it twice into one directory: the trees are the same byte for byte and
// the second write changes nothing.
func TestDeterministic(t *testing.T) {
	a := render(t, site(t, scenario(t)))
	b := render(t, site(t, scenario(t)))
	if !slices.Equal(a.Paths(), b.Paths()) {
		t.Fatalf("two renderings have different files")
	}
	for _, p := range a.Paths() {
		if !bytes.Equal(a[p], b[p]) {
			t.Errorf("%s differs between two renderings:\n%s", p, firstDiff(a[p], b[p]))
		}
	}
	dir := t.TempDir()
	svc := scenario(t)
	for i := range 2 {
		files := render(t, site(t, svc))
		st, err := doc.Write(dir, files, t1, []string{"md", "html"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 && st.Written != 0 {
			t.Errorf("second write rewrote %d files; want none", st.Written)
		}
	}
	tree := func() map[string][]byte {
		m := map[string][]byte{}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				data, _ := os.ReadFile(p)
				m[p] = data
			}
			return err
		})
		return m
	}
	first := tree()
	files := render(t, site(t, svc))
	if _, err := doc.Write(dir, files, t1, []string{"md", "html"}); err != nil {
		t.Fatal(err)
	}
	second := tree()
	if len(first) != len(second) || len(first) != len(files)+1 {
		t.Errorf("trees have %d and %d files; want %d and the state file", len(first), len(second), len(files))
	}
	for p, data := range first {
		if !bytes.Equal(data, second[p]) {
			t.Errorf("%s changed on regeneration", p)
		}
	}
}

// TestPreviousRun documents the scenario at t0, then at its latest change
// with the change log since the previous run read from its state file.
func TestPreviousRun(t *testing.T) {
	svc := scenario(t)
	ctx := context.Background()
	dir := t.TempDir()
	in, err := doc.Gather(ctx, svc.Store, apps, doc.Options{At: t0.Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if !in.Moment.Equal(t0) {
		t.Errorf("moment asked at t0+30m = %s; want t0 %s", in.Moment, t0)
	}
	files, err := doc.Render(ctx, doc.Build(in), []string{doc.FormatMarkdown})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Write(dir, files, in.Moment, []string{doc.FormatMarkdown}); err != nil {
		t.Fatal(err)
	}
	prev, err := doc.ReadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !prev.Moment.Equal(t0) || !slices.Contains(prev.Files, "index.md") {
		t.Errorf("state = %+v; want moment t0 and index.md", prev)
	}
	in, err = doc.Gather(ctx, svc.Store, apps, doc.Options{Since: prev.Moment})
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Build(in)
	if s.Changes == nil || len(s.Changes.Diff.Migrations) != 1 || !s.Changes.Diff.From.Equal(t0) || !s.Changes.Diff.To.Equal(t1) {
		t.Fatalf("changes = %+v; want web1's migration from t0 to t1", s.Changes)
	}
	files = render(t, s)
	if !bytes.Contains(files["changes.md"], []byte("web1")) {
		t.Errorf("changes.md does not list web1's migration")
	}
	if _, err := doc.Gather(ctx, svc.Store, apps, doc.Options{At: t0.Add(time.Minute), Since: t1}); err == nil {
		t.Errorf("a change log from after the moment: no error")
	}
}
