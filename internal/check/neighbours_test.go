package check_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/model"
)

// TestHintOnUnknownPortKnownTruth (issue 13, cause 11b): leaf1's LLDP says
// Ethernet1/7 sees esx01 vmnic0; vCenter's LLDP hint says vmnic0 is on leaf1
// Ethernet1/99, which leaf1 does not have. The claim is not dropped: the
// evidence-conflict finding names both claims, and `where` shows the link
// disputed.
func TestHintOnUnknownPortKnownTruth(t *testing.T) {
	st := openStore(t)
	d := newDC()
	d.sw("leaf1").port("Ethernet1/1").name = "Ethernet1/7"
	n := d.host("esx01").pnic("vmnic0")
	delete(n.attrs, "cdp_device")
	delete(n.attrs, "cdp_port")
	n.attrs["lldp_system"], n.attrs["lldp_port"] = "leaf1", "Ethernet1/99"
	d.apply(t, st, t0, true)
	g := graphAt(t, st, t0.Add(time.Minute))

	fs := check.Run(g, check.Options{Rules: []string{check.RuleEvidenceConflict}})
	if len(fs) != 1 {
		t.Fatalf("findings %+v; want one", fs)
	}
	f := fs[0]
	if want := ids(pnicID("esx01", "vmnic0"), portID("leaf1", "Ethernet1/7")); !reflect.DeepEqual(f.Subjects, want) {
		t.Errorf("subjects %v; want %v", f.Subjects, want)
	}
	for _, s := range []string{"esx01/vmnic0", "leaf1/Ethernet1/7 (switch-lldp)", "leaf1 Ethernet1/99, not a port of leaf1 (host-lldp)"} {
		if !strings.Contains(f.Message, s) {
			t.Errorf("message %q does not name %q", f.Message, s)
		}
	}
	if want := []string{"leaf1/Ethernet1/7: switch-lldp", "leaf1 Ethernet1/99, not a port of leaf1: host-lldp"}; !reflect.DeepEqual(f.Evidence, want) {
		t.Errorf("evidence %q; want %q", f.Evidence, want)
	}

	loc, err := g.Where("app1")
	if err != nil {
		t.Fatal(err)
	}
	var seen bool
	for _, v := range loc.VNICs {
		for _, u := range v.Uplinks {
			if u.Device != "vmnic0" {
				continue
			}
			seen = true
			if len(u.Ports) != 1 || u.Ports[0].ID != portID("leaf1", "Ethernet1/7") || u.Ports[0].Confidence != "conflict" ||
				!slices.Equal(u.Ports[0].Evidence, []string{"switch-lldp"}) {
				t.Errorf("where app1, vmnic0: ports %+v; want leaf1/Ethernet1/7 [switch-lldp] with confidence conflict", u.Ports)
			}
		}
	}
	if !seen {
		t.Errorf("where app1 shows no vmnic0 uplink: %+v", loc.VNICs)
	}
}

// TestDuplicateSysName (issue 13, cause 10): the finding counts the devices
// that answer to one sysName, gives their addresses, and names the switches
// of the map; a group is one finding whichever of its switches lists whom.
func TestDuplicateSysName(t *testing.T) {
	dup := func(name, addr, of string) *sw {
		return &sw{name: name, attrs: model.Attrs{"sysname": "Switch", "address": addr, "chassis_id": "00:11:22:33:44:" + addr[len(addr)-2:], "duplicate_sysname_of": of}}
	}
	tests := []struct {
		name     string
		switches []*sw
		subjects []model.ID
		message  string
		evidence int // lines: one per device
	}{{
		name:     "two devices",
		switches: []*sw{dup("switch", "10.0.9.11", "switch@10.0.9.12"), dup("switch@10.0.9.12", "10.0.9.12", "switch")},
		subjects: ids(switchID("switch"), switchID("switch@10.0.9.12")),
		message:  "2 devices answer to sysName Switch at addresses 10.0.9.11, 10.0.9.12; their links are kept apart, fix the sysName",
		evidence: 2,
	}, {
		name: "three devices, one of them listing only one other",
		switches: []*sw{dup("switch", "10.0.9.11", "switch@10.0.9.12,switch@10.0.9.13"), dup("switch@10.0.9.12", "10.0.9.12", "switch"),
			dup("switch@10.0.9.13", "10.0.9.13", "switch,switch@10.0.9.12")},
		subjects: ids(switchID("switch"), switchID("switch@10.0.9.12"), switchID("switch@10.0.9.13")),
		message:  "3 devices answer to sysName Switch at addresses 10.0.9.11, 10.0.9.12, 10.0.9.13; their links are kept apart, fix the sysName",
		evidence: 3,
	}, {
		name:     "the other device not in the map",
		switches: []*sw{dup("switch@10.0.9.12", "10.0.9.12", "switch")},
		subjects: ids(switchID("switch@10.0.9.12")),
		message:  "2 devices answer to sysName Switch at addresses 10.0.9.12; their links are kept apart, fix the sysName",
		evidence: 2,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			d := newDC()
			d.switches = append(d.switches, tt.switches...)
			d.apply(t, st, t0, true)
			fs := check.Run(graphAt(t, st, t0.Add(time.Minute)), check.Options{Rules: []string{check.RuleDuplicateSysName}})
			if len(fs) != 1 {
				t.Fatalf("findings %+v; want one", fs)
			}
			f := fs[0]
			if f.Severity != check.Warning || !reflect.DeepEqual(f.Subjects, tt.subjects) || f.Message != tt.message {
				t.Errorf("got %s %v %q; want warning %v %q", f.Severity, f.Subjects, f.Message, tt.subjects, tt.message)
			}
			if len(f.Evidence) != tt.evidence || f.Fix == "" {
				t.Errorf("evidence %q, fix %q; want a line per device and a fix", f.Evidence, f.Fix)
			}
		})
	}
}

// TestPNICNoPortNamesTheHint: a pNIC whose LLDP hint names a switch vnetmap
// does not poll by a locally assigned chassis ID and no system name: the
// evidence gives the chassis ID rather than an empty name.
func TestPNICNoPortNamesTheHint(t *testing.T) {
	st := openStore(t)
	d := newDC()
	h := d.host("esx01")
	h.pnics = append(h.pnics, &pnic{dev: "vmnic7", attrs: model.Attrs{"mac": "00:25:b5:01:00:07", "link": "up",
		"lldp_chassis": "FOC2231X0AB", "lldp_port": "Ethernet1/9"}})
	d.apply(t, st, t0, true)
	fs := check.Run(graphAt(t, st, t0.Add(time.Minute)), check.Options{Rules: []string{check.RulePNICNoPort}})
	if len(fs) != 1 || !slices.Equal(fs[0].Evidence, []string{"host LLDP: FOC2231X0AB Ethernet1/9"}) {
		t.Errorf("findings %+v; want one with the evidence %q", fs, "host LLDP: FOC2231X0AB Ethernet1/9")
	}
}
