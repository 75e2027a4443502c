package doc

import (
	"context"
	"fmt"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// FactSource is what Moment reads: the facts valid at a moment
// (store.Store satisfies it).
type FactSource interface {
	FactsAt(ctx context.Context, t time.Time) ([]model.Version, error)
}

// versionKey identifies a version of a fact.
type versionKey struct {
	source, key string
	from        time.Time
}

func keyOf(v model.Version) versionKey {
	return versionKey{v.Source, v.Fact.Key(), v.From.UTC()}
}

// Moment returns the moment that documentation asked for at documents:
// a moment at which the map is the map at at, and from which it stayed so
// as far as the facts at hand show. It starts from the latest start of a
// fact valid at at, or from the latest of the earlier documented moments
// in after (no later than at) when that is later, and moves past the end
// of every fact valid there but not at at. Because it does not move while
// nothing changes, documentation generated twice without a change in
// between shows the same moment and is the same, byte for byte; and
// because an earlier run's moment is a starting point, a run never
// documents a moment before the previous run's when the map changed since.
// (A fact that came and went between the latest start and at, with no
// documented moment in between, is not seen: the map before and after it
// is the same.) With no fact at all it is at.
func Moment(ctx context.Context, src FactSource, at time.Time, after ...time.Time) (time.Time, error) {
	now, err := src.FactsAt(ctx, at)
	if err != nil {
		return time.Time{}, fmt.Errorf("doc: documented moment: %w", err)
	}
	if len(now) == 0 {
		return at, nil
	}
	valid := make(map[versionKey]bool, len(now))
	var l time.Time
	for _, v := range now {
		valid[keyOf(v)] = true
		if v.From.After(l) {
			l = v.From
		}
	}
	for _, a := range after {
		if a.After(l) && !a.After(at) {
			l = a
		}
	}
	// Facts valid at l that ended by at changed the map after l: move l
	// to the last such end, until the facts at l are those at at. l only
	// grows (each ending fact was valid at l), so this ends.
	for {
		then, err := src.FactsAt(ctx, l)
		if err != nil {
			return time.Time{}, fmt.Errorf("doc: documented moment: %w", err)
		}
		var next time.Time
		for _, v := range then {
			if !valid[keyOf(v)] && !v.To.IsZero() && v.To.After(next) {
				next = v.To
			}
		}
		if next.IsZero() || !next.After(l) {
			return l.UTC(), nil
		}
		l = next
	}
}
