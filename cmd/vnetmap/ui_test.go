package main

// End-to-end tests of the web UI: a real `vnetmap demo` (in process, with a
// seeded history) serving the embedded UI, driven in headless Debian
// Chromium through the DevTools protocol (chromedp). Each check is compared
// with the REST API's answer; screenshots go to web/test-results/.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/web"
)

// chromiumPath is Debian's Chromium (scripts/deps.sh installs it);
// VNETMAP_CHROMIUM overrides it.
func chromiumPath() string {
	if p := os.Getenv("VNETMAP_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// needBrowser skips the test (fails it in CI) when the UI is not built into
// the test binary or Chromium is missing.
func needBrowser(t testing.TB) string {
	t.Helper()
	var missing string
	if !web.Built() {
		missing = "the web UI is not built into this binary (make build, or npm ci && npm run build in web/, before go test)"
	} else if _, err := exec.LookPath(chromiumPath()); err != nil {
		missing = "no Chromium at " + chromiumPath() + " (apt-get install chromium, or scripts/deps.sh; VNETMAP_CHROMIUM overrides the path)"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	return chromiumPath()
}

// artifacts returns the directory for screenshots: VNETMAP_TEST_ARTIFACTS,
// else web/test-results of the repository.
func artifacts(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("VNETMAP_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "web", "test-results")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startDemo runs `vnetmap demo` in process on a free loopback port and
// returns its base URL once web01 is collected.
func startDemo(t testing.TB, args ...string) string {
	t.Helper()
	db := "sqlite:" + t.TempDir() + "/ui.db"
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"--db", db, "--log-level", "warn", "demo", "--migrate-every", "0", "--listen", "127.0.0.1:0"}, args...), io.Discard, &errb)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("demo exit %d after interrupt: %s", code, errb.String())
		}
	})
	addrRE := regexp.MustCompile(`web UI on http://([0-9.:]+)/`)
	// Seeding two days of history under -race on a loaded machine takes
	// minutes.
	deadline := time.Now().Add(10 * time.Minute)
	var base string
	for base == "" {
		if m := addrRE.FindStringSubmatch(errb.String()); m != nil {
			base = "http://" + m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not announce its UI: %s", errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for {
		if resp, err := http.Get(base + "/api/v1/where/web01"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("web01 not collected in time")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// getJSON decodes the REST answer of base+path into v.
func getJSON(t testing.TB, base, path string, v any) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// newBrowser starts headless Chromium with the flags this machine needs
// (no sandbox as root, no background networking: the network is closed)
// and a fresh profile, and returns a tab's context.
func newBrowser(t testing.TB, exe string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// page wraps a tab with the steps the tests take, failing the test on error.
type page struct {
	t    testing.TB
	ctx  context.Context
	base string
	dir  string
}

func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

func (p *page) open(path string) { p.t.Helper(); p.do("open "+path, chromedp.Navigate(p.base+path)) }

// eval evaluates a JavaScript expression and decodes its value into T.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// wait polls a JavaScript predicate until it is truthy.
func (p *page) wait(what, expr string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(45*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		p.screenshot("failed-" + regexp.MustCompile(`\W+`).ReplaceAllString(what, "-"))
		p.t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

func (p *page) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(p.dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p.t.Logf("screenshot %s", path)
}

// setInput sets an input's value the way typing does (an input event).
func setInput(selector, value string) string {
	return fmt.Sprintf(`(() => { const el = document.querySelector(%q);
		Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, %q);
		el.dispatchEvent(new Event('input', {bubbles: true})); return true })()`, selector, value)
}

// attrs returns an attribute of every element a selector matches, sorted.
func attrs(p *page, selector, attr string) []string {
	p.t.Helper()
	v := eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.getAttribute(%q))`, selector, attr))
	sort.Strings(v)
	return v
}

func TestUI(t *testing.T) {
	exe := needBrowser(t)
	base := startDemo(t, "--seed", "2", "--history", "48h")
	p := &page{t: t, ctx: newBrowser(t, exe), base: base, dir: artifacts(t)}

	t.Run("search, VM page, path diagram", func(t *testing.T) {
		p.t = t
		var w query.WhereAnswer
		getJSON(t, base, "/api/v1/where/web01", &w)
		p.open("/")
		p.wait("the search box", `document.querySelector('[data-testid=search-input]')`)
		p.do("type web01", chromedp.SendKeys(chromedp.CSS(`[data-testid=search-input]`), "web01"))
		p.wait("the match web01", `document.querySelector('[data-testid=search-option][data-name=web01][data-kind=vm]')`)
		p.screenshot("search")
		p.do("open the first match", chromedp.KeyEvent("\r"))
		p.wait("the path diagram", `document.querySelector('[data-testid=vm-page] [data-testid=path-diagram] [data-testid=path-switch]')`)
		if got := eval[string](p, `location.pathname`); got != "/vm/web01" {
			t.Errorf("after Enter on the match: at %s; want /vm/web01", got)
		}
		if got := eval[string](p, `document.querySelector('[data-testid=vm-host]').textContent`); got != w.Host.Name {
			t.Errorf("VM page host = %q; REST says %q", got, w.Host.Name)
		}
		// The diagram shows every uplink, switch port and switch of the
		// REST answer, and one evidence link per switch port.
		var pnics, ports, switches []string
		links := 0
		for _, n := range w.VNICs {
			for _, u := range n.Uplinks {
				pnics = append(pnics, u.Device)
				for _, pv := range u.Ports {
					ports = append(ports, pv.Port)
					links++
					if !slices.Contains(switches, pv.Switch) {
						switches = append(switches, pv.Switch)
					}
				}
			}
		}
		sort.Strings(pnics)
		sort.Strings(ports)
		sort.Strings(switches)
		if got := attrs(p, `[data-testid=path-pnic]`, "data-label"); !slices.Equal(got, pnics) {
			t.Errorf("diagram pNICs = %v; REST %v", got, pnics)
		}
		if got := attrs(p, `[data-testid=path-port]`, "data-label"); !slices.Equal(got, ports) {
			t.Errorf("diagram switch ports = %v; REST %v", got, ports)
		}
		if got := attrs(p, `[data-testid=path-switch]`, "data-label"); !slices.Equal(got, switches) {
			t.Errorf("diagram switches = %v; REST %v", got, switches)
		}
		if got := eval[int](p, `document.querySelectorAll('[data-testid=path-link]').length`); got != links || links == 0 {
			t.Errorf("diagram has %d evidence links; REST has %d switch ports", got, links)
		}
		if got := eval[string](p, `document.querySelector('[data-testid=path-link] text').textContent`); !strings.Contains(got, "LLDP") && !strings.Contains(got, "CDP") {
			t.Errorf("evidence on the first link = %q; want LLDP or CDP", got)
		}
		p.wait("the migration timeline", `document.querySelector('[data-testid=placement]')`)
		p.screenshot("vm-web01")
	})

	t.Run("impact lists the VMs the REST API does", func(t *testing.T) {
		p.t = t
		for _, tt := range []struct{ kind, name string }{{"switch", "leaf1"}, {"host", "esx03"}} {
			var want query.ImpactAnswer
			getJSON(t, base, "/api/v1/impact/"+tt.kind+":"+tt.name, &want)
			names := func(l []graph.VMImpact) []string {
				r := []string{}
				for _, v := range l {
					r = append(r, v.Name)
				}
				sort.Strings(r)
				return r
			}
			if len(want.Down)+len(want.Degraded) == 0 {
				t.Fatalf("impact %s:%s affects nothing in the demo", tt.kind, tt.name)
			}
			p.open("/impact")
			p.wait("the impact form", `document.querySelector('[data-testid=impact-name]')`)
			p.do("choose "+tt.kind, chromedp.SetValue(chromedp.CSS(`[data-testid=impact-kind]`), tt.kind))
			p.wait("the kind", fmt.Sprintf(`(document.querySelector('[data-testid=impact-kind]').dispatchEvent(new Event('change', {bubbles: true})), document.querySelector('[data-testid=impact-kind]').value === %q)`, tt.kind))
			p.do("type "+tt.name, chromedp.SendKeys(chromedp.CSS(`[data-testid=impact-name]`), tt.name), chromedp.Click(chromedp.CSS(`[data-testid=impact-go]`)))
			p.wait("the impact", fmt.Sprintf(`document.querySelector('[data-testid=impact-summary]') && document.querySelector('[data-testid=impact-summary] strong').textContent === %q`, tt.kind+":"+tt.name))
			if got := attrs(p, `[data-testid=impact-down-vm]`, "data-vm"); !slices.Equal(got, names(want.Down)) {
				t.Errorf("%s:%s DOWN in the UI = %v; REST %v", tt.kind, tt.name, got, names(want.Down))
			}
			if got := attrs(p, `[data-testid=impact-degraded-vm]`, "data-vm"); !slices.Equal(got, names(want.Degraded)) {
				t.Errorf("%s:%s DEGRADED in the UI = %v; REST %v", tt.kind, tt.name, got, names(want.Degraded))
			}
			// The VMs are grouped by host: a group per host with its counts per
			// state, each VM under its own host (issue 19, item 14).
			perHost := map[string]string{}
			for _, v := range want.Down {
				perHost[v.Host] += "d"
			}
			for _, v := range want.Degraded {
				perHost[v.Host] += "g"
			}
			var wantHosts []string
			for h, s := range perHost {
				wantHosts = append(wantHosts, fmt.Sprintf("%s %d down %d degraded", h, strings.Count(s, "d"), strings.Count(s, "g")))
			}
			sort.Strings(wantHosts)
			gotHosts := eval[[]string](p, `[...document.querySelectorAll('[data-testid=impact-host]')].map(b => b.dataset.host + ' ' + b.dataset.down + ' down ' + b.dataset.degraded + ' degraded')`)
			sort.Strings(gotHosts)
			if !slices.Equal(gotHosts, wantHosts) {
				t.Errorf("%s:%s hosts in the UI = %q; REST %q", tt.kind, tt.name, gotHosts, wantHosts)
			}
			if bad := eval[int](p, `[...document.querySelectorAll('[data-testid=impact-host] tr[data-vm]')].filter(r => r.dataset.host !== r.closest('tbody').dataset.host).length`); bad > 0 {
				t.Errorf("%s:%s: %d VMs under another host than theirs", tt.kind, tt.name, bad)
			}
			var apps []string
			for _, a := range want.Applications {
				apps = append(apps, a.State)
			}
			sort.Strings(apps)
			if got := attrs(p, `[data-testid=impact-apps] li`, "data-state"); !slices.Equal(got, apps) {
				t.Errorf("%s:%s application states in the UI = %v; REST %v", tt.kind, tt.name, got, apps)
			}
			p.screenshot("impact-" + tt.kind + "-" + tt.name)
		}
	})

	t.Run("a VLAN picked in the search box opens its impact", func(t *testing.T) {
		p.t = t
		// web01's VLAN: its impact takes no entity down with it (failed is
		// empty), which the page read as null.
		var w query.WhereAnswer
		getJSON(t, base, "/api/v1/where/web01", &w)
		if len(w.VNICs) == 0 || w.VNICs[0].Portgroup == nil || w.VNICs[0].Portgroup.VLAN == "" {
			t.Fatalf("web01 has no VLAN: %+v", w.VNICs)
		}
		vlan, target := "VLAN "+w.VNICs[0].Portgroup.VLAN, "vlan:"+w.VNICs[0].Portgroup.VLAN
		var want query.ImpactAnswer
		getJSON(t, base, "/api/v1/impact/"+target, &want)
		if len(want.Down) == 0 {
			t.Fatalf("impact %s has no VM down", target)
		}
		p.open("/")
		p.wait("the search box", `document.querySelector('[data-testid=search-input]')`)
		p.do("type "+vlan, chromedp.SendKeys(chromedp.CSS(`[data-testid=search-input]`), strings.ToLower(vlan)))
		p.wait("the match "+vlan, fmt.Sprintf(`document.querySelector('[data-testid=search-option][data-kind=vlan][data-name=%q]')`, vlan))
		p.do("open the VLAN", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid=search-option][data-kind=vlan][data-name=%q]`, vlan))))
		// The match opens the VLAN's page (issue 19, item 10), which links
		// to its impact.
		p.wait("the VLAN page", `document.querySelector('[data-testid=vlan-page] [data-testid=vlan-impact]')`)
		p.do("open its impact", chromedp.Click(chromedp.CSS(`[data-testid=vlan-impact]`)))
		p.wait("the impact of "+target, fmt.Sprintf(`document.querySelector('[data-testid=impact-summary] strong')?.textContent === %q`, target))
		if got := eval[string](p, `location.pathname + ' ' + new URLSearchParams(location.search).get('target')`); got != "/impact "+target {
			t.Errorf("the VLAN opened %q; want /impact with target %s", got, target)
		}
		var down []string
		for _, v := range want.Down {
			down = append(down, v.Name)
		}
		sort.Strings(down)
		if got := attrs(p, `[data-testid=impact-down-vm]`, "data-vm"); !slices.Equal(got, down) {
			t.Errorf("%s DOWN in the UI = %v; REST %v", target, got, down)
		}
		if eval[bool](p, `!!document.querySelector('.loading, [data-testid=error]')`) {
			t.Errorf("the impact page shows %q", eval[string](p, `document.querySelector('.loading, [data-testid=error]').textContent`))
		}
		p.screenshot("impact-" + strings.ReplaceAll(target, ":", "-"))
	})

	t.Run("time control shows a migrated VM on its former host", func(t *testing.T) {
		p.t = t
		vm, now, then, at := movedVMOf(t, base)
		p.open("/vm/" + url.PathEscape(vm))
		p.wait("the current host", fmt.Sprintf(`document.querySelector('[data-testid=vm-host]')?.textContent === %q`, now))
		p.wait("the time control", `document.querySelector('[data-testid=time-input]')`)
		local := eval[string](p, fmt.Sprintf(`(() => { const d = new Date(%q), z = n => String(n).padStart(2, '0');
			return d.getFullYear() + '-' + z(d.getMonth() + 1) + '-' + z(d.getDate()) + 'T' + z(d.getHours()) + ':' + z(d.getMinutes()) })()`, at.Format(time.RFC3339)))
		p.wait("the moment typed", setInput(`[data-testid=time-input]`, local))
		p.do("apply the moment", chromedp.Click(chromedp.CSS(`[data-testid=time-apply]`)))
		p.wait("the host then", fmt.Sprintf(`document.querySelector('[data-testid=vm-host]')?.textContent === %q`, then))
		if got := eval[string](p, `new URLSearchParams(location.search).get('at') || ''`); got == "" {
			t.Errorf("the URL has no ?at= after the time control moved: %s", eval[string](p, `location.href`))
		}
		if got := eval[string](p, `document.querySelector('[data-testid=time-state]').textContent`); !strings.HasPrefix(got, "As of") {
			t.Errorf("time state = %q; want As of …", got)
		}
		p.screenshot("vm-as-of-past")
		p.do("back to now", chromedp.Click(chromedp.CSS(`[data-testid=time-now]`)))
		p.wait("the current host again", fmt.Sprintf(`document.querySelector('[data-testid=vm-host]')?.textContent === %q && !location.search.includes('at=')`, now))
	})

	t.Run("topology opens grouped and expands on demand", func(t *testing.T) {
		p.t = t
		var topo query.TopologyAnswer
		getJSON(t, base, "/api/v1/topology", &topo)
		p.open("/topology")
		p.wait("the topology drawn", `(window.__vnetmapPerf || []).some(f => f.view === 'topology')`)
		if got := eval[int](p, `document.querySelectorAll('.topo-canvas canvas').length`); got == 0 {
			t.Errorf("no canvas in the topology view")
		}
		summary := eval[string](p, `document.querySelector('[data-testid=topology-summary]').textContent`)
		if want := fmt.Sprintf("showing %d nodes", len(topo.Nodes)); !strings.Contains(summary, want) {
			t.Errorf("topology summary %q; want %q", summary, want)
		}
		var cluster string
		for _, n := range topo.Nodes {
			if n.Kind == "cluster" {
				cluster = n.Label
				break
			}
		}
		p.do("select "+cluster, chromedp.Click(chromedp.JSPath(fmt.Sprintf(`[...document.querySelectorAll('.node-list button')].find(b => b.textContent.includes(%q))`, cluster))))
		p.wait("the selection", `document.querySelector('[data-testid=topology-toggle]')`)
		p.do("expand "+cluster, chromedp.Click(chromedp.CSS(`[data-testid=topology-toggle]`)))
		p.wait("the cluster expanded", `location.search.includes('expand=') && document.querySelector('[data-testid=topology-summary]') &&
			(window.__vnetmapPerf || []).filter(f => f.view === 'topology').length >= 2`)
		var expanded query.TopologyAnswer
		getJSON(t, base, "/api/v1/topology?"+eval[string](p, `location.search.slice(1)`), &expanded)
		if len(expanded.Expanded) != 1 || len(expanded.Nodes) <= len(topo.Nodes) {
			t.Errorf("after expanding %s: expanded %v, %d nodes (before %d)", cluster, expanded.Expanded, len(expanded.Nodes), len(topo.Nodes))
		}
		if summary := eval[string](p, `document.querySelector('[data-testid=topology-summary]').textContent`); !strings.Contains(summary, fmt.Sprintf("showing %d nodes", len(expanded.Nodes))) {
			t.Errorf("topology summary after expanding %q; want %d nodes", summary, len(expanded.Nodes))
		}
		// Level of detail: zoomed out, VM labels are not drawn (group, host
		// and switch labels are); zoomed in, they are (issue 19, item 14).
		key := func(k string, n int) {
			eval[bool](p, fmt.Sprintf(`for (let i = 0; i < %d; i++) document.querySelector('[data-testid=topology-canvas]').dispatchEvent(new KeyboardEvent('keydown', {key: %q, bubbles: true})); true`, n, k))
		}
		key("-", 20)
		p.wait("zoomed out", `parseFloat(document.querySelector('[data-testid=topology-canvas]').dataset.zoom) < 0.1`)
		if got := eval[string](p, `document.querySelector('[data-testid=topology-canvas]').dataset.vmLabels`); got != "hidden" {
			t.Errorf("zoomed out to %s: VM labels %q; want hidden", eval[string](p, `document.querySelector('[data-testid=topology-canvas]').dataset.zoom`), got)
		}
		key("+", 20)
		p.wait("zoomed in", `parseFloat(document.querySelector('[data-testid=topology-canvas]').dataset.zoom) > 1`)
		if got := eval[string](p, `document.querySelector('[data-testid=topology-canvas]').dataset.vmLabels`); got != "shown" {
			t.Errorf("zoomed in to %s: VM labels %q; want shown", eval[string](p, `document.querySelector('[data-testid=topology-canvas]').dataset.zoom`), got)
		}
		p.screenshot("topology")
	})

	t.Run("host and switch pages show what is cabled behind each port", func(t *testing.T) {
		p.t = t
		var h query.HostAnswer
		getJSON(t, base, "/api/v1/host/esx01", &h)
		p.open("/host/esx01")
		p.wait("the host's uplinks", fmt.Sprintf(`document.querySelectorAll('[data-testid=host-pnics] tbody tr').length === %d`, len(h.PNICs)))
		p.screenshot("host-esx01")
		var sw query.SwitchAnswer
		getJSON(t, base, "/api/v1/switch/leaf1", &sw)
		var port query.SwitchPort
		for _, sp := range sw.Ports {
			if len(sp.Attached) > 0 && len(sp.Attached[0].VMs) > 0 {
				port = sp
				break
			}
		}
		if port.Name == "" {
			t.Fatal("no port of leaf1 has VMs behind it")
		}
		p.open("/switch/leaf1?port=" + url.QueryEscape(port.Name))
		p.wait("the port highlighted", fmt.Sprintf(`document.querySelector('[data-testid=switch-port].highlight')?.dataset.port === %q`, port.Name))
		row := eval[string](p, `document.querySelector('[data-testid=switch-port].highlight').textContent`)
		if a := port.Attached[0]; !strings.Contains(row, a.Host+" "+a.Device) || !strings.Contains(row, a.VMs[0]) {
			t.Errorf("leaf1 %s row %q; want %s %s and VM %s", port.Name, row, a.Host, a.Device, a.VMs[0])
		}
		// The switch's collection health: the summary beside its identity
		// and a line per table group, as the REST answer says.
		if len(sw.Health) == 0 {
			t.Fatal("leaf1 has no collection health; the demo's SNMP source reports it")
		}
		var lines []string
		for _, h := range sw.Health {
			for _, g := range h.Groups {
				lines = append(lines, g.Text)
			}
		}
		p.wait("the collection health", fmt.Sprintf(`document.querySelectorAll('[data-testid=switch-health] [data-testid=health-line]').length === %d`, len(lines)))
		shown := eval[[]string](p, `[...document.querySelectorAll('[data-testid=health-line]')].map(e => e.textContent)`)
		for i, line := range lines {
			if !strings.Contains(shown[i], line) {
				t.Errorf("health line %d = %q; want %q", i, shown[i], line)
			}
		}
		if got := eval[string](p, `document.querySelector('[data-testid=health-summary]')?.textContent ?? ''`); got != sw.Health[0].Summary {
			t.Errorf("health summary = %q; want %q", got, sw.Health[0].Summary)
		}
		p.screenshot("switch-leaf1")
	})

	t.Run("findings and changes match the REST API", func(t *testing.T) {
		p.t = t
		var f struct {
			Findings []json.RawMessage `json:"findings"`
		}
		getJSON(t, base, "/api/v1/findings", &f)
		p.open("/findings")
		p.wait("the findings", fmt.Sprintf(`document.querySelectorAll('[data-testid=finding]').length === %d && document.querySelector('.summary')`, len(f.Findings)))
		p.screenshot("findings")
		var d graph.DiffResult
		from := time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)
		getJSON(t, base, "/api/v1/diff?from="+url.QueryEscape(from), &d)
		p.open("/diff?from=" + url.QueryEscape(from))
		p.wait("the migrations", fmt.Sprintf(`document.querySelector('.summary')?.textContent.includes(%q)`, fmt.Sprintf("%d migrations", len(d.Migrations))))
		p.screenshot("changes")
	})

	t.Run("changes: migrations in time order, table churn folded; flows in layers", func(t *testing.T) {
		p.t = t
		var d query.DiffAnswer
		getJSON(t, base, "/api/v1/diff?from=47h", &d)
		p.open("/diff?from=47h")
		names := []string{}
		for _, m := range d.Moves {
			names = append(names, m.Name)
		}
		p.wait("the migrations in time order", fmt.Sprintf(`JSON.stringify([...document.querySelectorAll('[data-testid=diff-migrations] tbody tr')].map(r => r.cells[1].textContent)) === %q`, mustJSON(t, names)))
		switches := 0
		for _, c := range d.Churn {
			if c.Kind == query.ChurnSwitch {
				switches++
			}
		}
		if switches > 0 {
			p.wait("the switches' table churn folded", `document.querySelector('[data-testid=diff-churn-switches]') && !document.querySelector('[data-testid=diff-churn-switches]').open`)
		}
		var deps query.DepsAnswer
		getJSON(t, base, "/api/v1/flows/deps?from=47h", &deps)
		if len(deps.Edges) == 0 {
			t.Fatal("no flows in the demo's seeded history")
		}
		p.open("/flows?from=47h")
		p.wait("the flows graph in layers", `Number(document.querySelector('[data-testid=flows-canvas]')?.dataset.layers ?? 0) >= 2`)
		if got := eval[string](p, `document.querySelector('[data-testid=flow-table] th')?.textContent ?? ''`); got != "Client" {
			t.Errorf("first column %q; want Client", got)
		}
		p.screenshot("flows")
	})

}

// movedVMOf finds, through the REST API, a VM that migrated during the
// seeded history: its current host, a former host and a moment it was there.
func movedVMOf(t *testing.T, base string) (vm, now, then string, at time.Time) {
	t.Helper()
	var d graph.DiffResult
	getJSON(t, base, "/api/v1/diff?from=47h", &d)
	for _, m := range d.Migrations {
		var h query.HistoryAnswer
		getJSON(t, base, "/api/v1/history/"+url.PathEscape(m.VM.Key()), &h)
		var w query.WhereAnswer
		getJSON(t, base, "/api/v1/where/"+url.PathEscape(m.VM.Key()), &w)
		if w.Host == nil {
			continue
		}
		for _, pl := range h.Placements {
			if pl.To.IsZero() || pl.HostName == w.Host.Name || pl.To.Sub(pl.From) < 10*time.Minute {
				continue
			}
			return h.Name, w.Host.Name, pl.HostName, pl.From.Add(pl.To.Sub(pl.From) / 2)
		}
	}
	t.Fatal("no VM of the demo migrated away from a host it stayed on for 10 minutes")
	return
}

// mustJSON is v as JSON text.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
