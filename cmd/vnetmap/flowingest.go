package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/flow/listen"
	"github.com/vnetmap/vnetmap/internal/flow/pipeline"
	"github.com/vnetmap/vnetmap/internal/store"
)

// flowIngest is the flow path of serve and demo: the listener hands each
// datagram to the pipeline, which decodes, attributes and aggregates it
// and writes the minute aggregates to the store; the retention prunes them.
type flowIngest struct {
	pipe      *pipeline.Component
	listener  *listen.Component
	retention *flowRetention
	logger    *slog.Logger
}

// startFlows starts the flow path configured by c.Flows, writing to st,
// and the retention of the stored aggregates. With flows.listen empty it
// runs the retention only (another process may receive the flows).
func startFlows(ctx context.Context, c config.Configuration, st store.Store, logger *slog.Logger, reg prometheus.Registerer) (*flowIngest, error) {
	logger = logger.With("component", "flows")
	f := &flowIngest{logger: logger, retention: newFlowRetention(st, c.Flows, flowPruneInterval, logger, reg)}
	if len(c.Flows.Listen) > 0 {
		lc := listen.DefaultConfiguration()
		lc.Listen, lc.Exporters = c.Flows.Listen, c.Flows.Exporters
		pc := pipeline.DefaultConfiguration()
		pc.TemplateBytes = int64(c.Flows.TemplateCacheMiB) << 20
		pc.Workers = lc.Workers()
		pc.Aggregate.MaxKeysPerMinute = c.Flows.MaxKeysPerMinute
		pc.Attribute.InternalNetworks = c.Flows.InternalNetworks
		pipe, err := pipeline.New(pc, st, c.Applications, st, logger, reg)
		if err != nil {
			return nil, fmt.Errorf("flows: %w", err)
		}
		l, err := listen.New(lc, pipe, logger, reg)
		if err != nil {
			return nil, fmt.Errorf("flows: %w", err)
		}
		if err := pipe.Start(ctx); err != nil {
			return nil, fmt.Errorf("flows: %w", err)
		}
		if err := l.Start(); err != nil {
			stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = pipe.Stop(stopCtx)
			return nil, fmt.Errorf("flows: %w", err)
		}
		f.pipe, f.listener = pipe, l
	}
	f.retention.Start(ctx)
	return f, nil
}

// Addrs returns the addresses the listener is bound to (none without one).
func (f *flowIngest) Addrs() []netip.AddrPort {
	if f.listener == nil {
		return nil
	}
	return f.listener.Addrs()
}

// Invalidate tells attribution that the facts changed (after a collection).
func (f *flowIngest) Invalidate() {
	if f.pipe != nil {
		f.pipe.Invalidate()
	}
}

// Stop closes the sockets, then writes every aggregate held in memory to
// the store (graceful shutdown loses no minute), then stops the retention.
func (f *flowIngest) Stop() {
	if f.listener != nil {
		f.listener.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := f.pipe.Stop(ctx); err != nil {
			f.logger.Error("flushing flow aggregates at shutdown", "error", err)
		}
	}
	f.retention.Stop()
}
