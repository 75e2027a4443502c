package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/vnetmap/vnetmap/internal/query"
)

// flowHandlers are the handlers of the flow queries: ?target= and the window
// (?since=, or ?from= and ?to=; default the last hour).
func flowHandlers(s *server) map[string]http.Handler {
	q := s.q
	return map[string]http.Handler{
		"GET /api/v1/flows/deps": flowAnswer(s, func(ctx context.Context, target string, from, to time.Time) (*query.DepsAnswer, error) {
			return q.FlowDeps(ctx, target, from, to)
		}),
		"GET /api/v1/flows/links": flowAnswer(s, func(ctx context.Context, target string, from, to time.Time) (*query.LinkAnswer, error) {
			return q.LinkTraffic(ctx, target, from, to)
		}),
	}
}

// flowAnswer is the handler of a flow query: it reads the target and the
// window, asks, and replies; a bad window is a 400.
func flowAnswer[T any](s *server, ask func(ctx context.Context, target string, from, to time.Time) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		from, to, err := query.ParseWindow(v.Get("since"), v.Get("from"), v.Get("to"), time.Now())
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		ans, err := ask(r.Context(), v.Get("target"), from, to)
		if errors.Is(err, query.ErrBadWindow) {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.reply(w, ans, err)
	}
}
