package main

import (
	"fmt"
	"net/url"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vnetmap/vnetmap/internal/query"
)

// BenchmarkUIRender measures, in headless Chromium, the time to first
// render of the topology view and of a VM page, as the UI itself records
// them (performance marks, window.__vnetmapPerf):
//   - topology-ms: a fresh load of /topology, from the navigation start
//     (bundle, API call, layout, first canvas frame);
//   - vm-ms: a VM page opened from the search box (in-app navigation, from
//     the route change to the drawn path diagram);
//   - vm-load-ms: a fresh load of /vm/NAME, from the navigation start.
//
// Each is reported as the median (and max-) over b.N rounds. It runs
// against the demo at VNETMAP_UI_BENCH_URL when set (a `vnetmap demo --vms
// 10000 --hosts 500` started beforehand), else against a demo of the
// default size started in process.
func BenchmarkUIRender(b *testing.B) {
	exe := needBrowser(b)
	base := os.Getenv("VNETMAP_UI_BENCH_URL")
	if base == "" {
		base = startDemo(b, "--history", "0")
	}
	var topo query.TopologyAnswer
	getJSON(b, base, "/api/v1/topology", &topo)
	var search query.SearchAnswer
	getJSON(b, base, "/api/v1/search?q=web&limit=100", &search)
	var vms []string
	for _, m := range search.Matches {
		if m.Page == query.PageVM {
			vms = append(vms, m.Key)
		}
	}
	if len(vms) == 0 {
		b.Fatal("no VM named web*")
	}
	b.Logf("%s: %d VMs, %d hosts, %d switches; the topology view shows %d nodes", base, topo.Totals["vms"], topo.Totals["hosts"], topo.Totals["switches"], len(topo.Nodes))

	p := &page{t: b, ctx: newBrowser(b, exe), base: base, dir: artifacts(b)}
	figure := func(view string, firstLoad bool) float64 {
		b.Helper()
		v, err := chromedp.Run(p.ctx, chromedp.Poll[float64](fmt.Sprintf(
			`(window.__vnetmapPerf || []).filter(f => f.view === %q && f.firstLoad === %v).map(f => f.ms).pop()`, view, firstLoad),
			chromedp.WithPollingTimeout(90*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
		if err != nil {
			b.Fatalf("waiting for the %s view: %v", view, err)
		}
		return v
	}
	var topoMS, vmMS, vmLoadMS []float64
	b.ResetTimer()
	for i := range b.N {
		p.open("/topology")
		topoMS = append(topoMS, figure("topology", true))

		vm := vms[i%len(vms)]
		p.wait("the search box", `document.querySelector('header.top [data-testid=search-input]')`)
		p.do("type "+vm, chromedp.SendKeys(chromedp.CSS(`header.top [data-testid=search-input]`), vm))
		p.wait("the match", fmt.Sprintf(`document.querySelector('[data-testid=search-option][data-name=%q]')`, vm))
		p.do("open "+vm, chromedp.KeyEvent("\r"))
		vmMS = append(vmMS, figure("vm", false))

		p.open("/vm/" + url.PathEscape(vm))
		vmLoadMS = append(vmLoadMS, figure("vm", true))
	}
	b.StopTimer()
	for _, f := range []struct {
		name string
		v    []float64
	}{{"topology-ms", topoMS}, {"vm-ms", vmMS}, {"vm-load-ms", vmLoadMS}} {
		sort.Float64s(f.v)
		b.ReportMetric(f.v[len(f.v)/2], f.name)
		b.ReportMetric(f.v[len(f.v)-1], "max-"+f.name)
	}
}
