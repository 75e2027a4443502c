package query

import (
	"context"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// findingsSeenAndNamed completes ans with when each finding shown was
// first and last seen (the store keeps it) and the names of their
// subjects in g.
func (s *Service) findingsSeenAndNamed(ctx context.Context, g *graph.Graph, ans *FindingsAnswer) error {
	seen, err := s.Store.FindingsSeen(ctx)
	if err != nil {
		return err
	}
	for _, f := range ans.Findings {
		if v, ok := seen[f.ID]; ok {
			if ans.Seen == nil {
				ans.Seen = map[string]store.FindingSeen{}
			}
			ans.Seen[f.ID] = v
		}
		for _, id := range f.Subjects {
			n := g.Node(id)
			if n == nil || n.Name == "" {
				continue
			}
			if ans.Names == nil {
				ans.Names = map[model.ID]string{}
			}
			ans.Names[id] = n.Name
		}
	}
	return nil
}
