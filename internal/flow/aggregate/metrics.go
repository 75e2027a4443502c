package aggregate

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	overflow     prometheus.Counter
	late         prometheus.Counter
	dropped      prometheus.Counter
	rows         prometheus.Counter
	flushes      *prometheus.CounterVec
	flushSeconds prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		overflow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_flow_aggregate_overflow_records_total",
			Help: "Flow records summed into a minute's overflow aggregate because the minute had max_keys_per_minute keys.",
		}),
		late: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_flow_aggregate_late_records_total",
			Help: "Flow records for a minute already written (written again; the sink adds them).",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_flow_aggregate_dropped_rows_total",
			Help: "Minute and link aggregates dropped after the sink refused them max_pending flushes in a row.",
		}),
		rows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_flow_aggregate_written_rows_total",
			Help: "Minute and link aggregates the sink accepted.",
		}),
		flushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vnetmap_flow_aggregate_flushes_total",
			Help: "Writes of aggregates to the sink by result (success, error).",
		}, []string{"result"}),
		flushSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vnetmap_flow_aggregate_flush_seconds",
			Help:    "Duration of a flush: merging the shards' minutes and writing them to the sink.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.overflow, m.late, m.dropped, m.rows, m.flushes, m.flushSeconds} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("aggregate: register metrics: %w", err)
			}
		}
	}
	return m, nil
}
