package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/api"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// healthDB returns the DSN of a store holding switch leaf1 (two ports, one
// linked to spine1) read by source fabric, whose run counted a skipped row
// in ifXTable and a failed per-VLAN forwarding table.
func healthDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db := "sqlite:" + t.TempDir() + "/switch.db"
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sw, spine := model.NewID(model.KindSwitch, "leaf1"), model.NewID(model.KindSwitch, "spine1")
	p1, p2 := model.NewID(model.KindPort, "leaf1/Ethernet1/1"), model.NewID(model.KindPort, "leaf1/Ethernet1/49")
	up := model.NewID(model.KindPort, "spine1/Ethernet1/1")
	facts := []model.Fact{
		model.Entity(sw, sw, "leaf1", model.Attrs{"address": "192.0.2.11", "vendor": "Arista", "model": "DCS-7050"}),
		model.Entity(sw, p1, "Ethernet1/1", model.Attrs{"oper": "up", "mode": "access", "access_vlan": "110", "lldp_system": "esx01", "lldp_port": "vmnic0"}),
		model.Entity(sw, p2, "Ethernet1/49", model.Attrs{"oper": "up", "mode": "trunk", "allowed_vlans": "110,120"}),
		model.Relation(sw, sw, model.RelHasPort, p1, nil),
		model.Relation(sw, sw, model.RelHasPort, p2, nil),
		model.Entity(spine, spine, "spine1", nil),
		model.Entity(spine, up, "Ethernet1/1", model.Attrs{"oper": "up"}),
		model.Relation(spine, spine, model.RelHasPort, up, nil),
		model.Relation(sw, p2, model.RelLink, up, nil),
	}
	for _, vid := range []string{"110", "111", "112", "200"} {
		facts = append(facts, model.Entity(sw, model.NewID(model.KindVLAN, "leaf1/"+vid), vid, model.Attrs{"vid": vid}))
	}
	health := []model.TableHealth{
		{Device: sw, Address: "192.0.2.11", Group: "if", Table: "ifTable", Rows: 2, Kept: 2},
		{Device: sw, Address: "192.0.2.11", Group: "if", Table: "ifXTable", Rows: 3, Kept: 2, Skipped: 1,
			Reasons: map[string]int{"no index": 1}, Example: "1.3.6.1.2.1.31.1.1.1.1: no index"},
		{Device: sw, Address: "192.0.2.11", Group: "lldp", Table: "lldpRemTable", Rows: 1, Kept: 1},
		{Device: sw, Address: "192.0.2.11", Group: "fdb", Table: "dot1dTpFdbTable (vlan 110)", Error: "VLAN 110 context did not answer"},
	}
	if _, err := st.Apply(ctx, model.Snapshot{Source: "fabric", Taken: time.Now().Add(-time.Minute), Facts: facts, Health: health}); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestSwitchCommand: `vnetmap switch NAME` prints the switch's identity,
// ports, links and the health lines of its last collection with the
// example of a skipped row; --ports lists the ports; --json is the REST
// API's answer; an unknown switch fails (1), a missing name is a usage
// error (2).
func TestSwitchCommand(t *testing.T) {
	db := healthDB(t)
	code, out, errOut := vnetmap(t, "--db", db, "switch", "leaf1")
	if code != 0 {
		t.Fatalf("switch leaf1: exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"leaf1  (switch:leaf1)  192.0.2.11  Arista DCS-7050  as of ",
		"  ports      2 (2 up), 0 port-channels, 1 with an LLDP/CDP neighbour\n",
		"  linked to  spine1\n",
		"  vlans      4: 110-112, 200\n",
		"  collection fabric at 192.0.2.11, ",
		": 1 row skipped, 1 table failed\n",
		"    IF 2 ports, ifXTable: 1 row skipped (no index)\n",
		"      e.g. ifXTable: 1.3.6.1.2.1.31.1.1.1.1: no index\n",
		"    LLDP 1 neighbour\n",
		"    FDB: dot1dTpFdbTable (vlan 110): VLAN 110 context did not answer\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("switch leaf1: no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "PORT") {
		t.Errorf("switch leaf1 without --ports lists the ports:\n%s", out)
	}
	code, out, _ = vnetmap(t, "--db", db, "switch", "leaf1", "--ports")
	if code != 0 || !strings.Contains(out, "Ethernet1/49") || !strings.Contains(out, "switch spine1 Ethernet1/1") || !strings.Contains(out, "access 110") {
		t.Errorf("switch leaf1 --ports: exit %d\n%s", code, out)
	}

	code, out, errOut = vnetmap(t, "--db", db, "switch", "leaf1", "--json")
	if code != 0 {
		t.Fatalf("switch leaf1 --json: exit %d: %s", code, errOut)
	}
	var cli query.SwitchAnswer
	if err := json.Unmarshal([]byte(out), &cli); err != nil {
		t.Fatalf("switch --json: %v\n%s", err, out)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(api.Handler(query.New(st, nil), prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/switch/leaf1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rest query.SwitchAnswer
	if err := json.NewDecoder(resp.Body).Decode(&rest); err != nil {
		t.Fatal(err)
	}
	cli.At, rest.At = time.Time{}, time.Time{}
	if !reflect.DeepEqual(cli, rest) {
		t.Errorf("switch --json and GET /api/v1/switch/leaf1 differ:\n cli %+v\nrest %+v", cli, rest)
	}
	if len(cli.Health) != 1 || cli.Health[0].Failed != 1 || cli.Health[0].Skipped != 1 {
		t.Errorf("switch --json health = %+v; want fabric's, 1 skipped, 1 failed", cli.Health)
	}

	if code, _, errOut = vnetmap(t, "--db", db, "switch", "leaf9"); code != 1 || !strings.Contains(errOut, `no switch named "leaf9"`) {
		t.Errorf("switch leaf9: exit %d, %q; want 1, no switch", code, errOut)
	}
	if code, _, _ = vnetmap(t, "--db", db, "switch"); code != 2 {
		t.Errorf("switch without a name: exit %d; want 2", code)
	}
}
