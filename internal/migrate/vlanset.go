package migrate

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/graph"
)

// vlanSet is a set of VLAN IDs 0-4095, one bit each: fixed size, so that a
// hostile list ("1-4095" repeated) costs no more memory than a short one.
type vlanSet [4096 / 64]uint64

// parseVLANSet reads a VLAN list as switches and port groups state it
// ("1-99,110,200-299", spaces allowed). The error names the list and the
// bad item.
func parseVLANSet(s string) (vlanSet, error) {
	var set vlanSet
	rs, err := graph.ParseVLANs(s)
	if err != nil {
		return set, err
	}
	for _, r := range rs {
		set.addRange(r.Lo, r.Hi)
	}
	return set, nil
}

func (s *vlanSet) add(v int) { s[v>>6] |= 1 << (v & 63) }

func (s *vlanSet) addRange(lo, hi int) {
	for v := lo; v <= hi; v++ {
		s.add(v)
	}
}

func (s *vlanSet) has(v int) bool { return v >= 0 && v < 4096 && s[v>>6]&(1<<(v&63)) != 0 }

// minus returns the VLANs of s that are not in o.
func (s vlanSet) minus(o vlanSet) vlanSet {
	for i := range s {
		s[i] &^= o[i]
	}
	return s
}

// and returns the VLANs in both s and o.
func (s vlanSet) and(o vlanSet) vlanSet {
	for i := range s {
		s[i] &= o[i]
	}
	return s
}

// count returns the number of VLANs in s.
func (s vlanSet) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

func (s vlanSet) empty() bool { return s == vlanSet{} }

// String writes s as a VLAN list with ranges ("100-105,300"), the way
// switches print them.
func (s vlanSet) String() string {
	var b strings.Builder
	for v := 0; v < 4096; v++ {
		if !s.has(v) {
			continue
		}
		end := v
		for end+1 < 4096 && s.has(end+1) {
			end++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(v))
		if end > v {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(end))
		}
		v = end
	}
	return b.String()
}
