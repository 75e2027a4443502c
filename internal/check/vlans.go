package check

import (
	"slices"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/graph"
)

// vlanRange is an inclusive range of VLAN IDs.
type vlanRange struct{ lo, hi int }

// vlanSet is a set of VLAN IDs as sorted, disjoint, non-adjacent ranges.
type vlanSet []vlanRange

// parseVLANs reads a VLAN list such as "1-99,110,200-299" (spaces allowed)
// into a set; it names the list and the item it cannot read.
func parseVLANs(s string) (vlanSet, error) {
	rs, err := graph.ParseVLANs(s)
	if err != nil {
		return nil, err
	}
	r := make(vlanSet, len(rs))
	for i, x := range rs {
		r[i] = vlanRange{x.Lo, x.Hi}
	}
	return r.normalize(), nil
}

// vlanOne is the set of the single VLAN v.
func vlanOne(v int) vlanSet { return vlanSet{{v, v}} }

// normalize sorts the ranges and merges those that overlap or touch.
func (s vlanSet) normalize() vlanSet {
	slices.SortFunc(s, func(a, b vlanRange) int { return a.lo - b.lo })
	var out vlanSet
	for _, r := range s {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// union returns the VLANs in s or t.
func (s vlanSet) union(t vlanSet) vlanSet {
	return append(slices.Clone(s), t...).normalize()
}

// contains reports whether v is in the set.
func (s vlanSet) contains(v int) bool {
	_, found := slices.BinarySearchFunc(s, v, func(r vlanRange, v int) int {
		switch {
		case r.hi < v:
			return -1
		case r.lo > v:
			return 1
		}
		return 0
	})
	return found
}

// minus returns the VLANs of s that are not in t.
func (s vlanSet) minus(t vlanSet) vlanSet {
	var out vlanSet
	j := 0
	for _, r := range s {
		lo := r.lo
		for j < len(t) && t[j].hi < lo {
			j++
		}
		for k := j; k < len(t) && t[k].lo <= r.hi && lo <= r.hi; k++ {
			if t[k].lo > lo {
				out = append(out, vlanRange{lo, t[k].lo - 1})
			}
			lo = max(lo, t[k].hi+1)
		}
		if lo <= r.hi {
			out = append(out, vlanRange{lo, r.hi})
		}
	}
	return out
}

// intersect returns the VLANs in both s and t.
func (s vlanSet) intersect(t vlanSet) vlanSet { return s.minus(s.minus(t)) }

// covers reports whether every VLAN from lo to hi is in the set.
func (s vlanSet) covers(lo, hi int) bool { return len(vlanSet{{lo, hi}}.minus(s)) == 0 }

// String formats the set as "10,100-199,300".
func (s vlanSet) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = strconv.Itoa(r.lo)
		if r.hi != r.lo {
			parts[i] += "-" + strconv.Itoa(r.hi)
		}
	}
	return strings.Join(parts, ",")
}
