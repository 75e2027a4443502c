package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/query"
)

// serve sends r through the site's handler (access control, the UI's
// routing, the API) without a network, so that neither the path nor the
// request's context is limited by a server.
func (s *site) serve(r *http.Request, token string) *httptest.ResponseRecorder {
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

// counter returns the value of the counter name with label=value in reg
// (0 when it has no such series).
func counter(t *testing.T, reg prometheus.Gatherer, name, label, value string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// isJSONError fails t unless w is a JSON API error with w's status.
func isJSONError(t *testing.T, name string, w *httptest.ResponseRecorder) {
	t.Helper()
	var e Error
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Status != w.Code || e.Error == "" {
		t.Errorf("%s: %q is not a JSON error with status %d", name, w.Body, w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q; want application/json", name, ct)
	}
}

// TestWrongMethod: a method a route is not served for answers 405 with
// Allow listing those it is served for, as a JSON error; a path no route
// serves answers 404 (issue 14, item 8: both were 404, the API's catch-all
// pattern matching every method).
func TestWrongMethod(t *testing.T) {
	s := newSite(t, auth.Viewer)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"POST", "/api/v1/summary", 405, "GET, HEAD"},
		{"DELETE", "/api/v1/where/web01", 405, "GET, HEAD"},
		{"PUT", "/api/v1/impact/host:esx01/vmnic0", 405, "GET, HEAD"},
		{"GET", "/api/v1/collect", 405, "POST"},
		{"PATCH", "/api/v1/tokens", 405, "GET, HEAD, POST"},
		{"GET", "/api/v1/tokens/ops", 405, "DELETE"},
		{"GET", "/api/v1/findings/a/b/ack", 405, "POST"},
		{"POST", "/healthz", 405, "GET, HEAD"},
		{"DELETE", "/metrics", 405, "GET, HEAD"},
		{"GET", "/api/v1/nothing", 404, ""},
		{"POST", "/api/v1/nothing", 404, ""},
		{"GET", "/api/v2/summary", 404, ""},
	} {
		name := tc.method + " " + tc.path
		w := s.serve(httptest.NewRequest(tc.method, tc.path, nil), s.admin)
		if w.Code != tc.status || w.Header().Get("Allow") != tc.allow {
			t.Errorf("%s: %d, Allow %q; want %d, Allow %q (%s)", name, w.Code, w.Header().Get("Allow"), tc.status, tc.allow, w.Body)
			continue
		}
		isJSONError(t, name, w)
		if tc.status == 405 && !strings.Contains(w.Body.String(), "allowed: "+tc.allow) {
			t.Errorf("%s: %s does not say what is allowed", name, w.Body)
		}
	}
	// The served methods still answer.
	if w := s.serve(httptest.NewRequest("HEAD", "/api/v1/summary", nil), ""); w.Code != 200 {
		t.Errorf("HEAD /api/v1/summary: %d; want 200", w.Code)
	}
	// A long path is not echoed.
	long := "/api/v1/" + strings.Repeat("p", 1<<20)
	if w := s.serve(httptest.NewRequest("GET", long, nil), ""); w.Code != 404 || w.Body.Len() > 200 {
		t.Errorf("GET of a 1 MB path: %d with %d bytes; want 404 with a short error", w.Code, w.Body.Len())
	}
}

// TestParamBounds: every query parameter of every route, and every path
// value, answers 400 past its bound, naming the parameter and the bound;
// so does a query string past MaxQuery (issue 14, item 6: a flow target of
// 49,999 bytes was a 500 from SQLite).
func TestParamBounds(t *testing.T) {
	s := newSite(t, auth.Viewer)
	fill := strings.NewReplacer("{x}", "web01", "{vm}", "web01", "{target...}", "host:esx01", "{a}", "web01", "{b}", "web01", "{name}", "n")
	type tcase struct {
		name, path string
		has        string // in the 400's error
	}
	var cases []tcase
	for route, params := range routeParams {
		_, path, _ := strings.Cut(route, " ")
		path = fill.Replace(path)
		for _, p := range params {
			cases = append(cases, tcase{route + " " + p.name, path + "?" + url.Values{p.name: {strings.Repeat("a", p.max+1)}}.Encode(),
				fmt.Sprintf("query parameter %s: %d bytes, longer than the %d allowed", p.name, p.max+1, p.max)})
		}
	}
	long := strings.Repeat("v", MaxName+1)
	cases = append(cases,
		tcase{"flow target of 49,999 bytes", "/api/v1/flows/deps?target=" + strings.Repeat("%", 49999), "query string: "},
		tcase{"flow target past its bound", "/api/v1/flows/links?target=" + strings.Repeat("x", MaxName+1), "query parameter target: 513 bytes, longer than the 512 allowed"},
		tcase{"second value of a repeated parameter", "/api/v1/topology?expand=a&expand=" + long, "query parameter expand: 513 bytes"},
		tcase{"query string", "/api/v1/summary?pad=" + strings.Repeat("z", MaxQuery), "query string: 4100 bytes, longer than the 4096 allowed"},
		tcase{"topology's query string", "/api/v1/topology?pad=" + strings.Repeat("z", maxTopologyQuery), fmt.Sprintf("query string: %d bytes, longer than the %d allowed", maxTopologyQuery+4, maxTopologyQuery)},
		tcase{"malformed query string", "/api/v1/summary?at=%zz", "query string: invalid URL escape"},
		tcase{"path value", "/api/v1/where/" + long, "path value {x}: 513 bytes, longer than the 512 allowed"},
		tcase{"escaped path value", "/api/v1/host/" + strings.Repeat("%C3%A9", MaxName/2+1), "path value {name}: 514 bytes"},
		tcase{"second path value", "/api/v1/path/web01/" + long, "path value {b}: 513 bytes"},
		tcase{"path value with slashes", "/api/v1/impact/port:leaf1/" + long, "path value {target}: 524 bytes"},
	)
	for _, tc := range cases {
		w := s.serve(httptest.NewRequest("GET", tc.path, nil), "")
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), tc.has) {
			t.Errorf("%s: %d %s; want 400 with %q", tc.name, w.Code, w.Body, tc.has)
			continue
		}
		isJSONError(t, tc.name, w)
	}
	// At their bounds, values are the handlers' to judge.
	for _, path := range []string{
		"/api/v1/search?q=" + strings.Repeat("a", MaxName),
		"/api/v1/where/" + strings.Repeat("v", MaxName),
		"/api/v1/flows/deps?target=" + strings.Repeat("t", MaxName),
		"/api/v1/summary?pad=" + strings.Repeat("z", MaxQuery-4),
		"/api/v1/topology?" + strings.Repeat("&expand="+url.QueryEscape("cluster:vc1/Datacenter 01/Cluster 0001"), query.MaxTopologyExpand),
	} {
		w := s.serve(httptest.NewRequest("GET", path, nil), "")
		if strings.Contains(w.Body.String(), "allowed") || w.Code >= 500 {
			t.Errorf("GET %.60s… at the bound: %d %.200s", path, w.Code, w.Body)
		}
	}
}

// TestParamsDocumented: openapi.json describes every parameter routeParams
// bounds and no other, and states the bound of each string as maxLength.
func TestParamsDocumented(t *testing.T) {
	type schema struct {
		Type      string  `json:"type"`
		MaxLength int     `json:"maxLength"`
		Items     *schema `json:"items"`
	}
	type parameter struct {
		Ref    string `json:"$ref"`
		Name   string `json:"name"`
		In     string `json:"in"`
		Schema schema `json:"schema"`
	}
	var doc struct {
		Paths      map[string]map[string]struct{ Parameters []parameter } `json:"paths"`
		Components struct{ Parameters map[string]parameter }              `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	for _, route := range Routes {
		method, path, _ := strings.Cut(route, " ")
		op := doc.Paths[strings.ReplaceAll(path, "...}", "}")][strings.ToLower(method)]
		want := map[string]int{}
		for _, p := range routeParams[route] {
			want[p.name] = p.max
		}
		for _, name := range wildcardNames(path) {
			want["{"+name+"}"] = MaxName
		}
		for _, p := range op.Parameters {
			if p.Ref != "" {
				p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
			}
			name := p.Name
			if p.In == "path" {
				name = "{" + name + "}"
			}
			max, ok := want[name]
			if !ok {
				t.Errorf("%s: openapi.json describes %s, which has no bound", route, name)
				continue
			}
			delete(want, name)
			s := p.Schema
			if s.Items != nil {
				s = *s.Items
			}
			if s.Type == "string" && s.MaxLength != max {
				t.Errorf("%s: %s: openapi.json says maxLength %d; the bound is %d", route, name, s.MaxLength, max)
			}
		}
		for name := range want {
			t.Errorf("%s: %s is bounded but not in openapi.json", route, name)
		}
	}
}

// TestAuthLogsBounded: failed authentications and refused roles log the
// client's path and method cut to a few hundred bytes, with a marker
// (issue 14, item 5: twelve 1 MB paths made 10 MB of log).
func TestAuthLogsBounded(t *testing.T) {
	s := newSite(t, auth.Viewer)
	path := "/api/v1/where/" + strings.Repeat("é", 1<<19) // 1 MB
	unknown := "vnm_" + strings.Repeat("A", 43)
	for i := range 12 {
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:4000", i)
		if w := s.serve(r, unknown); w.Code != http.StatusUnauthorized {
			t.Fatalf("request %d: %d; want 401", i, w.Code)
		}
	}
	if w := s.serve(httptest.NewRequest("POST", path, nil), s.viewer); w.Code != http.StatusForbidden {
		t.Fatalf("viewer's POST: %d; want 403", w.Code)
	}
	var failed, denied int
	for line := range strings.Lines(s.logs.String()) {
		switch {
		case strings.Contains(line, "authentication failed"):
			failed++
		case strings.Contains(line, "access denied"):
			denied++
		default:
			continue
		}
		if len(line) > 1024 {
			t.Errorf("a log line of %d bytes: %.300s…", len(line), line)
		}
		if !strings.Contains(line, fmt.Sprintf("[cut: %d bytes]", len(path))) {
			t.Errorf("a cut path is not marked as such: %.600s", line)
		}
	}
	if failed != 12 || denied != 1 {
		t.Errorf("%d failures and %d refusals logged; want 12 and 1", failed, denied)
	}
}

// TestCancelledRequest: a client that hangs up while its token is looked
// up, or while its query runs, is no error: nothing is logged at ERROR and
// no store failure is counted (issue 14, item 5).
func TestCancelledRequest(t *testing.T) {
	s := newSite(t, auth.Viewer)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, "GET", "/api/v1/summary", nil)
	s.serve(r, "vnm_"+strings.Repeat("C", 43)) // well-formed, not cached: the store is asked
	if n := counter(t, s.reg, "vnetmap_auth_failures_total", "reason", "error"); n != 0 {
		t.Errorf("vnetmap_auth_failures_total{reason=error} = %v; want 0", n)
	}
	if n := counter(t, s.reg, "vnetmap_auth_failures_total", "reason", "cancelled"); n != 1 {
		t.Errorf("vnetmap_auth_failures_total{reason=cancelled} = %v; want 1", n)
	}
	for _, path := range []string{"/api/v1/summary?at=1h", "/api/v1/where/web01?at=2h", "/api/v1/flows/deps"} {
		s.serve(httptest.NewRequestWithContext(ctx, "GET", path, nil), "")
	}
	if logs := s.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("a cancelled request is logged as an error:\n%s", logs)
	}
}
