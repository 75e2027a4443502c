package check

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	evaluations *prometheus.CounterVec
	duration    prometheus.Histogram
	findings    *prometheus.GaugeVec
	deliveries  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vnetmap_check_evaluations_total", Help: "Evaluations of the checks by Watch, by result (success, failure to load the map).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vnetmap_check_evaluation_seconds", Help: "Duration of one evaluation of every rule on the map of now.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		findings: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vnetmap_check_findings", Help: "Findings of the last evaluation by severity.",
		}, []string{"severity"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vnetmap_check_webhook_deliveries_total", Help: "Webhook events by webhook and result (success, failure after the retries, dropped when the queue is full).",
		}, []string{"webhook", "result"}),
	}
	if reg != nil {
		reg.MustRegister(m.evaluations, m.duration, m.findings, m.deliveries)
	}
	return m
}
