package check_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/model"
)

// want is a finding as a scenario expects it.
type want struct {
	rule     string
	severity check.Severity
	subjects []model.ID
}

func (w want) String() string {
	return fmt.Sprintf("%s %s %v", w.rule, w.severity, w.subjects)
}

func ids(s ...model.ID) []model.ID {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// scenario is a data center with seeded faults (or none) and the findings
// they must produce, and nothing else.
type scenario struct {
	name string
	// seed changes the clean data center.
	seed func(d *dc)
	// noFabric leaves the switches out (a vCenter-only deployment).
	noFabric bool
	// later, when set, changes the data center again one hour later (a
	// second collection, e.g. a live migration); the findings are those
	// after it.
	later func(d *dc)
	want  func(d *dc) []want
}

var clusterID = model.NewID(model.KindCluster, "vc1/dc1/c1")
var lagID = model.NewID(model.KindHostLAG, "dvs-1/lag1")
var dvsID = model.NewID(model.KindDVSwitch, "dvs-1")

// scenarios is the library: clean data centers first, then one or more
// per rule.
var scenarios = []scenario{
	{name: "clean", seed: func(*dc) {}},
	{name: "clean without switches", noFabric: true, seed: func(*dc) {}},
	{name: "clean after a live migration to a good host",
		seed:  func(*dc) {},
		later: func(d *dc) { v := d.vmNamed("app1"); v.host, v.nics[0].pg = "esx02", d.stdPG("esx02", "app-110") }},
	{name: "clean IP-hash teaming on a vPC port-channel", seed: func(d *dc) {
		for _, h := range d.hosts {
			for _, p := range h.vsw[0].pgs {
				p.attrs["policy"], p.attrs["active"], p.attrs["standby"] = "loadbalance_ip", "vmnic0,vmnic1", ""
			}
		}
		for _, l := range d.switches {
			for n := 1; n <= 2; n++ {
				pc := fmt.Sprintf("Port-channel%d", 10+n)
				l.ports = append(l.ports, &port{name: pc, pc: true, attrs: model.Attrs{"oper": "up", "mtu": "9216", "mode": "trunk", "allowed_vlans": trunkHost, "native_vlan": "1"}})
				p := l.port(fmt.Sprintf("Ethernet1/%d", n))
				p.in = pc
				delete(p.attrs, "mode")
			}
		}
	}},
	{name: "clean printer on an access port with no neighbour", seed: func(d *dc) {
		d.sw("leaf1").ports = append(d.sw("leaf1").ports, &port{name: "Ethernet1/48", attrs: model.Attrs{"oper": "up", "mtu": "1500", "mode": "access", "access_vlan": "10"}})
	}},
	{name: "clean untagged port group and a powered-off VM with a disconnected vNIC", seed: func(d *dc) {
		h := d.host("esx01")
		h.vsw[0].pgs = append(h.vsw[0].pgs, &pg{name: "VM Network", attrs: model.Attrs{"type": "standard", "vlan": "0", "active": "vmnic0", "standby": "vmnic1"}})
		v := d.vm("old1", "esx01", d.stdPG("esx01", "VM Network"))
		v.attrs["power"] = "poweredOff"
		v.nics[0].attrs["connected"] = "false"
	}},

	{name: "VLAN missing on the trunk of an active uplink",
		seed: func(d *dc) { d.sw("leaf1").port("Ethernet1/1").attrs["allowed_vlans"] = "1,10,120" },
		want: func(d *dc) []want {
			return []want{
				{check.RuleVLANNotCarried, check.Critical, ids(d.stdPG("esx01", "app-110"), hostID("esx01"), portID("leaf1", "Ethernet1/1"), pnicID("esx01", "vmnic0"))},
				{check.RuleVLANClusterInconsistent, check.Warning, ids(clusterID, hostID("esx01"))},
				{check.RuleVMUnsafeHost, check.Critical, ids(d.vmID("app1"), hostID("esx01"))}, // cut off now
			}
		}},
	{name: "VLAN missing on the trunk of a standby uplink",
		seed: func(d *dc) { d.sw("leaf2").port("Ethernet1/2").attrs["allowed_vlans"] = "1,10,110" },
		want: func(d *dc) []want {
			return []want{
				{check.RuleVLANNotCarried, check.Warning, ids(d.stdPG("esx02", "web-120"), hostID("esx02"), portID("leaf2", "Ethernet1/2"), pnicID("esx02", "vmnic1"))},
				{check.RuleVMUnsafeHost, check.Warning, ids(d.vmID("web1"), hostID("esx02"))},
			}
		}},
	{name: "VLAN missing on a LAG's port-channel",
		seed: func(d *dc) { d.sw("leaf2").port("Port-channel102").attrs["allowed_vlans"] = "1" },
		want: func(d *dc) []want {
			return []want{
				{check.RuleVLANNotCarried, check.Critical, ids(d.dvPG("db-130"), hostID("esx02"), pcID("leaf2", "Port-channel102"), pnicID("esx02", "vmnic3"))},
				{check.RuleVLANClusterInconsistent, check.Warning, ids(clusterID, hostID("esx02"))},
				{check.RuleVMUnsafeHost, check.Warning, ids(d.vmID("db2"), hostID("esx02"))},
			}
		}},
	{name: "port group missing on one host of the cluster",
		seed: func(d *dc) {
			vs := d.host("esx02").vsw[0]
			vs.pgs = slices.DeleteFunc(vs.pgs, func(p *pg) bool { return p.name == "app-110" })
		},
		want: func(d *dc) []want {
			return []want{{check.RuleVLANClusterInconsistent, check.Warning, ids(clusterID, hostID("esx02"))}}
		}},
	{name: "a host hint naming a port the switch does not have (issue 13, cause 11b)",
		// leaf1's LLDP says Ethernet1/1 sees esx01 vmnic0; vCenter's hint
		// says vmnic0 is on leaf1 Ethernet1/99, which leaf1 does not have
		// (TestHintOnUnknownPortKnownTruth: the finding and `where`).
		seed: func(d *dc) {
			n := d.host("esx01").pnic("vmnic0")
			delete(n.attrs, "cdp_device")
			delete(n.attrs, "cdp_port")
			n.attrs["lldp_chassis"], n.attrs["lldp_system"], n.attrs["lldp_port"] = "Local-leaf1", "leaf1.dc.example", "Ethernet1/99"
		},
		want: func(d *dc) []want {
			return []want{{check.RuleEvidenceConflict, check.Warning, ids(pnicID("esx01", "vmnic0"), portID("leaf1", "Ethernet1/1"))}}
		}},
	{name: "two devices answer to one sysName, told apart by chassis ID and address (issue 13, cause 10)",
		seed: func(d *dc) {
			d.sw("leaf1").attrs = model.Attrs{"sysname": "leaf1", "address": "10.0.0.11", "chassis_id": "aa:00:00:00:00:01", "duplicate_sysname_of": "leaf1@10.0.0.12"}
			d.switches = append(d.switches, &sw{name: "leaf1@10.0.0.12",
				attrs: model.Attrs{"sysname": "leaf1", "address": "10.0.0.12", "chassis_id": "aa:00:00:00:00:0c", "duplicate_sysname_of": "leaf1"}})
			d.sw("leaf2").port("Ethernet1/49").attrs["lldp_chassis"] = "aa:00:00:00:00:01"
			for _, h := range d.hosts {
				for _, p := range h.pnics {
					if p.attrs["cdp_device"] == "leaf1" {
						p.attrs["cdp_address"] = "10.0.0.11"
					}
				}
			}
		},
		want: func(d *dc) []want {
			return []want{{check.RuleDuplicateSysName, check.Warning, ids(switchID("leaf1"), switchID("leaf1@10.0.0.12"))}}
		}},
	{name: "port group on a VLAN no switch has",
		seed: func(d *dc) {
			d.host("esx01").vsw[0].pgs = append(d.host("esx01").vsw[0].pgs, &pg{name: "lab-999", attrs: model.Attrs{"type": "standard", "vlan": "999", "active": "vmnic0", "standby": "vmnic1"}})
			d.vm("lab1", "esx01", d.stdPG("esx01", "lab-999"))
		},
		want: func(d *dc) []want {
			return []want{
				{check.RuleVLANOnNoSwitch, check.Critical, ids(d.stdPG("esx01", "lab-999"))},
				{check.RuleVMUnsafeHost, check.Critical, ids(d.vmID("lab1"), hostID("esx01"))}, // cut off now
			}
		}},
	{name: "LAG member on a port outside the port-channel",
		seed: func(d *dc) {
			p := d.sw("leaf2").port("Ethernet1/12")
			p.in = ""
			p.attrs["mode"], p.attrs["allowed_vlans"], p.attrs["native_vlan"] = "trunk", "1,130", "1"
		},
		want: func(d *dc) []want {
			return []want{
				{check.RuleLAGNotOnSwitch, check.Critical, ids(lagID, hostID("esx02"), portID("leaf1", "Ethernet1/12"), portID("leaf2", "Ethernet1/12"))},
				{check.RuleVMUnsafeHost, check.Warning, ids(d.vmID("db2"), hostID("esx02"))},
			}
		}},
	{name: "IP-hash teaming on ports in no port-channel",
		seed: func(d *dc) {
			p := d.host("esx01").pg("web-120")
			p.attrs["policy"], p.attrs["active"], p.attrs["standby"] = "loadbalance_ip", "vmnic0,vmnic1", ""
		},
		want: func(*dc) []want {
			return []want{{check.RuleLAGNotOnSwitch, check.Critical, ids(vswitchID("esx01", "vSwitch0"), hostID("esx01"), portID("leaf1", "Ethernet1/1"), portID("leaf2", "Ethernet1/1"))}}
		}},
	{name: "switch port-channel on a host NIC the host does not bundle",
		seed: func(d *dc) {
			l := d.sw("leaf1")
			l.ports = append(l.ports, &port{name: "Port-channel9", pc: true, attrs: model.Attrs{"oper": "up", "mtu": "9216", "mode": "trunk", "allowed_vlans": trunkHost, "native_vlan": "1"}})
			p := l.port("Ethernet1/1")
			p.in = "Port-channel9"
			delete(p.attrs, "mode")
		},
		want: func(d *dc) []want {
			return []want{
				{check.RuleLAGNotOnHost, check.Warning, ids(pcID("leaf1", "Port-channel9"), pnicID("esx01", "vmnic0"))},
				{check.RuleVMUnsafeHost, check.Warning, ids(d.vmID("app1"), hostID("esx01"))},
			}
		}},
	{name: "LAG split over two switches without a peer link",
		seed: func(d *dc) {
			for _, l := range d.switches {
				l.ports = slices.DeleteFunc(l.ports, func(p *port) bool { return p.name == "Ethernet1/49" })
			}
		},
		want: func(d *dc) []want {
			return []want{
				{check.RuleLAGSplitNoMLAG, check.Critical, ids(lagID, hostID("esx01"), pcID("leaf1", "Port-channel101"), pcID("leaf2", "Port-channel101"))},
				{check.RuleLAGSplitNoMLAG, check.Critical, ids(lagID, hostID("esx02"), pcID("leaf1", "Port-channel102"), pcID("leaf2", "Port-channel102"))},
				{check.RuleVMUnsafeHost, check.Warning, ids(d.vmID("db1"), hostID("esx01"))},
				{check.RuleVMUnsafeHost, check.Warning, ids(d.vmID("db2"), hostID("esx02"))},
			}
		}},
	{name: "native VLAN mismatch reported by CDP",
		seed: func(d *dc) { d.sw("leaf1").port("Ethernet1/49").attrs["cdp_native_vlan"] = "99" },
		want: func(*dc) []want {
			return []want{{check.RuleNativeVLANMismatch, check.Warning, ids(portID("leaf1", "Ethernet1/49"), portID("leaf2", "Ethernet1/49"))}}
		}},
	{name: "native VLAN mismatch between both ends' configuration",
		seed: func(d *dc) { d.sw("leaf2").port("Ethernet1/49").attrs["native_vlan"] = "10" },
		want: func(*dc) []want {
			return []want{{check.RuleNativeVLANMismatch, check.Warning, ids(portID("leaf1", "Ethernet1/49"), portID("leaf2", "Ethernet1/49"))}}
		}},
	{name: "jumbo frames on a switch port with a standard MTU",
		seed: func(d *dc) { d.sw("leaf1").port("Ethernet1/11").attrs["mtu"] = "1500" },
		want: func(d *dc) []want {
			return []want{
				{check.RuleMTUMismatch, check.Warning, ids(dvsID, pnicID("esx01", "vmnic2"), portID("leaf1", "Ethernet1/11"))},
				{check.RuleVMUnsafeHost, check.Warning, ids(d.vmID("db1"), hostID("esx01"))},
			}
		}},
	{name: "jumbo frames towards an unknown port whose CDP says MTU 1500",
		seed: func(d *dc) {
			d.sw("leaf1").ports = slices.DeleteFunc(d.sw("leaf1").ports, func(p *port) bool { return p.name == "Ethernet1/11" })
			d.host("esx01").pnic("vmnic2").attrs["cdp_mtu"] = "1500"
		},
		want: func(*dc) []want {
			return []want{
				{check.RuleMTUMismatch, check.Warning, ids(dvsID, pnicID("esx01", "vmnic2"))},
				{check.RulePNICNoPort, check.Info, ids(pnicID("esx01", "vmnic2"))},
			}
		}},
	{name: "both uplinks of a host on one switch",
		seed: func(d *dc) {
			d.sw("leaf2").ports = slices.DeleteFunc(d.sw("leaf2").ports, func(p *port) bool { return p.name == "Ethernet1/2" })
			d.sw("leaf1").ports = append(d.sw("leaf1").ports, &port{name: "Ethernet1/3", attrs: model.Attrs{"oper": "up", "mtu": "9216", "mode": "trunk",
				"allowed_vlans": trunkHost, "native_vlan": "1", "lldp_system": "esx02", "lldp_port": "vmnic1"}})
			n := d.host("esx02").pnic("vmnic1")
			n.attrs["cdp_device"], n.attrs["cdp_port"] = "leaf1", "Ethernet1/3"
		},
		want: func(*dc) []want {
			return []want{{check.RuleSPOFHostOneSwitch, check.Warning, ids(hostID("esx02"), vswitchID("esx02", "vSwitch0"), switchID("leaf1"))}}
		}},
	{name: "port group with a single uplink",
		seed: func(d *dc) { d.host("esx02").pg("web-120").attrs["standby"] = "" },
		want: func(d *dc) []want {
			return []want{{check.RuleSPOFSingleUplink, check.Warning, ids(d.stdPG("esx02", "web-120"), hostID("esx02"), pnicID("esx02", "vmnic0"))}}
		}},
	{name: "teaming that keeps a VM on one switch",
		seed: func(d *dc) {
			h := d.host("esx01")
			h.pnics = append(h.pnics, &pnic{dev: "vmnic4", attrs: model.Attrs{"mac": "00:25:b5:01:00:04", "link": "up", "cdp_device": "leaf1", "cdp_port": "Ethernet1/21"}})
			h.vsw[0].uplinks = append(h.vsw[0].uplinks, "vmnic4")
			h.pg("app-110").attrs["standby"] = "vmnic4"
			d.sw("leaf1").ports = append(d.sw("leaf1").ports, &port{name: "Ethernet1/21", attrs: model.Attrs{"oper": "up", "mtu": "9216", "mode": "trunk",
				"allowed_vlans": trunkHost, "native_vlan": "1", "lldp_system": "esx01", "lldp_port": "vmnic4"}})
		},
		want: func(d *dc) []want {
			return []want{{check.RuleSPOFVMOneSwitch, check.Warning, ids(d.vmID("app1"), switchID("leaf1"))}}
		}},
	{name: "host hint and switch disagree on a NIC's port",
		seed: func(d *dc) {
			d.sw("leaf1").ports = append(d.sw("leaf1").ports, &port{name: "Ethernet1/5", attrs: model.Attrs{"oper": "down", "mtu": "9216", "mode": "trunk", "allowed_vlans": trunkHost, "native_vlan": "1"}})
			d.host("esx02").pnic("vmnic0").attrs["cdp_port"] = "Ethernet1/5"
		},
		want: func(*dc) []want {
			return []want{{check.RuleEvidenceConflict, check.Warning, ids(pnicID("esx02", "vmnic0"), portID("leaf1", "Ethernet1/2"), portID("leaf1", "Ethernet1/5"))}}
		}},
	{name: "NIC with link up and no known port",
		seed: func(d *dc) {
			d.host("esx01").pnics = append(d.host("esx01").pnics, &pnic{dev: "vmnic5", attrs: model.Attrs{"mac": "00:25:b5:01:00:05", "link": "up"}})
		},
		want: func(*dc) []want {
			return []want{{check.RulePNICNoPort, check.Info, ids(pnicID("esx01", "vmnic5"))}}
		}},
	{name: "trunk port up with no neighbour",
		seed: func(d *dc) {
			d.sw("leaf2").ports = append(d.sw("leaf2").ports, &port{name: "Ethernet1/30", attrs: model.Attrs{"oper": "up", "mtu": "9216", "mode": "trunk", "allowed_vlans": trunkHost, "native_vlan": "1"}})
		},
		want: func(*dc) []want {
			return []want{{check.RulePortNoNeighbour, check.Info, ids(portID("leaf2", "Ethernet1/30"))}}
		}},
	{name: "port-channel member with no neighbour beside a host's NIC",
		seed: func(d *dc) {
			d.sw("leaf1").ports = append(d.sw("leaf1").ports, &port{name: "Ethernet1/31", in: "Port-channel101", attrs: model.Attrs{"oper": "up", "mtu": "9216"}})
		},
		want: func(*dc) []want {
			return []want{{check.RulePortNoNeighbour, check.Info, ids(portID("leaf1", "Ethernet1/31"))}}
		}},
	{name: "disconnected vNIC of a powered-on VM",
		seed: func(d *dc) { d.vmNamed("web1").nics[0].attrs["connected"] = "false" },
		want: func(d *dc) []want {
			return []want{{check.RuleVNICDisconnected, check.Warning, ids(d.vmID("web1"), d.vnicID("web1"))}}
		}},
	{name: "two VMs with one MAC",
		seed: func(d *dc) { d.vmNamed("web1").nics[0].attrs["mac"] = d.vmNamed("app1").nics[0].attrs["mac"] },
		want: func(d *dc) []want {
			return []want{{check.RuleMACDuplicate, check.Critical, ids(d.vmID("app1"), d.vmID("web1"))}}
		}},
	{name: "live migration onto a host whose trunk lacks the VLAN",
		seed: func(d *dc) { d.sw("leaf1").port("Ethernet1/2").attrs["allowed_vlans"] = "1,10,120" },
		later: func(d *dc) {
			v := d.vmNamed("app1")
			v.host, v.nics[0].pg = "esx02", d.stdPG("esx02", "app-110")
		},
		want: func(d *dc) []want {
			return []want{
				{check.RuleVLANNotCarried, check.Critical, ids(d.stdPG("esx02", "app-110"), hostID("esx02"), portID("leaf1", "Ethernet1/2"), pnicID("esx02", "vmnic0"))},
				{check.RuleVLANClusterInconsistent, check.Warning, ids(clusterID, hostID("esx02"))},
				{check.RuleVMUnsafeHost, check.Critical, ids(d.vmID("app1"), hostID("esx02"))}, // cut off now
			}
		}},
}

// TestScenarios builds each scenario through a SQLite store and the query
// service's graph (correlation included) and compares the findings with
// the seeded ones, field by field: every one is found, nothing else is.
func TestScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			st := openStore(t)
			d := newDC()
			sc.seed(d)
			d.apply(t, st, t0, !sc.noFabric)
			at := t0.Add(time.Minute)
			if sc.later != nil {
				sc.later(d)
				d.apply(t, st, t1, !sc.noFabric)
				at = t1.Add(time.Minute)
			}
			got := check.Run(graphAt(t, st, at), check.Options{})
			var wants []want
			if sc.want != nil {
				wants = sc.want(d)
			}
			compare(t, got, wants)
		})
	}
}

// compare checks got against wants field by field (rule, severity,
// subjects), in any order, and that every finding is complete.
func compare(t *testing.T, got []check.Finding, wants []want) {
	t.Helper()
	var g []string
	for _, f := range got {
		g = append(g, want{f.Rule, f.Severity, f.Subjects}.String())
		if f.Message == "" || f.Fix == "" || len(f.Evidence) == 0 || !strings.HasPrefix(f.ID, f.Rule+"/") {
			t.Errorf("incomplete finding %+v", f)
		}
	}
	var w []string
	for _, x := range wants {
		w = append(w, x.String())
	}
	slices.Sort(g)
	slices.Sort(w)
	for _, x := range w {
		if !slices.Contains(g, x) {
			t.Errorf("missing finding %s", x)
		}
	}
	for _, x := range g {
		if !slices.Contains(w, x) {
			t.Errorf("unexpected finding %s: %s", x, messageOf(got, x))
		}
	}
}

func messageOf(fs []check.Finding, key string) string {
	for _, f := range fs {
		if (want{f.Rule, f.Severity, f.Subjects}).String() == key {
			return f.Message + " | " + strings.Join(f.Evidence, " | ")
		}
	}
	return ""
}

// TestScenariosCoverEveryRule: the library seeds at least one fault per
// rule, and has clean scenarios.
func TestScenariosCoverEveryRule(t *testing.T) {
	seeded := map[string]bool{}
	clean := 0
	for _, sc := range scenarios {
		if sc.want == nil {
			clean++
			continue
		}
		d := newDC()
		sc.seed(d)
		for _, w := range sc.want(d) {
			seeded[w.rule] = true
		}
	}
	for _, r := range check.Rules() {
		if !seeded[r.Name] {
			t.Errorf("no scenario seeds a fault for rule %s", r.Name)
		}
	}
	if clean < 3 {
		t.Errorf("%d clean scenarios; want several", clean)
	}
}

// TestRunIsDeterministic: the same map gives the same findings, to the
// evidence, however Go orders its maps (a data center with every seeded
// fault of the library at once).
func TestRunIsDeterministic(t *testing.T) {
	st := openStore(t)
	d := newDC()
	for _, sc := range scenarios {
		if sc.want != nil && sc.later == nil && !strings.Contains(sc.name, "peer link") && !strings.Contains(sc.name, "one switch") {
			sc.seed(d)
		}
	}
	d.apply(t, st, t0, true)
	g := graphAt(t, st, t0.Add(time.Minute))
	first := check.Run(g, check.Options{})
	if len(first) < 10 {
		t.Fatalf("%d findings; want the many seeded ones", len(first))
	}
	for range 5 {
		if again := check.Run(g, check.Options{}); !reflect.DeepEqual(again, first) {
			t.Fatalf("second run differs:\n%+v\n%+v", again, first)
		}
	}
}
