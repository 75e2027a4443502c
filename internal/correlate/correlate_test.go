package correlate

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func sw(name string) model.ID        { return model.NewID(model.KindSwitch, name) }
func port(s, name string) model.ID   { return model.NewID(model.KindPort, s+"/"+name) }
func pnic(host, dev string) model.ID { return model.NewID(model.KindPNIC, host+"/"+dev) }
func hostID(name string) model.ID    { return model.NewID(model.KindHost, name) }
func v(f model.Fact) model.Version   { return model.Version{Fact: f, Source: "test", From: t0} }
func portFact(s, name string, attrs model.Attrs) model.Version {
	return v(model.Entity(sw(s), port(s, name), name, attrs))
}
func pnicFact(host, dev, mac string, attrs model.Attrs) model.Version {
	a := model.Attrs{"device": dev, "mac": mac}
	for k, val := range attrs {
		a[k] = val
	}
	return v(model.Entity(hostID(host), pnic(host, dev), dev, a))
}

// base is two leaves and two hosts, with no neighbour information at all.
func base() []model.Version {
	var vs []model.Version
	for _, s := range []string{"leaf1", "leaf2"} {
		vs = append(vs, v(model.Entity(sw(s), sw(s), s, model.Attrs{"chassis_id": map[string]string{"leaf1": "aa:00:00:00:00:01", "leaf2": "aa:00:00:00:00:02"}[s]})))
	}
	for _, h := range []string{"esx01", "esx02"} {
		vs = append(vs, v(model.Entity(hostID(h), hostID(h), h, nil)))
	}
	return vs
}

// dupLeaves are two devices answering to the sysName "core" (issue 13,
// cause 10), kept apart as the SNMP source names them: the one at the
// lower address keeps the name, the other is "core@<address>".
func dupLeaves() []model.Version {
	var vs []model.Version
	for _, d := range []struct{ name, addr, chassis, dupOf string }{
		{"core", "10.0.0.21", "bb:00:00:00:00:01", "core@10.0.0.22"},
		{"core@10.0.0.22", "10.0.0.22", "bb:00:00:00:00:02", "core"},
	} {
		vs = append(vs,
			v(model.Entity(sw(d.name), sw(d.name), d.name, model.Attrs{"sysname": "core", "address": d.addr, "chassis_id": d.chassis, "duplicate_sysname_of": d.dupOf})),
			portFact(d.name, "Ethernet1/4", nil))
	}
	return vs
}

type wantLink struct{ pnic, port, evidence, confidence string }

func TestRun(t *testing.T) {
	tests := []struct {
		name      string
		facts     []model.Version
		links     []wantLink
		conflicts []string // kind subject
	}{{
		name: "switch LLDP and host CDP agree",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/7", model.Attrs{"ifname": "Eth1/7", "lldp_system": "esx01.dc.example", "lldp_port": "vmnic0"}),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"cdp_device": "leaf1(FDO2231X0AB)", "cdp_port": "Ethernet1/7"}),
		},
		links: []wantLink{{"esx01/vmnic0", "leaf1/Ethernet1/7", "host-cdp,switch-lldp", High}},
	}, {
		name: "host LLDP by chassis and a short port name",
		facts: []model.Version{
			portFact("leaf2", "Ethernet1/9", nil),
			pnicFact("esx01", "vmnic1", "00:25:b5:00:00:02", model.Attrs{"lldp_chassis": "AA-00-00-00-00-02", "lldp_port": "Et1/9"}),
		},
		links: []wantLink{{"esx01/vmnic1", "leaf2/Ethernet1/9", "host-lldp", Medium}},
	}, {
		name: "switch CDP alone",
		facts: []model.Version{
			portFact("leaf2", "Ethernet1/7", model.Attrs{"cdp_device": "ESX01", "cdp_port": "vmnic1"}),
			pnicFact("esx01", "vmnic1", "00:25:b5:00:00:02", nil),
		},
		links: []wantLink{{"esx01/vmnic1", "leaf2/Ethernet1/7", "switch-cdp", Medium}},
	}, {
		name: "switch LLDP naming the port by MAC (lldpd's default port ID)",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/3", model.Attrs{"lldp_system": "somehost", "lldp_port": "00:25:b5:00:00:03"}),
			pnicFact("esx02", "vmnic0", "00:25:b5:00:00:03", nil),
		},
		links: []wantLink{{"esx02/vmnic0", "leaf1/Ethernet1/3", "switch-lldp", Medium}},
	}, {
		name: "forwarding table alone; the inter-switch link is ignored",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/9", nil),
			portFact("leaf1", "Ethernet1/48", model.Attrs{"lldp_system": "leaf2", "lldp_port": "Ethernet1/48"}),
			pnicFact("esx02", "vmnic0", "00:25:b5:00:00:04", nil),
			v(model.Relation(sw("leaf1"), port("leaf1", "Ethernet1/9"), model.RelLearned, model.NewID(model.KindMAC, "00:25:b5:00:00:04"), model.Attrs{"vlan": "10"})),
			v(model.Relation(sw("leaf1"), port("leaf1", "Ethernet1/48"), model.RelLearned, model.NewID(model.KindMAC, "00:25:b5:00:00:04"), model.Attrs{"vlan": "10"})),
		},
		links: []wantLink{{"esx02/vmnic0", "leaf1/Ethernet1/9", "fdb", Low}},
	}, {
		name: "neighbour protocol and forwarding table agree",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/9", model.Attrs{"lldp_system": "esx02", "lldp_port": "vmnic0"}),
			pnicFact("esx02", "vmnic0", "00:25:b5:00:00:04", nil),
			v(model.Relation(sw("leaf1"), port("leaf1", "Ethernet1/9"), model.RelLearned, model.NewID(model.KindMAC, "00:25:b5:00:00:04"), nil)),
		},
		links: []wantLink{{"esx02/vmnic0", "leaf1/Ethernet1/9", "fdb,switch-lldp", High}},
	}, {
		name: "host CDP and switch LLDP disagree: a conflict, no link",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/7", nil),
			portFact("leaf1", "Ethernet1/9", model.Attrs{"lldp_system": "esx01", "lldp_port": "vmnic2"}),
			pnicFact("esx01", "vmnic2", "00:25:b5:00:00:05", model.Attrs{"cdp_device": "leaf1", "cdp_port": "Eth1/7"}),
		},
		links: []wantLink{
			{"esx01/vmnic2", "leaf1/Ethernet1/7", "host-cdp", Conflicting},
			{"esx01/vmnic2", "leaf1/Ethernet1/9", "switch-lldp", Conflicting},
		},
		conflicts: []string{ConflictPNICPorts + " pnic:esx01/vmnic2"},
	}, {
		name: "a MAC learned elsewhere does not contradict LLDP (MAC move, MLAG peer)",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/9", model.Attrs{"lldp_system": "esx02", "lldp_port": "vmnic0"}),
			portFact("leaf2", "Ethernet1/9", nil),
			pnicFact("esx02", "vmnic0", "00:25:b5:00:00:04", nil),
			v(model.Relation(sw("leaf2"), port("leaf2", "Ethernet1/9"), model.RelLearned, model.NewID(model.KindMAC, "00:25:b5:00:00:04"), nil)),
		},
		links: []wantLink{{"esx02/vmnic0", "leaf1/Ethernet1/9", "switch-lldp", Medium}},
	}, {
		name: "two pNICs on one port",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/5", nil),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"cdp_device": "leaf1", "cdp_port": "Ethernet1/5"}),
			pnicFact("esx02", "vmnic0", "00:25:b5:00:00:04", model.Attrs{"cdp_device": "leaf1", "cdp_port": "Ethernet1/5"}),
		},
		links: []wantLink{
			{"esx01/vmnic0", "leaf1/Ethernet1/5", "host-cdp", Medium},
			{"esx02/vmnic0", "leaf1/Ethernet1/5", "host-cdp", Medium},
		},
		conflicts: []string{ConflictPortPNICs + " port:leaf1/Ethernet1/5"},
	}, {
		name: "declared cabling confirmed by LLDP",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/7", model.Attrs{"lldp_system": "esx01", "lldp_port": "vmnic0"}),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"declared_switch": "leaf1", "declared_port": "Ethernet1/7"}),
		},
		links: []wantLink{{"esx01/vmnic0", "leaf1/Ethernet1/7", "declared,switch-lldp", High}},
	}, {
		name: "declared cabling the devices contradict",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/7", model.Attrs{"lldp_system": "esx01", "lldp_port": "vmnic0"}),
			portFact("leaf1", "Ethernet1/8", nil),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"declared_switch": "leaf1", "declared_port": "Eth1/8"}),
		},
		links: []wantLink{
			{"esx01/vmnic0", "leaf1/Ethernet1/7", "switch-lldp", Conflicting},
			{"esx01/vmnic0", "leaf1/Ethernet1/8", "declared", Conflicting},
		},
		conflicts: []string{ConflictPNICPorts + " pnic:esx01/vmnic0"},
	}, {
		// Issue 13, cause 11a: a host LLDP hint whose chassis ID is a
		// locally assigned string.
		name: "host LLDP with a local chassis ID that is no switch's, matched by its system name",
		facts: []model.Version{
			portFact("leaf2", "Ethernet1/4", nil),
			pnicFact("esx01", "vmnic1", "00:25:b5:00:00:02", model.Attrs{"lldp_chassis": "FDO2231X0AB", "lldp_system": "leaf2.dc.example\x00", "lldp_port": "Ethernet1/4"}),
		},
		links: []wantLink{{"esx01/vmnic1", "leaf2/Ethernet1/4", "host-lldp", Medium}},
	}, {
		name: "host LLDP with a local chassis ID that is the switch's own, no system name",
		facts: []model.Version{
			v(model.Entity(sw("leaf3"), sw("leaf3"), "leaf3", model.Attrs{"chassis_id": "SSI1234ABCD"})),
			portFact("leaf3", "Ethernet1/4", nil),
			pnicFact("esx01", "vmnic1", "00:25:b5:00:00:02", model.Attrs{"lldp_chassis": "ssi1234abcd", "lldp_port": "Eth1/4"}),
		},
		links: []wantLink{{"esx01/vmnic1", "leaf3/Ethernet1/4", "host-lldp", Medium}},
	}, {
		name: "host LLDP naming a switch by its management address alone",
		facts: []model.Version{
			v(model.Entity(sw("leaf3"), sw("leaf3"), "leaf3", model.Attrs{"address": "10.0.0.13"})),
			portFact("leaf3", "Ethernet1/4", nil),
			pnicFact("esx01", "vmnic1", "00:25:b5:00:00:02", model.Attrs{"lldp_chassis": "local-7", "lldp_mgmt_addr": "10.0.0.13", "lldp_port": "Ethernet1/4"}),
		},
		links: []wantLink{{"esx01/vmnic1", "leaf3/Ethernet1/4", "host-lldp", Medium}},
	}, {
		// Issue 13, cause 10: two devices answer to one sysName; the
		// chassis ID (or the address) tells them apart, the name never
		// merges them.
		name: "two switches with one sysName: the chassis ID picks the switch",
		facts: append(dupLeaves(),
			pnicFact("esx01", "vmnic1", "00:25:b5:00:00:02", model.Attrs{"lldp_chassis": "bb:00:00:00:00:02", "lldp_system": "core", "lldp_port": "Ethernet1/4"})),
		links: []wantLink{{"esx01/vmnic1", "core@10.0.0.22/Ethernet1/4", "host-lldp", Medium}},
	}, {
		name: "two switches with one sysName: CDP picks the switch by address",
		facts: append(dupLeaves(),
			pnicFact("esx01", "vmnic1", "00:25:b5:00:00:02", model.Attrs{"cdp_device": "core", "cdp_address": "10.0.0.22", "cdp_port": "Ethernet1/4"})),
		links: []wantLink{{"esx01/vmnic1", "core@10.0.0.22/Ethernet1/4", "host-cdp", Medium}},
	}, {
		name: "two switches with one sysName and nothing else: no link",
		facts: append(dupLeaves(),
			pnicFact("esx01", "vmnic1", "00:25:b5:00:00:02", model.Attrs{"cdp_device": "core", "cdp_port": "Ethernet1/4"})),
	}, {
		// Issue 13, cause 11b: a hint naming a port the switch does not
		// have, while the switch's own LLDP names another.
		name: "switch LLDP names a port, the host's LLDP hint one the switch does not have: a conflict",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/7", model.Attrs{"lldp_system": "esx01", "lldp_port": "vmnic0"}),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"lldp_chassis": "aa:00:00:00:00:01", "lldp_system": "leaf1", "lldp_port": "Ethernet1/99"}),
		},
		links:     []wantLink{{"esx01/vmnic0", "leaf1/Ethernet1/7", "switch-lldp", Conflicting}},
		conflicts: []string{ConflictNoSuchPort + " pnic:esx01/vmnic0"},
	}, {
		name: "switch LLDP names a port, the host's CDP hint a port of another switch it does not have: a conflict",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/7", model.Attrs{"lldp_system": "esx01", "lldp_port": "vmnic0"}),
			portFact("leaf2", "Ethernet1/7", nil),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"cdp_device": "leaf2", "cdp_port": "Ethernet1/70"}),
		},
		links:     []wantLink{{"esx01/vmnic0", "leaf1/Ethernet1/7", "switch-lldp", Conflicting}},
		conflicts: []string{ConflictNoSuchPort + " pnic:esx01/vmnic0"},
	}, {
		name: "host LLDP from Junos: the port ID is the ifIndex, the description the ifAlias; no conflict with the switch's LLDP",
		facts: []model.Version{
			portFact("leaf1", "ge-0/0/7", model.Attrs{"ifindex": "523", "alias": "esx01 vmnic0", "lldp_system": "esx01", "lldp_port": "vmnic0"}),
			portFact("leaf2", "ge-0/0/7", model.Attrs{"ifindex": "524", "alias": "esx01 vmnic1"}),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"lldp_chassis": "aa:00:00:00:00:01", "lldp_port": "523", "lldp_port_desc": "esx01 vmnic0"}),
			pnicFact("esx01", "vmnic1", "00:25:b5:00:00:02", model.Attrs{"lldp_chassis": "aa:00:00:00:00:02", "lldp_port": "1007", "lldp_port_desc": "ESX01 vmnic1 "}),
		},
		links: []wantLink{
			{"esx01/vmnic0", "leaf1/ge-0/0/7", "host-lldp,switch-lldp", High},
			{"esx01/vmnic1", "leaf2/ge-0/0/7", "host-lldp", Medium},
		},
	}, {
		name: "an alias two ports share names neither",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/1", model.Attrs{"alias": "uplink"}),
			portFact("leaf1", "Ethernet1/2", model.Attrs{"alias": "uplink"}),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"lldp_chassis": "aa:00:00:00:00:01", "lldp_port": "uplink"}),
		},
	}, {
		name: "declared cabling naming a port the switch does not have, the switch's CDP another: a conflict",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/7", model.Attrs{"cdp_device": "esx01", "cdp_port": "vmnic0"}),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"declared_switch": "leaf1", "declared_port": "Eth1/77"}),
		},
		links:     []wantLink{{"esx01/vmnic0", "leaf1/Ethernet1/7", "switch-cdp", Conflicting}},
		conflicts: []string{ConflictNoSuchPort + " pnic:esx01/vmnic0"},
	}, {
		name: "a hint naming a port the switch does not have, and nothing else: no link, no conflict",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/7", nil),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"cdp_device": "leaf1", "cdp_port": "Ethernet1/99"}),
		},
	}, {
		// Issue 13, cause 10 and item 4: what switches' LLDP tables hold
		// about hosts.
		name: "switch LLDP with an empty system name and the pNIC's MAC as port ID (subtype 3)",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/3", model.Attrs{"lldp_system": "", "lldp_chassis": "52:54:00:aa:bb:cc", "lldp_port": "00:25:B5:00:00:03"}),
			pnicFact("esx02", "eth0", "00:25:b5:00:00:03", nil),
		},
		links: []wantLink{{"esx02/eth0", "leaf1/Ethernet1/3", "switch-lldp", Medium}},
	}, {
		name: "switch LLDP: a known host whose port ID is its pNIC's MAC in Cisco's spelling",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/3", model.Attrs{"lldp_system": "esx02", "lldp_port": "0025.b500.0003"}),
			pnicFact("esx02", "vmnic0", "00:25:b5:00:00:03", nil),
		},
		links: []wantLink{{"esx02/vmnic0", "leaf1/Ethernet1/3", "switch-lldp", Medium}},
	}, {
		name: "switch LLDP: a system name vCenter does not know, the chassis a pNIC's MAC, the port ID a vmnic",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/3", model.Attrs{"lldp_system": "esx02-mgmt.corp.example", "lldp_chassis": "00:25:b5:00:00:03", "lldp_port": "vmnic1"}),
			pnicFact("esx02", "vmnic0", "00:25:b5:00:00:03", nil),
			pnicFact("esx02", "vmnic1", "00:25:b5:00:00:04", nil),
		},
		links: []wantLink{{"esx02/vmnic1", "leaf1/Ethernet1/3", "switch-lldp", Medium}},
	}, {
		name: "switch LLDP and CDP: a host vCenter names by its address",
		facts: []model.Version{
			v(model.Entity(hostID("10.0.0.21"), hostID("10.0.0.21"), "10.0.0.21", nil)),
			portFact("leaf1", "Ethernet1/3", model.Attrs{"lldp_system": "esx21", "lldp_mgmt_addr": "10.0.0.21", "lldp_port": "vmnic0"}),
			portFact("leaf2", "Ethernet1/3", model.Attrs{"cdp_device": "esx21.corp.example", "cdp_address": "10.0.0.21", "cdp_port": "vmnic1"}),
			pnicFact("10.0.0.21", "vmnic0", "00:25:b5:00:00:21", nil),
			pnicFact("10.0.0.21", "vmnic1", "00:25:b5:00:00:22", nil),
		},
		links: []wantLink{
			{"10.0.0.21/vmnic0", "leaf1/Ethernet1/3", "switch-lldp", Medium},
			{"10.0.0.21/vmnic1", "leaf2/Ethernet1/3", "switch-cdp", Medium},
		},
	}, {
		name: "switch LLDP: a port ID that is an address, or an empty system name with a vmnic, links nothing",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/3", model.Attrs{"lldp_system": "esx02", "lldp_port": "10.0.0.2"}),
			portFact("leaf1", "Ethernet1/4", model.Attrs{"lldp_system": "", "lldp_port": "vmnic0"}),
			pnicFact("esx02", "vmnic0", "00:25:b5:00:00:03", nil),
		},
	}, {
		name: "two hosts with one short name: a neighbour naming it links nothing",
		facts: []model.Version{
			v(model.Entity(hostID("esx09.dc1.example"), hostID("esx09.dc1.example"), "esx09.dc1.example", nil)),
			v(model.Entity(hostID("esx09.dc2.example"), hostID("esx09.dc2.example"), "esx09.dc2.example", nil)),
			portFact("leaf1", "Ethernet1/3", model.Attrs{"lldp_system": "esx09", "lldp_port": "vmnic0"}),
			portFact("leaf1", "Ethernet1/4", model.Attrs{"lldp_system": "ESX09.dc2.example", "lldp_port": "vmnic0"}),
			pnicFact("esx09.dc1.example", "vmnic0", "00:25:b5:00:00:91", nil),
			pnicFact("esx09.dc2.example", "vmnic0", "00:25:b5:00:00:92", nil),
		},
		links: []wantLink{{"esx09.dc2.example/vmnic0", "leaf1/Ethernet1/4", "switch-lldp", Medium}},
	}, {
		name: "one MAC on two pNICs: the forwarding table links neither",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/9", nil),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:04", nil),
			pnicFact("esx02", "vmnic0", "00:25:b5:00:00:04", nil),
			v(model.Relation(sw("leaf1"), port("leaf1", "Ethernet1/9"), model.RelLearned, model.NewID(model.KindMAC, "00:25:b5:00:00:04"), nil)),
		},
	}, {
		name: "a neighbour that is no known host or switch links nothing",
		facts: []model.Version{
			portFact("leaf1", "Ethernet1/5", model.Attrs{"lldp_system": "printer7", "lldp_port": "eth0"}),
			pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"cdp_device": "core9", "cdp_port": "Ethernet1/5"}),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Run(t0, append(base(), tt.facts...))
			var got []wantLink
			for _, l := range r.Links {
				if l.Rel == model.RelLink {
					continue
				}
				if l.Rel != model.RelCabled || l.Source != Source || !l.From.Equal(t0) {
					t.Errorf("derived version %+v is not a cabled relation of %s from %s", l, Source, t0)
				}
				got = append(got, wantLink{l.Subject.Key(), l.Object.Key(), l.Attrs["evidence"], l.Attrs["confidence"]})
			}
			sort.Slice(got, func(i, j int) bool { return got[i].pnic+got[i].port < got[j].pnic+got[j].port })
			if !reflect.DeepEqual(got, tt.links) {
				t.Errorf("links:\n got %v\nwant %v", got, tt.links)
			}
			var conflicts []string
			for _, c := range r.Conflicts {
				conflicts = append(conflicts, c.Kind+" "+string(c.Subject))
				if c.Message == "" || len(c.Evidence) == 0 {
					t.Errorf("conflict %+v has no message or evidence", c)
				}
			}
			if !reflect.DeepEqual(conflicts, tt.conflicts) {
				t.Errorf("conflicts = %v; want %v", conflicts, tt.conflicts)
			}
		})
	}
}

func TestRunIgnoresOtherMoments(t *testing.T) {
	facts := append(base(),
		portFact("leaf1", "Ethernet1/7", model.Attrs{"lldp_system": "esx01", "lldp_port": "vmnic0"}),
		pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", nil))
	facts[len(facts)-2].To = t0.Add(time.Hour)
	if r := Run(t0.Add(2*time.Hour), facts); len(r.Links) != 0 {
		t.Errorf("links after the neighbour entry ended: %+v", r.Links)
	}
	if r := Run(t0.Add(time.Minute), facts); len(r.Links) != 1 {
		t.Errorf("links while it was valid: %+v; want 1", r.Links)
	}
}

func TestInterSwitchLinks(t *testing.T) {
	facts := append(base(),
		portFact("leaf1", "Ethernet1/49", model.Attrs{"lldp_system": "LEAF2.dc.example", "lldp_port": "Eth1/49", "cdp_device": "leaf2(SSI1234)", "cdp_port": "Ethernet1/49"}),
		portFact("leaf2", "Ethernet1/49", model.Attrs{"lldp_chassis": "aa:00:00:00:00:01", "lldp_port": "Ethernet1/49"}),
		portFact("leaf2", "Ethernet1/50", model.Attrs{"lldp_system": "spine9", "lldp_port": "Ethernet1/1"}),
	)
	type isl struct{ from, to, evidence string }
	var got []isl
	for _, l := range Run(t0, facts).Links {
		if l.Rel == model.RelLink {
			got = append(got, isl{l.Subject.Key(), l.Object.Key(), l.Attrs["evidence"]})
		}
	}
	want := []isl{
		{"leaf1/Ethernet1/49", "leaf2/Ethernet1/49", "lldp,cdp"},
		{"leaf2/Ethernet1/49", "leaf1/Ethernet1/49", "lldp"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("inter-switch links = %v; want %v (an unknown neighbour links nothing)", got, want)
	}
}

func TestMACOnUnrelatedPorts(t *testing.T) {
	mac := model.NewID(model.KindMAC, "00:25:b5:00:00:04")
	learned := func(s, p string) model.Version {
		return v(model.Relation(sw(s), port(s, p), model.RelLearned, mac, nil))
	}
	inLAG := func(s, p, pc string) model.Version {
		return v(model.Relation(sw(s), port(s, p), model.RelInLAG, model.NewID(model.KindPortChannel, s+"/"+pc), nil))
	}
	tests := []struct {
		name     string
		facts    []model.Version
		conflict bool
	}{
		{"two members of one port-channel", []model.Version{inLAG("leaf1", "Ethernet1/1", "Port-channel10"), inLAG("leaf1", "Ethernet1/2", "Port-channel10"),
			learned("leaf1", "Ethernet1/1"), learned("leaf1", "Ethernet1/2")}, false},
		{"the two halves of a vPC bundle", []model.Version{inLAG("leaf1", "Ethernet1/1", "Port-channel101"), inLAG("leaf2", "Ethernet1/1", "Po101"),
			learned("leaf1", "Ethernet1/1"), learned("leaf2", "Ethernet1/1")}, false},
		{"two unrelated edge ports", []model.Version{learned("leaf1", "Ethernet1/1"), learned("leaf2", "Ethernet1/9")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			facts := append(base(), pnicFact("esx02", "vmnic0", "00:25:b5:00:00:04", nil))
			r := Run(t0, append(facts, tt.facts...))
			got := false
			for _, c := range r.Conflicts {
				got = got || c.Kind == ConflictMACPorts && c.Subject == pnic("esx02", "vmnic0")
			}
			if got != tt.conflict {
				t.Errorf("mac conflict = %v; want %v (conflicts %+v)", got, tt.conflict, r.Conflicts)
			}
		})
	}
}

// TestInterSwitchLinksDuplicateSysName: two devices answer to one sysName
// (issue 13, cause 10); a neighbour that names it is the one its chassis ID
// or management address says, and with neither of them, no link.
func TestInterSwitchLinksDuplicateSysName(t *testing.T) {
	facts := append(append(base(), dupLeaves()...),
		portFact("leaf1", "Ethernet1/49", model.Attrs{"lldp_system": "core", "lldp_chassis": "bb:00:00:00:00:02", "lldp_port": "Ethernet1/4"}),
		portFact("leaf1", "Ethernet1/50", model.Attrs{"lldp_system": "core.dc.example", "lldp_chassis": "Local-7", "lldp_mgmt_addr": "10.0.0.21", "lldp_port": "Ethernet1/4"}),
		portFact("leaf1", "Ethernet1/51", model.Attrs{"cdp_device": "core", "cdp_port": "Ethernet1/4"}),
	)
	var got []string
	for _, l := range Run(t0, facts).Links {
		if l.Rel == model.RelLink {
			got = append(got, l.Subject.Key()+" → "+l.Object.Key())
		}
	}
	want := []string{"leaf1/Ethernet1/49 → core@10.0.0.22/Ethernet1/4", "leaf1/Ethernet1/50 → core/Ethernet1/4"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("inter-switch links = %v; want %v", got, want)
	}
}

// TestNoSuchPortConflict is the known truth of issue 13, cause 11b: leaf1's
// LLDP says Ethernet1/7 sees esx01 vmnic0; vCenter's hint says vmnic0 is on
// leaf1 Ethernet1/99, which leaf1 does not have. The conflict names both
// claims and its port, and the link is disputed.
func TestNoSuchPortConflict(t *testing.T) {
	r := Run(t0, append(base(),
		portFact("leaf1", "Ethernet1/7", model.Attrs{"lldp_system": "esx01.dc.example", "lldp_port": "vmnic0"}),
		pnicFact("esx01", "vmnic0", "00:25:b5:00:00:01", model.Attrs{"lldp_chassis": "aa:00:00:00:00:01", "lldp_system": "leaf1", "lldp_port": "Ethernet1/99"})))
	if len(r.Conflicts) != 1 {
		t.Fatalf("conflicts = %+v; want one", r.Conflicts)
	}
	c := r.Conflicts[0]
	if c.Kind != ConflictNoSuchPort || c.Subject != pnic("esx01", "vmnic0") || !reflect.DeepEqual(c.Ports, []model.ID{port("leaf1", "Ethernet1/7")}) {
		t.Errorf("conflict %s on %s, ports %v; want %s on pnic:esx01/vmnic0, port leaf1/Ethernet1/7", c.Kind, c.Subject, c.Ports, ConflictNoSuchPort)
	}
	wantEv := []string{"leaf1/Ethernet1/7: switch-lldp", "leaf1 Ethernet1/99, not a port of leaf1: host-lldp"}
	if !reflect.DeepEqual(c.Evidence, wantEv) {
		t.Errorf("evidence = %q; want %q", c.Evidence, wantEv)
	}
	for _, s := range []string{"leaf1/Ethernet1/7", "switch-lldp", "Ethernet1/99", "host-lldp"} {
		if !strings.Contains(c.Message, s) {
			t.Errorf("message %q does not name %s", c.Message, s)
		}
	}
}
