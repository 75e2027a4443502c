package main

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vnetmap/vnetmap/internal/query"
)

// TestUIVLANAndHistory: a demo with six hours of seeded history, in
// Chromium. From web01's VM page, its port group opens the port-group page
// (the uplinks and whether their ports carry the VLAN, as the REST API
// says), whose VLAN opens the VLAN page (hosts and their state); a VLAN
// picked in the search box opens its page, which shows the demo's gap
// (the uplinks whose switch port drops it) and links to its impact; a
// switch page's port row opens the port's history (the MACs the REST API
// lists, named after their VMs), whose MAC opens the MAC page (where it
// was learned over time, its vendor).
func TestUIVLANAndHistory(t *testing.T) {
	exe := needBrowser(t)
	base := startDemo(t, "--seed", "2", "--history", "6h")
	p := &page{t: t, ctx: newBrowser(t, exe), base: base, dir: artifacts(t)}

	var w query.WhereAnswer
	getJSON(t, base, "/api/v1/where/web01", &w)
	if len(w.VNICs) == 0 || w.VNICs[0].Portgroup == nil || len(w.VNICs[0].Uplinks) == 0 {
		t.Fatalf("web01 has no port group or uplink: %+v", w.VNICs)
	}
	pgName, vid := w.VNICs[0].Portgroup.Name, w.VNICs[0].Portgroup.VLAN

	t.Run("VM → port group → VLAN", func(t *testing.T) {
		p.t = t
		var pg query.PortgroupAnswer
		getJSON(t, base, "/api/v1/portgroup/"+url.PathEscape(pgName), &pg)
		var want []string
		for _, d := range pg.Portgroups {
			for _, h := range d.Hosts {
				for _, u := range h.Uplinks {
					for _, port := range u.Ports {
						want = append(want, port.Carries)
					}
				}
			}
		}
		sort.Strings(want)
		p.open("/vm/web01")
		p.wait("the port group link", `document.querySelector('[data-testid=vnic-portgroup]')`)
		p.do("open the port group", chromedp.Click(chromedp.CSS(`[data-testid=vnic-portgroup]`)))
		p.wait("the port-group page", `document.querySelector('[data-testid=portgroup-page] [data-testid=portgroup-uplink]')`)
		if got := eval[string](p, `location.pathname`); got != "/portgroup/"+url.PathEscape(pgName) {
			t.Errorf("the port group opened %s; want /portgroup/%s", got, pgName)
		}
		if got := attrs(p, `[data-testid=portgroup-uplink]`, "data-carries"); !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("port-group page: carries %v; REST %v", got, want)
		}
		p.screenshot("portgroup")
		p.do("open its VLAN", chromedp.Click(chromedp.CSS(`[data-testid=portgroup-vlan]`)))
		p.wait("the VLAN page", `document.querySelector('[data-testid=vlan-page] [data-testid=vlan-host]')`)
		var v query.VLANAnswer
		getJSON(t, base, "/api/v1/vlan/"+vid, &v)
		var hosts []string
		for _, h := range v.Hosts {
			hosts = append(hosts, h.Host+" "+h.State)
		}
		sort.Strings(hosts)
		got := eval[[]string](p, `[...document.querySelectorAll('[data-testid=vlan-host]')].map(e => e.dataset.host + ' ' + e.dataset.state).sort()`)
		if !slices.Equal(got, hosts) || eval[string](p, `location.pathname`) != "/vlan/"+vid {
			t.Errorf("VLAN page at %s: hosts %v; REST %v", eval[string](p, `location.pathname`), got, hosts)
		}
	})

	t.Run("a VLAN from the search box shows its gaps", func(t *testing.T) {
		p.t = t
		// The demo's VLAN 230 is dropped by one uplink's switch port.
		var v query.VLANAnswer
		getJSON(t, base, "/api/v1/vlan/230", &v)
		if len(v.Gaps) == 0 {
			t.Fatalf("the demo's VLAN 230 has no gap: %+v", v)
		}
		var want []string
		for _, g := range v.Gaps {
			want = append(want, g.Host+" "+g.Switch+" "+g.Port)
		}
		sort.Strings(want)
		p.open("/")
		p.wait("the search box", `document.querySelector('[data-testid=search-input]')`)
		p.do("type vlan 230", chromedp.SendKeys(chromedp.CSS(`[data-testid=search-input]`), "vlan 230"))
		p.wait("the match VLAN 230", `document.querySelector('[data-testid=search-option][data-kind=vlan][data-name="VLAN 230"]')`)
		p.do("open the VLAN", chromedp.Click(chromedp.CSS(`[data-testid=search-option][data-kind=vlan][data-name="VLAN 230"]`)))
		p.wait("the gaps", `document.querySelector('[data-testid=vlan-page] [data-testid=vlan-gap]')`)
		got := eval[[]string](p, `[...document.querySelectorAll('[data-testid=vlan-gap]')].map(e => e.dataset.host + ' ' + e.dataset.port).sort()`)
		if !slices.Equal(got, want) {
			t.Errorf("VLAN 230 gaps in the UI = %v; REST %v", got, want)
		}
		p.screenshot("vlan-230")
		p.do("open its impact", chromedp.Click(chromedp.CSS(`[data-testid=vlan-impact]`)))
		p.wait("the impact of vlan:230", `document.querySelector('[data-testid=impact-summary] strong')?.textContent === 'vlan:230'`)
	})

	t.Run("switch port → port history → MAC", func(t *testing.T) {
		p.t = t
		port := w.VNICs[0].Uplinks[0].Ports[0]
		var h query.PortHistoryAnswer
		getJSON(t, base, "/api/v1/history/port/"+url.PathEscape(port.Switch)+"/"+port.Port, &h)
		var macs []string
		for _, e := range h.Entries {
			if e.Kind == query.SightingLearned {
				macs = append(macs, e.MAC)
			}
		}
		sort.Strings(macs)
		if len(macs) == 0 {
			t.Fatalf("%s %s saw no MAC: %+v", port.Switch, port.Port, h)
		}
		p.open("/switch/" + url.PathEscape(port.Switch) + "?port=" + url.QueryEscape(port.Port))
		row := fmt.Sprintf(`[data-testid=switch-port][data-port=%q] [data-testid=port-history-link]`, port.Port)
		p.wait("the port's history link", fmt.Sprintf(`document.querySelector(%q)`, row))
		p.do("open the port's history", chromedp.Click(chromedp.CSS(row)))
		p.wait("the port history", `document.querySelector('[data-testid=port-history-page] [data-testid=port-history-entry]')`)
		if got := attrs(p, `[data-testid=port-history-entry][data-kind=learned]`, "data-mac"); !slices.Equal(got, macs) {
			t.Errorf("port history MACs = %v; REST %v", got, macs)
		}
		if got := eval[bool](p, `!!document.querySelector('[data-testid=pager-next]')`); got != (h.NextOffset > 0) {
			t.Errorf("a next page link: %v; REST next_offset %d", got, h.NextOffset)
		}
		mac := w.VNICs[0].MAC
		if !slices.Contains(macs, mac) {
			t.Fatalf("web01's MAC %s not in the history of its port: %v", mac, macs)
		}
		link := fmt.Sprintf(`[data-testid=port-history-entry][data-mac=%q] a[href^="/mac/"]`, mac)
		p.do("open web01's MAC", chromedp.Click(chromedp.CSS(link)))
		p.wait("the MAC page", `document.querySelector('[data-testid=mac-page] [data-testid=mac-learned-entry]')`)
		var m query.MACHistoryAnswer
		getJSON(t, base, "/api/v1/history/mac/"+mac, &m)
		var ports []string
		for _, l := range m.Learned {
			ports = append(ports, l.Switch+" "+l.Port)
		}
		sort.Strings(ports)
		if got := attrs(p, `[data-testid=mac-learned-entry]`, "data-port"); !slices.Equal(got, ports) {
			t.Errorf("MAC page learned on %v; REST %v", got, ports)
		}
		if got := eval[string](p, `document.querySelector('[data-testid=mac-vendor]').textContent`); got != m.Vendor || got != "VMware" {
			t.Errorf("MAC page vendor %q; REST %q, want VMware", got, m.Vendor)
		}
		p.screenshot("mac")
	})
}
