package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/graph"
)

// limitBuilds marks the requests made without a token (anonymous viewers,
// or every request when no access control is in front of the API) so
// that the graph cache lets them start fewer builds of past moments'
// maps at once (graph.Anonymous, graph.CacheConfiguration.AnonymousBuilds).
// The bound itself is the cache's: a request past it gets a BusyError,
// which busy answers.
func limitBuilds(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := auth.FromContext(r.Context()); !ok || p.Anonymous {
			r = r.WithContext(graph.Anonymous(r.Context()))
		}
		h.ServeHTTP(w, r)
	})
}

// busy answers a request refused because too many maps were being built:
// 503 with Retry-After, the time a build takes. It reports whether err
// was such a refusal.
func busy(w http.ResponseWriter, err error) bool {
	var b *graph.BusyError
	if !errors.As(err, &b) {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(b.RetryAfter.Seconds())))
	writeError(w, http.StatusServiceUnavailable, "too many maps of past moments being built: try again in "+
		strconv.Itoa(int(b.RetryAfter.Seconds()))+" s (a request with a token may start more)")
	return true
}
