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
	// skipped and tablesFailed are the collection health of each source's
	// last full run (health.go).
	skipped      *prometheus.GaugeVec
	tablesFailed *prometheus.GaugeVec
	health       healthSeries
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
		skipped: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vnetmap_collect_rows_skipped", Help: "Rows of a switch's table skipped in the source's last full run, by reason (per-context reads of a table, such as the per-VLAN forwarding tables, add up under the table's name; at most 16 reasons a table, the rest under \"other\").",
		}, []string{"source", "switch", "table", "reason"}),
		tablesFailed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vnetmap_collect_tables_failed", Help: "Tables of a switch (or per-context reads of one) that failed, wholly or part way, in the source's last full run.",
		}, []string{"source", "switch"}),
		health: healthSeries{last: map[string]map[string]series{}},
	}
	if reg != nil {
		reg.MustRegister(m.runs, m.deltas, m.duration, m.facts, m.lastSuccess, m.leased, m.stale, m.skipped, m.tablesFailed)
	}
	return m
}
