package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// apiStub stands for the REST API: it answers with the path it got.
var apiStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"api":"`+r.URL.Path+`"}`)
})

var bundleFS = fstest.MapFS{
	"index.html":           {Data: []byte(`<!doctype html><div id="app"></div>`)},
	"assets/index-abc.js":  {Data: []byte(`console.log(1)`)},
	"assets/index-abc.css": {Data: []byte(`body{}`)},
}

func TestHandlerRoutes(t *testing.T) {
	h := newHandler(apiStub, bundleFS)
	tests := []struct {
		method, path string
		status       int
		body, ctype  string
		cache        string
	}{
		{"GET", "/api/v1/where/web01", 200, `"api":"/api/v1/where/web01"`, "application/json", ""},
		{"GET", "/healthz", 200, `"api":"/healthz"`, "application/json", ""},
		{"GET", "/metrics", 200, `"api":"/metrics"`, "application/json", ""},
		{"POST", "/api/v1/anything", 200, `"api":"/api/v1/anything"`, "application/json", ""},
		{"GET", "/", 200, `<div id="app">`, "text/html; charset=utf-8", "no-cache"},
		{"GET", "/vm/web01", 200, `<div id="app">`, "text/html; charset=utf-8", "no-cache"},
		{"GET", "/where/10.10.255.250", 200, `<div id="app">`, "text/html; charset=utf-8", "no-cache"},
		{"GET", "/switch/leaf1?port=Ethernet1/7", 200, `<div id="app">`, "text/html; charset=utf-8", "no-cache"},
		{"GET", "/index.html", 200, `<div id="app">`, "text/html; charset=utf-8", "no-cache"},
		{"GET", "/assets/index-abc.js", 200, `console.log(1)`, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"GET", "/assets/index-abc.css", 200, `body{}`, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"GET", "/assets/gone.js", 404, "404 page not found", "text/plain; charset=utf-8", ""},
		{"GET", "/assets/../../etc/passwd", 307, `href="/etc/passwd"`, "text/html; charset=utf-8", ""},
		{"HEAD", "/topology", 200, "", "text/html; charset=utf-8", "no-cache"},
		{"POST", "/vm/web01", 405, "method not allowed", "text/plain; charset=utf-8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("%s %s = %d %q; want %d with %q", tt.method, tt.path, rec.Code, rec.Body.String(), tt.status, tt.body)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q; want %q", got, tt.ctype)
			}
			if got := rec.Header().Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control = %q; want %q", got, tt.cache)
			}
			if !strings.HasPrefix(tt.path, "/api/") && tt.path != "/healthz" && tt.path != "/metrics" && tt.status != 405 && tt.status != 307 {
				if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
					t.Errorf("Content-Security-Policy = %q; want default-src 'self'", csp)
				}
			}
		})
	}
}

func TestHandlerNotBuilt(t *testing.T) {
	h := newHandler(apiStub, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/vm/web01", nil))
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "make build") {
		t.Errorf("without the UI: %d %q; want 404 saying make build", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/summary", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"api":"/api/v1/summary"`) {
		t.Errorf("without the UI the API still answers: %d %q", rec.Code, rec.Body.String())
	}
}

// TestEmbeddedBundle checks the bundle this binary embeds: in CI (make
// test builds the UI first) it must be there and complete.
func TestEmbeddedBundle(t *testing.T) {
	if !Built() {
		msg := "the web UI is not built into this test binary (make build, or npm ci && npm run build in web/)"
		if isCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	h := Handler(apiStub)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `<div id="app">`) || !strings.Contains(body, `/assets/`) {
		t.Fatalf("GET / = %d %q; want index.html referring to /assets/", rec.Code, body)
	}
	// Every script and stylesheet index.html refers to is served.
	for _, part := range strings.Split(body, `"`) {
		if !strings.HasPrefix(part, "/assets/") {
			continue
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", part, nil))
		if rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d (%d bytes)", part, rec.Code, rec.Body.Len())
		}
	}
}
