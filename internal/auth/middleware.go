package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// Policy says which role a request needs; None means the endpoint is open
// to everyone, whatever the anonymous role and whatever the request's
// Authorization header says. It must be safe for concurrent use.
type Policy func(r *http.Request) Role

// maxClients bounds the client addresses whose failed attempts are counted.
const maxClients = 10000

// Authenticator is the access control middleware. It is safe for
// concurrent use.
type Authenticator struct {
	tokens    *Tokens
	policy    Policy
	anonymous Role
	limiter   *limiter
	logger    *slog.Logger
	metrics   *metrics
	now       func() time.Time
}

// New returns the middleware of c over tokens, asking policy what each
// request needs. reg, when not nil, gets its metrics.
func New(c Configuration, tokens *Tokens, policy Policy, logger *slog.Logger, reg prometheus.Registerer) (*Authenticator, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if tokens == nil || policy == nil {
		return nil, errors.New("auth: tokens and policy are required")
	}
	return &Authenticator{tokens: tokens, policy: policy, anonymous: c.Anonymous,
		limiter: newLimiter(c.MaxFailuresPerMinute, maxClients), logger: logger, metrics: newMetrics(reg), now: time.Now}, nil
}

// anonymousName is the principal name of a request without a token.
const anonymousName = "anonymous"

// Wrap returns next behind access control. A request the policy opens to
// everyone goes through untouched. Otherwise:
//   - without an Authorization header, it goes through as anonymous when
//     the anonymous role suffices, else gets 401;
//   - with one, it must be "Bearer TOKEN" for a token neither unknown,
//     expired nor revoked (else 401) whose role suffices (else 403); a
//     client address with too many failures gets 429 without its token
//     being looked at.
//
// Refusals are JSON {"status", "error"} with a WWW-Authenticate header
// (RFC 6750). The request's principal is in its context (FromContext).
// Neither the token nor the header is ever logged or echoed; the method
// and path are logged cut to maxLogged bytes. A request its client
// cancels during the token lookup is no failure of the store nor of the
// client: it is logged at debug level and counted as "cancelled".
func (a *Authenticator) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		need := a.policy(r)
		if need == None {
			next.ServeHTTP(w, r)
			return
		}
		header, present := r.Header["Authorization"]
		if !present {
			if a.anonymous >= need {
				a.metrics.requests.WithLabelValues(anonymousName).Inc()
				next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), Principal{Name: anonymousName, Role: a.anonymous, Anonymous: true})))
				return
			}
			a.metrics.failures.WithLabelValues("missing").Inc()
			a.refuse(w, http.StatusUnauthorized, `Bearer realm="vnetmap"`,
				fmt.Sprintf("authentication required: this needs a token of role %s or above (Authorization: Bearer TOKEN)", need))
			return
		}
		client := clientKey(r.RemoteAddr)
		now := a.now()
		if ok, wait := a.limiter.allow(client, now); !ok {
			a.metrics.failures.WithLabelValues("rate_limited").Inc()
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			a.refuse(w, http.StatusTooManyRequests, "", "too many failed authentications from this address: retry later")
			return
		}
		token, ok := bearer(header)
		if !ok {
			a.failed(client, now, r, "malformed", nil)
			a.refuse(w, http.StatusUnauthorized, `Bearer realm="vnetmap", error="invalid_request"`,
				`malformed Authorization header: want "Bearer TOKEN"`)
			return
		}
		p, err := a.tokens.Authenticate(r.Context(), token)
		if err != nil {
			reason := "invalid"
			switch {
			case errors.Is(err, ErrExpiredToken):
				reason = "expired"
			case errors.Is(err, ErrRevokedToken):
				reason = "revoked"
			case errors.Is(err, context.Canceled) || errors.Is(r.Context().Err(), context.Canceled):
				// The client hung up during the lookup: nobody reads the
				// answer, and neither the store nor the client failed.
				a.metrics.failures.WithLabelValues("cancelled").Inc()
				a.logger.Debug("authentication: request cancelled by the client", "client", client)
				a.refuse(w, http.StatusServiceUnavailable, "", "request cancelled")
				return
			case !errors.Is(err, ErrInvalidToken):
				// The store failed: not the client's fault, not counted
				// against it.
				a.metrics.failures.WithLabelValues("error").Inc()
				a.logger.Error("authentication: token lookup failed", "client", client, "error", err)
				a.refuse(w, http.StatusServiceUnavailable, "", "authentication unavailable: the store does not answer")
				return
			}
			a.failed(client, now, r, reason, err)
			a.refuse(w, http.StatusUnauthorized, `Bearer realm="vnetmap", error="invalid_token"`, "invalid token: unknown, expired or revoked")
			return
		}
		if p.Role < need {
			a.metrics.failures.WithLabelValues("forbidden").Inc()
			a.logger.Warn("access denied: role too low", "client", client, "token", p.Name, "role", p.Role, "needs", need, "method", logged(r.Method), "path", logged(r.URL.Path))
			a.refuse(w, http.StatusForbidden, `Bearer realm="vnetmap", error="insufficient_scope"`,
				fmt.Sprintf("forbidden: this needs role %s or above; token %s has role %s", need, p.Name, p.Role))
			return
		}
		a.metrics.requests.WithLabelValues(p.Role.String()).Inc()
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// failed counts a failed authentication of client and logs it; err (which
// names at most the token's name) says why.
func (a *Authenticator) failed(client string, now time.Time, r *http.Request, reason string, err error) {
	a.metrics.failures.WithLabelValues(reason).Inc()
	blocked := a.limiter.fail(client, now)
	args := []any{"client", client, "reason", reason, "method", logged(r.Method), "path", logged(r.URL.Path)}
	if err != nil {
		args = append(args, "error", err)
	}
	a.logger.Warn("authentication failed", args...)
	if blocked {
		a.logger.Warn("client refused for a while: too many failed authentications", "client", client)
	}
}

// maxLogged is the most bytes of a value the client chose (a path, a
// method) that a log line holds: a longer one is cut, so that a client
// cannot fill the log with its requests.
const maxLogged = 256

// logged returns s cut to maxLogged bytes (at a UTF-8 boundary) with a
// marker saying how long it was, or s itself when short enough.
func logged(s string) string {
	if len(s) <= maxLogged {
		return s
	}
	cut := maxLogged
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[cut: " + strconv.Itoa(len(s)) + " bytes]"
}

// bearer returns the token of an Authorization header "Bearer TOKEN" (the
// scheme in any case), and whether the header is one.
func bearer(header []string) (string, bool) {
	if len(header) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(header[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// errorBody is the JSON of a refusal, the same as the API's errors.
type errorBody struct {
	Status int    `json:"status"`
	Error  string `json:"error"`
}

// refuse answers with status, a WWW-Authenticate challenge when not empty,
// and msg as JSON.
func (a *Authenticator) refuse(w http.ResponseWriter, status int, challenge, msg string) {
	if challenge != "" {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(errorBody{Status: status, Error: msg})
}
