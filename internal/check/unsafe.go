package check

import (
	"fmt"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/migrate"
	"github.com/vnetmap/vnetmap/internal/model"
)

// vmUnsafeHost: a VM that runs now on a host where it does not keep its
// network (migrate.UnsafePlacements: its port group, VLAN carried upstream,
// MTU or teaming fail there). A live migration onto such a host shows as
// soon as the map has the VM's new placement. A warning — the network
// findings behind it (vlan-not-carried, mtu-mismatch, lag-*) carry the
// severity of the fault itself — except for a VM that is not powered off
// and is cut off now (the graph's working-path verdict is "none": the
// uplinks its traffic takes drop its VLAN, or none is up): critical.
func vmUnsafeHost(ix *index, e *emitter) {
	for _, p := range migrate.UnsafePlacements(ix.g) {
		var ev []string
		for _, r := range p.Reasons {
			ev = append(ev, r.Code+": "+r.Message)
		}
		first := ""
		if len(p.Reasons) > 0 {
			first = p.Reasons[0].Message
		}
		f := Finding{
			Severity: Warning,
			Subjects: []model.ID{p.VM, p.Host},
			Message:  fmt.Sprintf("VM %s runs on %s, where it does not keep its network: %s", p.Name, p.HostName, first),
			Evidence: ev,
			Fix:      fmt.Sprintf("move %s to a safe host (vnetmap migrate-check %s) or fix the network of %s; DRS rules (vnetmap drs-rules) keep it off", p.Name, p.Name, p.HostName),
		}
		if wp := ix.g.WorkingPath(p.VM); wp.State == graph.PathNone && p.Power != "poweredOff" {
			f.Severity = Critical
			f.Message = fmt.Sprintf("VM %s on %s has NO WORKING PATH now: %s", p.Name, p.HostName, wp.Reason)
			f.Evidence = append([]string{"working path: none: " + wp.Reason}, ev...)
		}
		e.emit(f)
	}
}
