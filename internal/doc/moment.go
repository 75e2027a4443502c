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
// the earliest moment from which the facts have stayed as they are at at,
// found from the latest start of a fact valid at at and the ends of the
// facts that were valid then and not at at. The map at that moment is the
// map at at; and because it does not move while nothing changes,
// documentation generated twice without a change in between shows the
// same moment and is the same, byte for byte. With no fact at all it is
// at.
func Moment(ctx context.Context, src FactSource, at time.Time) (time.Time, error) {
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
