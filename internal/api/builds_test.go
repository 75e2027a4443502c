package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// gatedStore holds FactsAt of a past moment until its gate opens, and
// counts those reads.
type gatedStore struct {
	store.Store
	gate    atomic.Pointer[chan struct{}]
	entered chan time.Time
	reads   atomic.Int64
}

func (s *gatedStore) FactsAt(ctx context.Context, t time.Time) ([]model.Version, error) {
	if time.Since(t) > time.Minute {
		s.reads.Add(1)
		if g := s.gate.Load(); g != nil {
			s.entered <- t
			<-*g
		}
	}
	return s.Store.FactsAt(ctx, t)
}

// Changes is the SQL store's (the query service keys its cache by it).
func (s *gatedStore) Changes(ctx context.Context, t time.Time) (last, next time.Time, err error) {
	return s.Store.(interface {
		Changes(context.Context, time.Time) (time.Time, time.Time, error)
	}).Changes(ctx, t)
}

// TestPastMapBuildsBounded: through the API's handler behind access
// control, requests for past moments of one quiet interval share one
// build; while it runs another moment is refused with 503 and Retry-After
// for an anonymous viewer (graph.anonymous_builds 1) but built for a
// token (graph.builds 2), and the map of now answers at once.
func TestPastMapBuildsBounded(t *testing.T) {
	ctx := context.Background()
	sql, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/b.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sql.Close() })
	now := time.Now()
	vm := model.NewID(model.KindVM, "u-web01")
	on := func(host string, ago time.Duration) {
		t.Helper()
		h := model.NewID(model.KindHost, host)
		if _, err := sql.Apply(ctx, model.Snapshot{Source: "vc1", Taken: now.Add(-ago), Facts: []model.Fact{
			model.Entity(vm, vm, "web01", model.Attrs{"power": "poweredOn"}),
			model.Entity(h, h, host, nil),
			model.Relation(vm, vm, model.RelRunsOn, h, nil),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	on("esx1", 6*time.Hour)
	on("esx2", 4*time.Hour)
	on("esx3", time.Hour)
	st := &gatedStore{Store: sql, entered: make(chan time.Time, 10)}
	q := query.New(st, nil, query.WithCache(graph.CacheConfiguration{CacheMiB: 16, Builds: 2, AnonymousBuilds: 1}, nil))
	toks := auth.NewTokens(sql)
	viewer, err := toks.Create(ctx, "grafana", auth.Viewer, 0)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	a, err := auth.New(auth.DefaultConfiguration(), toks, Policy, logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Wrap(Handler(q, reg, logger)))
	t.Cleanup(srv.Close)
	get := func(path, token string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return nil, nil
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp, body
	}
	host := func(body map[string]any) any {
		if h, ok := body["host"].(map[string]any); ok {
			return h["name"]
		}
		return body
	}

	if resp, _ := get("/api/v1/where/web01", ""); resp.StatusCode != http.StatusOK { // the map of now, built
		t.Fatalf("where now: %d", resp.StatusCode)
	}
	gate := make(chan struct{})
	st.gate.Store(&gate)
	type answer struct {
		status int
		host   any
	}
	answers := make(chan answer, 2)
	for _, at := range []string{"3h", "2h"} { // one quiet interval: [4h ago, 1h ago)
		go func() {
			resp, body := get("/api/v1/where/web01?at="+at, "")
			answers <- answer{resp.StatusCode, host(body)}
		}()
	}
	<-st.entered // one build held open
	time.Sleep(100 * time.Millisecond)

	resp, body := get("/api/v1/where/web01?at=5h", "")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("anonymous request for another moment during a build: %d %v; want 503", resp.StatusCode, body)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After = %q; want whole seconds, at least 1", resp.Header.Get("Retry-After"))
	}
	if body["status"] != float64(503) || body["error"] == "" {
		t.Errorf("503 body = %v; want the API's error JSON", body)
	}
	start := time.Now()
	if resp, body := get("/api/v1/where/web01?at=now", ""); resp.StatusCode != http.StatusOK || host(body) != "esx3" {
		t.Errorf("at=now during a past build: %d %v; want 200 on esx3 (the map of now)", resp.StatusCode, host(body))
	}
	if resp, _ := get("/api/v1/summary", ""); resp.StatusCode != http.StatusOK || time.Since(start) > 5*time.Second {
		t.Errorf("summary during a past build: %d after %s", resp.StatusCode, time.Since(start))
	}
	withToken := make(chan answer, 1)
	go func() {
		resp, body := get("/api/v1/where/web01?at=5h", viewer.Secret)
		withToken <- answer{resp.StatusCode, host(body)}
	}()
	<-st.entered // a viewer with a token may start the second build
	close(gate)
	for range 2 {
		if a := <-answers; a.status != http.StatusOK || a.host != "esx2" {
			t.Errorf("request in the held interval: %d %v; want 200 on esx2", a.status, a.host)
		}
	}
	if a := <-withToken; a.status != http.StatusOK || a.host != "esx1" {
		t.Errorf("request with a token: %d %v; want 200 on esx1", a.status, a.host)
	}
	if got := st.reads.Load(); got != 2 {
		t.Errorf("past moments read %d times; want 2 (one per interval)", got)
	}
	st.gate.Store(nil)
	if resp, body := get("/api/v1/where/web01?at=150m", ""); resp.StatusCode != http.StatusOK || host(body) != "esx2" || st.reads.Load() != 2 {
		t.Errorf("another moment of a kept interval: %d %v after %d reads; want 200 on esx2 without a read", resp.StatusCode, host(body), st.reads.Load())
	}
}
