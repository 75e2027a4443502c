package auth

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkWrap: the middleware's cost per request in front of a handler
// that does nothing: anonymous, with a token (cached after the first
// request, as every request but one in CacheTTL), and refused for a role
// too low.
func BenchmarkWrap(b *testing.B) {
	st := openStoreTB(b)
	toks := NewTokens(st)
	c, err := toks.Create(context.Background(), "bench", Viewer, 0)
	if err != nil {
		b.Fatal(err)
	}
	conf := DefaultConfiguration()
	a, err := New(conf, toks, policy, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	h := a.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, bc := range []struct {
		name, method, header string
		status               int
	}{
		{"anonymous", "GET", "", 200},
		{"token", "GET", "Bearer " + c.Secret, 200},
		{"forbidden", "POST", "Bearer " + c.Secret, 403},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest(bc.method, "/api/v1/where/web01", nil)
			r.RemoteAddr = "198.51.100.1:1234"
			if bc.header != "" {
				r.Header.Set("Authorization", bc.header)
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != bc.status {
					b.Fatalf("status %d; want %d", w.Code, bc.status)
				}
			}
		})
	}
}
