package migrate

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// knownSite is cluster c1 of hosts that each get one thing wrong (their
// names say what), cluster c2 with one correct host, and the VMs:
//   - web on esx-ok, attached to app-110 (VLAN 110, vmnic0 active, vmnic1 standby);
//   - db on esx-ok, attached to db-120 on the distributed switch's LAG;
//   - flat on esx-ok, attached to the untagged port group flat;
//   - web-stuck on esx-standby-vlan (now on an unsafe host).
func knownSite() (*site, map[string]model.ID) {
	s := newSite()
	s.cluster("c1",
		hostSpec{name: "esx-ok"},
		hostSpec{name: "esx-ok2"},
		hostSpec{name: "esx-standby-vlan", port: [4]model.Attrs{1: {"allowed_vlans": "1,120"}}},
		hostSpec{name: "esx-active-vlan", port: [4]model.Attrs{0: {"allowed_vlans": "1,120"}}},
		hostSpec{name: "esx-no-pg", appVLAN: "-"},
		hostSpec{name: "esx-other-vlan", appVLAN: "111"},
		hostSpec{name: "esx-small-vswitch", vsMTU: "1500"},
		hostSpec{name: "esx-small-port", port: [4]model.Attrs{0: {"mtu": "1500"}}},
		hostSpec{name: "esx-iphash-no-pc", policy: "loadbalance_ip"},
		hostSpec{name: "esx-srcid-on-pc", pc: [4]string{0: "Port-channel7"}},
		hostSpec{name: "esx-no-dvs", noDVS: true},
		hostSpec{name: "esx-lag-split", pc: [4]string{2: "Port-channel80", 3: "Port-channel81"}},
		hostSpec{name: "esx-lag-unbundled", pc: [4]string{3: "-"}},
		hostSpec{name: "esx-lag-vlan"},
		hostSpec{name: "esx-unknown-port", noHint: [4]bool{1: true}},
		hostSpec{name: "esx-vlans-unknown", port: [4]model.Attrs{1: {"mode": ""}}},
		hostSpec{name: "esx-native", port: [4]model.Attrs{0: {"native_vlan": "5"}, 1: {"native_vlan": "5"}}},
		hostSpec{name: "esx-native-split", port: [4]model.Attrs{1: {"native_vlan": "5"}}},
		hostSpec{name: "esx-standby-down", link: [4]string{1: "down"}},
		hostSpec{name: "esx-all-down", link: [4]string{0: "down", 1: "down"}},
		hostSpec{name: "esx-no-501", pc: [4]string{2: "Port-channel90", 3: "Port-channel90"}},
		hostSpec{name: "esx-small-pc", pc: [4]string{2: "Port-channel91", 3: "Port-channel91"}},
	)
	s.cluster("c2", hostSpec{name: "esx-c2"})
	vms := map[string]model.ID{
		"web":       s.vm("web", "esx-ok", "app-110"),
		"db":        s.vm("db", "esx-ok", "db-120"),
		"flat":      s.vm("flat", "esx-ok", "flat"),
		"web-stuck": s.vm("web-stuck", "esx-standby-vlan", "app-110"),
		"trunk":     s.vm("trunk", "esx-ok", "trunk"),
		"pvlan":     s.vm("pvlan", "esx-ok", "pvlan"),
		"guest":     s.vm("guest", "esx-ok", "guest-all"),
	}
	return s, vms
}

func codes(rs []Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestEvaluateKnownTruth(t *testing.T) {
	s, vms := knownSite()
	// esx-lag-vlan: the leaf1 half of the LAG's port-channel does not
	// allow VLAN 120; esx-no-501: both halves lack VLAN 501; esx-small-pc:
	// the leaf2 half has MTU 1500.
	for i, f := range s.facts {
		if f.IsRelation() {
			continue
		}
		switch f.Subject {
		case model.NewID(model.KindPortChannel, "leaf1/Port-channel24"):
			s.facts[i].Attrs = trunk("1,110")
		case model.NewID(model.KindPortChannel, "leaf1/Port-channel90"), model.NewID(model.KindPortChannel, "leaf2/Port-channel90"):
			s.facts[i].Attrs = trunk("1,110,120,500")
		case model.NewID(model.KindPortChannel, "leaf2/Port-channel91"):
			s.facts[i].Attrs = model.Attrs{"mode": "trunk", "allowed_vlans": defaultVLANs, "native_vlan": "1", "mtu": "1500"}
		}
	}
	g := s.graph(t)
	tests := []struct {
		vm, host string
		safe     bool
		reasons  []string
		warnings []string
		says     string // a reason's or warning's message contains it
	}{
		{"web", "esx-ok", true, nil, nil, ""},
		{"web", "esx-ok2", true, nil, nil, ""},
		{"web", "esx-standby-vlan", false, []string{CodeVLANNotCarried}, nil, "VLAN 110 of app-110 is not allowed on leaf2 Ethernet1/30, the switch port of vmnic1 (standby) of esx-standby-vlan"},
		{"web", "esx-active-vlan", false, []string{CodeVLANNotCarried}, nil, "vmnic0 (active)"},
		{"web", "esx-no-pg", false, []string{CodePortgroupMissing}, nil, "host esx-no-pg has no port group app-110"},
		{"web", "esx-other-vlan", false, []string{CodeVLANDiffers}, nil, "port group app-110 is VLAN 111 on esx-other-vlan but VLAN 110 on esx-ok"},
		{"web", "esx-small-vswitch", false, []string{CodeMTUSmaller}, nil, "vSwitch0 of esx-small-vswitch has MTU 1500, below the 9000"},
		{"web", "esx-small-port", false, []string{CodeSwitchMTU}, nil, "leaf1 Ethernet1/80 has MTU 1500, below the 9000 of vSwitch0"},
		{"web", "esx-iphash-no-pc", false, []string{CodeTeaming}, nil, "app-110 uses IP-hash teaming, but leaf1 Ethernet1/90 behind vmnic0 is in no port-channel"},
		{"web", "esx-srcid-on-pc", false, []string{CodeTeaming}, nil, "its switch port leaf1 Ethernet1/100 is in leaf1 Port-channel7"},
		{"web", "esx-no-dvs", true, nil, nil, ""},
		{"web", "esx-unknown-port", true, nil, []string{CodePortUnknown}, "no switch port is known behind vmnic1 of esx-unknown-port"},
		{"web", "esx-vlans-unknown", true, nil, []string{CodeVLANsUnknown}, "did not report the VLANs of leaf2 Ethernet1/160"},
		{"web", "esx-standby-down", true, nil, []string{CodeSwitchRedundancy, CodeUplinkDown}, "vmnic1 of esx-standby-down (standby) is down"}, // left with leaf1 alone
		{"web", "esx-all-down", false, []string{CodeNoUplink}, nil, "every uplink of port group app-110 on esx-all-down is down (vmnic0, vmnic1)"},
		{"web", "esx-c2", true, nil, nil, ""},
		{"web", "esx-nowhere", false, []string{CodeUnknownHost}, nil, "no host esx-nowhere"},
		{"db", "esx-ok2", true, nil, nil, ""},
		{"db", "esx-no-dvs", false, []string{CodeNotOnSwitch}, nil, "host esx-no-dvs is not a member of distributed switch dvs1 (port group db-120)"},
		{"db", "esx-lag-split", false, []string{CodeTeaming}, nil, "members are on different port-channels: leaf1 Port-channel80 (vmnic2) and leaf2 Port-channel81 (vmnic3)"},
		{"db", "esx-lag-unbundled", false, []string{CodeTeaming}, nil, "db-120 uses LACP LAG lag1, but leaf2 Ethernet1/131 behind vmnic3 is in no port-channel"},
		{"db", "esx-lag-vlan", false, []string{CodeVLANNotCarried}, nil, "VLAN 120 of db-120 is not allowed on leaf1 Port-channel24 (leaf1 Ethernet1/141)"},
		{"db", "esx-iphash-no-pc", true, nil, nil, ""}, // IP hash on app-110 only
		{"flat", "esx-ok2", true, nil, nil, ""},
		{"flat", "esx-native", false, []string{CodeNativeVLAN}, nil, "untagged frames of flat go to VLAN 5 on leaf1 Ethernet1/170 of esx-native, not VLAN 1"},
		{"flat", "esx-native-split", false, []string{CodeNativeVLAN}, nil, "VLAN 5 on leaf2 Ethernet1/180"},
		{"web-stuck", "esx-standby-vlan", false, []string{CodeVLANNotCarried}, nil, "vmnic1 (standby)"},
		{"web-stuck", "esx-ok", true, nil, nil, ""},
		{"trunk", "esx-ok2", true, nil, nil, ""},
		{"trunk", "esx-lag-vlan", false, []string{CodeVLANNotCarried}, nil, "VLAN 120 of trunk is not allowed on leaf1 Port-channel24"},
		{"pvlan", "esx-ok2", true, nil, nil, ""},
		{"pvlan", "esx-no-501", false, []string{CodeVLANNotCarried}, nil, "VLAN 501 of pvlan is not allowed on leaf1 Port-channel90 (leaf1 Ethernet1/211)"},
		{"pvlan", "esx-small-pc", false, []string{CodeSwitchMTU}, nil, "leaf2 Port-channel91 has MTU 1500, below the 9000 of dvs1 (port group pvlan) behind vmnic3"},
		{"guest", "esx-ok", true, nil, nil, ""},
		{"guest", "esx-ok2", true, nil, nil, ""},
		{"guest", "esx-no-501", false, []string{CodeVLANNotCarried}, nil, "VLAN 501 of guest-all is not allowed"},
		{"guest", "esx-lag-vlan", false, []string{CodeVLANNotCarried}, nil, "VLAN 120,500-501 of guest-all is not allowed on leaf1 Port-channel24"},
	}
	for _, tt := range tests {
		t.Run(tt.vm+" to "+tt.host, func(t *testing.T) {
			v := Evaluate(g, vms[tt.vm], model.NewID(model.KindHost, tt.host))
			if v.Safe != tt.safe {
				t.Errorf("safe = %v; want %v (reasons %+v)", v.Safe, tt.safe, v.Reasons)
			}
			if got := codes(v.Reasons); !slices.Equal(got, tt.reasons) {
				t.Errorf("reasons = %v; want %v (%+v)", got, tt.reasons, v.Reasons)
			}
			if got := codes(v.Warnings); !slices.Equal(got, tt.warnings) {
				t.Errorf("warnings = %v; want %v (%+v)", got, tt.warnings, v.Warnings)
			}
			if tt.says != "" && !slices.ContainsFunc(append(v.Reasons, v.Warnings...), func(r Reason) bool { return strings.Contains(r.Message, tt.says) }) {
				t.Errorf("no reason or warning says %q: %+v %+v", tt.says, v.Reasons, v.Warnings)
			}
			for _, r := range append(v.Reasons, v.Warnings...) {
				if !strings.HasPrefix(r.Message, "Network adapter 1: ") || len(r.Subjects) == 0 || r.Subjects[0].Kind() != model.KindVNIC {
					if r.Code != CodeUnknownHost {
						t.Errorf("reason %+v: want the vNIC first in the message and the subjects", r)
					}
				}
			}
			if v.VMName != tt.vm || v.HostName != tt.host || v.Current != (tt.host == currentHost(g, vms[tt.vm]).Key()) {
				t.Errorf("verdict names %q on %q current %v; want %q on %q", v.VMName, v.HostName, v.Current, tt.vm, tt.host)
			}
		})
	}
}

func TestUnsafePlacements(t *testing.T) {
	s, vms := knownSite()
	g := s.graph(t)
	got := UnsafePlacements(g)
	if len(got) != 1 {
		t.Fatalf("UnsafePlacements = %+v; want web-stuck only", got)
	}
	p := got[0]
	if p.VM != vms["web-stuck"] || p.Name != "web-stuck" || p.HostName != "esx-standby-vlan" || p.Power != "poweredOn" ||
		!slices.Equal(codes(p.Reasons), []string{CodeVLANNotCarried}) {
		t.Errorf("placement = %+v; want web-stuck on esx-standby-vlan, VLAN not carried", p)
	}

	t.Run("a disconnected vNIC needs no network", func(t *testing.T) {
		for i, f := range s.facts {
			if f.Subject == model.NewID(model.KindVNIC, "uuid-web-stuck/4000") && !f.IsRelation() {
				s.facts[i].Attrs = model.Attrs{"label": "Network adapter 1", "connected": "false", "start_connected": "false"}
			}
		}
		if got := UnsafePlacements(s.graph(t)); len(got) != 0 {
			t.Errorf("UnsafePlacements = %+v; want none", got)
		}
	})
}

func TestHosts(t *testing.T) {
	s, vms := knownSite()
	g := s.graph(t)
	hs := Hosts(g, vms["web"])
	if hs.Scope != ScopeCluster || hs.Cluster != "c1" || hs.HostName != "esx-ok" {
		t.Errorf("hosts of web: scope %q cluster %q host %q; want cluster c1 esx-ok", hs.Scope, hs.Cluster, hs.HostName)
	}
	names := func(vs []Verdict) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.HostName)
		}
		return out
	}
	wantSafe := []string{"esx-lag-split", "esx-lag-unbundled", "esx-lag-vlan", "esx-no-dvs", "esx-ok", "esx-ok2",
		"esx-standby-down", "esx-unknown-port", "esx-vlans-unknown", "esx-native", "esx-native-split", "esx-no-501", "esx-small-pc"}
	slices.Sort(wantSafe)
	wantUnsafe := []string{"esx-active-vlan", "esx-all-down", "esx-iphash-no-pc", "esx-no-pg", "esx-other-vlan",
		"esx-small-port", "esx-small-vswitch", "esx-srcid-on-pc", "esx-standby-vlan"}
	slices.Sort(wantUnsafe)
	if got := names(hs.Safe); !slices.Equal(got, wantSafe) {
		t.Errorf("safe hosts = %v; want %v", got, wantSafe)
	}
	if got := names(hs.Unsafe); !slices.Equal(got, wantUnsafe) {
		t.Errorf("unsafe hosts = %v; want %v", got, wantUnsafe)
	}
	for _, v := range hs.Unsafe {
		if v.Safe || len(v.Reasons) == 0 {
			t.Errorf("unsafe %s without reasons: %+v", v.HostName, v)
		}
	}
	wide := HostsInDatacenter(g, vms["web"])
	if wide.Scope != ScopeDatacenter || len(wide.Safe) != len(wantSafe)+1 || !slices.Contains(names(wide.Safe), "esx-c2") {
		t.Errorf("hosts in the datacenter: scope %q safe %v; want esx-c2 too", wide.Scope, names(wide.Safe))
	}
}

func TestCheck(t *testing.T) {
	s, _ := knownSite()
	g := s.graph(t)
	a, err := Check(g, "WEB", Options{To: "ESX-NO-PG"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict == nil || a.Verdict.Safe || a.Verdict.HostName != "esx-no-pg" || a.Hosts != nil || !a.At.Equal(t0) {
		t.Errorf("check web --to esx-no-pg = %+v; want an unsafe verdict", a)
	}
	a, err = Check(g, "web", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdict != nil || a.Hosts == nil || len(a.Hosts.Safe) == 0 || len(a.Hosts.Unsafe) == 0 {
		t.Errorf("check web = %+v; want safe and unsafe hosts", a)
	}
	for _, tt := range []struct {
		vm, to string
		want   error
	}{
		{"nope", "", graph.ErrNotFound},
		{"web", "esx-nowhere", graph.ErrNotFound},
		{"web", "  ", nil},
	} {
		if _, err := Check(g, tt.vm, Options{To: tt.to}); !errors.Is(err, tt.want) {
			t.Errorf("Check(%q, %q) error = %v; want %v", tt.vm, tt.to, err, tt.want)
		}
	}
}

// TestSwitchRedundancyLost: a VM whose port group reaches two switches on
// its host is safe on a host whose uplinks all reach one switch, with a
// warning that it loses switch redundancy; not the other way round.
func TestSwitchRedundancyLost(t *testing.T) {
	s := newSite()
	s.cluster("c1", hostSpec{name: "esx-dual"}, hostSpec{name: "esx-single", leaf: [4]string{"", "leaf1"}})
	web := s.vm("web", "esx-dual", "app-110")
	stuck := s.vm("stuck", "esx-single", "app-110")
	g := s.graph(t)
	tests := []struct {
		name     string
		vm       model.ID
		host     string
		warnings []string
		says     string
	}{
		{"dual-homed to single-homed", web, "esx-single", []string{CodeSwitchRedundancy},
			"Network adapter 1: on esx-single the uplinks of app-110 all reach leaf1, where on esx-dual they reach leaf1 and leaf2: the VM loses switch redundancy"},
		{"its own host", web, "esx-dual", nil, ""},
		{"single-homed to dual-homed", stuck, "esx-dual", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Evaluate(g, tt.vm, model.NewID(model.KindHost, tt.host))
			if !v.Safe {
				t.Errorf("unsafe: %+v; want safe", v.Reasons)
			}
			if got := codes(v.Warnings); !slices.Equal(got, tt.warnings) {
				t.Errorf("warnings = %v; want %v (%+v)", got, tt.warnings, v.Warnings)
			}
			if tt.says != "" && (len(v.Warnings) == 0 || v.Warnings[0].Message != tt.says) {
				t.Errorf("warning = %+v; want %q", v.Warnings, tt.says)
			}
		})
	}
}
