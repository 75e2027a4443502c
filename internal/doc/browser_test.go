package doc_test

// The HTML site rendered in headless Debian Chromium (chromedp), served
// from a loopback HTTP server as a static site: every page reachable from
// the index loads (HTTP 200, its style sheet applied), fetches nothing
// outside the site, shows its diagrams (an SVG with nodes, laid out with a
// size), and every link (<a href>, in the SVGs too) points at a page that
// loads and at an anchor it has.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vnetmap/vnetmap/internal/doc"
)

// chromium returns Debian's Chromium (scripts/deps.sh installs it;
// VNETMAP_CHROMIUM overrides the path), skipping the test when it is
// missing, failing it in CI.
func chromium(t *testing.T) string {
	t.Helper()
	exe := os.Getenv("VNETMAP_CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(exe); err != nil {
		msg := "no Chromium at " + exe + " (apt-get install chromium, or scripts/deps.sh; VNETMAP_CHROMIUM overrides the path)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return exe
}

// pageReport is what the browser sees of one page.
type pageReport struct {
	Title     string   `json:"title"`
	Links     []string `json:"links"`
	IDs       []string `json:"ids"`
	Resources []string `json:"resources"`
	Styled    bool     `json:"styled"`
	Figures   []struct {
		Nodes  int     `json:"nodes"`
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
	} `json:"figures"`
}

const reportJS = `(() => ({
	title: document.title,
	links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href') || a.getAttribute('xlink:href')).filter(h => h).map(h => new URL(h, location.href).href),
	ids: [...document.querySelectorAll('[id]')].map(e => e.id),
	resources: performance.getEntriesByType('resource').map(e => e.name),
	styled: getComputedStyle(document.querySelector('nav')).backgroundColor === 'rgb(36, 54, 75)',
	figures: [...document.querySelectorAll('figure.diagram svg')].map(s => {
		const r = s.getBoundingClientRect();
		return {nodes: s.querySelectorAll('g.node').length, width: r.width, height: r.height};
	}),
}))()`

func TestHTMLInChromium(t *testing.T) {
	exe := chromium(t)
	files := render(t, site(t, scenario(t)))
	dir := t.TempDir()
	if _, err := doc.Write(dir, files, t1, []string{doc.FormatHTML}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(dir, doc.HTMLDir))))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	defer cancelT()

	start := srv.URL + "/index.html"
	queue, seen := []string{start}, map[string]bool{start: true}
	ids := map[string]map[string]bool{} // page → its anchors
	var wantAnchors [][3]string         // page linking, page linked, anchor
	diagrams := 0
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
		if err != nil {
			t.Fatalf("load %s: %v", u, err)
		}
		if resp == nil || resp.Status != http.StatusOK {
			t.Errorf("load %s: %+v; want 200", u, resp)
			continue
		}
		r, err := chromedp.Run(ctx, chromedp.Evaluate[pageReport](reportJS))
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if r.Title == "" || !r.Styled {
			t.Errorf("%s: title %q, style sheet applied %v", u, r.Title, r.Styled)
		}
		for _, res := range r.Resources {
			if !strings.HasPrefix(res, srv.URL+"/") {
				t.Errorf("%s fetched %s, outside the site", u, res)
			}
		}
		for _, f := range r.Figures {
			if f.Nodes == 0 || f.Width < 50 || f.Height < 50 {
				t.Errorf("%s: diagram with %d nodes, %.0fx%.0f px; want nodes, laid out", u, f.Nodes, f.Width, f.Height)
			}
			diagrams++
		}
		ids[u] = map[string]bool{}
		for _, id := range r.IDs {
			ids[u][id] = true
		}
		for _, l := range r.Links {
			p, err := url.Parse(l)
			if err != nil || p.Scheme+"://"+p.Host != srv.URL {
				t.Errorf("%s links outside the site: %s", u, l)
				continue
			}
			frag := p.Fragment
			p.Fragment = ""
			target := p.String()
			if frag != "" {
				wantAnchors = append(wantAnchors, [3]string{u, target, frag})
			}
			if !seen[target] {
				seen[target] = true
				queue = append(queue, target)
			}
		}
	}
	for _, a := range wantAnchors {
		if m, ok := ids[a[1]]; ok && !m[a[2]] {
			t.Errorf("%s links to %s#%s: no such anchor", a[0], a[1], a[2])
		}
	}
	pages := 0
	for _, p := range files.Paths() {
		if strings.HasSuffix(p, ".html") {
			pages++
		}
	}
	if len(ids) != pages {
		t.Errorf("crawled %d pages from the index; the site has %d", len(ids), pages)
	}
	if diagrams < 8 {
		t.Errorf("saw %d diagrams; want the clusters', the applications' and each application's", diagrams)
	}
}
