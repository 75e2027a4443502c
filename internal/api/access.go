package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/collect"
	"github.com/vnetmap/vnetmap/internal/migrate"
	"github.com/vnetmap/vnetmap/internal/store"
)

// Option gives the API what only some processes have: the tokens to manage
// and the actions operators may take. Without one, its routes answer 503.
type Option func(*server)

// WithTokens serves the token routes (GET, POST, DELETE /api/v1/tokens)
// over tokens.
func WithTokens(tokens *auth.Tokens) Option { return func(s *server) { s.tokens = tokens } }

// Collector runs collections on demand; *collect.Component is one.
type Collector interface {
	// Trigger starts a run of the source named name (every source for
	// "") and returns the sources asked, or an error wrapping
	// collect.ErrUnknownSource or collect.ErrNotRunning.
	Trigger(name string) ([]string, error)
	// Run does as Trigger and waits for the runs' results.
	Run(ctx context.Context, name string) ([]collect.Result, error)
}

// WithCollector serves POST /api/v1/collect through c.
func WithCollector(c Collector) Option { return func(s *server) { s.collector = c } }

// DRSApplier applies the clusters of plan that belong to the vSphere
// source named source ("" for the only one) to that vCenter and returns
// what it did (encoded as the answer). An error wrapping ErrInvalidAction
// is the request's fault (no such source, no cluster of it in the map).
type DRSApplier func(ctx context.Context, source string, plan *migrate.DRSPlan) (any, error)

// WithDRSApplier serves POST /api/v1/drs-rules/apply through apply.
func WithDRSApplier(apply DRSApplier) Option { return func(s *server) { s.applyDRS = apply } }

// ErrInvalidAction is wrapped by the errors of an action that cannot be
// taken as asked (answered 400).
var ErrInvalidAction = errors.New("api: invalid action")

// Policy is the role each request to the port needs (auth.Policy):
// /healthz and /readyz are open to everyone, /api/v1/tokens needs admin,
// every other GET or HEAD (the API's queries, /metrics and the web UI)
// viewer, and anything else — every action — operator.
func Policy(r *http.Request) auth.Role {
	p := r.URL.Path
	switch {
	case p == "/healthz" || p == "/readyz":
		return auth.None
	case p == "/api/v1/tokens" || strings.HasPrefix(p, "/api/v1/tokens/"):
		return auth.Admin
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		return auth.Viewer
	}
	return auth.Operator
}

// allowed checks, again, that the request's principal has role: a handler
// of an action refuses to run without the access control middleware in
// front of it. It answers the refusal itself.
func allowed(w http.ResponseWriter, r *http.Request, role auth.Role) (auth.Principal, bool) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		writeError(w, http.StatusForbidden, "forbidden: access control is not configured in this process")
		return p, false
	}
	if p.Role < role {
		writeError(w, http.StatusForbidden, "forbidden: this needs role "+role.String()+" or above")
		return p, false
	}
	return p, true
}

// tokenRequest is the body of POST /api/v1/tokens.
type tokenRequest struct {
	Name string    `json:"name"`
	Role auth.Role `json:"role"`
	// Expires is the lifetime: "90d", "12h", "2w"; empty for never.
	Expires string `json:"expires"`
}

// accessHandlers are the routes of access control: who am I, and the
// management of tokens (admin).
func accessHandlers(s *server) map[string]http.Handler {
	return map[string]http.Handler{
		"GET /api/v1/whoami": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := auth.FromContext(r.Context())
			if !ok {
				// No access control: everything is allowed.
				p = auth.Principal{Name: "anonymous", Role: auth.Admin, Anonymous: true}
			}
			writeJSON(w, http.StatusOK, p)
		}),
		"GET /api/v1/tokens": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !s.tokensReady(w, r) {
				return
			}
			list, err := s.tokens.List(r.Context())
			if err != nil {
				s.internal(w, "list tokens", err)
				return
			}
			if list == nil {
				list = []store.Token{}
			}
			writeJSON(w, http.StatusOK, list)
		}),
		"POST /api/v1/tokens": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !s.tokensReady(w, r) {
				return
			}
			var req tokenRequest
			if !decodeBody(w, r, &req, false) || !namesBounded(w, [2]string{"name", req.Name}, [2]string{"expires", req.Expires}) {
				return
			}
			ttl, err := auth.ParseTTL(req.Expires)
			if err != nil {
				writeError(w, http.StatusBadRequest, "expires: "+strings.TrimPrefix(err.Error(), auth.ErrBadToken.Error()+": "))
				return
			}
			created, err := s.tokens.Create(r.Context(), req.Name, req.Role, ttl)
			switch {
			case errors.Is(err, auth.ErrBadToken):
				writeError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), auth.ErrBadToken.Error()+": "))
				return
			case errors.Is(err, store.ErrTokenExists):
				writeError(w, http.StatusConflict, "a token named "+req.Name+" is in use: revoke it first or choose another name")
				return
			case err != nil:
				s.internal(w, "create token", err)
				return
			}
			p, _ := auth.FromContext(r.Context())
			s.logger.Info("api token created", "token", created.Name, "role", created.Role, "by", p.Name)
			w.Header().Set("Cache-Control", "no-store")
			writeJSON(w, http.StatusCreated, created)
		}),
		"DELETE /api/v1/tokens/{name}": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !s.tokensReady(w, r) {
				return
			}
			name := r.PathValue("name")
			err := s.tokens.Revoke(r.Context(), name)
			switch {
			case errors.Is(err, store.ErrNoToken):
				writeError(w, http.StatusNotFound, "no token named "+name+" is in use")
				return
			case err != nil:
				s.internal(w, "revoke token", err)
				return
			}
			p, _ := auth.FromContext(r.Context())
			s.logger.Info("api token revoked", "token", name, "by", p.Name)
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

// tokensReady checks the caller is an admin and tokens are served here.
func (s *server) tokensReady(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := allowed(w, r, auth.Admin); !ok {
		return false
	}
	if s.tokens == nil {
		writeError(w, http.StatusServiceUnavailable, "tokens are not managed by this process")
		return false
	}
	return true
}

// internal answers 500 for a failure that is not the client's, logged
// with its cause (which the client does not see).
func (s *server) internal(w http.ResponseWriter, what string, err error) {
	s.logger.Error("api: "+what+" failed", "error", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}
