package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// TestCollectorSeesLabCabling runs `vnetmap collect` with the SNMP source from
// inside the management namespace, seeded with leaf1 only (leaf2 is found
// through the inter-switch link's LLDP management address), and checks the
// LLDP neighbour of every leaf port in the store against the cabling: the
// same check as TestNeighbourTableMatchesCabling, through vnetmap's own SNMP
// source, collector and store.
func TestCollectorSeesLabCabling(t *testing.T) {
	l := Up(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	tmp := t.TempDir()
	bin := filepath.Join(tmp, "vnetmap")
	_, file, _, _ := runtime.Caller(0)
	build := exec.CommandContext(ctx, goTool(), "build", "-o", bin, "./cmd/vnetmap")
	build.Dir = filepath.Join(filepath.Dir(file), "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/vnetmap: %v\n%s", err, out)
	}
	cfg := filepath.Join(tmp, "vnetmap.yaml")
	yaml := fmt.Sprintf(`sources:
  - name: fabric
    type: snmp
    snmp:
      seeds: [%s]
      version: "2c"
      community_file: %s
      timeout: 2s
      retries: 1
      discovery:
        enabled: true
        max_depth: 2
        max_devices: 10
        allowed_subnets: [%s/%d]
`, l.Cabling.Leaves[0].Mgmt, l.CommunityFile, l.Cabling.Mgmt.Station, l.Cabling.Mgmt.Prefix)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sqlite:" + filepath.Join(tmp, "vnetmap.db")
	if out, err := l.Exec(ctx, MgmtNode, bin, "--db", db, "collect", "--config", cfg); err != nil {
		t.Fatalf("vnetmap collect: %v\n%s", err, out)
	}

	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	versions, err := st.FactsAt(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ports := map[model.ID]model.Attrs{}
	for _, v := range versions {
		if !v.IsRelation() && v.Kind == model.KindPort {
			ports[v.Subject] = v.Attrs
		}
	}
	for _, leaf := range l.Cabling.Leaves {
		want := l.Cabling.Neighbours(leaf.Name)
		for port, peer := range want {
			id := model.NewID(model.KindPort, leaf.Name, port)
			a, ok := ports[id]
			if !ok {
				t.Errorf("%s: no such port in the store", id)
				continue
			}
			got := [3]string{a["lldp_system"], a["lldp_port"], a["lldp_mgmt_addr"]}
			if want := [3]string{peer.Node, peer.Port, l.Cabling.Address(peer.Node)}; got != want {
				t.Errorf("%s: got lldp_system, lldp_port, lldp_mgmt_addr %q; want %q", id, got, want)
			}
		}
		for id, a := range ports {
			sw, port, _ := strings.Cut(id.Key(), "/")
			if sw != leaf.Name || a["lldp_system"] == "" {
				continue
			}
			if _, ok := want[port]; !ok {
				t.Errorf("%s: got LLDP neighbour %q %q on a port that is not cabled", id, a["lldp_system"], a["lldp_port"])
			}
		}
	}
	var switches []string
	for _, v := range versions {
		if !v.IsRelation() && v.Kind == model.KindSwitch {
			switches = append(switches, v.Subject.Key())
		}
	}
	slices.Sort(switches)
	if want := []string{"leaf1", "leaf2"}; !slices.Equal(switches, want) {
		t.Errorf("got switches %v; want %v (leaf2 discovered from leaf1)", switches, want)
	}
}

// goTool returns the go command of the toolchain running the test.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
