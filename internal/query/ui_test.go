package query

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

func TestSearch(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	type hit struct{ kind, name, page, key, port string }
	tests := []struct {
		name, text string
		limit      int
		want       []hit // the first matches, in order
		wantLen    int   // -1: don't check
	}{
		{"VM by exact name first", "app1", 0, []hit{{"vm", "app1", PageVM, "app1", ""}}, -1},
		{"application", "shop", 0, []hit{{"application", "shop", PageApplication, "shop", ""}}, 1},
		{"hosts by prefix, natural order", "esx0", 0, []hit{{"host", "esx01", PageHost, "esx01", ""}, {"host", "esx02", PageHost, "esx02", ""}, {"host", "esx03", PageHost, "esx03", ""}}, 3},
		{"switch", "LEAF2", 0, []hit{{"switch", "leaf2", PageSwitch, "leaf2", ""}}, -1},
		{"interface in another spelling, every switch", "eth1/2", 0, []hit{
			{"port", "leaf1 Ethernet1/2", PageSwitch, "leaf1", "Ethernet1/2"}, {"port", "leaf2 Ethernet1/2", PageSwitch, "leaf2", "Ethernet1/2"}}, 2},
		{"interface of one switch", "leaf2 Eth1/2", 0, []hit{{"port", "leaf2 Ethernet1/2", PageSwitch, "leaf2", "Ethernet1/2"}}, 1},
		{"port-channel", "po20", 0, []hit{{"portchannel", "leaf1 Port-channel20", PageSwitch, "leaf1", "Port-channel20"}, {"portchannel", "leaf2 Port-channel20", PageSwitch, "leaf2", "Port-channel20"}}, 2},
		{"vNIC MAC in Cisco notation leads to the VM", "0050.5600.0002", 0, []hit{{"mac", "00:50:56:00:00:02", PageVM, "db1", ""}}, 1},
		{"pNIC MAC leads to the host", "00-25-b5-03-00-00", 0, []hit{{"mac", "00:25:b5:03:00:00", PageHost, "esx03", ""}}, 1},
		{"VLAN", "vlan 110", 0, []hit{{"vlan", "VLAN 110", PageVLAN, "110", ""}}, 1},
		{"limit", "e", 2, nil, 2},
		{"nothing", "zzz", 0, nil, 0},
		{"blank", "  ", 0, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := q.Search(ctx, tt.text, tt.limit, t1)
			if err != nil {
				t.Fatal(err)
			}
			var got []hit
			for _, m := range a.Matches {
				got = append(got, hit{string(m.Kind), m.Name, m.Page, m.Key, m.Port})
			}
			if len(got) < len(tt.want) || len(tt.want) > 0 && !reflect.DeepEqual(got[:len(tt.want)], tt.want) {
				t.Errorf("Search(%q) = %+v; want it to start with %+v", tt.text, got, tt.want)
			}
			if tt.wantLen >= 0 && len(got) != tt.wantLen {
				t.Errorf("Search(%q): %d matches %+v; want %d", tt.text, len(got), got, tt.wantLen)
			}
		})
	}
	// The printer's IP is only in leaf1's ARP table, until t1.
	a, err := q.Search(ctx, "10.0.110.250", 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Matches) != 1 || a.Matches[0].Page != PageWhere || a.Matches[0].Key != "10.0.110.250" {
		t.Errorf("Search(10.0.110.250) at t0 = %+v; want the where page of the address", a.Matches)
	}
	if a, _ := q.Search(ctx, "e", 2, t1); !a.Truncated {
		t.Errorf("Search(e, limit 2) not truncated")
	}
	for _, bad := range []struct {
		text  string
		limit int
	}{{strings.Repeat("x", MaxSearchLen+1), 0}, {"x", MaxSearchLimit + 1}, {"x", -1}} {
		if _, err := q.Search(ctx, bad.text, bad.limit, t1); !errors.Is(err, ErrBadRequest) {
			t.Errorf("Search(%.10q…, %d) error = %v; want ErrBadRequest", bad.text, bad.limit, err)
		}
	}
}

func TestHostPage(t *testing.T) {
	q := scenario(t)
	a, err := q.Host(context.Background(), "ESX02", t1)
	if err != nil {
		t.Fatal(err)
	}
	type pnic struct {
		dev, vswitches, ports, evidence string
		vms                             int
	}
	var got []pnic
	for _, p := range a.PNICs {
		var ports, ev []string
		for _, c := range p.Ports {
			ports = append(ports, c.Switch+" "+c.Port+" "+c.PortChannel+" "+c.Confidence+" "+c.VLANs)
			ev = append(ev, strings.Join(c.Evidence, "+"))
		}
		got = append(got, pnic{p.Device, strings.Join(p.VSwitches, ","), strings.Join(ports, ","), strings.Join(ev, ","), p.VMs})
	}
	want := []pnic{
		{"vmnic0", "vSwitch0", "leaf1 Ethernet1/5  medium 110,120", "host-cdp", 1},
		{"vmnic2", "dvs-prod lag1-0 (lag1)", "leaf1 Ethernet1/2 Port-channel20 high 110,120", "host-lldp+switch-lldp", 1},
		{"vmnic3", "dvs-prod lag1-1 (lag1)", "leaf2 Ethernet1/2 Port-channel20 high 110,120", "host-lldp+switch-lldp", 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pnics:\n got %+v\nwant %+v", got, want)
	}
	var vs []string
	for _, s := range a.VSwitches {
		for _, pg := range s.Portgroups {
			vs = append(vs, s.Name+" "+strings.Join(s.Uplinks, "+")+" "+pg.Name+" vlan "+pg.VLAN+" vms "+strconv.Itoa(pg.VMs))
		}
	}
	if want := []string{"dvs-prod vmnic2+vmnic3 db-120 vlan 120 vms 1", "vSwitch0 vmnic0 app-110 vlan 110 vms 1"}; !reflect.DeepEqual(vs, want) {
		t.Errorf("vswitches = %q; want %q", vs, want)
	}
	if len(a.VMs) != 2 || a.VMs[0].Name != "app1" || a.VMs[1].Name != "db1" || a.VMs[0].Applications[0] != "shop" {
		t.Errorf("vms = %+v; want app1 and db1 of shop", a.VMs)
	}
	if want := []string{"110", "120"}; !reflect.DeepEqual(a.VLANs, want) {
		t.Errorf("vlans = %v; want %v", a.VLANs, want)
	}
	// Before the migration app1 was on esx01.
	b, err := q.Host(context.Background(), "esx01", t0.Add(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.VMs) != 1 || b.VMs[0].Name != "app1" {
		t.Errorf("esx01 at t0: vms %+v; want app1", b.VMs)
	}
	if _, err := q.Host(context.Background(), "esx99", t1); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("Host(esx99) error = %v; want ErrNotFound", err)
	}
}

func TestSwitchPage(t *testing.T) {
	q := scenario(t)
	a, err := q.Switch(context.Background(), "leaf1", t1)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range a.Ports {
		var att []string
		for _, x := range p.Attached {
			att = append(att, x.Host+"/"+x.Device+"="+strings.Join(x.VMs, "+"))
		}
		got[p.Name] = strings.Join(att, ",") + "|" + p.PortChannel + "|" + strings.Join(p.Members, "+") + "|" + p.Peer
	}
	want := map[string]string{
		"Ethernet1/1":    "esx01/vmnic0=|||",
		"Ethernet1/2":    "esx02/vmnic2=db1|Port-channel20||",
		"Ethernet1/3":    "esx03/vmnic0=|||",
		"Ethernet1/4":    "esx03/vmnic0=|||",
		"Ethernet1/5":    "esx02/vmnic0=app1|||",
		"Ethernet1/49":   "|||leaf2 Ethernet1/49",
		"Port-channel20": "esx02/vmnic2=db1||Ethernet1/2|",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ports:\n got %q\nwant %q", got, want)
	}
	if a.Ports[0].Name != "Ethernet1/1" || a.Ports[len(a.Ports)-1].Kind != model.KindPortChannel {
		t.Errorf("ports not in natural order, port-channels last: %s … %s", a.Ports[0].Name, a.Ports[len(a.Ports)-1].Name)
	}
	if !reflect.DeepEqual(a.Neighbors, []string{"leaf2"}) || a.Hosts != 3 || a.VMs != 2 {
		t.Errorf("neighbors %v, hosts %d, vms %d; want [leaf2], 3, 2", a.Neighbors, a.Hosts, a.VMs)
	}
	if _, err := q.Switch(context.Background(), "spine9", t1); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("Switch(spine9) error = %v; want ErrNotFound", err)
	}
}

func TestApplicationPage(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	for _, tt := range []struct {
		at    string
		hosts []string
	}{{"t0", []string{"esx01", "esx02"}}, {"t1", []string{"esx02"}}} {
		at := t0.Add(1)
		if tt.at == "t1" {
			at = t1
		}
		a, err := q.Application(ctx, "Shop", at)
		if err != nil {
			t.Fatal(err)
		}
		var vms []string
		for _, v := range a.VMs {
			vms = append(vms, v.Name+"@"+v.Host)
		}
		if len(vms) != 2 || !reflect.DeepEqual(a.Hosts, tt.hosts) {
			t.Errorf("shop at %s: vms %v, hosts %v; want 2 VMs on %v", tt.at, vms, a.Hosts, tt.hosts)
		}
	}
	if _, err := q.Application(ctx, "nope", t1); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("Application(nope) error = %v; want ErrNotFound", err)
	}
}

func TestTopology(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	type view struct{ nodes, edges []string }
	render := func(a *TopologyAnswer) view {
		var v view
		for _, n := range a.Nodes {
			v.nodes = append(v.nodes, n.ID)
		}
		for _, e := range a.Edges {
			v.edges = append(v.edges, e.Source+" "+e.Kind+" "+e.Target+" "+strconv.Itoa(e.Links))
		}
		return v
	}
	tests := []struct {
		name, group string
		expand      []string
		want        view
	}{
		{"collapsed: clusters and switches", "", nil, view{
			[]string{"grp:no-cluster", "switch:leaf1", "switch:leaf2"},
			[]string{"grp:no-cluster cabling switch:leaf1 5", "grp:no-cluster cabling switch:leaf2 2", "switch:leaf1 isl switch:leaf2 1"}}},
		{"a cluster and a host expanded", "cluster", []string{"host:esx02", "grp:no-cluster", "nosuch"}, view{
			[]string{"host:esx01", "host:esx02", "host:esx03", "switch:leaf1", "switch:leaf2", "vm:u-01", "vm:u-02"},
			[]string{"host:esx01 cabling switch:leaf1 1", "host:esx01 cabling switch:leaf2 1", "host:esx02 cabling switch:leaf1 2",
				"host:esx02 cabling switch:leaf2 1", "host:esx03 cabling switch:leaf1 2", "switch:leaf1 isl switch:leaf2 1",
				"vm:u-01 placement host:esx02 1", "vm:u-02 placement host:esx02 1"}}},
		{"a host without its cluster expanded stays hidden", "cluster", []string{"host:esx02"}, view{
			[]string{"grp:no-cluster", "switch:leaf1", "switch:leaf2"},
			[]string{"grp:no-cluster cabling switch:leaf1 5", "grp:no-cluster cabling switch:leaf2 2", "switch:leaf1 isl switch:leaf2 1"}}},
		{"racks by the switches hosts are cabled to", "switch", nil, view{
			[]string{"grp:rack/leaf1", "grp:rack/leaf1+leaf2", "switch:leaf1", "switch:leaf2"},
			[]string{"grp:rack/leaf1 cabling switch:leaf1 2", "grp:rack/leaf1+leaf2 cabling switch:leaf1 3", "grp:rack/leaf1+leaf2 cabling switch:leaf2 2", "switch:leaf1 isl switch:leaf2 1"}}},
		{"applications placed on clusters", "application", []string{"application:shop"}, view{
			[]string{"grp:app/application:shop@grp:no-cluster", "grp:no-app", "grp:no-cluster", "switch:leaf1", "switch:leaf2"},
			[]string{"grp:app/application:shop@grp:no-cluster placement grp:no-cluster 2", "grp:no-app placement grp:no-cluster 1",
				"grp:no-cluster cabling switch:leaf1 5", "grp:no-cluster cabling switch:leaf2 2", "switch:leaf1 isl switch:leaf2 1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := q.Topology(ctx, tt.group, tt.expand, t1)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(a); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("topology:\n got %q\n     %q\nwant %q\n     %q", got.nodes, got.edges, tt.want.nodes, tt.want.edges)
			}
			if a.Totals["vms"] != 3 || a.Totals["hosts"] != 3 || a.Totals["switches"] != 2 {
				t.Errorf("totals = %v", a.Totals)
			}
		})
	}
	a, err := q.Topology(ctx, "cluster", []string{"grp:no-cluster"}, t1)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range a.Nodes {
		if n.ID == "host:esx02" && (n.VMs != 2 || !n.Expandable || n.Page != PageHost || n.Parent != "grp:no-cluster") {
			t.Errorf("esx02 node = %+v; want 2 VMs, expandable, host page, parent grp:no-cluster", n)
		}
		if n.ID == "switch:leaf1" && n.Role != "leaf" {
			t.Errorf("leaf1 role = %q; want leaf", n.Role)
		}
	}

	defer func(old int) { topologyNodeLimit = old }(topologyNodeLimit)
	topologyNodeLimit = 5
	a, err = q.Topology(ctx, "cluster", []string{"grp:no-cluster", "host:esx02"}, t1)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Truncated || !reflect.DeepEqual(a.Expanded, []string{"grp:no-cluster"}) || len(a.Nodes) != 5 {
		t.Errorf("with a limit of 5 nodes: truncated %v, expanded %v, %d nodes; want true, [grp:no-cluster], 5", a.Truncated, a.Expanded, len(a.Nodes))
	}

	if _, err := q.Topology(ctx, "rack", nil, t1); !errors.Is(err, ErrBadRequest) {
		t.Errorf("group rack: error %v; want ErrBadRequest", err)
	}
	if _, err := q.Topology(ctx, "", make([]string, MaxTopologyExpand+1), t1); !errors.Is(err, ErrBadRequest) {
		t.Errorf("too many expansions: error %v; want ErrBadRequest", err)
	}
}

func TestPlacements(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	a, err := q.Placements(ctx, "app1", t1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := q.History(ctx, "app1", t1)
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, p := range a.Placements {
		got = append(got, p.HostName+" "+p.From.Format(time.RFC3339))
		if p.Attachment != nil {
			t.Errorf("placement on %s has an attachment: %+v", p.HostName, p.Attachment)
		}
	}
	for _, p := range h.Placements {
		want = append(want, p.HostName+" "+p.From.Format(time.RFC3339))
	}
	if len(got) != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("placements = %v; want the history's %v (esx01 then esx02)", got, want)
	}
	if _, err := q.Placements(ctx, "nosuch", t1); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("Placements(nosuch) error = %v; want ErrNotFound", err)
	}
}

// FuzzSearch: any text either is refused as too long or answers at most the
// limit of matches, each leading to a page, without panicking.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"app1", "eth1/2", "leaf2 Eth1/2", "0050.5600.0002", "00-25-b5", "10.0.110.250", "vlan 110", "4094", "::", "a/b/c", " ", "\xff\xfe", "vlan 99999999999999999999"} {
		f.Add(s, 5)
	}
	q := scenarioFuzz(f)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		a, err := q.Search(context.Background(), text, limit, t1)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("Search(%q, %d): %v", text, limit, err)
			}
			return
		}
		want := limit
		if want == 0 {
			want = DefaultSearchLimit
		}
		if len(a.Matches) > want {
			t.Fatalf("Search(%q, %d): %d matches", text, limit, len(a.Matches))
		}
		for _, m := range a.Matches {
			if m.Page == "" || m.Key == "" {
				t.Fatalf("Search(%q): match %+v leads nowhere", text, m)
			}
		}
	})
}

// scenarioFuzz is the scenario's vCenter and fabric (the migration at t1
// included) for a fuzz target, which scenario cannot take.
func scenarioFuzz(tb testing.TB) *Service {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+tb.TempDir()+"/f.db")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	for _, s := range []model.Snapshot{
		{Source: "fabric", Taken: t0, Facts: fabric()},
		{Source: "vc1", Taken: t0, Facts: vcenter(esx01)},
		{Source: "vc1", Taken: t1, Facts: vcenter(esx02)},
	} {
		if _, err := st.Apply(ctx, s); err != nil {
			tb.Fatal(err)
		}
	}
	return New(st, []correlate.AppRule{{Name: "shop", Names: []string{"app*", "db*"}}})
}
