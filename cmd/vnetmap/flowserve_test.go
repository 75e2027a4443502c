package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/store"
)

func TestFlowRetention(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/r.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Minute)
	ep := flow.Endpoint{Class: flow.ClassExternal, Addr: "203.0.113.1"}
	var ms []flow.Minute
	var ls []flow.LinkMinute
	for _, age := range []time.Duration{5 * time.Hour, 3 * time.Hour, 10 * time.Minute} {
		ms = append(ms, flow.Minute{Start: now.Add(-age), Src: ep, Dst: ep, Proto: 17, DstPort: 53, Bytes: 1, Packets: 1, Flows: 1})
		ls = append(ls, flow.LinkMinute{Start: now.Add(-age), Port: "port:leaf1/Ethernet1/1", Direction: flow.LinkIn, Bytes: 1, Packets: 1})
	}
	if err := st.WriteFlows(ctx, ms, ls); err != nil {
		t.Fatal(err)
	}
	c := config.DefaultFlows()
	c.Retention = 2 * time.Hour
	reg := prometheus.NewRegistry()
	r := newFlowRetention(st, c, 50*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	r.Start(ctx)
	defer r.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for counter(t, reg, "vnetmap_flows_pruned_rows_total") < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	r.Stop()
	if got := counter(t, reg, "vnetmap_flows_pruned_rows_total"); got != 4 {
		t.Fatalf("vnetmap_flows_pruned_rows_total = %v; want 4 (two flow and two link minutes older than 2h)", got)
	}
	left, err := st.FlowMinutes(ctx, store.FlowFilter{})
	if err != nil || len(left) != 1 || !left[0].Start.Equal(now.Add(-10*time.Minute)) {
		t.Errorf("flow minutes left: %+v, %v; want the one 10 minutes old", left, err)
	}
	links, err := st.LinkMinutes(ctx, time.Time{}, time.Time{})
	if err != nil || len(links) != 1 {
		t.Errorf("link minutes left: %+v, %v; want one", links, err)
	}
	if got := counter(t, reg, "vnetmap_flows_prune_errors_total"); got != 0 {
		t.Errorf("vnetmap_flows_prune_errors_total = %v; want 0", got)
	}

	// A pass that fails is counted, and the next one is tried anyway.
	st.Close()
	r.prune(ctx, time.Now())
	if got := counter(t, reg, "vnetmap_flows_prune_errors_total"); got != 1 {
		t.Errorf("vnetmap_flows_prune_errors_total = %v after a failed pass; want 1", got)
	}
}

// counter returns the value of the counter name gathered from reg, -1 when
// reg has no such counter.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return -1
}
