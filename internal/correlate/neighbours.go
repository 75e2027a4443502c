package correlate

import (
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/model"
)

// neighbours returns one view of a switch port's attributes per LLDP or CDP
// neighbour it states (docs/facts.md): the port's own attributes for the
// first neighbour of each protocol (lldp_system, cdp_device…), then, for the
// n-th (lldp_2_system…, up to lldp_count and cdp_count), a copy whose
// unnumbered lldp_* and cdp_* keys hold that neighbour's values, so that the
// resolvers read every neighbour alike. The n-th LLDP and the n-th CDP
// neighbour share a view; a view lacks a protocol's keys when the port has
// fewer neighbours of it.
func neighbours(a model.Attrs) []model.Attrs {
	n := max(count(a, "lldp_count"), count(a, "cdp_count"))
	if n < 2 {
		return []model.Attrs{a}
	}
	out := make([]model.Attrs, 0, n)
	out = append(out, a)
	for i := 2; i <= n; i++ {
		v := model.Attrs{}
		for _, proto := range []string{"lldp_", "cdp_"} {
			prefix := proto + strconv.Itoa(i) + "_"
			for k, val := range a {
				if field, ok := strings.CutPrefix(k, prefix); ok {
					v[proto+field] = val
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// count reads a neighbour count attribute; absent or malformed is 1. It is
// bounded, as the source bounds the neighbours it keeps per port.
func count(a model.Attrs, key string) int {
	n, err := strconv.Atoi(a[key])
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 256)
}
