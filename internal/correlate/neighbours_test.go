package correlate

import (
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

// A switch port with several LLDP neighbours (issue 13, cause 9): a phone
// first, then a host's NIC, then the other leaf; every one is evidence.
func TestSeveralNeighboursOnAPort(t *testing.T) {
	vs := append(base(),
		pnicFact("esx01", "vmnic0", "00:50:56:00:01:00", nil),
		portFact("leaf2", "Ethernet9", nil),
		portFact("leaf1", "Ethernet1", model.Attrs{
			"lldp_chassis": "00:11:22:33:44:01", "lldp_port": "00:11:22:33:44:01", "lldp_system": "phone-1",
			"lldp_2_chassis": "00:50:56:00:01:00", "lldp_2_port": "vmnic0", "lldp_2_system": "esx01",
			"lldp_3_chassis": "aa:00:00:00:00:02", "lldp_3_port": "Ethernet9", "lldp_3_system": "leaf2",
			"lldp_count": "3",
			"cdp_device": "esx01", "cdp_port": "vmnic0",
		}),
	)
	r := Run(t0, vs)
	var got []string
	for _, l := range r.Links {
		if l.Rel == model.RelCabled {
			got = append(got, string(l.Subject)+" "+string(l.Object)+" "+l.Attrs["evidence"])
		}
	}
	if want := "pnic:esx01/vmnic0 port:leaf1/Ethernet1 switch-cdp,switch-lldp"; len(got) != 1 || got[0] != want {
		t.Errorf("got cabled %v; want [%s]", got, want)
	}
	var links []string
	for _, l := range r.Links {
		if l.Rel == model.RelLink {
			links = append(links, string(l.Subject)+" "+string(l.Object))
		}
	}
	if want := "port:leaf1/Ethernet1 port:leaf2/Ethernet9"; len(links) != 1 || links[0] != want {
		t.Errorf("got links %v; want [%s]", links, want)
	}
}

func TestNeighbourViews(t *testing.T) {
	a := model.Attrs{"lldp_system": "a", "lldp_2_system": "b", "lldp_count": "2", "cdp_device": "c", "mtu": "9000"}
	ns := neighbours(a)
	if len(ns) != 2 || ns[0]["lldp_system"] != "a" || ns[1]["lldp_system"] != "b" || ns[1]["cdp_device"] != "" || ns[1]["mtu"] != "" {
		t.Errorf("got %v; want the port's attributes, then neighbour 2's alone", ns)
	}
	for _, c := range []string{"", "x", "-3", "1"} {
		if ns := neighbours(model.Attrs{"lldp_count": c}); len(ns) != 1 {
			t.Errorf("lldp_count %q: got %d views; want 1", c, len(ns))
		}
	}
}
