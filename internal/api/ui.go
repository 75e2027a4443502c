package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/vnetmap/vnetmap/internal/query"
)

// uiHandlers are the handlers of the routes the web UI needs beyond the
// CLI's answers: search, host, switch and application pages, topology, and
// a VM's placements without the cost of their attachments.
func uiHandlers(s *server) map[string]http.Handler {
	q := s.q
	return map[string]http.Handler{
		"GET /api/v1/search": uiAnswer(s, func(r *http.Request, at time.Time) (*query.SearchAnswer, error) {
			v := r.URL.Query()
			if !v.Has("q") {
				return nil, badRequest("search needs ?q=TEXT")
			}
			limit := 0
			if l := v.Get("limit"); l != "" {
				n, err := strconv.Atoi(l)
				if err != nil || n < 1 {
					return nil, badRequest("limit: want a number from 1 to " + strconv.Itoa(query.MaxSearchLimit))
				}
				limit = n
			}
			return q.Search(r.Context(), v.Get("q"), limit, at)
		}),
		"GET /api/v1/topology": uiAnswer(s, func(r *http.Request, at time.Time) (*query.TopologyAnswer, error) {
			v := r.URL.Query()
			return q.Topology(r.Context(), v.Get("group"), v["expand"], at)
		}),
		"GET /api/v1/host/{name}": uiAnswer(s, func(r *http.Request, at time.Time) (*query.HostAnswer, error) {
			return q.Host(r.Context(), r.PathValue("name"), at)
		}),
		"GET /api/v1/switch/{name}": uiAnswer(s, func(r *http.Request, at time.Time) (*query.SwitchAnswer, error) {
			return q.Switch(r.Context(), r.PathValue("name"), at)
		}),
		"GET /api/v1/placements/{vm}": uiAnswer(s, func(r *http.Request, at time.Time) (*query.HistoryAnswer, error) {
			return q.Placements(r.Context(), r.PathValue("vm"), at)
		}),
		"GET /api/v1/application/{name}": uiAnswer(s, func(r *http.Request, at time.Time) (*query.ApplicationAnswer, error) {
			return q.Application(r.Context(), r.PathValue("name"), at)
		}),
	}
}

func badRequest(msg string) error { return &requestError{msg} }

// requestError is a request the handler itself rejects.
type requestError struct{ msg string }

func (e *requestError) Error() string { return e.msg }

// uiAnswer is answer with the UI queries' own errors: query.ErrBadRequest
// and a rejected request are 400s.
func uiAnswer[T any](s *server, ask func(r *http.Request, at time.Time) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		at, ok := s.at(w, r)
		if !ok {
			return
		}
		ans, err := ask(r, at)
		var re *requestError
		if errors.As(err, &re) || errors.Is(err, query.ErrBadRequest) {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.reply(w, ans, err)
	}
}
