package auth

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	failures *prometheus.CounterVec
	requests *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vnetmap_auth_failures_total",
			Help: "Requests refused by access control, by reason (missing, malformed, invalid, expired, revoked, forbidden, rate_limited, error; cancelled: the client hung up during the token lookup).",
		}, []string{"reason"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vnetmap_auth_requests_total",
			Help: "Requests let through by access control, by the role they were let through with (anonymous requests as anonymous).",
		}, []string{"role"}),
	}
	if reg != nil {
		reg.MustRegister(m.failures, m.requests)
	}
	return m
}
