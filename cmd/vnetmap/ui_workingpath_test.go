package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
)

// TestUIWorkingPath: the demo's VMs of shop-db-v230 on esx05 have no
// working path now (VLAN 230 is not allowed on the leaf port of vmnic1,
// their active uplink). The VM page says so in a banner linking to the
// finding, the host page marks vmnic1 and the VLAN, the switch page the
// port, the home page shows the open findings by severity, the topology
// marks the nodes with findings, and a spine's impact shows the leaves
// that lose an uplink.
func TestUIWorkingPath(t *testing.T) {
	exe := needBrowser(t)
	base := startDemo(t, "--seed", "2", "--history", "2h")
	p := &page{t: t, ctx: newBrowser(t, exe), base: base, dir: artifacts(t)}

	var h query.HostAnswer
	getJSON(t, base, "/api/v1/host/esx05", &h)
	if len(h.CutOff) == 0 || len(h.CutOff[0].Drops) == 0 {
		t.Fatalf("host esx05: cut_off %+v; want the VMs of shop-db-v230 there, with the port that drops VLAN 230", h.CutOff)
	}
	vm, drop := h.CutOff[0], h.CutOff[0].Drops[0]
	var w query.WhereAnswer
	getJSON(t, base, "/api/v1/where/"+url.PathEscape(vm.Name), &w)
	if w.WorkingPath.State != graph.PathNone || w.WorkingPath.Reason != vm.Reason {
		t.Fatalf("where %s: working path %+v; want none: %s", vm.Name, w.WorkingPath, vm.Reason)
	}

	t.Run("VM page banner with a link to the finding", func(t *testing.T) {
		p.t = t
		p.open("/vm/" + url.PathEscape(vm.Name))
		p.wait("the banner", `document.querySelector('[data-testid=path-banner]')?.dataset.state === 'none'`)
		banner := eval[string](p, `document.querySelector('[data-testid=path-banner]').textContent`)
		if !strings.Contains(banner, "NO WORKING PATH") || !strings.Contains(banner, "VLAN 230") || !strings.Contains(banner, drop.Switch+" "+drop.PortName) {
			t.Errorf("banner %q; want NO WORKING PATH, VLAN 230 and %s %s", banner, drop.Switch, drop.PortName)
		}
		p.screenshot("vm-no-working-path")
		p.do("follow the finding link", chromedp.Click(chromedp.CSS(`[data-testid=path-finding]`)))
		p.wait("the finding", fmt.Sprintf(`[...document.querySelectorAll('[data-testid=finding]')].some(e => e.textContent.includes('NO WORKING PATH') && e.textContent.includes(%q))`, vm.Name))
	})

	t.Run("host and switch pages mark the port and the VLAN", func(t *testing.T) {
		p.t = t
		p.open("/host/esx05")
		p.wait("the cut-off VM", fmt.Sprintf(`!!document.querySelector('[data-testid=cut-off-vm][data-vm=%q]')`, vm.Name))
		p.wait("the pNIC marked", fmt.Sprintf(`document.querySelector('[data-testid=host-pnic][data-pnic=%q] [data-testid=pnic-drops]')?.textContent.includes('drops VLAN 230')`, drop.Device))
		p.screenshot("host-cut-off")
		p.open("/switch/" + url.PathEscape(drop.Switch))
		p.wait("the port marked", fmt.Sprintf(`document.querySelector('[data-testid=switch-port][data-port=%q] [data-testid=port-drops]')?.textContent.includes('drops VLAN 230')`, drop.PortName))
		p.wait("the cut-off VM", fmt.Sprintf(`!!document.querySelector('[data-testid=cut-off-vm][data-vm=%q]')`, vm.Name))
	})

	t.Run("home page shows open findings by severity", func(t *testing.T) {
		p.t = t
		p.open("/")
		p.wait("the critical count", `/\d+ critical/.test(document.querySelector('[data-testid=findings-by-severity] [data-severity=critical]')?.textContent ?? '')`)
		p.wait("the cut-off VM among the critical findings", fmt.Sprintf(`document.querySelector('[data-testid=critical-findings]')?.textContent.includes(%q)`, vm.Name))
	})

	t.Run("topology marks nodes with findings", func(t *testing.T) {
		p.t = t
		p.open("/topology?group=cluster")
		p.wait("the badges", `!!document.querySelector('[data-testid=topology-flagged]')`)
	})

	t.Run("impact of a spine shows the fabric", func(t *testing.T) {
		p.t = t
		p.open("/impact?target=" + url.QueryEscape("switch:spine1"))
		p.wait("the leaves losing an uplink", `[...document.querySelectorAll('[data-testid=impact-fabric-switch][data-state=degraded]')].filter(e => e.dataset.switch.startsWith('leaf')).length >= 2`)
		p.screenshot("impact-spine1")
	})
}
