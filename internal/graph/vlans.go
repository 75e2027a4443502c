package graph

import (
	"fmt"
	"strconv"
	"strings"
)

// vlanRange is an inclusive range of VLAN IDs.
type vlanRange struct{ lo, hi int }

// parseVLANs reads a VLAN list such as "1-99,110,200-299" (spaces allowed).
func parseVLANs(s string) ([]vlanRange, error) {
	var r []vlanRange
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
		r = append(r, vlanRange{a, b})
	}
	return r, nil
}

// vlanSubset reports whether every VLAN of want is in have.
func vlanSubset(want, have string) (bool, error) {
	w, err := parseVLANs(want)
	if err != nil {
		return false, err
	}
	h, err := parseVLANs(have)
	if err != nil {
		return false, err
	}
	for _, wr := range w {
		for v := wr.lo; v <= wr.hi; v++ {
			if !inRanges(v, h) {
				return false, nil
			}
		}
	}
	return len(w) > 0, nil
}

func inRanges(v int, rs []vlanRange) bool {
	for _, r := range rs {
		if v >= r.lo && v <= r.hi {
			return true
		}
	}
	return false
}
