package snmp

import (
	"net/netip"
	"slices"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"portlist", Ranges(PortList([]byte{0xc0, 0x01})), "1-2,16"},
		{"vlan bitmap base 0", Ranges(VLANBitmap([]byte{0x40, 0x80}, 0)), "1,8"},
		{"vlan bitmap 2k", Ranges(VLANBitmap([]byte{0x80}, 1024)), "1024"},
		{"ranges", Ranges([]int{1, 2, 3, 5, 7, 8}), "1-3,5,7-8"},
		{"chassis mac", ChassisID(4, []byte{0, 0x1e, 0xbd, 0, 1, 0}), "00:1e:bd:00:01:00"},
		{"chassis mac wrong length", ChassisID(4, []byte{0xff, 0x01}), "ff:01"},
		{"chassis network address", ChassisID(5, []byte{1, 10, 0, 0, 1}), "10.0.0.1"},
		{"chassis local text", ChassisID(7, []byte("leaf1\x00")), "leaf1"},
		{"port id name", PortID(5, []byte("Et49/1")), "Et49/1"},
		{"port id mac", PortID(3, []byte{1, 2, 3, 4, 5, 6}), "01:02:03:04:05:06"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q; want %q", tt.name, tt.got, tt.want)
		}
	}
	if a, ok := InetAddress(2, make([]byte, 16)); !ok || a.String() != "::" {
		t.Errorf("InetAddress ipv6: got %v %v; want :: true", a, ok)
	}
	if _, ok := InetAddress(1, []byte{1, 2, 3}); ok {
		t.Error("InetAddress of 3 octets: got ok; want not ok")
	}
	lp, ri, a, err := ManAddrIndex([]uint32{0, 49, 2, 1, 4, 127, 0, 0, 11})
	if err != nil || lp != 49 || ri != 2 || a.String() != "127.0.0.11" {
		t.Errorf("ManAddrIndex: got %d %d %v %v; want 49 2 127.0.0.11", lp, ri, a, err)
	}
	if _, _, _, err := ManAddrIndex([]uint32{0, 49, 2, 1, 4, 127, 0}); err == nil {
		t.Error("ManAddrIndex truncated: got no error")
	}
	if c := []int{CompareOID("1.3.6.1.2", "1.3.6.1.10"), CompareOID(".1.3", "1.3"), CompareOID("1.3.6", "1.3")}; !slices.Equal(c, []int{-1, 0, 1}) {
		t.Errorf("CompareOID: got %v; want [-1 0 1]", c)
	}
}

func FuzzBitmaps(f *testing.F) {
	f.Add([]byte{0xff, 0x00, 0x81}, 1024)
	f.Fuzz(func(t *testing.T, b []byte, base int) {
		if len(b) > 512 {
			return
		}
		ports := PortList(b)
		if !slices.IsSorted(ports) {
			t.Errorf("PortList(%x) not sorted: %v", b, ports)
		}
		_ = Ranges(VLANBitmap(b, base%4096))
	})
}

func FuzzAddresses(f *testing.F) {
	f.Add(4, []byte{0, 1, 2, 3, 4, 5})
	f.Add(5, []byte{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, sub int, b []byte) {
		_ = ChassisID(sub, b)
		_ = PortID(sub, b)
		_, _ = InetAddress(sub, b)
		_ = Text(b)
		idx := make([]uint32, len(b))
		for i, v := range b {
			idx[i] = uint32(v) * uint32(sub&0xff)
		}
		_, _, _, _ = ManAddrIndex(idx)
		_, _ = MACIndex(idx)
	})
}

func FuzzCompareOID(f *testing.F) {
	f.Add("1.3.6.1", "1.3.6.1.2")
	f.Fuzz(func(t *testing.T, a, b string) {
		if CompareOID(a, b) != -CompareOID(b, a) {
			t.Errorf("CompareOID(%q, %q) not antisymmetric", a, b)
		}
		_, _ = ParseOID(a)
	})
}

func TestARPIndex(t *testing.T) {
	tests := []struct {
		name    string
		idx     []uint32
		media   bool
		ifIndex int
		want    string // address, or "" for an error
	}{
		{"ipv4", []uint32{5000120, 1, 4, 10, 120, 0, 20}, false, 5000120, "10.120.0.20"},
		{"ipv6", []uint32{7, 2, 16, 32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, false, 7, "2001:db8::1"},
		{"ipv4z zone dropped", []uint32{7, 3, 8, 10, 0, 0, 1, 0, 0, 0, 2}, false, 7, "10.0.0.1"},
		{"length past the end", []uint32{7, 1, 5, 10, 0, 0, 1}, false, 0, ""},
		{"length overflow", []uint32{7, 1, 4294967295, 10, 0, 0, 1}, false, 0, ""},
		{"octet above 255", []uint32{7, 1, 4, 10, 0, 0, 256}, false, 0, ""},
		{"unknown type", []uint32{7, 9, 4, 10, 0, 0, 1}, false, 0, ""},
		{"truncated", []uint32{7, 1}, false, 0, ""},
		{"media ipv4", []uint32{201, 10, 110, 0, 99}, true, 201, "10.110.0.99"},
		{"media short", []uint32{201, 10, 110, 0}, true, 0, ""},
		{"media octet above 255", []uint32{201, 10, 110, 0, 300}, true, 0, ""},
	}
	for _, tt := range tests {
		dec := NetToPhysicalIndex
		if tt.media {
			dec = NetToMediaIndex
		}
		i, a, err := dec(tt.idx)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("%s: got %d %v; want an error", tt.name, i, a)
		case tt.want != "" && (err != nil || i != tt.ifIndex || a.String() != tt.want):
			t.Errorf("%s: got %d %v %v; want %d %s", tt.name, i, a, err, tt.ifIndex, tt.want)
		}
	}
	for _, tt := range []struct {
		name string
		vid  int
		ok   bool
	}{{"Vlan110", 110, true}, {"Vlan0110", 0, false}, {"Vlan4095", 0, false}, {"Ethernet1/1", 0, false}, {"Vlan", 0, false}} {
		if vid, ok := sviVLAN(tt.name); vid != tt.vid || ok != tt.ok {
			t.Errorf("sviVLAN(%q): got %d %v; want %d %v", tt.name, vid, ok, tt.vid, tt.ok)
		}
	}
}

func FuzzARPIndex(f *testing.F) {
	f.Add([]byte{7, 1, 4, 10, 120, 0, 20})
	f.Add([]byte{7, 2, 16, 32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{201, 10, 110, 0, 99})
	f.Fuzz(func(t *testing.T, b []byte) {
		idx := make([]uint32, len(b))
		for i, v := range b {
			idx[i] = uint32(v)
			if v == 0xff { // reach the out-of-range and overflow checks
				idx[i] = 1<<32 - 1
			}
		}
		for _, dec := range []func([]uint32) (int, netip.Addr, error){NetToPhysicalIndex, NetToMediaIndex} {
			_, a, err := dec(idx)
			if err == nil && !a.IsValid() {
				t.Errorf("index %v: no error and no address", idx)
			}
		}
	})
}
