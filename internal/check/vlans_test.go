package check

import (
	"strings"
	"testing"
)

func TestVLANSet(t *testing.T) {
	tests := []struct {
		in, want string
		err      string
	}{
		{"", "", ""},
		{"110", "110", ""},
		{" 1-99, 110 ,100", "1-100,110", ""},
		{"300,200-299,1", "1,200-300", ""},
		{"0-4095", "0-4095", ""},
		{"10-5", "", "out of 0-4095"},
		{"4096", "", "out of 0-4095"},
		{"a", "", `"a" is not a VLAN`},
		{"1-b", "", `"1-b" is not a VLAN range`},
	}
	for _, tt := range tests {
		s, err := parseVLANs(tt.in)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), tt.in) {
				t.Errorf("parseVLANs(%q) = %v, %v; want an error naming the list with %q", tt.in, s, err, tt.err)
			}
		case err != nil || s.String() != tt.want:
			t.Errorf("parseVLANs(%q) = %q, %v; want %q", tt.in, s, err, tt.want)
		}
	}
	a, _ := parseVLANs("1-100,200-300")
	b, _ := parseVLANs("50-250,300")
	for _, tt := range []struct{ name, got, want string }{
		{"minus", a.minus(b).String(), "1-49,251-299"},
		{"intersect", a.intersect(b).String(), "50-100,200-250,300"},
		{"union", a.union(b).String(), "1-300"},
		{"minus nothing", a.minus(nil).String(), a.String()},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q; want %q", tt.name, tt.got, tt.want)
		}
	}
	if !a.contains(100) || a.contains(101) || !a.covers(200, 300) || a.covers(100, 200) {
		t.Errorf("contains/covers wrong on %s", a)
	}
}

// FuzzParseVLANs: any VLAN list (switches and vCenter state them) parses
// to a sorted set of disjoint ranges that prints back to itself, or to an
// error naming the list; the set operations agree with membership.
func FuzzParseVLANs(f *testing.F) {
	for _, s := range []string{"1-99,110", "0-4094", "", "5,3,4", "10-5", "1-2-3", ",,,", "4095"} {
		f.Add(s, "100-200,7")
	}
	f.Fuzz(func(t *testing.T, x, y string) {
		a, err := parseVLANs(x)
		if err != nil {
			if !strings.Contains(err.Error(), "vlan list") {
				t.Fatalf("error %q does not name the list", err)
			}
			return
		}
		for i, r := range a {
			if r.lo > r.hi || r.lo < 0 || r.hi > 4095 || (i > 0 && r.lo <= a[i-1].hi+1) {
				t.Fatalf("parseVLANs(%q) = %v: not sorted, disjoint ranges", x, a)
			}
		}
		back, err := parseVLANs(a.String())
		if err != nil || back.String() != a.String() {
			t.Fatalf("%q prints as %q, which parses to %q, %v", x, a, back, err)
		}
		b, err := parseVLANs(y)
		if err != nil {
			return
		}
		minus, inter, union := a.minus(b), a.intersect(b), a.union(b)
		for _, v := range []int{0, 1, 2, 99, 100, 101, 200, 1000, 4094, 4095} {
			inA, inB := a.contains(v), b.contains(v)
			if minus.contains(v) != (inA && !inB) || inter.contains(v) != (inA && inB) || union.contains(v) != (inA || inB) {
				t.Fatalf("VLAN %d: a=%s b=%s minus=%s intersect=%s union=%s", v, a, b, minus, inter, union)
			}
		}
	})
}
