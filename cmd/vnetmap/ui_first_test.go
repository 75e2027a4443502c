package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/query"
)

// silentVCenter accepts connections and never answers them, so that a
// vCenter source's first run stays under way until the test ends. It
// returns the vCenter's URL.
func silentVCenter(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "https://" + ln.Addr().String() + "/sdk"
}

// TestUIHomeBeforeFirstCollection: `vnetmap serve` on an empty store
// whose only source (a vCenter that never answers) is still in its first
// run. /readyz says ready, and the home page renders the summary at once
// (the store has no source: its sources were null, and the page stayed on
// "Loading the summary…") with the source "collecting (first run)".
func TestUIHomeBeforeFirstCollection(t *testing.T) {
	exe := needBrowser(t)
	dir := t.TempDir()
	t.Setenv("VNETMAP_UI_FIRST_PW", "secret")
	conf := filepath.Join(dir, "vnetmap.yaml")
	if err := os.WriteFile(conf, fmt.Appendf(nil, `db: sqlite:%s/first.db
listen: 127.0.0.1:0
flows:
  listen: ["127.0.0.1:%d"]
sources:
  - name: vc1
    type: vsphere
    interval: 1h
    vsphere:
      url: %s
      username: reader
      password_env: VNETMAP_UI_FIRST_PW
      insecure: true
      timeout: 10m
`, dir, freeUDPPort(t), silentVCenter(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--config", conf, "--log-level", "info", "serve"}, io.Discard, &errb)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d after interrupt: %s", code, errb.String())
		}
	})
	serving := regexp.MustCompile(`ui=http://(127\.0\.0\.1:\d+)/`)
	var base string
	for deadline := time.Now().Add(time.Minute); base == ""; time.Sleep(50 * time.Millisecond) {
		if m := serving.FindStringSubmatch(errb.String()); m != nil {
			base = "http://" + m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", errb.String())
		}
	}
	var ready map[string]any
	for deadline := time.Now().Add(time.Minute); ready["status"] != "ready"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %v; want ready", ready)
		}
		ready = nil
		getJSONStatus(base, "/readyz", &ready)
	}
	var sum query.Summary
	getJSON(t, base, "/api/v1/summary", &sum)
	if len(sum.Sources) != 1 || sum.Sources[0].Name != "vc1" || sum.Sources[0].State != query.SourceCollecting {
		t.Fatalf("summary sources = %+v; want vc1 collecting", sum.Sources)
	}

	p := &page{t: t, ctx: newBrowser(t, exe), base: base, dir: artifacts(t)}
	p.open("/")
	p.wait("the source collecting its first run", `document.querySelector('[data-testid=home-page] [data-testid=source][data-name=vc1][data-state=collecting]')`)
	if got := eval[string](p, `document.querySelector('[data-testid=source][data-name=vc1]').textContent`); !regexp.MustCompile(`never.*collecting \(first run\)`).MatchString(got) {
		t.Errorf("vc1's row = %q; want its last attempt never and collecting (first run)", got)
	}
	if eval[bool](p, `!!document.querySelector('.loading')`) {
		t.Errorf("the home page still says %q", eval[string](p, `document.querySelector('.loading').textContent`))
	}
	p.screenshot("home-first-collection")
}

// getJSONStatus decodes base+path into v whatever the status (503 of
// /readyz included); errors leave v as it was.
func getJSONStatus(base, path string, v any) {
	resp, err := http.Get(base + path)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(v)
}
