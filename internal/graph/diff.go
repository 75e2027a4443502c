package graph

import (
	"sort"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// DiffResult is what changed between two moments.
type DiffResult struct {
	From       time.Time       `json:"from"`
	To         time.Time       `json:"to"`
	Migrations []Migration     `json:"migrations"`
	Added      []EntityChange  `json:"added"`
	Removed    []EntityChange  `json:"removed"`
	Changed    []EntityChange  `json:"changed"`
	Links      []RelationDelta `json:"relations"`
	Counts     map[string]int  `json:"counts"`
}

// Migration is a VM that runs on another host at the second moment.
type Migration struct {
	VM       model.ID `json:"vm"`
	Name     string   `json:"name"`
	FromHost string   `json:"from_host"`
	ToHost   string   `json:"to_host"`
}

// EntityChange is an entity that appeared, disappeared or changed; for a
// change, Attrs maps each changed attribute to its [before, after] values
// ("" when absent).
type EntityChange struct {
	ID    model.ID             `json:"id"`
	Kind  model.Kind           `json:"kind"`
	Name  string               `json:"name"`
	Attrs map[string][2]string `json:"attrs,omitempty"`
}

// RelationDelta is a relation added or removed (placements are reported as
// migrations instead).
type RelationDelta struct {
	Change string        `json:"change"` // "added" or "removed"
	From   model.ID      `json:"from"`
	Rel    model.RelKind `json:"rel"`
	To     model.ID      `json:"to"`
}

// Diff compares the graph of one moment (a) with the graph of another (b).
func Diff(a, b *Graph) *DiffResult {
	r := &DiffResult{From: a.At, To: b.At, Migrations: []Migration{}, Added: []EntityChange{}, Removed: []EntityChange{},
		Changed: []EntityChange{}, Links: []RelationDelta{}, Counts: map[string]int{}}
	for id, nb := range b.nodes {
		na := a.nodes[id]
		if na == nil {
			r.Added = append(r.Added, EntityChange{ID: id, Kind: nb.Kind, Name: nb.Name})
			continue
		}
		if ch := attrChanges(na, nb); ch != nil {
			r.Changed = append(r.Changed, EntityChange{ID: id, Kind: nb.Kind, Name: nb.Name, Attrs: ch})
		}
	}
	for id, na := range a.nodes {
		if b.nodes[id] == nil {
			r.Removed = append(r.Removed, EntityChange{ID: id, Kind: na.Kind, Name: na.Name})
		}
	}
	for id, n := range b.nodes {
		if n.Kind != model.KindVM || a.nodes[id] == nil {
			continue
		}
		from, to := hostOf(a, id), hostOf(b, id)
		if from != "" && to != "" && from != to {
			r.Migrations = append(r.Migrations, Migration{VM: id, Name: n.Name, FromHost: from.Key(), ToHost: to.Key()})
		}
	}
	r.Links = append(relationDeltas(a, b, "removed"), relationDeltas(b, a, "added")...)
	sort.Slice(r.Migrations, func(i, j int) bool { return r.Migrations[i].Name < r.Migrations[j].Name })
	for _, l := range [][]EntityChange{r.Added, r.Removed, r.Changed} {
		sort.Slice(l, func(i, j int) bool { return l[i].ID < l[j].ID })
	}
	sort.Slice(r.Links, func(i, j int) bool {
		x, y := r.Links[i], r.Links[j]
		if x.From != y.From {
			return x.From < y.From
		}
		if x.Rel != y.Rel {
			return x.Rel < y.Rel
		}
		if x.To != y.To {
			return x.To < y.To
		}
		return x.Change < y.Change
	})
	r.Counts["migrations"], r.Counts["added"], r.Counts["removed"] = len(r.Migrations), len(r.Added), len(r.Removed)
	r.Counts["changed"], r.Counts["relations"] = len(r.Changed), len(r.Links)
	return r
}

func hostOf(g *Graph, vm model.ID) model.ID {
	if es := g.Out(vm, model.RelRunsOn); len(es) > 0 {
		return es[0].To
	}
	return ""
}

// relationDeltas lists the relations of x absent from y, except placements.
func relationDeltas(x, y *Graph, change string) []RelationDelta {
	var r []RelationDelta
	for from, es := range x.out {
		for _, e := range es {
			if e.Rel == model.RelRunsOn || hasEdge(y, e) {
				continue
			}
			r = append(r, RelationDelta{Change: change, From: from, Rel: e.Rel, To: e.To})
		}
	}
	return r
}

func hasEdge(g *Graph, e Edge) bool {
	for _, o := range g.out[e.From] {
		if o.Rel == e.Rel && o.To == e.To {
			return true
		}
	}
	return false
}

func attrChanges(a, b *Node) map[string][2]string {
	var ch map[string][2]string
	set := func(k, x, y string) {
		if ch == nil {
			ch = map[string][2]string{}
		}
		ch[k] = [2]string{x, y}
	}
	if a.Name != b.Name {
		set("name", a.Name, b.Name)
	}
	for k, x := range a.Attrs {
		if y := b.Attrs[k]; x != y {
			set(k, x, y)
		}
	}
	for k, y := range b.Attrs {
		if _, ok := a.Attrs[k]; !ok {
			set(k, "", y)
		}
	}
	return ch
}
