package collect

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	runs        *prometheus.CounterVec
	deltas      *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	facts       *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	leased      *prometheus.GaugeVec
	stale       *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vnetmap_collect_runs_total", Help: "Full collection runs by source and result (success, partial, failure).",
		}, []string{"source", "result"}),
		deltas: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vnetmap_collect_deltas_total", Help: "Live changes applied by source.",
		}, []string{"source"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vnetmap_collect_duration_seconds", Help: "Duration of full collection runs by source.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}, []string{"source"}),
		facts: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vnetmap_collect_facts", Help: "Facts in the last successful full run by source.",
		}, []string{"source"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vnetmap_collect_last_success_timestamp_seconds", Help: "Unix time of the last successful full run by source.",
		}, []string{"source"}),
		leased: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vnetmap_collect_lease_held", Help: "1 while this process holds the source's lease and polls it (with leases on).",
		}, []string{"source"}),
		stale: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vnetmap_collect_source_stale", Help: "1 when the source's last run (or live watch) failed or was partial: its facts are kept but may be out of date.",
		}, []string{"source"}),
	}
	if reg != nil {
		reg.MustRegister(m.runs, m.deltas, m.duration, m.facts, m.lastSuccess, m.leased, m.stale)
	}
	return m
}
