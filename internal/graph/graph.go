// Package graph indexes the facts valid at one moment into an in-memory
// graph and answers the operators' questions on it (where is X, what is
// behind it). Building is a pure function of the facts, so the graph of any
// past moment is the same code with another set of facts.
//
// It is not for storage or collection: it reads model.Versions handed to it.
package graph

import (
	"sort"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/model"
)

// Node is an entity as known at the graph's moment, merged over sources.
type Node struct {
	ID      model.ID
	Kind    model.Kind
	Name    string
	Attrs   model.Attrs
	Sources []string
}

// Attr returns the attribute k, or "".
func (n *Node) Attr(k string) string { return n.Attrs[k] }

// Edge is a relation as known at the graph's moment.
type Edge struct {
	From  model.ID
	Rel   model.RelKind
	To    model.ID
	Attrs model.Attrs
}

// Graph is the map at one moment. It is read-only once built and safe for
// concurrent readers.
type Graph struct {
	At    time.Time
	nodes map[model.ID]*Node
	out   map[model.ID][]Edge
	in    map[model.ID][]Edge

	byName map[string][]model.ID // lower-cased VM name → VMs
	byUUID map[string]model.ID   // lower-cased instance or BIOS UUID → VM
	byMAC  map[string][]model.ID // normalized MAC → vNICs and pNICs

	dvsUplinks map[model.ID]map[model.ID][]Edge // distributed switch → host → its uplinks there

	// Conflicts are the disagreements correlation found in the facts the
	// graph was built from (set by whoever correlated them).
	Conflicts []correlate.Conflict
}

// Build indexes the versions valid at at. Versions not valid at at are
// ignored, so callers may pass a superset.
func Build(at time.Time, versions []model.Version) *Graph {
	g := &Graph{
		At:     at,
		nodes:  make(map[model.ID]*Node),
		out:    make(map[model.ID][]Edge),
		in:     make(map[model.ID][]Edge),
		byName: make(map[string][]model.ID),
		byUUID: make(map[string]model.ID),
		byMAC:  make(map[string][]model.ID),

		dvsUplinks: make(map[model.ID]map[model.ID][]Edge),
	}
	for _, v := range versions {
		if !v.ValidAt(at) {
			continue
		}
		if v.IsRelation() {
			e := Edge{From: v.Subject, Rel: v.Rel, To: v.Object, Attrs: v.Attrs}
			g.out[e.From] = append(g.out[e.From], e)
			g.in[e.To] = append(g.in[e.To], e)
			if e.Rel == model.RelUplink && e.From.Kind() == model.KindDVSwitch {
				byHost := g.dvsUplinks[e.From]
				if byHost == nil {
					byHost = make(map[model.ID][]Edge)
					g.dvsUplinks[e.From] = byHost
				}
				h := model.NewID(model.KindHost, e.Attrs["host"])
				byHost[h] = append(byHost[h], e)
			}
			continue
		}
		n := g.nodes[v.Subject]
		if n == nil {
			n = &Node{ID: v.Subject, Kind: v.Kind, Name: v.Name, Attrs: model.Attrs{}}
			g.nodes[v.Subject] = n
		}
		if n.Name == "" {
			n.Name = v.Name
		}
		for k, val := range v.Attrs {
			n.Attrs[k] = val
		}
		n.Sources = append(n.Sources, v.Source)
	}
	for id, n := range g.nodes {
		switch n.Kind {
		case model.KindVM:
			g.byName[strings.ToLower(n.Name)] = append(g.byName[strings.ToLower(n.Name)], id)
			g.byUUID[strings.ToLower(id.Key())] = id
			if u := n.Attr("uuid"); u != "" {
				g.byUUID[strings.ToLower(u)] = id
			}
		case model.KindVNIC, model.KindPNIC:
			if m := model.NormalizeMAC(n.Attr("mac")); m != "" {
				g.byMAC[m] = append(g.byMAC[m], id)
			}
		}
	}
	for _, m := range []map[model.ID][]Edge{g.out, g.in} {
		for id := range m {
			es := m[id]
			sort.Slice(es, func(i, j int) bool {
				if es[i].Rel != es[j].Rel {
					return es[i].Rel < es[j].Rel
				}
				if es[i].From != es[j].From {
					return es[i].From < es[j].From
				}
				return es[i].To < es[j].To
			})
		}
	}
	for _, byHost := range g.dvsUplinks {
		for _, es := range byHost {
			sort.Slice(es, func(i, j int) bool { return es[i].To < es[j].To })
		}
	}
	for _, ids := range g.byName {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	for _, ids := range g.byMAC {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	return g
}

// Node returns the entity id, or nil when the graph does not know it.
func (g *Graph) Node(id model.ID) *Node { return g.nodes[id] }

// Len returns the number of entities.
func (g *Graph) Len() int { return len(g.nodes) }

// Out returns the relations of kind rel leaving id (every kind when rel is "").
func (g *Graph) Out(id model.ID, rel model.RelKind) []Edge { return filter(g.out[id], rel) }

// In returns the relations of kind rel arriving at id (every kind when rel is "").
func (g *Graph) In(id model.ID, rel model.RelKind) []Edge { return filter(g.in[id], rel) }

func filter(es []Edge, rel model.RelKind) []Edge {
	if rel == "" {
		return es
	}
	var r []Edge
	for _, e := range es {
		if e.Rel == rel {
			r = append(r, e)
		}
	}
	return r
}

// CountByKind returns how many entities of each kind the graph holds.
func (g *Graph) CountByKind() map[model.Kind]int {
	c := make(map[model.Kind]int)
	for _, n := range g.nodes {
		c[n.Kind]++
	}
	return c
}
