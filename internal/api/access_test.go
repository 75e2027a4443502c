package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/collect"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/source/inventory"
	"github.com/vnetmap/vnetmap/internal/store"
	"github.com/vnetmap/vnetmap/internal/web"
)

// lockedBuffer collects logs written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// site is the API behind access control over a SQLite store holding a VM
// with a disconnected vNIC (one finding), with an inventory source that
// the collector runs, and tokens of every role.
type site struct {
	srv                     *httptest.Server
	h                       http.Handler
	reg                     *prometheus.Registry
	st                      store.Store
	logs                    *lockedBuffer
	viewer, operator, admin string
	expired, revoked        string
	secrets                 []string
	bodies                  []string // every response body, to look for secrets in
	mu                      sync.Mutex
}

func newSite(t *testing.T, anonymous auth.Role) *site {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	owner := model.ID("vc:vc1")
	vm, nic := model.NewID(model.KindVM, "u-web01"), model.NewID(model.KindVNIC, "u-web01", "4000")
	if _, err := st.Apply(ctx, model.Snapshot{Source: "vc1", Taken: time.Now().Add(-time.Hour), Facts: []model.Fact{
		model.Entity(owner, vm, "web01", model.Attrs{"power": "poweredOn"}),
		model.Entity(owner, nic, "Network adapter 1", model.Attrs{"connected": "false", "label": "Network adapter 1"}),
		model.Relation(owner, vm, model.RelHasVNIC, nic, nil),
	}}); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "cabling.csv")
	if err := os.WriteFile(csv, []byte("host,pnic,switch,port\nesx01,vmnic0,leaf1,Ethernet1/1\nesx01,vmnic1,leaf2,Ethernet1/1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &site{st: st, logs: &lockedBuffer{}}
	logger := slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	q := query.New(st, nil)
	comp := collect.New(st, logger, nil, q.Cache.Invalidate)
	src, err := inventory.New(inventory.Configuration{Name: "cabling", File: csv})
	if err != nil {
		t.Fatal(err)
	}
	comp.Add(src, time.Hour)
	comp.Start(ctx)
	t.Cleanup(comp.Stop)

	toks := auth.NewTokens(st)
	mk := func(name string, role auth.Role, ttl time.Duration) string {
		c, err := toks.Create(ctx, name, role, ttl)
		if err != nil {
			t.Fatal(err)
		}
		s.secrets = append(s.secrets, c.Secret)
		return c.Secret
	}
	s.viewer, s.operator, s.admin = mk("grafana", auth.Viewer, 0), mk("ops", auth.Operator, 0), mk("root", auth.Admin, 0)
	s.expired, s.revoked = mk("old", auth.Admin, time.Millisecond), mk("gone", auth.Admin, 0)
	if err := toks.Revoke(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // "old" expires
	c := auth.DefaultConfiguration()
	c.Anonymous = anonymous
	c.MaxFailuresPerMinute = 1000
	reg := prometheus.NewRegistry()
	a, err := auth.New(c, toks, Policy, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	s.reg = reg
	// As serve wires them: access control in front of the UI's routing in
	// front of the API.
	s.h = a.Wrap(web.Handler(Handler(q, reg, logger, WithTokens(toks), WithCollector(comp))))
	s.srv = httptest.NewServer(s.h)
	t.Cleanup(s.srv.Close)
	return s
}

// call sends a request; token "" sends none; contentType "" sends none.
func (s *site) call(t *testing.T, method, path, token, contentType string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	s.mu.Unlock()
	return resp.StatusCode, resp.Header, b
}

// noSecrets fails t when a response or the logs show a token or its hash
// (the one response that creates a token excepted: skip).
func (s *site) noSecrets(t *testing.T, skip ...string) {
	t.Helper()
	logs := s.logs.String()
	for _, secret := range s.secrets {
		if skipped(secret, skip) {
			continue
		}
		for _, needle := range []string{secret, auth.Hash(secret), strings.TrimPrefix(secret, auth.TokenPrefix)} {
			if strings.Contains(logs, needle) {
				t.Errorf("the logs show a token or its hash:\n%s", logs)
			}
			for _, b := range s.bodies {
				if strings.Contains(b, needle) {
					t.Errorf("a response shows a token or its hash: %s", b)
				}
			}
		}
	}
	if strings.Contains(logs, "Authorization") || strings.Contains(logs, "Bearer") {
		t.Errorf("the logs show an Authorization header:\n%s", logs)
	}
}

func skipped(s string, skip []string) bool {
	for _, k := range skip {
		if s == k {
			return true
		}
	}
	return false
}

// TestPolicy: every route's role.
func TestPolicy(t *testing.T) {
	for _, route := range Routes {
		method, path, _ := strings.Cut(route, " ")
		path = strings.NewReplacer("{x}", "web01", "{vm}", "web01", "{target...}", "host:esx01", "{a}", "a", "{b}", "b",
			"{name}", "n", "{rule}", "r", "{digest}", "d").Replace(path)
		want := auth.Viewer
		switch {
		case path == "/healthz" || path == "/readyz":
			want = auth.None
		case strings.HasPrefix(path, "/api/v1/tokens"):
			want = auth.Admin
		case method != http.MethodGet:
			want = auth.Operator
		}
		if got := Policy(httptest.NewRequest(method, path, nil)); got != want {
			t.Errorf("Policy(%s %s) = %s; want %s", method, path, got, want)
		}
	}
	for _, tc := range []struct {
		method, path string
		want         auth.Role
	}{
		{"GET", "/", auth.Viewer}, {"GET", "/vm/web01", auth.Viewer}, {"HEAD", "/assets/x.js", auth.Viewer},
		{"PUT", "/api/v1/summary", auth.Operator}, {"DELETE", "/api/v1/findings", auth.Operator},
		{"OPTIONS", "/api/v1/where/x", auth.Operator}, {"GET", "/api/v1/tokens/", auth.Admin},
	} {
		if got := Policy(httptest.NewRequest(tc.method, tc.path, nil)); got != tc.want {
			t.Errorf("Policy(%s %s) = %s; want %s", tc.method, tc.path, got, tc.want)
		}
	}
}

// TestActions: the operators' actions and the token routes answer every
// kind of request with the right status and a JSON error, and never show
// a token or its hash.
func TestActions(t *testing.T) {
	s := newSite(t, auth.Viewer)
	const js = "application/json"
	big := append(append([]byte(`{"comment":"`), bytes.Repeat([]byte("x"), MaxBody)...), '"', '}')
	cases := []struct {
		name, method, path, token, ct, body string
		status                              int
		has                                 string // in the body
	}{
		{"anonymous collect", "POST", "/api/v1/collect", "", js, `{}`, 401, "authentication required"},
		{"viewer collect", "POST", "/api/v1/collect", s.viewer, js, `{}`, 403, "operator"},
		{"expired token", "POST", "/api/v1/collect", s.expired, js, `{}`, 401, "invalid token"},
		{"revoked token", "POST", "/api/v1/collect", s.revoked, js, `{}`, 401, "invalid token"},
		{"wrong token", "POST", "/api/v1/collect", "vnm_" + strings.Repeat("Z", 43), js, `{}`, 401, "invalid token"},
		{"operator collect, wait", "POST", "/api/v1/collect", s.operator, js, `{"source":"cabling","wait":true}`, 200, `"facts": 2`},
		{"operator collect all", "POST", "/api/v1/collect", s.operator, js, `{}`, 202, `"cabling"`},
		{"operator collect, empty body", "POST", "/api/v1/collect", s.operator, "", ``, 202, `"cabling"`},
		{"content type with charset", "POST", "/api/v1/collect", s.operator, js + "; charset=utf-8", `{"wait":false}`, 202, `"cabling"`},
		{"unknown source", "POST", "/api/v1/collect", s.operator, js, `{"source":"nope"}`, 404, "no source named nope"},
		{"malformed JSON", "POST", "/api/v1/collect", s.operator, js, `{"source":`, 400, "truncated"},
		{"syntax error", "POST", "/api/v1/collect", s.operator, js, `{source: 1}`, 400, "malformed JSON at byte"},
		{"unknown field", "POST", "/api/v1/collect", s.operator, js, `{"sauce":"x"}`, 400, `unknown field \"sauce\"`},
		{"wrong type", "POST", "/api/v1/collect", s.operator, js, `{"wait":"yes"}`, 400, `field \"wait\": want a JSON boolean`},
		{"two values", "POST", "/api/v1/collect", s.operator, js, `{} {}`, 400, "more data"},
		{"not an object", "POST", "/api/v1/collect", s.operator, js, `[1]`, 400, "want a JSON object"},
		{"wrong content type", "POST", "/api/v1/collect", s.operator, "text/plain", `{}`, 415, "application/json"},
		{"body without content type", "POST", "/api/v1/collect", s.operator, "", `{}`, 415, "application/json"},
		{"oversized body", "POST", "/api/v1/findings/a/b/ack", s.operator, js, string(big), 413, "larger than 1048576"},
		{"source too long", "POST", "/api/v1/collect", s.operator, js, `{"source":"` + strings.Repeat("s", MaxName+1) + `"}`, 400, "source: 513 bytes, longer than the 512 allowed"},
		{"cluster too long", "POST", "/api/v1/drs-rules/apply", s.operator, js, `{"cluster":"` + strings.Repeat("c", MaxName+1) + `"}`, 400, "cluster: 513 bytes"},
		{"token name too long", "POST", "/api/v1/tokens", s.admin, js, `{"name":"` + strings.Repeat("n", MaxName+1) + `","role":"viewer"}`, 400, "name: 513 bytes"},
		{"token lifetime too long", "POST", "/api/v1/tokens", s.admin, js, `{"name":"x","role":"viewer","expires":"` + strings.Repeat("9", MaxName+1) + `"}`, 400, "expires: 513 bytes"},
		{"no DRS applier here", "POST", "/api/v1/drs-rules/apply", s.operator, js, `{}`, 503, "not applied by this process"},
		{"viewer applies DRS", "POST", "/api/v1/drs-rules/apply", s.viewer, js, `{}`, 403, "operator"},
		{"ack of no finding", "POST", "/api/v1/findings/vnic-disconnected/0000/ack", s.operator, js, `{}`, 404, "no current finding"},
		{"ack, control characters", "POST", "/api/v1/findings/a/b/ack", s.operator, js, `{"comment":"\u001b[31mred"}`, 400, "control characters"},
		{"ack, comment too long", "POST", "/api/v1/findings/a/b/ack", s.operator, js, `{"comment":"` + strings.Repeat("y", store.MaxAckComment+1) + `"}`, 400, "longer than"},
		{"viewer lists tokens", "GET", "/api/v1/tokens", s.viewer, "", "", 403, "admin"},
		{"operator lists tokens", "GET", "/api/v1/tokens", s.operator, "", "", 403, "admin"},
		{"anonymous lists tokens", "GET", "/api/v1/tokens", "", "", "", 401, "admin"},
		{"admin lists tokens", "GET", "/api/v1/tokens", s.admin, "", "", 200, `"name": "grafana"`},
		{"token with a bad role", "POST", "/api/v1/tokens", s.admin, js, `{"name":"x","role":"root"}`, 400, "unknown role"},
		{"token with a number for a role", "POST", "/api/v1/tokens", s.admin, js, `{"name":"x","role":3}`, 400, `field \"role\": want a JSON string`},
		{"token with role none", "POST", "/api/v1/tokens", s.admin, js, `{"name":"x","role":"none"}`, 400, "want viewer, operator or admin"},
		{"token with a bad name", "POST", "/api/v1/tokens", s.admin, js, `{"name":"a b","role":"viewer"}`, 400, "name"},
		{"token with a bad lifetime", "POST", "/api/v1/tokens", s.admin, js, `{"name":"x","role":"viewer","expires":"soon"}`, 400, "expires"},
		{"token name in use", "POST", "/api/v1/tokens", s.admin, js, `{"name":"ops","role":"viewer"}`, 409, "in use"},
		{"token without a body", "POST", "/api/v1/tokens", s.admin, js, ``, 400, "empty"},
		{"revoke no such token", "DELETE", "/api/v1/tokens/nobody", s.admin, "", "", 404, "no token named nobody"},
		{"operator revokes", "DELETE", "/api/v1/tokens/ops", s.operator, "", "", 403, "admin"},
		{"health with a bad token", "GET", "/healthz", "garbage", "", "", 200, "ok"},
		{"readiness", "GET", "/readyz", "", "", "", 200, `"ready"`},
		{"who, anonymous", "GET", "/api/v1/whoami", "", "", "", 200, `"anonymous": true`},
		{"who, operator", "GET", "/api/v1/whoami", s.operator, "", "", 200, `"name": "ops"`},
		{"metrics, anonymous viewer", "GET", "/metrics", "", "", "", 200, "vnetmap_auth_failures_total"},
	}
	for _, tc := range cases {
		var body []byte
		if tc.body != "" || tc.method == "POST" {
			body = []byte(tc.body)
		}
		status, hdr, b := s.call(t, tc.method, tc.path, tc.token, tc.ct, body)
		if status != tc.status || !strings.Contains(string(b), tc.has) {
			t.Errorf("%s: %d %s; want %d with %q", tc.name, status, b, tc.status, tc.has)
			continue
		}
		if status >= 400 {
			var e Error
			if err := json.Unmarshal(b, &e); err != nil || e.Status != status || e.Error == "" {
				t.Errorf("%s: %s is not a JSON error with status %d", tc.name, b, status)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s: Content-Type %q", tc.name, ct)
			}
		}
		if status == 401 && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 without a Bearer challenge", tc.name)
		}
	}
	s.noSecrets(t)
	if logs := s.logs.String(); strings.Contains(logs, strings.Repeat("s", MaxName+1)) || strings.Contains(logs, strings.Repeat("c", MaxName+1)) {
		t.Errorf("the logs show a name past its bound:\n%.2000s", logs)
	}
}

// TestTokenLifecycle: an admin creates a token through the API (shown
// once, with Cache-Control: no-store), it works at once, it is listed
// without its secret, and it is refused once revoked.
func TestTokenLifecycle(t *testing.T) {
	s := newSite(t, auth.None)
	status, hdr, b := s.call(t, "POST", "/api/v1/tokens", s.admin, "application/json", []byte(`{"name":"ci","role":"operator","expires":"90d"}`))
	if status != 201 || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s (Cache-Control %q)", status, b, hdr.Get("Cache-Control"))
	}
	var created struct {
		Token   string    `json:"token"`
		Name    string    `json:"name"`
		Role    string    `json:"role"`
		Created time.Time `json:"created"`
		Expires time.Time `json:"expires"`
	}
	if err := json.Unmarshal(b, &created); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Token, auth.TokenPrefix) || created.Role != "operator" || created.Expires.Sub(created.Created) != 90*24*time.Hour {
		t.Errorf("created = %+v", created)
	}
	s.secrets = append(s.secrets, created.Token)
	if status, _, b := s.call(t, "GET", "/api/v1/whoami", created.Token, "", nil); status != 200 || !strings.Contains(string(b), `"name": "ci"`) {
		t.Errorf("whoami with the new token: %d %s", status, b)
	}
	if status, _, b := s.call(t, "GET", "/api/v1/tokens", s.admin, "", nil); status != 200 || !strings.Contains(string(b), `"name": "ci"`) {
		t.Errorf("list: %d %s", status, b)
	}
	if status, _, b := s.call(t, "DELETE", "/api/v1/tokens/ci", s.admin, "", nil); status != 204 {
		t.Errorf("revoke: %d %s", status, b)
	}
	if status, _, _ := s.call(t, "GET", "/api/v1/whoami", created.Token, "", nil); status != 401 {
		t.Errorf("the revoked token: %d; want 401", status)
	}
	// Anonymous none: everything but /healthz and /readyz needs a token.
	for _, path := range []string{"/api/v1/summary", "/metrics", "/api/v1/whoami", "/api/v1/openapi.json"} {
		if status, _, _ := s.call(t, "GET", path, "", "", nil); status != 401 {
			t.Errorf("anonymous GET %s: %d; want 401", path, status)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, _, _ := s.call(t, "GET", path, "", "", nil); status != 200 {
			t.Errorf("anonymous GET %s: %d; want 200", path, status)
		}
	}
	if status, _, _ := s.call(t, "GET", "/api/v1/summary", s.viewer, "", nil); status != 200 {
		t.Errorf("viewer GET summary: %d; want 200", status)
	}
	// The creation answer shows the token, once; nothing else does.
	s.bodies = s.bodies[1:]
	s.noSecrets(t)
}

// TestAcknowledge: an operator acknowledges a current finding; the
// findings then carry who, when and why; a second acknowledgement replaces
// the first.
func TestAcknowledge(t *testing.T) {
	s := newSite(t, auth.Viewer)
	findings := func() query.FindingsAnswer {
		t.Helper()
		status, _, b := s.call(t, "GET", "/api/v1/findings", "", "", nil)
		var a query.FindingsAnswer
		if status != 200 || json.Unmarshal(b, &a) != nil {
			t.Fatalf("findings: %d %s", status, b)
		}
		return a
	}
	before := findings()
	var id string
	for _, f := range before.Findings {
		if f.Rule == check.RuleVNICDisconnected {
			id = f.ID
		}
	}
	if id == "" || len(before.Acknowledged) != 0 {
		t.Fatalf("findings before = %+v; want a vnic-disconnected one, none acknowledged", before)
	}
	start := time.Now().UTC()
	status, _, b := s.call(t, "POST", "/api/v1/findings/"+id+"/ack", s.operator, "application/json", []byte(`{"comment":"VM being decommissioned, CHG-42"}`))
	if status != 200 {
		t.Fatalf("ack: %d %s", status, b)
	}
	after := findings()
	a, ok := after.Acknowledged[id]
	if !ok || a.By != "ops" || a.Comment != "VM being decommissioned, CHG-42" || a.At.Before(start.Add(-time.Second)) || len(after.Findings) != len(before.Findings) {
		t.Errorf("acknowledged = %+v; want %s by ops with the comment, the findings unchanged", after.Acknowledged, id)
	}
	if status, _, b := s.call(t, "POST", "/api/v1/findings/"+id+"/ack", s.admin, "", nil); status != 200 {
		t.Fatalf("second ack: %d %s", status, b)
	}
	if a := findings().Acknowledged[id]; a.By != "root" || a.Comment != "" {
		t.Errorf("after a second acknowledgement: %+v; want by root without comment", a)
	}
	if !strings.Contains(s.logs.String(), "finding acknowledged") {
		t.Error("the acknowledgement is not logged")
	}
	s.noSecrets(t)
}

// TestNoAccessControl: without the middleware in front, the actions and
// the token routes refuse to run.
func TestNoAccessControl(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := Handler(query.New(st, nil), prometheus.NewRegistry(), slog.New(slog.DiscardHandler), WithTokens(auth.NewTokens(st)))
	for _, route := range []string{"POST /api/v1/collect", "POST /api/v1/drs-rules/apply", "POST /api/v1/findings/a/b/ack", "GET /api/v1/tokens", "POST /api/v1/tokens", "DELETE /api/v1/tokens/x"} {
		method, path, _ := strings.Cut(route, " ")
		r := httptest.NewRequest(method, path, strings.NewReader(`{}`))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "access control is not configured") {
			t.Errorf("%s without access control: %d %s; want 403", route, w.Code, w.Body)
		}
	}
}

// TestReadyz: ready when the store answers and the map builds; 503 with
// reasons (and nothing of the error) when the store is gone.
func TestReadyz(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	h := Handler(query.New(st, nil), prometheus.NewRegistry(), slog.New(slog.NewTextHandler(&logs, nil)))
	get := func() (int, Readiness) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
		var r Readiness
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
			t.Fatalf("readyz: %s: %v", w.Body, err)
		}
		return w.Code, r
	}
	if code, r := get(); code != 200 || r.Status != "ready" {
		t.Errorf("ready store: %d %+v", code, r)
	}
	st.Close()
	code, r := get()
	if code != 503 || r.Status != "not ready" || len(r.Reasons) != 1 || !strings.HasPrefix(r.Reasons[0], "store:") {
		t.Errorf("closed store: %d %+v; want 503 with a store reason", code, r)
	}
	if !strings.Contains(logs.String(), "not ready") {
		t.Errorf("the cause is not logged: %s", logs.String())
	}
}

// FuzzActionBody: no request body makes an action answer anything but a
// JSON answer with a 2xx or 4xx status.
func FuzzActionBody(f *testing.F) {
	for _, s := range []string{`{}`, `{"comment":"x"}`, `{"name":"a","role":"viewer","expires":"1d"}`, `{"source":"cabling","wait":false}`, `{"a":1}`, `[`, "\xff", `{"comment":"\u0000"}`, `{"role":7}`} {
		f.Add(s, "application/json", 0)
		f.Add(s, "text/json", 1)
		f.Add(s, "application/json; charset=utf-8", 2)
	}
	f.Fuzz(func(t *testing.T, body, ct string, which int) {
		s := fuzzSite()
		route := [...]string{"/api/v1/collect", "/api/v1/findings/vnic-disconnected/x/ack", "/api/v1/tokens", "/api/v1/drs-rules/apply"}[uint(which)%4]
		r := httptest.NewRequest("POST", route, strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		r.Header.Set("Authorization", "Bearer "+s.admin)
		w := httptest.NewRecorder()
		s.h.ServeHTTP(w, r)
		if w.Code >= 500 && w.Code != http.StatusServiceUnavailable || !json.Valid(w.Body.Bytes()) {
			t.Errorf("POST %s %q (%s): %d %s", route, body, ct, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), s.admin) {
			t.Errorf("the answer shows the token")
		}
	})
}

// fuzzTarget is the handler the fuzz target sends requests to.
type fuzzTarget struct {
	h     http.Handler
	admin string
}

var (
	fuzzOnce sync.Once
	fuzzSrv  *fuzzTarget
)

// fuzzSite builds, once per process, the API behind access control over
// an in-memory store (not started collector: collect answers 503).
func fuzzSite() *fuzzTarget {
	fuzzOnce.Do(func() {
		ctx := context.Background()
		st, err := store.Open(ctx, "sqlite::memory:")
		if err != nil {
			panic(err)
		}
		toks := auth.NewTokens(st)
		c, err := toks.Create(ctx, "root", auth.Admin, 0)
		if err != nil {
			panic(err)
		}
		conf := auth.DefaultConfiguration()
		conf.MaxFailuresPerMinute = 10000
		logger := slog.New(slog.DiscardHandler)
		a, err := auth.New(conf, toks, Policy, logger, nil)
		if err != nil {
			panic(err)
		}
		q := query.New(st, nil)
		fuzzSrv = &fuzzTarget{h: a.Wrap(Handler(q, prometheus.NewRegistry(), logger, WithTokens(toks), WithCollector(collect.New(st, logger, nil, nil)))), admin: c.Secret}
	})
	return fuzzSrv
}

// TestCollectWithoutSources: a process with no source answers a waited
// collection with an empty list of results.
func TestCollectWithoutSources(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	logger := slog.New(slog.DiscardHandler)
	comp := collect.New(st, logger, nil, nil)
	comp.Start(ctx)
	defer comp.Stop()
	toks := auth.NewTokens(st)
	c, err := toks.Create(ctx, "ops", auth.Operator, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(auth.DefaultConfiguration(), toks, Policy, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := a.Wrap(Handler(query.New(st, nil), prometheus.NewRegistry(), logger, WithCollector(comp)))
	for body, want := range map[string]string{`{"wait":true}`: `"results": []`, `{}`: `"triggered": []`} {
		r := httptest.NewRequest("POST", "/api/v1/collect", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+c.Secret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code/100 != 2 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("collect %s without sources: %d %s; want %s", body, w.Code, w.Body, want)
		}
	}
}
