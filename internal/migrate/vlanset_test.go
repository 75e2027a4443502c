package migrate

import (
	"strings"
	"testing"
)

func TestParseVLANSet(t *testing.T) {
	tests := []struct {
		in, want string
		count    int
		err      string
	}{
		{"", "", 0, ""},
		{"110", "110", 1, ""},
		{" 1-3 , 5,4 ,10-10", "1-5,10", 6, ""},
		{"0-4095", "0-4095", 4096, ""},
		{"100-199,300", "100-199,300", 101, ""},
		{"x", "", 0, `"x" is not a VLAN`},
		{"5-", "", 0, `"5-" is not a VLAN range`},
		{"9-3", "", 0, `"9-3" is out of 0-4095`},
		{"4096", "", 0, `"4096" is out of 0-4095`},
		{"-1", "", 0, `"-1" is not a VLAN`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := parseVLANSet(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), tt.in) {
					t.Fatalf("parseVLANSet(%q) error = %v; want one naming the list and %s", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != tt.want || s.count() != tt.count {
				t.Errorf("parseVLANSet(%q) = %q (%d VLANs); want %q (%d)", tt.in, s, s.count(), tt.want, tt.count)
			}
		})
	}
}

func TestVLANSetOps(t *testing.T) {
	a, _ := parseVLANSet("1-10,20")
	b, _ := parseVLANSet("5-20")
	if got := a.minus(b).String(); got != "1-4" {
		t.Errorf("minus = %q; want 1-4", got)
	}
	if got := a.and(b).String(); got != "5-10,20" {
		t.Errorf("and = %q; want 5-10,20", got)
	}
	if !(vlanSet{}).empty() || a.empty() || !a.has(20) || a.has(21) || a.has(-1) || a.has(4096) {
		t.Error("empty/has disagree with the set 1-10,20")
	}
}

// FuzzParseVLANSet: VLAN lists come from switches and vCenter: any input
// parses or fails with an error, never panics, and what parses prints back
// to a list that parses to the same set.
func FuzzParseVLANSet(f *testing.F) {
	for _, s := range []string{"1-99,110", "0-4095", " 5 , 7-9", "4096", "a-b", "1--2", ",,,", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := parseVLANSet(in)
		if err != nil {
			return
		}
		back, err := parseVLANSet(s.String())
		if err != nil || back != s {
			t.Fatalf("parseVLANSet(%q) = %q, which parses back to %q (%v)", in, s, back, err)
		}
	})
}
