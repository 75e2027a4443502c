package sim

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// TestPlanInvariants checks the layout of the default and the scale data
// centers without starting a simulator.
func TestPlanInvariants(t *testing.T) {
	for name, cfg := range map[string]Config{"default": DefaultConfig(), "scale": ScaleConfig()} {
		t.Run(name, func(t *testing.T) {
			p := newPlan(cfg)
			if got, want := len(p.vms), cfg.VMs; got != want {
				t.Errorf("VMs: got %d; want %d", got, want)
			}
			seen := map[string]string{}
			unique := func(kind, key, owner string) {
				t.Helper()
				if prev, ok := seen[kind+" "+key]; ok {
					t.Errorf("%s %s: used by %s and %s", kind, key, prev, owner)
				}
				seen[kind+" "+key] = owner
			}
			racks := map[int]int{} // rack → cluster
			for _, h := range p.hosts {
				unique("host", h.name, h.name)
				if c, ok := racks[h.rack]; ok && c != h.cluster {
					t.Errorf("rack %d holds clusters %d and %d", h.rack, c, h.cluster)
				}
				racks[h.rack] = h.cluster
				for j, pn := range h.pnics {
					c := pn.cable
					unique("mac", pn.mac, h.name+"/"+pn.device)
					unique("port", c.Switch+" "+c.Port, h.name+"/"+pn.device)
					n, err := strconv.Atoi(strings.TrimPrefix(c.Port, "Ethernet1/"))
					if err != nil || n < 1 || n > 48 {
						t.Errorf("%s/%s: port %s outside Ethernet1/1-48", h.name, pn.device, c.Port)
					}
					if leaf := p.switches[p.leafOf(&h, j)]; leaf.Rack != h.rack+1 || leaf.Name != c.Switch {
						t.Errorf("%s/%s: cabled to %s of rack %d; host in rack %d", h.name, pn.device, leaf.Name, leaf.Rack, h.rack+1)
					}
				}
				if p.clusters[h.cluster].dvs {
					a, b := h.pnics[2].cable, h.pnics[3].cable
					if a.LAG != lagName || b.LAG != lagName || a.PortChannel != b.PortChannel || a.Port != b.Port || a.Switch == b.Switch {
						t.Errorf("%s: LAG members %+v and %+v; want one port-channel on both leaves", h.name, a, b)
					}
				}
			}
			for _, v := range p.vms {
				unique("vm", v.name, v.name)
				unique("uuid", v.instanceUUID, v.name)
				if !p.fits(&v, &p.hosts[v.host]) {
					t.Errorf("%s: placed on %s, which lacks its port groups", v.name, p.hosts[v.host].name)
				}
				for _, n := range v.nics {
					unique("mac", n.mac, v.name)
					for _, ip := range n.ips {
						unique("ip", ip.String(), v.name)
					}
					if n.dvport != "" {
						unique("dvport", n.dvport, v.name)
					}
				}
			}
		})
	}
}

func TestPlanSeeds(t *testing.T) {
	a, b := newPlan(DefaultConfig()), newPlan(DefaultConfig())
	other := DefaultConfig()
	other.Seed = 2
	c := newPlan(other)
	if a.vms[0].nics[0].mac != b.vms[0].nics[0].mac || a.hosts[0].pnics[0].mac != b.hosts[0].pnics[0].mac {
		t.Errorf("same seed, different MACs")
	}
	if a.hosts[0].pnics[0].mac == c.hosts[0].pnics[0].mac {
		t.Errorf("seeds 1 and 2: same pNIC MAC %s", a.hosts[0].pnics[0].mac)
	}
	// More VMs leave the hosts and the cabling as they were.
	more := DefaultConfig()
	more.VMs = 500
	d := newPlan(more)
	for i := range a.hosts {
		if a.hosts[i].pnics[0].cable != d.hosts[i].pnics[0].cable {
			t.Errorf("%s: cabling changed with the VM count", a.hosts[i].name)
		}
	}
}

func TestFormatRanges(t *testing.T) {
	tests := []struct {
		name string
		in   []vlanRange
		want string
	}{
		{"empty", nil, ""},
		{"one", []vlanRange{{10, 10}}, "10"},
		{"sorted and merged", []vlanRange{{300, 300}, {110, 110}, {100, 199}, {200, 200}}, "100-200,300"},
		{"adjacent singles", []vlanRange{{500, 500}, {501, 501}}, "500-501"},
	}
	for _, tc := range tests {
		if got := formatRanges(tc.in); got != tc.want {
			t.Errorf("%s: got %q; want %q", tc.name, got, tc.want)
		}
	}
}

func TestAddresses(t *testing.T) {
	tests := []struct {
		prefix string
		n      int
		want   string
	}{
		{"10.110.0.0/16", 10, "10.110.0.10"},
		{"10.110.0.0/16", 300, "10.110.1.44"},
		{"fd00:0:110::/64", 10, "fd00:0:110::a"},
	}
	for _, tc := range tests {
		if got := addrAt(netip.MustParsePrefix(tc.prefix), tc.n).String(); got != tc.want {
			t.Errorf("addrAt(%s, %d): got %s; want %s", tc.prefix, tc.n, got, tc.want)
		}
	}
	if got, want := hintRange(netip.MustParsePrefix("10.110.0.0/16")), "10.110.0.1-10.110.255.254"; got != want {
		t.Errorf("hintRange: got %s; want %s", got, want)
	}
	if got, want := netmask(netip.MustParsePrefix("10.10.0.0/16")), "255.255.0.0"; got != want {
		t.Errorf("netmask: got %s; want %s", got, want)
	}
}
