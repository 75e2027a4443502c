package graph

import (
	"fmt"
	"strconv"
	"strings"
)

// VLANRange is an inclusive range of VLAN IDs.
type VLANRange struct{ Lo, Hi int }

// ParseVLANs reads a VLAN list as switches and port groups state it
// ("1-99,110,200-299", spaces allowed) into its ranges, in the list's
// order. The error names the list and the item it cannot read: not a
// number, not a range, or outside 0-4095. It is the one reader of VLAN
// lists; checks, migration and documentation build their sets from it.
func ParseVLANs(s string) ([]VLANRange, error) {
	var r []VLANRange
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			return nil, fmt.Errorf("vlan list %q: %q is not a VLAN", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
				return nil, fmt.Errorf("vlan list %q: %q is not a VLAN range", s, part)
			}
		}
		if a < 0 || b > 4095 || a > b {
			return nil, fmt.Errorf("vlan list %q: %q is out of 0-4095", s, part)
		}
		r = append(r, VLANRange{a, b})
	}
	return r, nil
}

// vlanSubset reports whether every VLAN of want is in have.
func vlanSubset(want, have string) (bool, error) {
	w, err := ParseVLANs(want)
	if err != nil {
		return false, err
	}
	h, err := ParseVLANs(have)
	if err != nil {
		return false, err
	}
	for _, wr := range w {
		for v := wr.Lo; v <= wr.Hi; v++ {
			if !inRanges(v, h) {
				return false, nil
			}
		}
	}
	return len(w) > 0, nil
}

func inRanges(v int, rs []VLANRange) bool {
	for _, r := range rs {
		if v >= r.Lo && v <= r.Hi {
			return true
		}
	}
	return false
}
