package doc

import (
	"slices"

	"github.com/vnetmap/vnetmap/internal/graph"
)

// vlanRange is an inclusive range of VLAN IDs.
type vlanRange struct{ lo, hi int }

// vlanSet is a set of VLAN IDs as sorted, merged ranges. The documentation
// only reads VLAN lists to tell whether a port carries a VLAN; a list it
// cannot read carries nothing it can vouch for (ok false).
type vlanSet []vlanRange

// parseVLANs reads a VLAN list such as "1-99,110,200-299" (spaces allowed);
// ok is false when an item is not a VLAN or a range of 0-4095.
func parseVLANs(s string) (set vlanSet, ok bool) {
	rs, err := graph.ParseVLANs(s)
	if err != nil {
		return nil, false
	}
	for _, r := range rs {
		set = append(set, vlanRange{r.Lo, r.Hi})
	}
	slices.SortFunc(set, func(x, y vlanRange) int { return x.lo - y.lo })
	var out vlanSet
	for _, r := range set {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out, true
}

// has reports whether v is in the set.
func (s vlanSet) has(v int) bool {
	i, found := slices.BinarySearchFunc(s, v, func(r vlanRange, v int) int {
		switch {
		case r.hi < v:
			return -1
		case r.lo > v:
			return 1
		}
		return 0
	})
	return found && i < len(s)
}

// each calls f for every VLAN of the set, at most limit of them, and
// reports whether it stopped at the limit.
func (s vlanSet) each(limit int, f func(int)) bool {
	n := 0
	for _, r := range s {
		for v := r.lo; v <= r.hi; v++ {
			if n == limit {
				return true
			}
			f(v)
			n++
		}
	}
	return false
}
