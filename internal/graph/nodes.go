package graph

import (
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
