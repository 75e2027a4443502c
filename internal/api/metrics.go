package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// requestDuration times every request by route pattern (not by path: the
// VM names in paths would make the label set unbounded) and status code.
type requestDuration struct {
	hist *prometheus.HistogramVec
}

// newRequestDuration registers the histogram on reg when the gatherer the
// API was given is also a registerer (a *prometheus.Registry is), else the
// latencies are measured but not exported.
func newRequestDuration(gatherer prometheus.Gatherer) *requestDuration {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vnetmap_api_request_duration_seconds",
		Help:    "Duration of REST API requests by route and status code.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"route", "code"})
	if reg, ok := gatherer.(prometheus.Registerer); ok {
		if err := reg.Register(h); err != nil {
			if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
				h = are.ExistingCollector.(*prometheus.HistogramVec)
			}
		}
	}
	return &requestDuration{hist: h}
}

// wrap times the route's handler.
func (d *requestDuration) wrap(route string, h http.Handler) http.Handler {
	return promhttp.InstrumentHandlerDuration(d.hist.MustCurryWith(prometheus.Labels{"route": route}), h)
}
