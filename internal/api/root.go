// Package api serves vnetmap's REST API under /api/v1 with the same JSON as
// the CLI's --json output, plus /healthz, /readyz and /metrics; the
// operators' actions (collect now, apply DRS rules, acknowledge a finding)
// and the management of API tokens; and the Policy saying which role each
// request needs (package auth enforces it).
//
// It is not for answering queries itself: it parses requests, calls the
// query service and renders its answers or errors as JSON.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/timeparse"
)

// OpenAPI is the OpenAPI 3 description of the API, served at
// /api/v1/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Routes are the method and path patterns the API serves.
var Routes = []string{
	"GET /api/v1/where/{x}",
	"GET /api/v1/history/{vm}",
	"GET /api/v1/impact/{target...}",
	"GET /api/v1/path/{a}/{b}",
	"GET /api/v1/diff",
	"GET /api/v1/findings",
	"GET /api/v1/summary",
	"GET /api/v1/search",
	"GET /api/v1/topology",
	"GET /api/v1/host/{name}",
	"GET /api/v1/switch/{name}",
	"GET /api/v1/application/{name}",
	"GET /api/v1/placements/{vm}",
	"GET /api/v1/vlan/{id}",
	"GET /api/v1/portgroup/{name}",
	"GET /api/v1/history/port/{switch}/{port...}",
	"GET /api/v1/history/mac/{mac}",
	"GET /api/v1/flows/deps",
	"GET /api/v1/flows/links",
	"GET /api/v1/migrate-check/{vm}",
	"GET /api/v1/drs-rules",
	"GET /api/v1/whoami",
	"GET /api/v1/tokens",
	"POST /api/v1/tokens",
	"DELETE /api/v1/tokens/{name}",
	"POST /api/v1/collect",
	"POST /api/v1/drs-rules/apply",
	"POST /api/v1/findings/{rule}/{digest}/ack",
	"GET /api/v1/openapi.json",
	"GET /healthz",
	"GET /readyz",
	"GET /metrics",
}

// Handler returns the HTTP handler of the API. gatherer serves /metrics.
// Each route refuses a request past its bounds (routeParams) with 400; a
// path served for other methods only answers 405 with Allow, any other 404,
// both as JSON.
// Access control is not in it: serve puts an auth.Authenticator with
// Policy in front; the actions and the token routes refuse to run without.
func Handler(q *query.Service, gatherer prometheus.Gatherer, logger *slog.Logger, opts ...Option) http.Handler {
	s := &server{q: q, logger: logger}
	for _, o := range opts {
		o(s)
	}
	handlers := map[string]http.Handler{
		"GET /api/v1/where/{x}": answer(s, func(r *http.Request, at time.Time) (*query.WhereAnswer, error) {
			return q.Where(r.Context(), r.PathValue("x"), at)
		}),
		"GET /api/v1/history/{vm}": answer(s, func(r *http.Request, at time.Time) (*query.HistoryAnswer, error) {
			return q.History(r.Context(), r.PathValue("vm"), at)
		}),
		"GET /api/v1/impact/{target...}": answer(s, func(r *http.Request, at time.Time) (*query.ImpactAnswer, error) {
			return q.Impact(r.Context(), r.PathValue("target"), at)
		}),
		"GET /api/v1/path/{a}/{b}": answer(s, func(r *http.Request, at time.Time) (*query.PathAnswer, error) {
			return q.Path(r.Context(), r.PathValue("a"), r.PathValue("b"), at)
		}),
		"GET /api/v1/diff": http.HandlerFunc(s.diff),
		"GET /api/v1/findings": answer(s, func(r *http.Request, at time.Time) (*query.FindingsAnswer, error) {
			opts, err := findingsOptions(r)
			if err != nil {
				return nil, err
			}
			return q.Findings(r.Context(), at, opts)
		}),
		"GET /api/v1/summary": answer(s, func(r *http.Request, at time.Time) (*query.Summary, error) {
			return q.Summary(r.Context(), at)
		}),
		"GET /api/v1/openapi.json": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(OpenAPI)
		}),
		"GET /healthz": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}),
		"GET /readyz":  http.HandlerFunc(s.readyz),
		"GET /metrics": promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}),
	}
	maps.Copy(handlers, accessHandlers(s))
	maps.Copy(handlers, actionHandlers(s))
	maps.Copy(handlers, uiHandlers(s))
	maps.Copy(handlers, vlanHandlers(s))
	maps.Copy(handlers, flowHandlers(s))
	maps.Copy(handlers, migrateHandlers(s))
	mux := http.NewServeMux()
	latency := newRequestDuration(gatherer)
	for _, route := range Routes {
		mux.Handle(route, latency.wrap(route, bounded(route, limitBuilds(handlers[route]))))
	}
	return routed{mux}
}

// routed is the API's mux with its refusals as API errors. It has no
// catch-all pattern: one would match every method, and the mux would
// never find that a path is served for other methods than the request's.
type routed struct{ mux *http.ServeMux }

// ServeHTTP serves r by its route; a request with none gets the mux's own
// verdict as JSON: 405 with Allow (the methods the path is served for),
// or 404.
func (m routed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := m.mux.Handler(r)
	if pattern != "" {
		m.mux.ServeHTTP(w, r)
		return
	}
	verdict := &recorder{header: http.Header{}, status: http.StatusOK}
	h.ServeHTTP(verdict, r)
	// The method and path are the client's: echoed only when short.
	shown := len(r.Method)+len(r.URL.Path) <= MaxName
	if allow := verdict.header.Get("Allow"); verdict.status == http.StatusMethodNotAllowed && allow != "" {
		msg := "method not allowed here"
		if shown {
			msg = "method " + r.Method + " not allowed on " + r.URL.Path
		}
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, msg+"; allowed: "+allow)
		return
	}
	msg := "no such endpoint"
	if shown {
		msg += ": " + r.Method + " " + r.URL.Path
	}
	writeError(w, http.StatusNotFound, msg)
}

// recorder keeps the status and header a handler answers with and drops
// its body.
type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }

type server struct {
	q      *query.Service
	logger *slog.Logger
	ready  readiness

	tokens    *auth.Tokens
	collector Collector
	applyDRS  DRSApplier
}

// answer is the handler of a query that takes ?at=: it parses the moment,
// asks, and replies with the answer or the error as JSON.
func answer[T any](s *server, ask func(r *http.Request, at time.Time) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		at, ok := s.at(w, r)
		if !ok {
			return
		}
		ans, err := ask(r, at)
		s.reply(w, ans, err)
	}
}

// diff compares ?from= with ?to= (default now); from is required.
func (s *server) diff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("from") == "" {
		writeError(w, http.StatusBadRequest, "diff needs ?from=TIME (and optionally &to=TIME)")
		return
	}
	now := time.Now()
	from, err := timeparse.Parse(q.Get("from"), now)
	if err != nil {
		writeError(w, http.StatusBadRequest, "from: "+err.Error())
		return
	}
	var to time.Time
	if q.Get("to") != "" {
		if to, err = timeparse.Parse(q.Get("to"), now); err != nil {
			writeError(w, http.StatusBadRequest, "to: "+err.Error())
			return
		}
	}
	ans, err := s.q.Diff(r.Context(), from, to)
	s.reply(w, ans, err)
}

// at reads the optional ?at= moment; zero means now.
func (s *server) at(w http.ResponseWriter, r *http.Request) (time.Time, bool) {
	v := r.URL.Query().Get("at")
	if v == "" {
		return time.Time{}, true
	}
	t, err := timeparse.Parse(v, time.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, "at: "+err.Error())
		return time.Time{}, false
	}
	return t, true
}

func (s *server) reply(w http.ResponseWriter, v any, err error) {
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, v)
	case errors.Is(err, graph.ErrBadTarget), errors.Is(err, check.ErrBadOptions):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, graph.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, graph.ErrAmbiguous):
		writeError(w, http.StatusConflict, err.Error())
	case busy(w, err):
	case errors.Is(err, context.Canceled):
		// The client hung up: no failure, and nobody reads the answer.
		s.logger.Debug("api query cancelled by the client", "error", err)
		writeError(w, http.StatusServiceUnavailable, "request cancelled")
	default:
		s.logger.Error("api query failed", "error", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// Error is the body of every error response.
type Error struct {
	Status int    `json:"status"`
	Error  string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, Error{Status: status, Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
