package check_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
)

// receiver is a webhook endpoint that checks each POST's signature and
// hands the events over; it answers 503 to the first request, so that the
// notifier has to retry.
type receiver struct {
	t        *testing.T
	secret   []byte
	events   chan check.Event
	requests atomic.Int32
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("read body: %v", err)
		return
	}
	if rc.requests.Add(1) == 1 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if got, want := r.Header.Get(check.HeaderSignature), check.Sign(rc.secret, body); got != want {
		rc.t.Errorf("signature %q; want %q", got, want)
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		rc.t.Errorf("%s with Content-Type %q; want a JSON POST", r.Method, r.Header.Get("Content-Type"))
	}
	var ev check.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		rc.t.Errorf("body %s: %v", body, err)
	}
	if r.Header.Get(check.HeaderEvent) != ev.Event {
		rc.t.Errorf("event header %q, body %q", r.Header.Get(check.HeaderEvent), ev.Event)
	}
	rc.events <- ev
}

// next returns the next n events, sorted by event then rule.
func (rc *receiver) next(t *testing.T, n int) []check.Event {
	t.Helper()
	var out []check.Event
	timeout := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case ev := <-rc.events:
			out = append(out, ev)
		case <-timeout:
			t.Fatalf("got %d events; want %d: %+v", len(out), n, out)
		}
	}
	return out
}

// quiet fails when an event arrives within d.
func (rc *receiver) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case ev := <-rc.events:
		t.Errorf("unexpected event %s %s %v", ev.Event, ev.Finding.Rule, ev.Finding.Subjects)
	case <-time.After(d):
	}
}

// TestWatchPostsAppearedAndCleared runs Watch on a store the test changes
// as a collection would: a live migration of app1 onto esx02, whose trunk
// lacks VLAN 110, makes vm-unsafe-host appear at a real HTTP endpoint; the
// migration back clears it. Each POST is signed with the secret from a
// file, and the first is answered 503 (retried).
func TestWatchPostsAppearedAndCleared(t *testing.T) {
	secret := []byte("s3cr3t-hmac-key")
	secretFile := filepath.Join(t.TempDir(), "hook.secret")
	if err := os.WriteFile(secretFile, append(secret, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	rc := &receiver{t: t, secret: secret, events: make(chan check.Event, 100)}
	srv := httptest.NewServer(rc)
	defer srv.Close()

	st := openStore(t)
	d := newDC()
	d.sw("leaf1").port("Ethernet1/2").attrs["allowed_vlans"] = "1,10,120"
	d.apply(t, st, time.Now(), true)
	q := query.New(st, nil)

	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	n, err := check.NewNotifier([]check.WebhookConfiguration{{Name: "noc", URL: srv.URL + "/hooks/T0KEN", SecretFile: secretFile,
		MinSeverity: check.Warning, RetryBackoff: 10 * time.Millisecond}}, slog.New(slog.NewTextHandler(&logs, nil)), reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.Start(ctx)
	changed := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		check.Watch(ctx, q.Cache.Now, changed, time.Hour, n)
	}()
	defer func() {
		cancel()
		wg.Wait()
		n.Stop()
	}()
	collected := func() {
		d.apply(t, st, time.Now(), false)
		q.Cache.Invalidate()
		changed <- struct{}{}
	}

	first := rc.next(t, 2)
	assertEvents(t, first, []eventWant{
		{check.EventAppeared, check.RuleVLANClusterInconsistent, check.Warning},
		{check.EventAppeared, check.RuleVLANNotCarried, check.Critical},
	})

	v := d.vmNamed("app1")
	v.host, v.nics[0].pg = "esx02", d.stdPG("esx02", "app-110")
	collected()
	moved := rc.next(t, 1)
	assertEvents(t, moved, []eventWant{{check.EventAppeared, check.RuleVMUnsafeHost, check.Critical}})
	if want := []model.ID{hostID("esx02"), d.vmID("app1")}; !equalIDs(moved[0].Finding.Subjects, want) {
		t.Errorf("subjects %v; want %v", moved[0].Finding.Subjects, want)
	}
	if moved[0].At.IsZero() || time.Since(moved[0].At) > time.Minute {
		t.Errorf("at = %v; want the moment of the map", moved[0].At)
	}

	v.host, v.nics[0].pg = "esx01", d.stdPG("esx01", "app-110")
	collected()
	back := rc.next(t, 1)
	assertEvents(t, back, []eventWant{{check.EventCleared, check.RuleVMUnsafeHost, check.Critical}})
	if back[0].Finding.ID != moved[0].Finding.ID {
		t.Errorf("cleared %s; want the finding that appeared, %s", back[0].Finding.ID, moved[0].Finding.ID)
	}
	rc.quiet(t, time.Second)

	if got := deliveries(t, reg, "noc", "success"); got != 4 {
		t.Errorf("successful deliveries = %v; want 4", got)
	}
	if strings.Contains(logs.String(), string(secret)) || strings.Contains(logs.String(), "T0KEN") {
		t.Errorf("logs leak the secret or the URL:\n%s", logs.String())
	}
}

type eventWant struct {
	event    string
	rule     string
	severity check.Severity
}

func assertEvents(t *testing.T, got []check.Event, want []eventWant) {
	t.Helper()
	var g []eventWant
	for _, ev := range got {
		g = append(g, eventWant{ev.Event, ev.Finding.Rule, ev.Finding.Severity})
	}
	sortEvents := func(es []eventWant) {
		for i := range es {
			for j := i + 1; j < len(es); j++ {
				if es[j].event+es[j].rule < es[i].event+es[i].rule {
					es[i], es[j] = es[j], es[i]
				}
			}
		}
	}
	sortEvents(g)
	sortEvents(want)
	if len(g) != len(want) {
		t.Fatalf("events %+v; want %+v", g, want)
	}
	for i := range g {
		if g[i] != want[i] {
			t.Errorf("event %d = %+v; want %+v", i, g[i], want[i])
		}
	}
}

func equalIDs(a, b []model.ID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNotifierGivesUp: a webhook that keeps failing is tried 1 + retries
// times, the failure is counted and logged without the secret or the URL,
// and a 4xx other than 408/429 is not retried.
func TestNotifierGivesUp(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		attempts int32
	}{
		{"server error is retried", http.StatusBadGateway, 3},
		{"client error is not", http.StatusForbidden, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				hits.Add(1)
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			t.Setenv("VNETMAP_TEST_HOOK_SECRET", "env-secret-value")
			var logs syncBuffer
			reg := prometheus.NewRegistry()
			n, err := check.NewNotifier([]check.WebhookConfiguration{{URL: srv.URL + "/T0KEN", SecretEnv: "VNETMAP_TEST_HOOK_SECRET",
				MinSeverity: check.Info, Retries: 2, RetryBackoff: time.Millisecond}}, slog.New(slog.NewTextHandler(&logs, nil)), reg)
			if err != nil {
				t.Fatal(err)
			}
			n.Start(context.Background())
			n.Notify(nil, []check.Finding{{ID: "x/1", Rule: check.RuleMACDuplicate, Severity: check.Info}}, time.Now())
			deadline := time.Now().Add(10 * time.Second)
			for deliveries(t, reg, "webhook-1", "failure") != 1 {
				if time.Now().After(deadline) {
					t.Fatalf("no failure counted after %d attempts", hits.Load())
				}
				time.Sleep(5 * time.Millisecond)
			}
			n.Stop()
			if hits.Load() != tt.attempts {
				t.Errorf("%d attempts; want %d", hits.Load(), tt.attempts)
			}
			out := logs.String()
			if !strings.Contains(out, "webhook delivery failed") || strings.Contains(out, "env-secret-value") || strings.Contains(out, "T0KEN") {
				t.Errorf("logs:\n%s", out)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the notifier's worker and the test.
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

func TestChanges(t *testing.T) {
	a := check.Finding{ID: "a/1", Rule: "a"}
	b := check.Finding{ID: "b/1", Rule: "b"}
	c := check.Finding{ID: "c/1", Rule: "c"}
	appeared, cleared := check.Changes([]check.Finding{a, b}, []check.Finding{b, c})
	if len(appeared) != 1 || appeared[0].ID != "c/1" || len(cleared) != 1 || cleared[0].ID != "a/1" {
		t.Errorf("Changes = %+v, %+v; want c appeared, a cleared", appeared, cleared)
	}
}

func TestWebhookValidate(t *testing.T) {
	tests := []struct {
		name string
		c    check.WebhookConfiguration
		want string
	}{
		{"minimal", check.WebhookConfiguration{URL: "https://hooks.example.com/x"}, ""},
		{"no url", check.WebhookConfiguration{}, "url: required"},
		{"ftp", check.WebhookConfiguration{URL: "ftp://example.com/"}, `scheme "ftp"`},
		{"credentials", check.WebhookConfiguration{URL: "https://u:p@example.com/"}, "credentials in the URL"},
		{"no host", check.WebhookConfiguration{URL: "https:///x"}, "no host"},
		{"both secrets", check.WebhookConfiguration{URL: "https://example.com/", SecretFile: "/f", SecretEnv: "E"}, "exclusive"},
		{"severity", check.WebhookConfiguration{URL: "https://example.com/", MinSeverity: "fatal"}, `min_severity: "fatal"`},
		{"rule", check.WebhookConfiguration{URL: "https://example.com/", Rules: []string{"nope"}}, `unknown rule "nope"`},
		{"retries", check.WebhookConfiguration{URL: "https://example.com/", Retries: 11}, "retries: 11"},
		{"name", check.WebhookConfiguration{URL: "https://example.com/", Name: "a b"}, "name:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v; want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, check.ErrWebhookConfig)):
				t.Errorf("Validate() = %v; want an ErrWebhookConfig with %q", err, tt.want)
			}
		})
	}
	if _, err := check.NewNotifier([]check.WebhookConfiguration{{URL: "https://example.com/", SecretFile: "/nonexistent/secret"}}, slog.New(slog.DiscardHandler), nil); err == nil {
		t.Error("NewNotifier with an unreadable secret file: nil error")
	}
	if _, err := check.NewNotifier([]check.WebhookConfiguration{{Name: "a", URL: "https://example.com/"}, {Name: "a", URL: "https://example.org/"}}, slog.New(slog.DiscardHandler), nil); err == nil {
		t.Error("NewNotifier with two webhooks named a: nil error")
	}
}

// deliveries reads vnetmap_check_webhook_deliveries_total of a webhook and
// result from reg.
func deliveries(t *testing.T, reg *prometheus.Registry, webhook, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "vnetmap_check_webhook_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["webhook"] == webhook && labels["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestWatchSkipsTheSameMap: a map that cannot be loaded is counted as a
// failed evaluation and tried again at the next signal; the same map twice
// is evaluated once.
func TestWatchSkipsTheSameMap(t *testing.T) {
	reg := prometheus.NewRegistry()
	n, err := check.NewNotifier(nil, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	g := graph.Build(t0, nil)
	var loads atomic.Int32
	load := func(context.Context) (*graph.Graph, error) {
		if loads.Add(1) == 1 {
			return nil, errors.New("store unreachable")
		}
		return g, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	changed := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		check.Watch(ctx, load, changed, 0, n)
	}()
	defer func() { cancel(); <-done }()
	evaluations := func(result string) float64 {
		return counter(t, reg, "vnetmap_check_evaluations_total", "result", result)
	}
	deadline := time.Now().Add(10 * time.Second)
	for loads.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d loads after 10s; want 3", loads.Load())
		}
		select {
		case changed <- struct{}{}:
		default:
		}
		time.Sleep(50 * time.Millisecond)
	}
	if f, s := evaluations("failure"), evaluations("success"); f != 1 || s != 1 {
		t.Errorf("evaluations: %v failed, %v succeeded; want 1 and 1 (the same map is not evaluated twice)", f, s)
	}
}

// counter reads a counter of reg with one label.
func counter(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
