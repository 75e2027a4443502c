package ifname

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GigabitEthernet1/0/7", "GigabitEthernet1/0/7"},
		{"Gi1/0/7", "GigabitEthernet1/0/7"},
		{"gi 1/0/7", "GigabitEthernet1/0/7"},
		{" GI1/0/7 ", "GigabitEthernet1/0/7"},
		{"Te1/1/1", "TenGigabitEthernet1/1/1"},
		{"TenGigabitEthernet1/1/1", "TenGigabitEthernet1/1/1"},
		{"Fo1/0/49", "FortyGigabitEthernet1/0/49"},
		{"Hu1/0/49", "HundredGigE1/0/49"},
		{"HundredGigE1/0/49", "HundredGigE1/0/49"},
		{"Twe1/0/1", "TwentyFiveGigE1/0/1"},
		{"Ethernet1/7", "Ethernet1/7"},
		{"Eth1/7", "Ethernet1/7"},
		{"Et1/7", "Ethernet1/7"},
		{"Ethernet49/1", "Ethernet49/1"},
		{"Po101", "Port-channel101"},
		{"Port-channel101", "Port-channel101"},
		{"Port-Channel10", "Port-channel10"},
		{"port-channel 10", "Port-channel10"},
		{"Vl110", "Vlan110"},
		{"Lo0", "Loopback0"},
		{"mgmt0", "mgmt0"},
		{"Management1", "Management1"},
		{"ge-0/0/7", "ge-0/0/7"},
		{"GE-0/0/7", "ge-0/0/7"},
		{"xe-0/0/1", "xe-0/0/1"},
		{"et-0/0/48", "et-0/0/48"},
		{"ae0", "ae0"},
		{"AE0", "ae0"},
		{"Gi1/0/7.100", "GigabitEthernet1/0/7.100"},
		{"vmnic0", "vmnic0"},
		{"me0", "me0"},
		{"", ""},
		{"Gi", "Gi"},
		{"1/0/7", "1/0/7"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIndex(t *testing.T) {
	var x Index
	x.Add(10107, "Gi1/0/7", "GigabitEthernet1/0/7")
	x.Add(436207616, "Ethernet1/7", "Ethernet1/7")
	x.Add(369098851, "Po101", "port-channel101")
	x.Add(5, "", "ge-0/0/5")
	tests := []struct {
		name string
		want int
		ok   bool
	}{
		{"GigabitEthernet1/0/7", 10107, true},
		{"Gi1/0/7", 10107, true},
		{"gi1/0/7", 10107, true},
		{"Eth1/7", 436207616, true},
		{"Et1/7", 436207616, true},
		{"Port-channel101", 369098851, true},
		{"Po 101", 369098851, true},
		{"ge-0/0/5", 5, true},
		{"Gi1/0/8", 0, false},
	}
	for _, tt := range tests {
		got, ok := x.Lookup(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Lookup(%q) = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if n, _ := x.Name(10107); n != "GigabitEthernet1/0/7" {
		t.Errorf("Name(10107) = %q; want GigabitEthernet1/0/7", n)
	}
	if n, _ := x.Name(5); n != "ge-0/0/5" {
		t.Errorf("Name(5) = %q; want ge-0/0/5 (from ifDescr)", n)
	}
	if x.Len() != 4 {
		t.Errorf("Len() = %d; want 4", x.Len())
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Gi1/0/7", "po 10", "ge-0/0/1", "AE0", " \tEt1/1", "-1", "Port-Channel-1", "é1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if again := Normalize(n); again != n {
			t.Errorf("Normalize(%q) = %q, then %q: not idempotent", s, n, again)
		}
		var x Index
		x.Add(1, s, s)
		if i, ok := x.Lookup(n); n != "" && (!ok || i != 1) {
			t.Errorf("Lookup(Normalize(%q)) = %d, %v; want 1, true", s, i, ok)
		}
	})
}
