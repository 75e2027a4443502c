package query

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// maxTimedMoves bounds the migrations whose time and author are looked up
// (two store reads each); the others are listed without them.
const maxTimedMoves = 500

// Churn group kinds: who the relation changes of a group concern.
const (
	ChurnSwitch = "switch" // forwarding-table (learned) and ARP entries of a switch
	ChurnVM     = "vm"     // a VM's vNICs, addresses and port groups
	ChurnOther  = "other"  // the rest, by the entity they start from
)

// DiffAnswer is what changed between two moments: the map's differences
// (graph.DiffResult, every relation change listed), the migrations in time
// order with when and who, the relation changes summarized by what they
// concern, and warnings about the window.
type DiffAnswer struct {
	*graph.DiffResult
	// Moves are the migrations, in time order: when the VM's new placement
	// began and, when its source reported the event, who moved it and why.
	Moves []Move `json:"moves"`
	// Churn counts the relation changes by what they concern, the VMs and
	// the other entities first, the switches' forwarding and ARP tables
	// last (they change all the time), each largest first.
	Churn []ChurnGroup `json:"churn"`
	// Warnings say what makes the answer less than it seems (a start
	// before the first data).
	Warnings []string `json:"warnings"`
}

// Move is a migration with its moment and author.
type Move struct {
	graph.Migration
	// At is when the placement on ToHost began; zero when not looked up.
	At time.Time `json:"at,omitzero"`
	// User and Message are the migration event's, when its source reported
	// one (vCenter's events).
	User    string `json:"user,omitempty"`
	Message string `json:"message,omitempty"`
}

// ChurnGroup is the relation changes about one entity, by relation.
type ChurnGroup struct {
	Kind    string   `json:"kind"`
	ID      model.ID `json:"id"`
	Name    string   `json:"name"`
	Added   int      `json:"added"`
	Removed int      `json:"removed"`
	// Rels counts the changes by relation: [added, removed].
	Rels map[model.RelKind][2]int `json:"rels"`
}

// Diff returns what changed between moments from and to (zero: now).
func (s *Service) Diff(ctx context.Context, from, to time.Time) (*DiffAnswer, error) {
	a, err := s.Cache.At(ctx, from)
	if err != nil {
		return nil, err
	}
	b, err := s.Cache.At(ctx, to)
	if err != nil {
		return nil, err
	}
	d := graph.Diff(a, b)
	d.From, d.To = moment(from), moment(to)
	ans := &DiffAnswer{DiffResult: d, Moves: []Move{}, Warnings: []string{}}
	if a.Len() == 0 && b.Len() > 0 {
		ans.Warnings = append(ans.Warnings, fmt.Sprintf("the start (%s) is before the first data: the map was empty then, "+
			"so everything is counted as added", d.From.Format(time.RFC3339)))
	}
	if err := s.timeMoves(ctx, ans); err != nil {
		return nil, err
	}
	ans.Churn = churn(d.Links, a, b)
	return ans, nil
}

// timeMoves fills ans.Moves from its migrations, with the moment each new
// placement began and its event, in time order (untimed ones last, by name).
func (s *Service) timeMoves(ctx context.Context, ans *DiffAnswer) error {
	for i, m := range ans.Migrations {
		mv := Move{Migration: m}
		if i < maxTimedMoves {
			versions, err := s.Store.History(ctx, m.VM)
			if err != nil {
				return err
			}
			events, err := s.Store.Events(ctx, m.VM)
			if err != nil {
				return err
			}
			tl := graph.History(m.VM, versions, events)
			// The last placement on the new host that began in the window.
			for _, p := range slices.Backward(tl.Placements) {
				if p.Host.Key() != m.ToHost || p.From.After(ans.To) || p.From.Before(ans.From) {
					continue
				}
				mv.At = p.From
				if p.Move != nil {
					mv.At, mv.User, mv.Message = p.Move.Time, p.Move.User, p.Move.Message
				}
				break
			}
		}
		ans.Moves = append(ans.Moves, mv)
	}
	slices.SortStableFunc(ans.Moves, func(x, y Move) int {
		switch {
		case x.At.IsZero() != y.At.IsZero():
			if x.At.IsZero() {
				return 1
			}
			return -1
		}
		return cmp.Or(x.At.Compare(y.At), cmp.Compare(x.Name, y.Name))
	})
	return nil
}

// churn groups relation changes: forwarding-table and ARP entries by
// switch, a VM's vNIC relations by VM, the rest by the entity they start
// from. Entities are named in the map of the end (else of the start).
func churn(links []graph.RelationDelta, a, b *graph.Graph) []ChurnGroup {
	node := func(id model.ID) *graph.Node {
		if n := b.Node(id); n != nil {
			return n
		}
		return a.Node(id)
	}
	// owner of a vNIC: the VM that has it, in either map.
	vmOf := func(vnic model.ID) model.ID {
		for _, g := range []*graph.Graph{b, a} {
			if es := g.In(vnic, model.RelHasVNIC); len(es) > 0 {
				return es[0].From
			}
		}
		return ""
	}
	groups := map[model.ID]*ChurnGroup{}
	for _, l := range links {
		kind, id := ChurnOther, l.From
		switch {
		case l.Rel == model.RelLearned:
			kind, id = ChurnSwitch, model.NewID(model.KindSwitch, switchOfPort(l.From))
		case l.Rel == model.RelARP:
			kind = ChurnSwitch
		case l.From.Kind() == model.KindVM:
			kind = ChurnVM
		case l.From.Kind() == model.KindVNIC:
			if vm := vmOf(l.From); vm != "" {
				kind, id = ChurnVM, vm
			}
		}
		g := groups[id]
		if g == nil {
			g = &ChurnGroup{Kind: kind, ID: id, Name: id.Key(), Rels: map[model.RelKind][2]int{}}
			if n := node(id); n != nil && n.Name != "" {
				g.Name = n.Name
			}
			groups[id] = g
		}
		c := g.Rels[l.Rel]
		if l.Change == "added" {
			g.Added++
			c[0]++
		} else {
			g.Removed++
			c[1]++
		}
		g.Rels[l.Rel] = c
	}
	out := make([]ChurnGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	rank := map[string]int{ChurnVM: 0, ChurnOther: 1, ChurnSwitch: 2}
	slices.SortFunc(out, func(x, y ChurnGroup) int {
		return cmp.Or(cmp.Compare(rank[x.Kind], rank[y.Kind]), cmp.Compare(y.Added+y.Removed, x.Added+x.Removed), cmp.Compare(x.ID, y.ID))
	})
	return out
}

// switchOfPort is the switch key of a switch port's model ID.
func switchOfPort(port model.ID) string {
	sw, _ := splitPort(string(port))
	return sw
}
