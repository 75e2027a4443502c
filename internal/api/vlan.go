package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vnetmap/vnetmap/internal/query"
)

// pageParams are the ?limit= and ?offset= of a paged history.
var pageParams = []param{{"limit", maxWord}, {"offset", maxWord}, atParam}

// vlanHandlers are the handlers of the VLAN and port-group pages and of
// the port and MAC histories.
func vlanHandlers(s *server) map[string]http.Handler {
	q := s.q
	return map[string]http.Handler{
		"GET /api/v1/vlan/{id}": uiAnswer(s, func(r *http.Request, at time.Time) (*query.VLANAnswer, error) {
			return q.VLAN(r.Context(), r.PathValue("id"), at)
		}),
		"GET /api/v1/portgroup/{name}": uiAnswer(s, func(r *http.Request, at time.Time) (*query.PortgroupAnswer, error) {
			return q.Portgroup(r.Context(), r.PathValue("name"), at)
		}),
		"GET /api/v1/history/port/{switch}/{port...}": uiAnswer(s, func(r *http.Request, at time.Time) (*query.PortHistoryAnswer, error) {
			limit, offset, err := pageOf(r)
			if err != nil {
				return nil, err
			}
			return q.PortHistory(r.Context(), r.PathValue("switch"), r.PathValue("port"), limit, offset, at)
		}),
		"GET /api/v1/history/mac/{mac}": uiAnswer(s, func(r *http.Request, at time.Time) (*query.MACHistoryAnswer, error) {
			limit, offset, err := pageOf(r)
			if err != nil {
				return nil, err
			}
			return q.MACHistory(r.Context(), r.PathValue("mac"), limit, offset, at)
		}),
	}
}

// pageOf reads ?limit= (default query.DefaultHistoryLimit) and ?offset=.
func pageOf(r *http.Request) (limit, offset int, err error) {
	v := r.URL.Query()
	if l := v.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > query.MaxHistoryLimit {
			return 0, 0, badRequest("limit: want a number from 1 to " + strconv.Itoa(query.MaxHistoryLimit))
		}
	}
	if o := v.Get("offset"); o != "" {
		if offset, err = strconv.Atoi(o); err != nil || offset < 0 {
			return 0, 0, badRequest("offset: want a number from 0")
		}
	}
	return limit, offset, nil
}
