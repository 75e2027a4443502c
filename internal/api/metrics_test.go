package api

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRequestLatencies: /metrics exports the latency of each request under
// its route pattern and status, not under its path.
func TestRequestLatencies(t *testing.T) {
	srv := flowServer(t, time.Now())
	if status, _ := get(t, srv, "/api/v1/summary", nil); status != 200 {
		t.Fatalf("summary: %d", status)
	}
	if status, _ := get(t, srv, "/api/v1/where/no-such-vm-here", nil); status != 404 {
		t.Fatalf("where of an unknown VM: %d", status)
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`vnetmap_api_request_duration_seconds_count{code="200",route="GET /api/v1/summary"} 1`,
		`vnetmap_api_request_duration_seconds_count{code="404",route="GET /api/v1/where/{x}"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(string(body), "no-such-vm-here") {
		t.Error("/metrics names a requested path")
	}
}
