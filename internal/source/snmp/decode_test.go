package snmp

import (
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
