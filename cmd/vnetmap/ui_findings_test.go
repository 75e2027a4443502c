package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vnetmap/vnetmap/internal/query"
)

// TestUIFindings: `vnetmap serve` with access control (anonymous
// viewers) over a demo store. Its checks record when each finding was
// first seen, and the findings page shows it for every finding, with the
// subjects by name (no UUID); an anonymous viewer sees no acknowledge
// button; an operator signs in with a token (kept in sessionStorage across
// a reload), acknowledges a finding with a comment — the REST API then
// says who did — and signs out.
func TestUIFindings(t *testing.T) {
	exe := needBrowser(t)
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "findings.db")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--db", db, "demo", "--once", "--history", "0"}, &out, &errb); code != 0 {
		t.Fatalf("demo --once: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"--db", db, "token", "create", "--name", "ops", "--role", "operator"}, &out, &errb); code != 0 {
		t.Fatalf("token create: exit %d: %s", code, errb.String())
	}
	tok := strings.TrimSpace(out.String())
	conf := filepath.Join(dir, "vnetmap.yaml")
	if err := os.WriteFile(conf, fmt.Appendf(nil, "db: %s\nlisten: 127.0.0.1:0\nflows:\n  listen: [\"127.0.0.1:%d\"]\n", db, freeUDPPort(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var serveErr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--config", conf, "--log-level", "info", "serve"}, io.Discard, &serveErr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d after interrupt: %s", code, serveErr.String())
		}
	})
	serving := regexp.MustCompile(`ui=http://(127\.0\.0\.1:\d+)/`)
	var base string
	for deadline := time.Now().Add(time.Minute); base == ""; time.Sleep(50 * time.Millisecond) {
		if m := serving.FindStringSubmatch(serveErr.String()); m != nil {
			base = "http://" + m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", serveErr.String())
		}
	}
	// The check loop records the findings as seen.
	var f query.FindingsAnswer
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		f = query.FindingsAnswer{}
		getJSON(t, base, "/api/v1/findings", &f)
		if len(f.Findings) > 0 && len(f.Seen) == len(f.Findings) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d findings, %d seen after a minute; want all seen", len(f.Findings), len(f.Seen))
		}
	}

	p := &page{t: t, ctx: newBrowser(t, exe), base: base, dir: artifacts(t)}
	p.open("/findings")
	p.wait("the findings", fmt.Sprintf(`document.querySelectorAll('[data-testid=finding]').length === %d`, len(f.Findings)))
	p.screenshot("findings-anonymous")

	// Names, not UUIDs: every subject with a name shows it.
	uuid := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	subjects := eval[[]string](p, `[...document.querySelectorAll('[data-testid=finding] .finding-subjects a, [data-testid=finding] .finding-subjects span > span')].map(e => e.textContent)`)
	if len(subjects) == 0 {
		t.Fatal("no subject shown")
	}
	for _, s := range subjects {
		if uuid.MatchString(s) {
			t.Errorf("a subject shows a UUID: %q", s)
		}
	}
	for _, fd := range f.Findings {
		for _, s := range fd.Subjects {
			if name := f.Names[s]; name != "" {
				sel := fmt.Sprintf(`[data-testid=finding][data-id=%q] .finding-subjects`, fd.ID)
				if got := eval[string](p, `document.querySelector(`+fmt.Sprintf("%q", sel)+`).textContent`); !strings.Contains(got, name) {
					t.Errorf("finding %s: subjects %q; want the name %q of %s", fd.ID, got, name, s)
				}
			}
		}
		if got := eval[string](p, fmt.Sprintf(`document.querySelector('[data-testid=finding][data-id=%q] [data-testid=finding-seen]').dataset.first || ''`, fd.ID)); got == "" {
			t.Errorf("finding %s shows no first-seen time", fd.ID)
		} else if at, err := time.Parse(time.RFC3339Nano, got); err != nil || !at.Equal(f.Seen[fd.ID].First) {
			t.Errorf("finding %s first seen %q; REST says %s", fd.ID, got, f.Seen[fd.ID].First)
		}
	}
	if n := eval[int](p, `document.querySelectorAll('[data-testid=finding-ack]').length`); n != 0 {
		t.Errorf("an anonymous viewer sees %d acknowledge buttons; want none", n)
	}

	// Sign in as the operator.
	p.do("open the sign-in form", chromedp.Click(chromedp.CSS(`[data-testid=session] summary`)))
	p.do("type the token", chromedp.SendKeys(chromedp.CSS(`[data-testid=token-input]`), tok))
	p.do("sign in", chromedp.Click(chromedp.CSS(`[data-testid=sign-in]`)))
	p.wait("signed in", `document.querySelector('[data-testid=session-name]')?.textContent === 'ops'`)
	p.wait("the acknowledge buttons", fmt.Sprintf(`document.querySelectorAll('[data-testid=finding-ack]').length === %d`, len(f.Findings)))
	if got := eval[string](p, `sessionStorage.getItem('vnetmap-token')`); got != tok {
		t.Errorf("sessionStorage token = %q; want the token given", got)
	}

	target := f.Findings[0].ID
	sel := fmt.Sprintf(`[data-testid=finding][data-id=%q]`, target)
	p.do("acknowledge", chromedp.Click(chromedp.CSS(sel+` [data-testid=finding-ack]`)))
	p.do("comment", chromedp.SendKeys(chromedp.CSS(sel+` [data-testid=finding-ack-comment]`), "known, ticket NET-42"))
	p.do("submit", chromedp.Click(chromedp.CSS(sel+` [data-testid=finding-ack-submit]`)))
	p.wait("the acknowledgement", fmt.Sprintf(`document.querySelector(%q)?.dataset.by === 'ops'`, sel+` [data-testid=finding-acked]`))
	p.screenshot("findings-acknowledged")
	var after query.FindingsAnswer
	getJSON(t, base, "/api/v1/findings", &after)
	if a, ok := after.Acknowledged[target]; !ok || a.By != "ops" || a.Comment != "known, ticket NET-42" {
		t.Errorf("REST acknowledgement of %s = %+v (%v); want by ops with the comment", target, a, ok)
	}

	// The token outlives a reload of the tab; signing out hides the buttons.
	p.open("/findings")
	p.wait("still signed in after a reload", `document.querySelector('[data-testid=session-name]')?.textContent === 'ops' && document.querySelectorAll('[data-testid=finding-ack]').length > 0`)
	p.wait("the acknowledgement from the server", fmt.Sprintf(`document.querySelector(%q)?.dataset.by === 'ops'`, sel+` [data-testid=finding-acked]`))
	p.do("sign out", chromedp.Click(chromedp.CSS(`[data-testid=sign-out]`)))
	p.wait("signed out", `!document.querySelector('[data-testid=session-name]') && document.querySelectorAll('[data-testid=finding-ack]').length === 0 && document.querySelectorAll('[data-testid=finding]').length > 0`)
	if got := eval[any](p, `sessionStorage.getItem('vnetmap-token')`); got != nil {
		t.Errorf("sessionStorage token after sign-out = %v; want none", got)
	}
}
