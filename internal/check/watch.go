package check

import (
	"context"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
)

// settle is how long Watch waits after a change for the ones that follow
// it (a collection applies several snapshots), so that one burst is one
// evaluation.
const settle = 500 * time.Millisecond

// Watch evaluates every rule on the map load returns — at once, after each
// signal on changed (a collection changed the facts; the channel may be
// nil), and at least every interval (0: never on a timer) — and hands each
// evaluation's findings to n, which posts those that appeared and cleared.
// The first evaluation's findings all count as appeared. A map that is the
// same as the last one evaluated (load returns the same *graph.Graph, as a
// graph.Cache does while nothing changed) is not evaluated again. It
// returns when ctx ends; an error loading the map is logged and counted,
// and the next signal or tick tries again. With a SeenRecorder (see
// RecordSeen), every evaluation's findings are recorded as seen at its
// moment, the same map's included (so their last moment keeps up); a
// failure to record is logged and the next evaluation tries again.
func Watch(ctx context.Context, load func(context.Context) (*graph.Graph, error), changed <-chan struct{}, interval time.Duration, n *Notifier) {
	var (
		prev []Finding
		last *graph.Graph
	)
	evaluate := func() {
		g, err := load(ctx)
		if err != nil {
			if ctx.Err() == nil {
				n.metrics.evaluations.WithLabelValues("failure").Inc()
				n.logger.Error("checks: cannot load the map", "error", err)
			}
			return
		}
		if g != last {
			start := time.Now()
			cur := Run(g, Options{})
			n.observe(cur, time.Since(start))
			n.Notify(prev, cur, g.At)
			prev, last = cur, g
		}
		n.recordSeen(ctx, prev)
	}
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	evaluate()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case <-changed:
			select {
			case <-ctx.Done():
				return
			case <-time.After(settle):
			}
			for drained := false; !drained; {
				select {
				case <-changed:
				default:
					drained = true
				}
			}
		}
		evaluate()
	}
}

// recordSeen records fs as seen now, when a SeenRecorder is set.
func (n *Notifier) recordSeen(ctx context.Context, fs []Finding) {
	if n.seen == nil {
		return
	}
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	if err := n.seen.SeeFindings(ctx, ids, time.Now().UTC()); err != nil && ctx.Err() == nil {
		n.logger.Error("checks: cannot record the findings seen", "error", err)
	}
}
