package doc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// DefaultFlowWindow is how far back before the documented moment the
// traffic shown is summed.
const DefaultFlowWindow = time.Hour

// ErrBadOptions is wrapped by Gather's error for options that cannot be
// met (a change log from after the documented moment).
var ErrBadOptions = errors.New("doc: bad options")

// Options say what to document.
type Options struct {
	// At is the moment asked for (zero: now). The documented moment is
	// the earliest from which the map has been as it is then (Moment).
	At time.Time
	// Since asks for a change log from that moment to the documented one
	// (zero: none).
	Since time.Time
	// After are moments documented before (the previous run's in the
	// output directory, or the one --previous names): the documented moment
	// is not before them when the map changed since (see Moment). Since is
	// one too.
	After []time.Time
	// FlowWindow is the traffic window before the documented moment
	// (zero: DefaultFlowWindow; negative: no traffic).
	FlowWindow time.Duration
}

// memoFacts is a store that keeps the facts of the last moment read: the
// documented moment's facts, read to find it, are those its map is built
// from.
type memoFacts struct {
	store.Store
	mu sync.Mutex
	at time.Time
	vs []model.Version
}

// FactsAt implements store.Store, from the memo when t is the last moment.
func (m *memoFacts) FactsAt(ctx context.Context, t time.Time) ([]model.Version, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vs != nil && m.at.Equal(t) {
		return m.vs, nil
	}
	vs, err := m.Store.FactsAt(ctx, t)
	if err != nil {
		return nil, err
	}
	m.at, m.vs = t, vs
	return vs, nil
}

// Gather reads from st what the documentation of o's moment shows: the
// map (with applications per apps, as the query service builds it), its
// findings, the traffic of the window before it, and the change log when
// asked. The facts of the documented moment are read once and its map
// built once.
func Gather(ctx context.Context, st store.Store, apps []correlate.AppRule, o Options) (Input, error) {
	mst := &memoFacts{Store: st}
	svc := query.New(mst, apps)
	at, asked := o.At, !o.At.IsZero()
	if !asked {
		at = time.Now()
	}
	after := o.After
	if !o.Since.IsZero() {
		after = append(after, o.Since)
	}
	moment, err := Moment(ctx, mst, at, after...)
	if err != nil {
		return Input{}, err
	}
	if !o.Since.IsZero() && o.Since.After(moment) {
		return Input{}, fmt.Errorf("%w: the change log would start at %s, after the documented moment %s", ErrBadOptions,
			o.Since.UTC().Format(time.RFC3339), moment.Format(time.RFC3339))
	}
	g, err := svc.Cache.At(ctx, moment)
	if err != nil {
		return Input{}, err
	}
	// The map is the same from moment to at (and, when at is now, until
	// a change arrives): the flow queries resolve names in it rather than
	// build it again.
	inner := svc.Cache
	local := *svc
	local.Cache = graph.NewCache(func(ctx context.Context, t time.Time) (*graph.Graph, error) {
		if !t.Before(moment) && (!asked || !t.After(at)) {
			return g, nil
		}
		return inner.At(ctx, t)
	})
	in := Input{Graph: g, Moment: moment, Findings: check.Run(g, check.Options{})}
	window := o.FlowWindow
	if window == 0 {
		window = DefaultFlowWindow
	}
	if window > 0 {
		from := moment.Add(-window)
		deps, err := local.FlowDeps(ctx, "", from, moment)
		if err != nil {
			return Input{}, fmt.Errorf("doc: traffic: %w", err)
		}
		if deps.Total.Bytes > 0 || deps.Total.Flows > 0 {
			in.Flows = deps
		}
		links, err := local.LinkTraffic(ctx, "", from, moment)
		if err != nil {
			return Input{}, fmt.Errorf("doc: link traffic: %w", err)
		}
		if links.Total != (query.LinkCounters{}) {
			in.Links = links
		}
	}
	if !o.Since.IsZero() {
		prev, err := local.Cache.At(ctx, o.Since)
		if err != nil {
			return Input{}, err
		}
		d := graph.Diff(prev, g)
		d.From, d.To = o.Since.UTC(), moment
		appeared, cleared := check.Changes(check.Run(prev, check.Options{}), in.Findings)
		in.Changes = &Changes{Diff: d, Appeared: appeared, Cleared: cleared}
	}
	return in, nil
}
