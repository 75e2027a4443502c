package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/store"
)

// openStore returns a SQLite store in a temporary directory.
func openStore(t *testing.T) store.Store { return openStoreTB(t) }

// openStoreTB is openStore for tests and benchmarks.
func openStoreTB(t testing.TB) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// syncBuffer is a log destination safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Role
		err  bool
	}{
		{"viewer", Viewer, false}, {"Operator", Operator, false}, {"ADMIN", Admin, false}, {"none", None, false},
		{"", None, true}, {"root", None, true}, {"viewer ", None, true},
	} {
		got, err := ParseRole(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseRole(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && !errors.Is(err, ErrBadRole) {
			t.Errorf("ParseRole(%q) error %v does not wrap ErrBadRole", tc.in, err)
		}
	}
	b, err := json.Marshal(struct{ R Role }{Operator})
	if err != nil || string(b) != `{"R":"operator"}` {
		t.Errorf("JSON of Operator = %s, %v", b, err)
	}
	var v struct{ R Role }
	if err := json.Unmarshal([]byte(`{"R":"admin"}`), &v); err != nil || v.R != Admin {
		t.Errorf("JSON admin = %v, %v", v.R, err)
	}
}

func TestParseTTL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"", 0, false}, {"0", 0, false}, {"90d", 90 * 24 * time.Hour, false}, {"2w", 14 * 24 * time.Hour, false},
		{"12h", 12 * time.Hour, false}, {"1h30m", 90 * time.Minute, false},
		{"-1h", 0, true}, {"d", 0, true}, {"1.5d", 0, true}, {"-3d", 0, true}, {"99999d", 0, true}, {"soon", 0, true},
		{"0d", 0, true}, {"18446744073709551615d", 0, true},
	} {
		got, err := ParseTTL(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseTTL(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestTokens: a token made by Create authenticates with its role until it
// is revoked or expires; list shows neither secret nor hash; bad requests
// are refused; errors never carry the token or its hash.
func TestTokens(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	toks := NewTokens(st)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	toks.now = func() time.Time { return now }

	op, err := toks.Create(ctx, "deploy-bot", Operator, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(op.Secret, TokenPrefix) || len(op.Secret) != tokenLen || !wellFormed(op.Secret) {
		t.Errorf("token %q is not vnm_ and 43 base64url characters", op.Secret)
	}
	if op.Hash != "" || op.Name != "deploy-bot" || op.Role != "operator" || !op.Expires.Equal(now.Add(24*time.Hour)) {
		t.Errorf("Created = %+v", op.Token)
	}
	p, err := toks.Authenticate(ctx, op.Secret)
	if err != nil || p != (Principal{Name: "deploy-bot", Role: Operator}) {
		t.Errorf("Authenticate = %+v, %v; want deploy-bot operator", p, err)
	}
	stored, err := st.TokenByHash(ctx, Hash(op.Secret))
	if err != nil || stored.Name != "deploy-bot" {
		t.Fatalf("the store does not find the token by its SHA-256: %+v, %v", stored, err)
	}
	if _, err := toks.Create(ctx, "deploy-bot", Viewer, 0); !errors.Is(err, store.ErrTokenExists) {
		t.Errorf("second deploy-bot: %v; want ErrTokenExists", err)
	}
	for _, bad := range []struct {
		name string
		role Role
		ttl  time.Duration
	}{{"", Viewer, 0}, {"has space", Viewer, 0}, {"-dash", Viewer, 0}, {strings.Repeat("a", 65), Viewer, 0},
		{"ok", None, 0}, {"ok", Role(7), 0}, {"ok", Viewer, -time.Hour}, {"ok", Viewer, MaxTTL + time.Hour}} {
		if _, err := toks.Create(ctx, bad.name, bad.role, bad.ttl); !errors.Is(err, ErrBadToken) {
			t.Errorf("Create(%q, %v, %v): %v; want ErrBadToken", bad.name, bad.role, bad.ttl, err)
		}
	}

	view, err := toks.Create(ctx, "grafana", Viewer, 0)
	if err != nil {
		t.Fatal(err)
	}
	list, err := toks.List(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("List = %+v, %v", list, err)
	}
	out, _ := json.Marshal(list)
	for _, secret := range []string{op.Secret, view.Secret} {
		if bytes.Contains(out, []byte(secret)) || bytes.Contains(out, []byte(Hash(secret))) {
			t.Errorf("List JSON %s shows a secret or a hash", out)
		}
	}

	var errs []error
	check := func(what, token string, want error) {
		t.Helper()
		_, err := toks.Authenticate(ctx, token)
		if !errors.Is(err, want) {
			t.Errorf("%s: %v; want %v", what, err, want)
		}
		errs = append(errs, err)
	}
	forged, _ := NewToken()
	check("unknown token", forged, ErrInvalidToken)
	check("not a token", "hunter2", ErrInvalidToken)
	changed := []byte(op.Secret)
	changed[10] = map[bool]byte{true: 'B', false: 'A'}[changed[10] == 'A'] // another character, never the same
	check("token with a character changed", string(changed), ErrInvalidToken)
	now = now.Add(24 * time.Hour) // expiry is exclusive; the cache does not outlive it
	check("expired token", op.Secret, ErrExpiredToken)
	if err := toks.Revoke(ctx, "grafana"); err != nil {
		t.Fatal(err)
	}
	check("revoked token", view.Secret, ErrRevokedToken)
	if err := toks.Revoke(ctx, "grafana"); !errors.Is(err, store.ErrNoToken) {
		t.Errorf("second revocation: %v; want ErrNoToken", err)
	}
	for _, err := range errs {
		for _, secret := range []string{op.Secret, view.Secret, forged} {
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), Hash(secret)) {
				t.Errorf("error %q shows a token or its hash", err)
			}
		}
	}
}

// TestRevokedElsewhere: a token revoked by another process sharing the
// store (here another Tokens) is refused once the cache entry ages out.
func TestRevokedElsewhere(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	here, there := NewTokens(st), NewTokens(st)
	here.now = func() time.Time { return now }
	c, err := there.Create(ctx, "ci", Viewer, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := here.Authenticate(ctx, c.Secret); err != nil {
		t.Fatal(err)
	}
	if err := there.Revoke(ctx, "ci"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(CacheTTL + time.Second)
	if _, err := here.Authenticate(ctx, c.Secret); !errors.Is(err, ErrRevokedToken) {
		t.Errorf("after %s: %v; want ErrRevokedToken", CacheTTL, err)
	}
}

// policy is the tests' policy: /open is open, /admin needs admin, other
// GETs viewer, other methods operator.
func policy(r *http.Request) Role {
	switch {
	case r.URL.Path == "/open":
		return None
	case r.URL.Path == "/admin":
		return Admin
	case r.Method == http.MethodGet:
		return Viewer
	}
	return Operator
}

// fixture is a middleware in front of a handler echoing the principal.
type fixture struct {
	h                       http.Handler
	a                       *Authenticator
	logs                    *syncBuffer
	viewer, operator, admin string
	expired, revoked        string
	now                     *time.Time
	secrets                 []string
}

func newFixture(t *testing.T, c Configuration) *fixture {
	t.Helper()
	st := openStore(t)
	ctx := context.Background()
	now := time.Now()
	f := &fixture{logs: &syncBuffer{}, now: &now}
	toks := NewTokens(st)
	toks.now = func() time.Time { return *f.now }
	mk := func(name string, role Role, ttl time.Duration) string {
		c, err := toks.Create(ctx, name, role, ttl)
		if err != nil {
			t.Fatal(err)
		}
		f.secrets = append(f.secrets, c.Secret)
		return c.Secret
	}
	f.viewer, f.operator, f.admin = mk("v", Viewer, 0), mk("o", Operator, 0), mk("a", Admin, 0)
	f.expired, f.revoked = mk("old", Admin, time.Minute), mk("gone", Admin, 0)
	if err := toks.Revoke(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(c, toks, policy, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.now = func() time.Time { return *f.now }
	f.a = a
	f.h = a.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		if r.URL.Path == "/open" {
			io.WriteString(w, "open")
			return
		}
		if !ok {
			t.Errorf("%s %s reached the handler without a principal", r.Method, r.URL.Path)
		}
		json.NewEncoder(w).Encode(p)
	}))
	*f.now = now.Add(2 * time.Minute) // "old" has expired
	return f
}

func (f *fixture) do(method, path, remote string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	r.RemoteAddr = remote
	for _, h := range header {
		r.Header.Add("Authorization", h)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

// TestMiddleware: every kind of request gets the right status, a JSON
// error with a challenge when refused, and the right principal when not;
// neither the responses nor the logs ever show a token or its hash.
func TestMiddleware(t *testing.T) {
	for _, anon := range []Role{Viewer, None} {
		t.Run("anonymous="+anon.String(), func(t *testing.T) {
			c := DefaultConfiguration()
			c.Anonymous = anon
			c.MaxFailuresPerMinute = 1000
			f := newFixture(t, c)
			anonGET := http.StatusOK
			if anon == None {
				anonGET = http.StatusUnauthorized
			}
			cases := []struct {
				name, method, path string
				header             []string
				status             int
				who                string
				challenge          string
			}{
				{"open endpoint, no token", "GET", "/open", nil, 200, "", ""},
				{"open endpoint, a bad token is not looked at", "GET", "/open", []string{"Bearer nonsense"}, 200, "", ""},
				{"anonymous read", "GET", "/x", nil, anonGET, "anonymous", ""},
				{"anonymous action", "POST", "/x", nil, 401, "", `Bearer realm="vnetmap"`},
				{"viewer reads", "GET", "/x", []string{"Bearer " + f.viewer}, 200, "v", ""},
				{"lower-case scheme", "GET", "/x", []string{"bearer " + f.viewer}, 200, "v", ""},
				{"viewer acts", "POST", "/x", []string{"Bearer " + f.viewer}, 403, "", "insufficient_scope"},
				{"operator acts", "POST", "/x", []string{"Bearer " + f.operator}, 200, "o", ""},
				{"operator manages tokens", "GET", "/admin", []string{"Bearer " + f.operator}, 403, "", "insufficient_scope"},
				{"admin manages tokens", "GET", "/admin", []string{"Bearer " + f.admin}, 200, "a", ""},
				{"expired token", "GET", "/x", []string{"Bearer " + f.expired}, 401, "", "invalid_token"},
				{"revoked token", "GET", "/x", []string{"Bearer " + f.revoked}, 401, "", "invalid_token"},
				{"unknown token", "GET", "/x", []string{"Bearer vnm_" + strings.Repeat("A", 43)}, 401, "", "invalid_token"},
				{"wrong token format", "GET", "/x", []string{"Bearer hunter2"}, 401, "", "invalid_token"},
				{"basic scheme", "GET", "/x", []string{"Basic dTpw"}, 401, "", "invalid_request"},
				{"scheme only", "GET", "/x", []string{"Bearer"}, 401, "", "invalid_request"},
				{"empty header", "GET", "/x", []string{""}, 401, "", "invalid_request"},
				{"token without scheme", "GET", "/x", []string{f.admin}, 401, "", "invalid_request"},
				{"two headers", "GET", "/x", []string{"Bearer " + f.viewer, "Bearer " + f.admin}, 401, "", "invalid_request"},
				{"bad token on a read anonymous may do", "GET", "/x", []string{"Bearer " + f.revoked}, 401, "", "invalid_token"},
			}
			for _, tc := range cases {
				w := f.do(tc.method, tc.path, "198.51.100.7:40000", tc.header...)
				if w.Code != tc.status {
					t.Errorf("%s: status %d; want %d (%s)", tc.name, w.Code, tc.status, w.Body)
					continue
				}
				body := w.Body.String()
				for _, s := range f.secrets {
					if strings.Contains(body, s) || strings.Contains(body, Hash(s)) || strings.Contains(w.Header().Get("WWW-Authenticate"), s) {
						t.Errorf("%s: the response shows a token or its hash: %s", tc.name, body)
					}
				}
				switch {
				case tc.status >= 400:
					var e errorBody
					if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Status != tc.status || e.Error == "" {
						t.Errorf("%s: body %q is not a JSON error with status %d", tc.name, body, tc.status)
					}
					if ct := w.Header().Get("Content-Type"); ct != "application/json" {
						t.Errorf("%s: Content-Type %q", tc.name, ct)
					}
					if ch := w.Header().Get("WWW-Authenticate"); !strings.Contains(ch, tc.challenge) || !strings.HasPrefix(ch, "Bearer") {
						t.Errorf("%s: WWW-Authenticate %q; want one with %q", tc.name, ch, tc.challenge)
					}
				case tc.who != "":
					var p Principal
					if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Name != tc.who {
						t.Errorf("%s: principal %s; want %s", tc.name, body, tc.who)
					}
				}
			}
			logs := f.logs.String()
			if !strings.Contains(logs, "authentication failed") || !strings.Contains(logs, "access denied") {
				t.Errorf("failures are not logged:\n%s", logs)
			}
			for _, s := range f.secrets {
				if strings.Contains(logs, s) || strings.Contains(logs, Hash(s)) || strings.Contains(logs, s[len(TokenPrefix):]) {
					t.Errorf("the logs show a token or its hash:\n%s", logs)
				}
			}
			if strings.Contains(logs, "dTpw") || strings.Contains(logs, "hunter2") {
				t.Errorf("the logs show an Authorization header:\n%s", logs)
			}
		})
	}
}

// TestRateLimit: a client address that failed too often gets 429 with
// Retry-After, even with a good token, until its bucket refills; other
// addresses (and other /64s) are not affected; anonymous reads go on.
func TestRateLimit(t *testing.T) {
	c := DefaultConfiguration()
	c.MaxFailuresPerMinute = 3
	f := newFixture(t, c)
	bad := "Bearer vnm_" + strings.Repeat("B", 43)
	const attacker = "203.0.113.9:5000"
	for i := range 3 {
		if w := f.do("GET", "/x", attacker, bad); w.Code != 401 {
			t.Fatalf("failure %d: status %d; want 401", i+1, w.Code)
		}
	}
	w := f.do("GET", "/x", attacker, "Bearer "+f.viewer)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "20" {
		t.Errorf("after 3 failures: status %d, Retry-After %q; want 429 and 20 (s until one attempt comes back)", w.Code, w.Header().Get("Retry-After"))
	}
	if w := f.do("GET", "/x", attacker); w.Code != 200 {
		t.Errorf("anonymous read from the refused address: %d; want 200", w.Code)
	}
	if w := f.do("GET", "/x", "203.0.113.10:5000", "Bearer "+f.viewer); w.Code != 200 {
		t.Errorf("another address: %d; want 200", w.Code)
	}
	// IPv6: one /64 is one client.
	for range 3 {
		f.do("GET", "/x", "[2001:db8:1:2::1]:5000", bad)
	}
	if w := f.do("GET", "/x", "[2001:db8:1:2::ffff]:5000", "Bearer "+f.viewer); w.Code != 429 {
		t.Errorf("same /64: %d; want 429", w.Code)
	}
	if w := f.do("GET", "/x", "[2001:db8:1:3::1]:5000", "Bearer "+f.viewer); w.Code != 200 {
		t.Errorf("another /64: %d; want 200", w.Code)
	}
	*f.now = f.now.Add(20 * time.Second)
	if w := f.do("GET", "/x", attacker, "Bearer "+f.viewer); w.Code != 200 {
		t.Errorf("20 s later: %d; want 200", w.Code)
	}
	if !strings.Contains(f.logs.String(), "client refused for a while") {
		t.Error("the refusal of a client is not logged")
	}
}

// TestLimiterBounded: a flood of addresses keeps at most max of them.
func TestLimiterBounded(t *testing.T) {
	l := newLimiter(10, 1000)
	now := time.Now()
	for i := range 100000 {
		l.fail(strings.Repeat("x", i%7)+string(rune(i)), now.Add(time.Duration(i)*time.Millisecond))
		if n := l.size(); n > 1000 {
			t.Fatalf("after %d addresses the limiter keeps %d; want at most 1000", i+1, n)
		}
	}
}

// TestLimiterKeepsRefusedClients: when the table is full, the addresses
// whose buckets refilled go first, so a refused client is not forgotten
// by a flood of addresses that failed once a while ago.
func TestLimiterKeepsRefusedClients(t *testing.T) {
	l := newLimiter(10, 1000)
	t0 := time.Now()
	for i := range 999 {
		l.fail(string(rune(1000+i)), t0)
	}
	for range 10 {
		l.fail("attacker", t0)
	}
	later := t0.Add(10 * time.Second) // the others refilled after 6 s; the attacker needs 60
	l.fail("newcomer", later)
	if n := l.size(); n != 2 {
		t.Errorf("after the sweep %d addresses are kept; want 2 (attacker, newcomer)", n)
	}
	// Kept, the attacker's bucket has refilled by 1.67 attempts only: one
	// more failure and it is refused again (forgotten, it would get 10).
	if refused := l.fail("attacker", later); !refused {
		t.Error("the attacker's failures were forgotten: one more failure left it with attempts to spare")
	}
}

// TestConfigurationValidate: the defaults validate; bad keys are named.
func TestConfigurationValidate(t *testing.T) {
	if err := DefaultConfiguration().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, tc := range []struct {
		c    Configuration
		want string
	}{
		{Configuration{Anonymous: Operator, MaxFailuresPerMinute: 10}, "anonymous"},
		{Configuration{Anonymous: Admin, MaxFailuresPerMinute: 10}, "anonymous"},
		{Configuration{Anonymous: Viewer}, "max_failures_per_minute"},
		{Configuration{Anonymous: Viewer, MaxFailuresPerMinute: 100000}, "max_failures_per_minute"},
	} {
		if err := tc.c.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v; want an error about %s", tc.c, err, tc.want)
		}
	}
	for _, tc := range []struct {
		c    TLSConfiguration
		want string
	}{
		{TLSConfiguration{CertFile: "a.pem"}, "key_file"},
		{TLSConfiguration{KeyFile: "a.key"}, "cert_file"},
		{TLSConfiguration{SelfSigned: true, CertFile: "a", KeyFile: "b"}, "self_signed"},
		{TLSConfiguration{Dir: "/tmp"}, "dir"},
		{TLSConfiguration{Hosts: []string{"x"}}, "hosts"},
		{TLSConfiguration{SelfSigned: true, Hosts: []string{"ok.example.com", "bad host"}}, "hosts[1]"},
		{TLSConfiguration{SelfSigned: true, Hosts: []string{"-bad.example.com"}}, "hosts[0]"},
	} {
		if err := tc.c.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v; want an error about %s", tc.c, err, tc.want)
		}
	}
	for _, ok := range []TLSConfiguration{{}, {CertFile: "c", KeyFile: "k"}, {SelfSigned: true, Dir: "/x", Hosts: []string{"10.0.0.1", "2001:db8::1", "vnetmap.example.com", "*.example.com"}}} {
		if err := ok.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v; want nil", ok, err)
		}
	}
}

// FuzzAuthorization: no Authorization header makes the middleware panic or
// let a request through to an admin route without the admin token.
func FuzzAuthorization(f *testing.F) {
	for _, s := range []string{"Bearer vnm_" + strings.Repeat("A", 43), "Bearer ", "bearer\tx", "Basic Zm9vOmJhcg==", "", "Bearer vnm_\x00", "Bearer  vnm_x y"} {
		f.Add(s)
	}
	st, err := store.Open(context.Background(), "sqlite::memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	toks := NewTokens(st)
	admin, err := toks.Create(context.Background(), "a", Admin, 0)
	if err != nil {
		f.Fatal(err)
	}
	c := DefaultConfiguration()
	c.MaxFailuresPerMinute = 10000
	a, err := New(c, toks, policy, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		f.Fatal(err)
	}
	h := a.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) }))
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/admin", nil)
		r.Header["Authorization"] = []string{header}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == 299 && !strings.Contains(header, admin.Secret) {
			t.Errorf("header %q let through to an admin route", header)
		}
		if header == "Bearer "+admin.Secret && w.Code != 299 {
			t.Errorf("the admin token was refused: %d", w.Code)
		}
		if w.Code != 299 && !json.Valid(w.Body.Bytes()) {
			t.Errorf("header %q: body %q is not JSON", header, w.Body)
		}
	})
}

// TestLogged: what the client chose is logged whole up to maxLogged
// bytes, else cut at a character boundary with a marker of its length.
func TestLogged(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"short", "/api/v1/where/web01", "/api/v1/where/web01"},
		{"at the bound", strings.Repeat("a", maxLogged), strings.Repeat("a", maxLogged)},
		{"past the bound", strings.Repeat("a", maxLogged+1), strings.Repeat("a", maxLogged) + "…[cut: 257 bytes]"},
		{"cut inside a character", "a" + strings.Repeat("é", maxLogged), "a" + strings.Repeat("é", (maxLogged-1)/2) + "…[cut: 513 bytes]"},
	} {
		if got := logged(tc.in); got != tc.want {
			t.Errorf("%s: logged(%d bytes) = %q; want %q", tc.name, len(tc.in), got, tc.want)
		}
	}
}
