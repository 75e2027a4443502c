package vsphere

import (
	"context"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/model"
)

// TestHintsCorrelate follows the host's CDP/LLDP hints from the vSphere
// simulator through correlation (issue 13, cause 11): vmnic2's LLDP hint
// has a locally assigned chassis ID that is no switch's, and is matched by
// its System Name parameter; vmnic0's CDP hint names a port leaf1 does not
// have while leaf1's own LLDP names another, which is a conflict naming
// both claims.
func TestHintsCorrelate(t *testing.T) {
	s := startSim(t, nil, "127.0.0.1:0")
	decorate(t, s)
	c, _ := newCollector(t, testConfig(t, s))
	snap, err := c.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	// The fabric as the SNMP source states it: leaf3 with a MAC chassis ID
	// (not the hint's), leaf1 without the hint's Ethernet1/7, its LLDP
	// naming the host's vmnic0 on Ethernet1/5.
	sw := func(name string, a model.Attrs) model.Fact {
		return model.Entity(model.NewID(model.KindSwitch, name), model.NewID(model.KindSwitch, name), name, a)
	}
	port := func(s, name string, a model.Attrs) model.Fact {
		return model.Entity(model.NewID(model.KindSwitch, s), model.NewID(model.KindPort, s+"/"+name), name, a)
	}
	facts := append(snap.Facts,
		sw("leaf3", model.Attrs{"chassis_id": "5c:45:27:00:00:03", "sysname": "leaf3.example.net", "address": "10.0.0.99"}),
		port("leaf3", "Ethernet1/9", model.Attrs{"ifname": "Eth1/9"}),
		sw("leaf1", model.Attrs{"chassis_id": "5c:45:27:00:00:01"}),
		port("leaf1", "Ethernet1/5", model.Attrs{"lldp_system": "DC0_C0_H0", "lldp_port": "vmnic0"}),
	)
	now := time.Now()
	vs := make([]model.Version, len(facts))
	for i, f := range facts {
		vs[i] = model.Version{Fact: f, Source: "test", From: now.Add(-time.Minute)}
	}
	r := correlate.Run(now, vs)
	links := map[string]string{}
	for _, l := range r.Links {
		if l.Rel == model.RelCabled {
			links[l.Subject.Key()+" → "+l.Object.Key()] = l.Attrs["evidence"] + " " + l.Attrs["confidence"]
		}
	}
	for link, want := range map[string]string{
		"DC0_C0_H0/vmnic2 → leaf3/Ethernet1/9": "host-lldp medium",
		"DC0_C0_H0/vmnic0 → leaf1/Ethernet1/5": "switch-lldp conflict",
	} {
		if got := links[link]; got != want {
			t.Errorf("%s: %q; want %q (links %v)", link, got, want, links)
		}
	}
	var found bool
	for _, c := range r.Conflicts {
		if c.Subject != model.NewID(model.KindPNIC, "DC0_C0_H0/vmnic0") {
			continue
		}
		found = true
		want := []string{"leaf1/Ethernet1/5: switch-lldp", "leaf1 Ethernet1/7, not a port of leaf1: host-cdp"}
		if c.Kind != correlate.ConflictNoSuchPort || len(c.Evidence) != 2 || c.Evidence[0] != want[0] || c.Evidence[1] != want[1] {
			t.Errorf("conflict %s %q; want %s %q", c.Kind, c.Evidence, correlate.ConflictNoSuchPort, want)
		}
	}
	if !found {
		t.Errorf("no conflict on DC0_C0_H0/vmnic0: %+v", r.Conflicts)
	}
}
