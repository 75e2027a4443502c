package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vnetmap/vnetmap/internal/migrate"
)

// migrateHandlers are the handlers of live-migration safety: the verdict
// for a target host (?to=) or a VM's safe and unsafe hosts, and the DRS
// rules plan. Both take ?at=.
func migrateHandlers(s *server) map[string]http.Handler {
	return map[string]http.Handler{
		"GET /api/v1/migrate-check/{vm}": uiAnswer(s, func(r *http.Request, at time.Time) (*migrate.Answer, error) {
			v := r.URL.Query()
			o := migrate.Options{To: v.Get("to")}
			var err error
			if o.Datacenter, err = boolParam(v.Get("datacenter"), "datacenter"); err != nil {
				return nil, err
			}
			g, err := s.q.Cache.At(r.Context(), at)
			if err != nil {
				return nil, err
			}
			return migrate.Check(g, r.PathValue("vm"), o)
		}),
		"GET /api/v1/drs-rules": uiAnswer(s, func(r *http.Request, at time.Time) (*migrate.DRSPlan, error) {
			v := r.URL.Query()
			o := migrate.DRSOptions{Cluster: v.Get("cluster")}
			var err error
			if o.Must, err = boolParam(v.Get("must"), "must"); err != nil {
				return nil, err
			}
			g, err := s.q.Cache.At(r.Context(), at)
			if err != nil {
				return nil, err
			}
			return migrate.DRSRules(g, o)
		}),
	}
}

// boolParam reads an optional boolean query parameter (absent: false).
func boolParam(v, name string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest(name + ": want true or false")
	}
	return b, nil
}
