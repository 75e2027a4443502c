package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/flow/pipeline"
	"github.com/vnetmap/vnetmap/internal/sim"
	"github.com/vnetmap/vnetmap/internal/store"
)

// demoFlowEvery is how often the demo's simulated exporters send, and the
// interval each export covers.
const demoFlowEvery = 10 * time.Second

// demoSampling is the leaves' simulated sampling rate (1 in N packets).
const demoSampling = 10

// pastFlows is the simulated traffic of one past moment, kept to be
// imported once the history it must be attributed with is stored.
type pastFlows struct {
	at        time.Time
	datagrams []sim.FlowDatagram
}

// importFlows runs past datagrams through the import path of the flow
// pipeline (attributed as of their moment) into st.
func importFlows(ctx context.Context, st store.Store, c config.Configuration, past []pastFlows, logger *slog.Logger) (int, error) {
	if len(past) == 0 {
		return 0, nil
	}
	pc := pipeline.DefaultConfiguration()
	pc.Workers = 1
	pc.Attribute.InternalNetworks = c.Flows.InternalNetworks
	pipe, err := pipeline.New(pc, st, c.Applications, st, logger, nil)
	if err != nil {
		return 0, err
	}
	if err := pipe.LoadIndex(ctx, past[0].at.Add(-time.Hour), past[len(past)-1].at); err != nil {
		return 0, fmt.Errorf("demo: facts for the simulated flows: %w", err)
	}
	n := 0
	for _, p := range past {
		for _, dg := range p.datagrams {
			if err := pipe.Import(netip.AddrPortFrom(dg.From, 2055), dg.Payload, p.at); err != nil {
				return n, fmt.Errorf("demo: simulated flows of %s: %w", p.at, err)
			}
			n++
		}
	}
	return n, pipe.Flush(ctx)
}

// exportForever sends the simulated traffic to the flow listener every
// demoFlowEvery until ctx ends.
func exportForever(ctx context.Context, exp *sim.FlowExporter, logger *slog.Logger) {
	t := time.NewTicker(demoFlowEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if _, err := exp.Export(ctx, now, demoFlowEvery); err != nil && ctx.Err() == nil {
				logger.Warn("demo flow export failed", "error", err)
			}
		}
	}
}
