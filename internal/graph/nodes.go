package graph

import (
	"iter"
	"sort"

	"github.com/vnetmap/vnetmap/internal/model"
)

// Nodes returns the entities of kind k, sorted by ID (every kind when k is
// ""). The nodes are the graph's own: callers must not modify them.
func (g *Graph) Nodes(k model.Kind) []*Node {
	var r []*Node
	for _, n := range g.nodes {
		if k == "" || n.Kind == k {
			r = append(r, n)
		}
	}
	sort.Slice(r, func(i, j int) bool { return r[i].ID < r[j].ID })
	return r
}

// All returns every entity, in no particular order: one pass over the map
// for callers that group entities themselves. The nodes are the graph's
// own: callers must not modify them.
func (g *Graph) All() iter.Seq[*Node] {
	return func(yield func(*Node) bool) {
		for _, n := range g.nodes {
			if !yield(n) {
				return
			}
		}
	}
}

// UplinkRole says how a port group whose effective teaming lists active and
// standby (comma-separated) uses the uplink named uplink, a port of LAG lag
// when lag is not "": RoleActive, RoleStandby or RoleUnused. With no teaming
// order at all every uplink is active. It is the rule where and impact use.
func UplinkRole(active, standby, uplink, lag string) string {
	return roleIn(active, standby, uplink, lag)
}
