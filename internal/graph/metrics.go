package graph

import "github.com/prometheus/client_golang/prometheus"

// cacheMetrics are a Cache's metrics; registered when it is given a
// registerer (WithRegisterer), else kept but not exported.
type cacheMetrics struct {
	hits, misses, evictions, refused prometheus.Counter
	bytes, nowBytes, inFlight        prometheus.Gauge
	buildSeconds                     prometheus.Histogram
}

func newCacheMetrics(reg prometheus.Registerer) *cacheMetrics {
	m := &cacheMetrics{
		hits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_graph_cache_hits_total",
			Help: "Requests for a map answered at once: the map of now, or a map of a past moment kept in the cache.",
		}),
		misses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_graph_cache_misses_total",
			Help: "Requests for a map that waited for it to be built (by themselves or by a request for the same facts before them).",
		}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_graph_cache_evictions_total",
			Help: "Maps of past moments dropped from the cache to stay within its budget (graph.cache_mib).",
		}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_graph_builds_refused_total",
			Help: "Requests refused (503) because as many maps of past moments as allowed were being built (graph.builds, graph.anonymous_builds).",
		}),
		bytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vnetmap_graph_cache_bytes",
			Help: "Estimated size of the maps of past moments kept in the cache (graph.Size).",
		}),
		nowBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vnetmap_graph_now_bytes",
			Help: "Estimated size of the map of now (graph.Size), outside the cache's budget.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vnetmap_graph_builds_in_flight",
			Help: "Maps being built: of past moments, and of now.",
		}),
		buildSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vnetmap_graph_build_seconds",
			Help:    "Time to build a map: read the facts of its moment, correlate and index them.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 18),
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.hits, m.misses, m.evictions, m.refused, m.bytes, m.nowBytes, m.inFlight, m.buildSeconds} {
			reg.MustRegister(c)
		}
	}
	return m
}
