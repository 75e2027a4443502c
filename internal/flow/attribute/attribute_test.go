package attribute

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// t0 is the origin of test time: tests speak in minutes after it.
var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

var rules = []correlate.AppRule{{FromAttribute: "app"}, {FromTagCategory: "app"}}

// vmFacts states a VM with one vNIC (key 4000) of MAC mac and the given
// addresses.
func vmFacts(uuid, name string, attrs model.Attrs, mac string, addrs ...string) []model.Fact {
	vm := model.NewID(model.KindVM, uuid)
	nic := model.NewID(model.KindVNIC, uuid+"/4000")
	fs := []model.Fact{
		model.Entity(vm, vm, name, attrs),
		model.Entity(vm, nic, "Network adapter 1", model.Attrs{"mac": mac}),
		model.Relation(vm, vm, model.RelHasVNIC, nic, nil),
	}
	for _, a := range addrs {
		ip := model.NewID(model.KindIP, a)
		fs = append(fs, model.Entity(vm, ip, a, nil), model.Relation(vm, nic, model.RelHasIP, ip, nil))
	}
	return fs
}

// virtual is what the vCenter says at minute min: VM a is re-addressed at
// 30 and again at 40; the MAC ...:0b moves from VM b to VM c at 30.
func virtual(min int) model.Snapshot {
	aAddr, bMAC, cMAC := "10.1.0.10", "00:50:56:00:00:0b", "00:50:56:00:00:0c"
	switch {
	case min >= 40:
		aAddr, bMAC, cMAC = "10.1.0.12", "00:50:56:00:00:ff", "00:50:56:00:00:0b"
	case min >= 30:
		aAddr, bMAC, cMAC = "10.1.0.11", "00:50:56:00:00:ff", "00:50:56:00:00:0b"
	}
	var fs []model.Fact
	fs = append(fs, vmFacts("a", "web01", model.Attrs{"attr.app": "shop"}, "00:50:56:00:00:0a", aAddr)...)
	fs = append(fs, vmFacts("b", "db01", model.Attrs{"attr.app": "db"}, bMAC, "10.1.0.20")...)
	fs = append(fs, vmFacts("c", "cache01", nil, cMAC)...)
	fs = append(fs, vmFacts("d", "multi01", model.Attrs{"tags": "app/billing,app/shop"}, "00:50:56:00:00:0d", "10.1.0.40")...)
	fs = append(fs, vmFacts("e", "legacy01", nil, "00:50:56:00:00:0e")...) // no guest IP
	fs = append(fs, vmFacts("f", "clone1", nil, "00:50:56:00:00:f1", "10.1.0.50")...)
	fs = append(fs, vmFacts("g", "clone2", nil, "00:50:56:00:00:f2", "10.1.0.50")...)
	fs = append(fs, vmFacts("h", "v6only", nil, "00:50:56:00:00:16", "2001:db8:1::10")...)
	host := model.NewID(model.KindHost, "esx01")
	pnic := model.NewID(model.KindPNIC, "esx01/vmnic0")
	fs = append(fs, model.Entity(host, host, "esx01", nil),
		model.Entity(host, pnic, "vmnic0", model.Attrs{"mac": "00:50:56:99:00:01"}),
		model.Relation(host, host, model.RelHasPNIC, pnic, nil))
	// Two VMs with one address state the address entity once.
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		if !seen[f.Key()] {
			seen[f.Key()] = true
			out = append(out, f)
		}
	}
	return model.Snapshot{Source: "vc1", Taken: at(min), Facts: out}
}

// fabric is what the SNMP source says at minute min: leaf1 with a
// port-channel that Ethernet1/8 joins at 30, spine1 known to leaf1 by an
// LLDP management address, an ARP entry of a printer and one of VM e.
func fabric(min int) model.Snapshot {
	leaf := model.NewID(model.KindSwitch, "leaf1")
	spine := model.NewID(model.KindSwitch, "spine1")
	port := func(name, ifIndex string, attrs model.Attrs) []model.Fact {
		id := model.NewID(model.KindPort, "leaf1/"+name)
		a := model.Attrs{"ifindex": ifIndex}
		for k, v := range attrs {
			a[k] = v
		}
		return []model.Fact{model.Entity(leaf, id, name, a), model.Relation(leaf, leaf, model.RelHasPort, id, nil)}
	}
	pc := model.NewID(model.KindPortChannel, "leaf1/Port-channel10")
	fs := []model.Fact{
		model.Entity(leaf, leaf, "leaf1", model.Attrs{"address": "10.9.0.1"}),
		model.Entity(spine, spine, "spine1", model.Attrs{"address": "10.9.0.2"}),
		model.Entity(leaf, pc, "Port-channel10", model.Attrs{"ifindex": "100"}),
		model.Relation(leaf, model.NewID(model.KindPort, "leaf1/Ethernet1/7"), model.RelInLAG, pc, nil),
		model.Relation(leaf, leaf, model.RelARP, model.NewID(model.KindIP, "10.1.0.99"), model.Attrs{"mac": "00:11:22:33:44:55"}),
		model.Relation(leaf, leaf, model.RelARP, model.NewID(model.KindIP, "10.1.0.30"), model.Attrs{"mac": "00:50:56:00:00:0e"}),
		model.Entity(leaf, model.NewID(model.KindMAC, "00:aa:bb:cc:dd:ee"), "", nil),
	}
	fs = append(fs, port("Ethernet1/7", "7", nil)...)
	fs = append(fs, port("Ethernet1/8", "8", nil)...)
	fs = append(fs, port("Ethernet1/49", "49", model.Attrs{"lldp_system": "spine1.dc.example", "lldp_mgmt_addr": "10.9.1.2"})...)
	if min >= 30 {
		fs = append(fs, model.Relation(leaf, model.NewID(model.KindPort, "leaf1/Ethernet1/8"), model.RelInLAG, pc, nil))
	}
	return model.Snapshot{Source: "fabric", Taken: at(min), Facts: fs}
}

// testStore is a SQLite store with the virtual and fabric snapshots of
// minutes 0, 30 and 40 applied.
func testStore(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "facts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, min := range []int{0, 30, 40} {
		for _, snap := range []model.Snapshot{virtual(min), fabric(min)} {
			if _, err := st.Apply(ctx, snap); err != nil {
				t.Fatalf("apply %s at %d: %v", snap.Source, min, err)
			}
		}
	}
	return st
}

func mac(s string) [6]byte {
	k := parseMAC(s)
	var m [6]byte
	for i := range m {
		m[i] = byte(k >> (40 - 8*i))
	}
	return m
}

func addr(s string) netip.Addr {
	if s == "" {
		return netip.Addr{}
	}
	return netip.MustParseAddr(s)
}

func TestEndpoint(t *testing.T) {
	internal := []netip.Prefix{netip.MustParsePrefix("172.16.0.0/12")}
	ix, err := Load(context.Background(), testStore(t), rules, internal, at(5), at(50))
	if err != nil {
		t.Fatal(err)
	}
	vm := func(id, app string) flow.Endpoint {
		return flow.Endpoint{Class: flow.ClassVM, VM: "vm:" + id, App: app}
	}
	class := func(c string) flow.Endpoint { return flow.Endpoint{Class: c} }
	tests := []struct {
		name      string
		mac, addr string
		min       int
		want      flow.Endpoint
	}{
		{"MAC beats IP", "00:50:56:00:00:0a", "10.1.0.20", 10, vm("a", "shop")},
		{"IP when the MAC is unknown", "02:00:00:00:00:01", "10.1.0.20", 10, vm("b", "db")},
		{"IP when the record has no MAC", "", "10.1.0.20", 10, vm("b", "db")},
		{"re-addressed: old address before T", "", "10.1.0.10", 29, vm("a", "shop")},
		{"re-addressed: old address after T is no one's", "", "10.1.0.10", 30, class(flow.ClassUnknown)},
		{"re-addressed: new address after T", "", "10.1.0.11", 30, vm("a", "shop")},
		{"re-addressed: new address before T is no one's", "", "10.1.0.11", 29, class(flow.ClassUnknown)},
		{"re-addressed twice: middle address from history", "", "10.1.0.11", 39, vm("a", "shop")},
		{"re-addressed twice: last address", "", "10.1.0.12", 45, vm("a", "shop")},
		{"re-addressed twice: middle address after its end", "", "10.1.0.11", 40, class(flow.ClassUnknown)},
		{"MAC moved: old owner before T", "00:50:56:00:00:0b", "", 29, vm("b", "db")},
		{"MAC moved: new owner after T", "00:50:56:00:00:0b", "", 31, vm("c", "")},
		{"MAC moved: old owner's new MAC", "00:50:56:00:00:ff", "", 31, vm("b", "db")},
		{"several applications", "00:50:56:00:00:0d", "", 10, vm("d", "billing,shop")},
		{"address resolved by a switch's ARP table to a vNIC MAC", "", "10.1.0.30", 10, vm("e", "")},
		{"duplicate address of two VMs is neither's", "", "10.1.0.50", 10, class(flow.ClassUnknown)},
		{"IPv6 address of a VM", "", "2001:db8:1::10", 10, vm("h", "")},
		{"IPv4-mapped IPv6 address", "", "::ffff:10.1.0.20", 10, vm("b", "db")},
		{"address in a switch's ARP table", "", "10.1.0.99", 10, class(flow.ClassKnown)},
		{"a switch's management address", "", "10.9.0.1", 10, class(flow.ClassKnown)},
		{"an address a neighbour announces", "", "10.9.1.2", 10, class(flow.ClassKnown)},
		{"host NIC MAC without an address", "00:50:56:99:00:01", "", 10, class(flow.ClassKnown)},
		{"MAC in a forwarding table, unknown internal address", "00:aa:bb:cc:dd:ee", "10.1.0.77", 10, class(flow.ClassKnown)},
		{"MAC in a forwarding table, external address", "00:aa:bb:cc:dd:ee", "8.8.8.8", 10, class(flow.ClassExternal)},
		{"external address", "", "8.8.8.8", 10, class(flow.ClassExternal)},
		{"unknown address in the /24 of a known one", "", "10.1.0.77", 10, class(flow.ClassUnknown)},
		{"unknown address in a configured network", "", "172.20.1.1", 10, class(flow.ClassUnknown)},
		{"unknown address in the /64 of a known one", "", "2001:db8:1::99", 10, class(flow.ClassUnknown)},
		{"external IPv6 address", "", "2001:db8:2::1", 10, class(flow.ClassExternal)},
		{"unknown MAC without an address", "02:00:00:00:00:01", "", 10, class(flow.ClassUnknown)},
		{"nothing", "", "", 10, class(flow.ClassUnknown)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m [6]byte
			if tt.mac != "" {
				m = mac(tt.mac)
			}
			got := ix.Endpoint(m, addr(tt.addr), MomentOf(at(tt.min)))
			if *got != tt.want {
				t.Errorf("got %+v; want %+v", *got, tt.want)
			}
		})
	}
}

func TestExporter(t *testing.T) {
	ix, err := Load(context.Background(), testStore(t), rules, nil, at(5), at(50))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		exporter string
		ifIndex  uint32
		min      int
		want     *Port // nil: no port
		noSwitch bool
	}{
		{"member port with its port-channel", "10.9.0.1", 7, 10, &Port{"port:leaf1/Ethernet1/7", "portchannel:leaf1/Port-channel10"}, false},
		{"port outside a port-channel", "10.9.0.1", 8, 10, &Port{"port:leaf1/Ethernet1/8", ""}, false},
		{"port joins the port-channel at T: before", "10.9.0.1", 8, 29, &Port{"port:leaf1/Ethernet1/8", ""}, false},
		{"port joins the port-channel at T: after", "10.9.0.1", 8, 30, &Port{"port:leaf1/Ethernet1/8", "portchannel:leaf1/Port-channel10"}, false},
		{"the port-channel's own ifIndex", "10.9.0.1", 100, 10, &Port{"portchannel:leaf1/Port-channel10", "portchannel:leaf1/Port-channel10"}, false},
		{"unknown ifIndex", "10.9.0.1", 55, 10, nil, false},
		{"ifIndex 0", "10.9.0.1", 0, 10, nil, false},
		{"switch by an address its neighbour announces", "10.9.1.2", 7, 10, nil, false},
		{"not a switch", "10.1.0.20", 7, 10, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ix.Exporter(addr(tt.exporter), MomentOf(at(tt.min)))
			if (e == nil) != tt.noSwitch {
				t.Fatalf("exporter %s: got %v; want a switch: %v", tt.exporter, e, !tt.noSwitch)
			}
			got := e.Port(tt.ifIndex, MomentOf(at(tt.min)))
			switch {
			case got == nil && tt.want == nil:
			case got == nil || tt.want == nil || *got != *tt.want:
				t.Errorf("port %d: got %v; want %v", tt.ifIndex, got, tt.want)
			}
		})
	}
	if e := ix.Exporter(addr("10.9.1.2"), MomentOf(at(10))); e == nil || e.Switch != "switch:spine1" {
		t.Errorf("exporter 10.9.1.2: got %v; want switch:spine1", e)
	}
}

// TestLoadWindowEnds checks that an index loaded for a window that ends
// before a change does not know it, and that Load rejects a reversed window.
func TestLoadWindowEnds(t *testing.T) {
	st := testStore(t)
	ix, err := Load(context.Background(), st, rules, nil, at(0), at(20))
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Endpoint([6]byte{}, addr("10.1.0.11"), MomentOf(at(35))); got.Class != flow.ClassUnknown {
		t.Errorf("10.1.0.11 at 35 with a window ending at 20: got %+v; want unknown", *got)
	}
	// Open versions reach past the window's end.
	if got := ix.Endpoint([6]byte{}, addr("10.1.0.20"), MomentOf(at(90))); got.VM != "vm:b" {
		t.Errorf("10.1.0.20 at 90: got %+v; want vm:b", *got)
	}
	if _, err := Load(context.Background(), st, rules, nil, at(20), at(0)); err == nil {
		t.Error("reversed window: got no error")
	}
}

func TestBuildCoalesces(t *testing.T) {
	// The same address in the ARP tables of 50 switches is one segment.
	var vs []model.Version
	for i := range 50 {
		sw := model.NewID(model.KindSwitch, "s"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		vs = append(vs, model.Version{Fact: model.Relation(sw, sw, model.RelARP, model.NewID(model.KindIP, "10.5.0.1"), model.Attrs{"mac": "02:00:00:00:00:05"}),
			Source: "fabric", From: at(i % 5)})
	}
	ix := Build(vs, nil, nil)
	if ix.Stats.Segments != 2 { // the address and the MAC
		t.Errorf("segments: got %d; want 2", ix.Stats.Segments)
	}
	if got := ix.Endpoint([6]byte{}, addr("10.5.0.1"), MomentOf(at(10))); got.Class != flow.ClassKnown {
		t.Errorf("got %+v; want known", *got)
	}
	if got := ix.Endpoint([6]byte{}, addr("10.5.0.1"), MomentOf(at(-1))); got.Class != flow.ClassUnknown {
		t.Errorf("before every version: got %+v; want unknown", *got)
	}
}

func TestEndpointAllocs(t *testing.T) {
	ix, err := Load(context.Background(), testStore(t), rules, nil, at(5), at(50))
	if err != nil {
		t.Fatal(err)
	}
	m, a, v6, now := mac("00:50:56:00:00:0a"), addr("10.1.0.20"), addr("2001:db8:2::1"), MomentOf(at(10))
	e := ix.Exporter(addr("10.9.0.1"), now)
	if n := testing.AllocsPerRun(100, func() {
		ix.Endpoint(m, a, now)
		ix.Endpoint([6]byte{}, a, now)
		ix.Endpoint([6]byte{}, v6, now)
		ix.Exporter(addr("10.9.0.1"), now).Port(7, now)
		e.Port(8, now)
	}); n != 0 {
		t.Errorf("allocations per lookup: got %v; want 0", n)
	}
}

func TestConfiguration(t *testing.T) {
	if err := DefaultConfiguration().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	bad := DefaultConfiguration()
	bad.Window = time.Second
	if err := bad.Validate(); err == nil {
		t.Error("window of a second: got no error")
	}
	bad = DefaultConfiguration()
	bad.InternalNetworks = []netip.Prefix{{}}
	if err := bad.Validate(); err == nil {
		t.Error("invalid prefix: got no error")
	}
}
