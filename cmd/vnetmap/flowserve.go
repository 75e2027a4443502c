package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/store"
)

// flowPruneInterval is how often serve deletes the flow aggregates that are
// past their retention.
const flowPruneInterval = time.Hour

// flowRetention deletes the flow and link minutes older than the configured
// retention from the store: once when started, then every interval, until
// stopped. Several processes sharing one database may each run one: a
// deletion is idempotent.
type flowRetention struct {
	st        store.Store
	retention time.Duration
	interval  time.Duration
	logger    *slog.Logger

	pruned   prometheus.Counter
	failures prometheus.Counter

	cancel context.CancelFunc
	done   chan struct{}
}

// newFlowRetention returns the pruning of st per c, every interval, with
// its metrics registered on reg when it is not nil.
func newFlowRetention(st store.Store, c config.Flows, interval time.Duration, logger *slog.Logger, reg prometheus.Registerer) *flowRetention {
	r := &flowRetention{
		st: st, retention: c.Retention, interval: interval, logger: logger.With("component", "flow retention"),
		pruned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_flows_pruned_rows_total", Help: "Flow and link minutes deleted for being older than flows.retention.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_flows_prune_errors_total", Help: "Passes of the flow retention that failed (retried at the next interval).",
		}),
	}
	if reg != nil {
		reg.MustRegister(r.pruned, r.failures)
	}
	return r
}

// Start prunes now and then every interval in a goroutine, until Stop or
// the end of ctx.
func (r *flowRetention) Start(ctx context.Context) {
	ctx, r.cancel = context.WithCancel(ctx)
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		tick := time.NewTicker(r.interval)
		defer tick.Stop()
		for {
			r.prune(ctx, time.Now())
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// Stop stops the pruning and waits for a pass under way.
func (r *flowRetention) Stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
}

// prune deletes what is older than the retention at now, counting and
// logging the outcome.
func (r *flowRetention) prune(ctx context.Context, now time.Time) {
	before := now.Add(-r.retention)
	n, err := r.st.PruneFlows(ctx, before)
	if err != nil {
		if ctx.Err() == nil {
			r.failures.Inc()
			r.logger.Warn("flow retention failed", "before", before, "error", err)
		}
		return
	}
	r.pruned.Add(float64(n))
	if n > 0 {
		r.logger.Info("flow aggregates past retention deleted", "rows", n, "before", before)
	}
}
