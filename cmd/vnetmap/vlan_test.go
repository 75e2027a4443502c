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

// vlanDB returns the DSN of a store with host esx01 (vSwitch0, vmnic0 and
// vmnic1 both active for port group app-110, VLAN 110) cabled to leaf1
// Ethernet1/1 (trunk 110) and Ethernet1/2 (trunk 120: a gap), VM web01 on
// app-110, whose MAC leaf1 learned on Ethernet1/1 during the first of two
// runs.
func vlanDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db := "sqlite:" + t.TempDir() + "/vlan.db"
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	host, vs := model.NewID(model.KindHost, "esx01"), model.NewID(model.KindVSwitch, "esx01/vSwitch0")
	pg := model.NewID(model.KindPortgroup, "esx01/app-110")
	vm, nic := model.NewID(model.KindVM, "u-web01"), model.NewID(model.KindVNIC, "u-web01/4000")
	sw := model.NewID(model.KindSwitch, "leaf1")
	vc := []model.Fact{
		model.Entity(host, host, "esx01", nil),
		model.Entity(host, vs, "vSwitch0", nil),
		model.Relation(host, host, model.RelHasSwitch, vs, nil),
		model.Entity(host, pg, "app-110", model.Attrs{"type": "standard", "vlan": "110"}),
		model.Relation(host, pg, model.RelMemberOf, vs, nil),
		model.Entity(vm, vm, "web01", model.Attrs{"power": "poweredOn"}),
		model.Relation(vm, vm, model.RelRunsOn, host, nil),
		model.Relation(vm, vm, model.RelHasVNIC, nic, nil),
		model.Entity(vm, nic, "", model.Attrs{"label": "Network adapter 1", "connected": "true", "mac": "00:50:56:00:00:01"}),
		model.Relation(vm, nic, model.RelAttached, pg, nil),
	}
	fabric := []model.Fact{model.Entity(sw, sw, "leaf1", nil), model.Entity(sw, model.NewID(model.KindVLAN, "leaf1/110"), "110", model.Attrs{"vid": "110", "name": "apps"})}
	for i, allowed := range []string{"110", "120"} {
		dev := []string{"vmnic0", "vmnic1"}[i]
		pn := model.NewID(model.KindPNIC, "esx01/"+dev)
		vc = append(vc, model.Entity(host, pn, dev, model.Attrs{"device": dev, "link": "up"}),
			model.Relation(host, host, model.RelHasPNIC, pn, nil), model.Relation(host, vs, model.RelUplink, pn, model.Attrs{"uplink": dev}))
		port := model.NewID(model.KindPort, "leaf1/Ethernet1/"+[]string{"1", "2"}[i])
		fabric = append(fabric, model.Entity(sw, port, port.Key()[6:], model.Attrs{"mode": "trunk", "allowed_vlans": allowed, "lldp_system": "esx01", "lldp_port": dev}),
			model.Relation(sw, sw, model.RelHasPort, port, nil))
	}
	learned := append(append([]model.Fact{}, fabric...), model.Relation(sw, model.NewID(model.KindPort, "leaf1/Ethernet1/1"), model.RelLearned,
		model.NewID(model.KindMAC, "00:50:56:00:00:01"), model.Attrs{"vlan": "110"}))
	now := time.Now()
	for _, s := range []model.Snapshot{
		{Source: "vc1", Taken: now.Add(-2 * time.Hour), Facts: vc},
		{Source: "fabric", Taken: now.Add(-2 * time.Hour), Facts: learned},
		{Source: "fabric", Taken: now.Add(-time.Hour), Facts: fabric},
	} {
		if _, err := st.Apply(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestVLANCommands: `vnetmap vlan`, `portgroup` and `history` of a port
// and of a MAC print what the pages show, and their --json is the REST
// API's answer.
func TestVLANCommands(t *testing.T) {
	db := vlanDB(t)
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(api.Handler(query.New(st, nil), prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	tests := []struct {
		name string
		args []string
		path string
		want []string // in the human output
		into any
	}{
		{"vlan", []string{"vlan", "110"}, "/api/v1/vlan/110", []string{
			"VLAN 110  apps  as of ",
			"  switch     leaf1: defined as apps; 1 ports: Ethernet1/1 trunk\n",
			"  port group app-110 on vSwitch0 of esx01 (VLAN 110): 1 hosts, 1 VMs\n",
			"  esx01  ",
			"GAP",
			"  gaps       1 uplink(s) whose switch port does not carry the VLAN:\n",
			"    esx01 vmnic1 (active, port group app-110, VLAN 110) → leaf1 Ethernet1/2\n",
			"  VMs        1: web01\n"}, &query.VLANAnswer{}},
		{"portgroup", []string{"portgroup", "app-110"}, "/api/v1/portgroup/app-110", []string{
			"app-110  110  1 port group(s), 1 VMs",
			"leaf1 Ethernet1/2", "no\n"}, &query.PortgroupAnswer{}},
		{"port history", []string{"history", "port:leaf1/Eth1/1"}, "/api/v1/history/port/leaf1/Ethernet1/1", []string{
			"leaf1 Ethernet1/1  (port:leaf1/Ethernet1/1)\n",
			"  cabled to esx01/vmnic0",
			"  entries 1-2 of 2\n",
			"00:50:56:00:00:01", "VMware", "VM web01", "LLDP esx01 vmnic0"}, &query.PortHistoryAnswer{}},
		{"MAC history", []string{"history", "0050.5600.0001"}, "/api/v1/history/mac/00:50:56:00:00:01", []string{
			"00:50:56:00:00:01  VMware  VM web01 on esx01\n",
			"  learned 1-1 of 1\n",
			"leaf1   Ethernet1/1  110   edge"}, &query.MACHistoryAnswer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := vnetmap(t, append([]string{"--db", db}, tt.args...)...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", tt.args, code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("%v: no %q in\n%s", tt.args, w, out)
				}
			}
			code, out, errOut = vnetmap(t, append(append([]string{"--db", db}, tt.args...), "--json")...)
			if code != 0 {
				t.Fatalf("%v --json: exit %d: %s", tt.args, code, errOut)
			}
			var cli, rest map[string]any
			if err := json.Unmarshal([]byte(out), &cli); err != nil {
				t.Fatalf("%v --json: %v", tt.args, err)
			}
			if err := json.Unmarshal([]byte(out), tt.into); err != nil {
				t.Fatalf("%v --json is no %T: %v", tt.args, tt.into, err)
			}
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if err := json.NewDecoder(resp.Body).Decode(&rest); err != nil {
				t.Fatal(err)
			}
			delete(cli, "at")
			delete(rest, "at")
			if !reflect.DeepEqual(cli, rest) {
				t.Errorf("%v --json and GET %s differ:\n cli %v\nrest %v", tt.args, tt.path, cli, rest)
			}
		})
	}
	for _, bad := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"vlan", "5000"}, 2, "want a VLAN ID from 1 to 4094"},
		{[]string{"vlan", "999"}, 1, "no switch or port group has VLAN 999"},
		{[]string{"portgroup", "app-11"}, 1, `no port group named "app-11"; did you mean "app-110"?`},
		{[]string{"history", "port:leaf1"}, 2, "want port:SWITCH/IF"},
		{[]string{"history", "port:leaf1/Eth9/9"}, 1, `no port on leaf1 named "Eth9/9"`},
		{[]string{"history", "port:leaf1/Eth1/1", "--limit", "5000"}, 2, "limit 5000 out of 1-1000"},
	} {
		if code, _, errOut := vnetmap(t, append([]string{"--db", db}, bad.args...)...); code != bad.code || !strings.Contains(errOut, bad.want) || strings.Contains(errOut, "graph:") {
			t.Errorf("%v: exit %d, %q; want %d with %q", bad.args, code, errOut, bad.code, bad.want)
		}
	}
}
