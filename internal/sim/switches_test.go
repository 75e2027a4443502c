package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/source/snmp"
)

const testCommunity = "sim-fabric-test"

// startFabric starts the switches of d.
func startFabric(t *testing.T, d *DataCenter) (seeds []string, port uint16) {
	t.Helper()
	seeds, port, err := d.StartSwitches(context.Background(), testCommunity)
	if err != nil {
		t.Fatalf("StartSwitches: %v", err)
	}
	return seeds, port
}

// collectFabric reads the switches with the SNMP source, discovering them
// from the seeds, and returns the snapshot, the requests sent and the time.
func collectFabric(t *testing.T, seeds []string, port uint16) (model.Snapshot, snmp.Requests, time.Duration) {
	t.Helper()
	t.Setenv("VNETMAP_SIM_TEST_COMMUNITY", testCommunity)
	cfg := snmp.DefaultConfiguration()
	cfg.Name, cfg.Seeds, cfg.Port, cfg.CommunityEnv = "fabric", seeds, port, "VNETMAP_SIM_TEST_COMMUNITY"
	cfg.Timeout, cfg.Retries = time.Second, 0
	cfg.Discovery.AllowedSubnets = []string{"127.0.0.0/8"}
	c, err := snmp.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	snap, err := c.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if len(snap.Failures) > 0 {
		t.Errorf("failures: %q", snap.Failures)
	}
	return snap, c.Requests(), time.Since(start)
}

// factIndex indexes a snapshot: entities by ID, relations by subject.
type factIndex struct {
	ents map[model.ID]model.Fact
	rels map[model.ID][]model.Fact
}

func indexFacts(snap model.Snapshot) factIndex {
	ix := factIndex{ents: map[model.ID]model.Fact{}, rels: map[model.ID][]model.Fact{}}
	for _, f := range snap.Facts {
		if f.IsRelation() {
			ix.rels[f.Subject] = append(ix.rels[f.Subject], f)
		} else {
			ix.ents[f.Subject] = f
		}
	}
	return ix
}

func (ix factIndex) related(from model.ID, rel model.RelKind) []model.ID {
	var out []model.ID
	for _, f := range ix.rels[from] {
		if f.Rel == rel {
			out = append(out, f.Object)
		}
	}
	return out
}

// vlanList parses "10,110-160" into VLAN ids.
func vlanList(t *testing.T, s string) []int {
	t.Helper()
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		if part == "" {
			continue
		}
		lo, hi, ok := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := a, error(nil)
		if ok {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("VLAN list %q", s)
		}
		for v := a; v <= b; v++ {
			out = append(out, v)
		}
	}
	return out
}

func TestSwitchesThroughSNMPSource(t *testing.T) {
	d := start(t, DefaultConfig())
	seeds, port := startFabric(t, d)
	if _, _, err := d.StartSwitches(context.Background(), testCommunity); !errors.Is(err, ErrSwitchesStarted) {
		t.Errorf("second StartSwitches: got %v; want ErrSwitchesStarted", err)
	}
	snap, req, took := collectFabric(t, seeds, port)
	t.Logf("collected %d facts from %d switches in %s: %+v", len(snap.Facts), len(d.Switches())+spines, took, req)
	ix := indexFacts(snap)

	t.Run("discovery", func(t *testing.T) {
		want := []string{"spine1", "spine2"}
		for _, s := range d.Switches() {
			want = append(want, s.Name)
		}
		for _, name := range want {
			f, ok := ix.ents[model.NewID(model.KindSwitch, name)]
			if !ok {
				t.Errorf("switch %s not discovered from %v", name, seeds)
				continue
			}
			if !strings.Contains(f.Attrs["sysdescr"], "NX-OS") || f.Attrs["chassis_id"] == "" {
				t.Errorf("switch %s: attrs %v", name, f.Attrs)
			}
		}
		if got := ix.ents[model.NewID(model.KindSwitch, "leaf1")].Attrs["discovered_from"]; got != "seed" {
			t.Errorf("leaf1 discovered_from %q; want seed", got)
		}
	})

	badHost, badPNIC := d.plan.misconfigured()
	badCable := d.plan.hosts[badHost].pnics[badPNIC].cable
	t.Run("cabling", func(t *testing.T) {
		for _, c := range d.Cabling() {
			id := model.NewID(model.KindPort, c.Switch, c.Port)
			p, ok := ix.ents[id]
			if !ok {
				t.Errorf("%s/%s: no port %s", c.Host, c.PNIC, id.Key())
				continue
			}
			if p.Attrs["oper"] != "up" || p.Attrs["speed_mbps"] != strconv.Itoa(c.Speed) {
				t.Errorf("%s: oper %s speed %s; want up %d", id.Key(), p.Attrs["oper"], p.Attrs["speed_mbps"], c.Speed)
			}
			want := slices.Concat([]int{c.Native}, vlanList(t, c.VLANs))
			if c == badCable {
				want = slices.DeleteFunc(want, func(v int) bool { return v == misconfiguredVLAN })
			}
			slices.Sort(want)
			trunk := p
			if c.LAG != "" {
				if got := p.Attrs["lldp_system"] + " " + p.Attrs["lldp_port"]; got != c.Host+" "+c.PNIC {
					t.Errorf("%s LLDP neighbour: got %q; want %q", id.Key(), got, c.Host+" "+c.PNIC)
				}
				if p.Attrs["cdp_device"] != "" {
					t.Errorf("%s: CDP neighbour %q on an LLDP link", id.Key(), p.Attrs["cdp_device"])
				}
				pc := model.NewID(model.KindPortChannel, c.Switch, "Port-channel"+strconv.Itoa(c.PortChannel))
				if got := ix.related(id, model.RelInLAG); !slices.Equal(got, []model.ID{pc}) {
					t.Errorf("%s in_lag %v; want %s", id.Key(), got, pc.Key())
				}
				trunk = ix.ents[pc]
			} else {
				if got := p.Attrs["cdp_device"] + " " + p.Attrs["cdp_port"]; got != c.Host+" "+c.PNIC {
					t.Errorf("%s CDP neighbour: got %q; want %q", id.Key(), got, c.Host+" "+c.PNIC)
				}
				if p.Attrs["lldp_system"] != "" {
					t.Errorf("%s: LLDP neighbour %q on a CDP link", id.Key(), p.Attrs["lldp_system"])
				}
			}
			if trunk.Attrs["mode"] != "trunk" || trunk.Attrs["native_vlan"] != strconv.Itoa(c.Native) || trunk.Attrs["allowed_vlans"] != snmp.Ranges(want) {
				t.Errorf("%s: mode %s native %s allowed %s; want trunk %d %s", trunk.Subject.Key(), trunk.Attrs["mode"], trunk.Attrs["native_vlan"], trunk.Attrs["allowed_vlans"], c.Native, snmp.Ranges(want))
			}
		}
	})

	t.Run("misconfiguration", func(t *testing.T) {
		p := ix.ents[model.NewID(model.KindPort, badCable.Switch, badCable.Port)]
		if slices.Contains(vlanList(t, p.Attrs["allowed_vlans"]), misconfiguredVLAN) {
			t.Errorf("%s/%s allows VLAN %d; want it missing", badCable.Switch, badCable.Port, misconfiguredVLAN)
		}
		if !slices.Contains(vlanList(t, badCable.VLANs), misconfiguredVLAN) {
			t.Errorf("the host side of %s/%s does not send VLAN %d (%s)", badCable.Host, badCable.PNIC, misconfiguredVLAN, badCable.VLANs)
		}
	})

	t.Run("inter-switch links", func(t *testing.T) {
		for _, s := range d.Switches() {
			for _, n := range []int{49, 50} {
				id := model.NewID(model.KindPort, s.Name, fmt.Sprintf("Ethernet1/%d", n))
				a := ix.ents[id].Attrs
				peer := slices.IndexFunc(d.Switches(), func(o Switch) bool { return o.Name == s.Peer })
				wantAddr := d.plan.fabric()[peer].addr.String()
				if a["lldp_system"] != s.Peer || a["lldp_port"] != id.Key()[len(s.Name)+1:] || a["lldp_mgmt_addr"] != wantAddr || !strings.HasPrefix(a["cdp_device"], s.Peer+"(") {
					t.Errorf("%s: neighbour %s %s %s cdp %s; want %s %s", id.Key(), a["lldp_system"], a["lldp_port"], a["lldp_mgmt_addr"], a["cdp_device"], s.Peer, wantAddr)
				}
				pc := model.NewID(model.KindPortChannel, s.Name, "Port-channel1")
				if got := ix.related(id, model.RelInLAG); !slices.Equal(got, []model.ID{pc}) {
					t.Errorf("%s in_lag %v; want %s", id.Key(), got, pc.Key())
				}
			}
			for k := 1; k <= spines; k++ {
				a := ix.ents[model.NewID(model.KindPort, s.Name, fmt.Sprintf("Ethernet1/%d", uplinkFirst+k-1))].Attrs
				if a["lldp_system"] != "spine"+strconv.Itoa(k) {
					t.Errorf("%s uplink %d: neighbour %q", s.Name, k, a["lldp_system"])
				}
			}
		}
	})

	t.Run("forwarding tables", func(t *testing.T) {
		placement, err := d.placement(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		learned := map[string][]string{} // mac → ports
		for _, f := range snap.Facts {
			if f.Rel == model.RelLearned {
				learned[f.Object.Key()] = append(learned[f.Object.Key()], f.Subject.Key()+" vlan "+f.Attrs["vlan"])
			}
		}
		for _, v := range d.VMs() {
			if v.Name != "web01" {
				continue
			}
			vi := slices.IndexFunc(d.plan.vms, func(p vmPlan) bool { return p.name == v.Name })
			h := &d.plan.hosts[placement[vi]]
			var want []string
			for _, pn := range h.pnics {
				if pn.use == lagPort {
					want = append(want, fmt.Sprintf("%s/Port-channel%d vlan 110", pn.cable.Switch, pn.cable.PortChannel))
				}
			}
			if got := learned[v.NICs[0].MAC]; !slices.Equal(got, want) {
				t.Errorf("web01 %s learned on %v; want %v", v.NICs[0].MAC, got, want)
			}
		}
		for _, c := range d.Cabling() {
			if c.PNIC == "vmnic0" {
				if got, want := learned[c.MAC], []string{c.Switch + "/" + c.Port + " vlan 10"}; !slices.Equal(got, want) {
					t.Errorf("%s vmnic0 (vmk0) %s learned on %v; want %v", c.Host, c.MAC, got, want)
				}
			}
		}
	})

	t.Run("arp", func(t *testing.T) {
		arp := map[string]model.Fact{} // "switch ip" → fact
		for _, f := range snap.Facts {
			if f.Rel == model.RelARP {
				arp[f.Subject.Key()+" "+f.Object.Key()] = f
			}
		}
		leaf := d.Switches()[printer.leaf].Name
		f, ok := arp[leaf+" "+printer.ip.String()]
		if !ok {
			t.Fatalf("%s: no arp entry for the printer %s", leaf, printer.ip)
		}
		want := model.Attrs{"mac": printer.mac, "interface": "Vlan10", "vlan": "10", "type": "dynamic"}
		if !maps.Equal(f.Attrs, want) || f.Owner != model.ID("switch:"+leaf+"#arp") || f.Subject != model.NewID(model.KindSwitch, leaf) {
			t.Errorf("printer arp: got %s %v owned by %s; want %v owned by switch:%s#arp", f.Key(), f.Attrs, f.Owner, want, leaf)
		}
		var at []string
		for _, f := range snap.Facts {
			if f.Rel == model.RelLearned && f.Object == model.NewID(model.KindMAC, printer.mac) {
				at = append(at, f.Subject.Key()+" vlan "+f.Attrs["vlan"])
			}
		}
		if len(at) != 1 || !strings.HasPrefix(at[0], leaf+"/Ethernet1/") || !strings.HasSuffix(at[0], " vlan 10") {
			t.Errorf("printer %s learned on %v; want one edge port of %s in VLAN 10", printer.mac, at, leaf)
		}
		for _, v := range d.VMs() {
			if v.Name != "web01" {
				continue
			}
			ip := v.NICs[0].IPs[0]
			var on []string
			for _, f := range arp {
				if f.Object == model.NewID(model.KindIP, ip) {
					on = append(on, f.Subject.Key())
					if w := (model.Attrs{"mac": v.NICs[0].MAC, "interface": "Vlan110", "vlan": "110", "type": "dynamic"}); !maps.Equal(f.Attrs, w) {
						t.Errorf("web01 %s on %s: got %v; want %v", ip, f.Subject.Key(), f.Attrs, w)
					}
				}
			}
			if len(on) == 0 {
				t.Errorf("web01 %s: in no leaf's ARP table", ip)
			}
		}
		if _, ok := ix.ents[model.NewID(model.KindPort, leaf, "Vlan10")]; !ok {
			t.Errorf("%s: no port Vlan10 (the SVI)", leaf)
		}
	})

	t.Run("migration moves the MACs", func(t *testing.T) {
		placement, _ := d.placement(context.Background())
		vi := slices.IndexFunc(d.plan.vms, func(p vmPlan) bool { return p.name == "web01" })
		from := &d.plan.hosts[placement[vi]]
		var to *hostPlan
		for hi := range d.plan.hosts {
			h := &d.plan.hosts[hi]
			if h != from && d.plan.clusters[h.cluster].dvs && h.pos != from.pos {
				to = h
				break
			}
		}
		if err := d.Migrate(context.Background(), "web01", to.name); err != nil {
			t.Fatal(err)
		}
		snap, _, _ := collectFabric(t, seeds, port)
		mac := model.NewID(model.KindMAC, d.plan.vms[vi].nics[0].mac)
		var got []string
		for _, f := range snap.Facts {
			if f.Rel == model.RelLearned && f.Object == mac {
				got = append(got, f.Subject.Key())
			}
		}
		pc := "Port-channel" + strconv.Itoa(to.pnics[2].cable.PortChannel)
		if want := []string{to.pnics[2].cable.Switch + "/" + pc, to.pnics[3].cable.Switch + "/" + pc}; !slices.Equal(got, want) {
			t.Errorf("after moving web01 to %s: learned on %v; want %v", to.name, got, want)
		}
	})
}

// TestAgentProtocol checks the agent's answers with gosnmp as the client.
func TestAgentProtocol(t *testing.T) {
	d := start(t, DefaultConfig())
	seeds, port := startFabric(t, d)
	client := func(community string) *gosnmp.GoSNMP {
		g := &gosnmp.GoSNMP{Target: seeds[0], Port: port, Community: community, Version: gosnmp.Version2c, Timeout: 300 * time.Millisecond, Retries: 0, MaxOids: gosnmp.MaxOids}
		if err := g.Connect(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Conn.Close() })
		return g
	}
	g := client(testCommunity)

	t.Run("get", func(t *testing.T) {
		pkt, err := g.Get([]string{".1.3.6.1.2.1.1.5.0", ".1.3.6.1.2.1.1.5.1", ".1.3.6.1.9.9"})
		if err != nil {
			t.Fatal(err)
		}
		want := []gosnmp.Asn1BER{gosnmp.OctetString, gosnmp.NoSuchInstance, gosnmp.NoSuchObject}
		for i, v := range pkt.Variables {
			if v.Type != want[i] {
				t.Errorf("%s: type %v; want %v", v.Name, v.Type, want[i])
			}
		}
		if name, _ := pkt.Variables[0].Value.([]byte); string(name) != "leaf1" {
			t.Errorf("sysName %q; want leaf1", name)
		}
	})
	t.Run("getnext at the end", func(t *testing.T) {
		pkt, err := g.GetNext([]string{".2.0"})
		if err != nil {
			t.Fatal(err)
		}
		if len(pkt.Variables) != 1 || pkt.Variables[0].Type != gosnmp.EndOfMibView {
			t.Errorf("got %v; want endOfMibView", pkt.Variables)
		}
	})
	t.Run("getbulk bounded", func(t *testing.T) {
		pkt, err := g.GetBulk([]string{".1.3.6.1.2.1.1.1.0", ".1.3"}, 1, 10000)
		if err != nil {
			t.Fatal(err)
		}
		n := len(pkt.Variables)
		if n < 2 || n > maxRepetitions+1 {
			t.Errorf("%d variables; want 2 to %d", n, maxRepetitions+1)
		}
		if pkt.Variables[0].Name != ".1.3.6.1.2.1.1.2.0" {
			t.Errorf("non-repeater answered %s; want sysObjectID", pkt.Variables[0].Name)
		}
		for i := 2; i < n; i++ {
			if snmp.CompareOID(pkt.Variables[i-1].Name, pkt.Variables[i].Name) >= 0 {
				t.Fatalf("variables %d and %d out of order: %s, %s", i-1, i, pkt.Variables[i-1].Name, pkt.Variables[i].Name)
			}
		}
	})
	t.Run("getbulk past the end", func(t *testing.T) {
		pkt, err := g.GetBulk([]string{".2.0"}, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(pkt.Variables) != 1 || pkt.Variables[0].Type != gosnmp.EndOfMibView {
			t.Errorf("got %v; want one endOfMibView", pkt.Variables)
		}
	})
	t.Run("wrong community", func(t *testing.T) {
		if _, err := client("public").Get([]string{".1.3.6.1.2.1.1.5.0"}); err == nil {
			t.Error("answered a wrong community")
		}
	})
	t.Run("set", func(t *testing.T) {
		pkt, err := g.Set([]gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.5.0", Type: gosnmp.OctetString, Value: "x"}})
		if err != nil {
			t.Fatal(err)
		}
		if pkt.Error != gosnmp.NotWritable {
			t.Errorf("set: %v; want notWritable", pkt.Error)
		}
	})
}

// TestSwitchTables checks every table is strictly ordered and that the
// ifTable of a leaf has its 54 ports, the port-channels and mgmt0.
func TestSwitchTables(t *testing.T) {
	p := newPlan(DefaultConfig())
	fs := p.fabric()
	placement := make([]int, len(p.vms))
	for i, v := range p.vms {
		placement[i] = v.host
	}
	for i, sw := range fs {
		m := p.switchMIB(fs, i, placement, 0)
		for j := 1; j < len(m.vars); j++ {
			if slices.Compare(m.vars[j-1].oid, m.vars[j].oid) >= 0 {
				t.Fatalf("%s: %s not after %s", sw.name, m.vars[j].name, m.vars[j-1].name)
			}
		}
		if sw.leaf < 0 {
			continue
		}
		ports := p.switchPorts(fs, i)
		eth, pcs := 0, 0
		for _, pt := range ports {
			switch {
			case pt.lag:
				pcs++
			case strings.HasPrefix(pt.name, "Ethernet"):
				eth++
			}
		}
		hosts := p.cfg.HostsPerCluster // one rack per cluster in the default layout
		wantPCs := 1
		if p.clusters[(sw.rack - 1)].dvs {
			wantPCs += hosts
		}
		if eth != leafPorts || pcs != wantPCs {
			t.Errorf("%s: %d Ethernet ports, %d port-channels; want %d, %d", sw.name, eth, pcs, leafPorts, wantPCs)
		}
	}
}

// requests are valid request datagrams, the fuzz seeds.
func requests(t testing.TB) [][]byte {
	var out [][]byte
	for _, c := range []string{testCommunity, "public"} {
		g := &gosnmp.GoSNMP{Community: c, Version: gosnmp.Version2c, MaxOids: gosnmp.MaxOids}
		for _, r := range []struct {
			typ gosnmp.PDUType
			oid string
		}{{gosnmp.GetRequest, ".1.3.6.1.2.1.1.5.0"}, {gosnmp.GetNextRequest, ".1.3.6.1.2.1.2.2.1"}, {gosnmp.GetBulkRequest, ".1.0.8802.1.1.2.1.4"}} {
			b, err := g.SnmpEncodePacket(r.typ, []gosnmp.SnmpPDU{{Name: r.oid, Type: gosnmp.Null}}, 0, 25)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

func FuzzAnswer(f *testing.F) {
	p := newPlan(DefaultConfig())
	fs := p.fabric()
	placement := make([]int, len(p.vms))
	for i, v := range p.vms {
		placement[i] = v.host
	}
	m := p.switchMIB(fs, 0, placement, 0)
	for _, b := range requests(f) {
		f.Add(b)
	}
	f.Add([]byte{0x30, 0x82, 0xff, 0xff, 0x02, 0x01, 0x01})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03})
	f.Fuzz(func(t *testing.T, req []byte) {
		resp := answer(m, testCommunity, req)
		if resp == nil {
			return
		}
		if len(resp) > maxResponse {
			t.Fatalf("response of %d octets", len(resp))
		}
		dec := gosnmp.GoSNMP{Version: gosnmp.Version2c}
		pkt, err := dec.SnmpDecodePacket(resp)
		if err != nil || pkt.PDUType != gosnmp.GetResponse || pkt.Community != testCommunity {
			t.Fatalf("response does not decode as a GetResponse: %v %+v", err, pkt)
		}
	})
}
