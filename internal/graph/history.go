package graph

import (
	"sort"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// Placement is one stay of a VM on a host: [From, To), To zero while it lasts.
type Placement struct {
	Host     model.ID     `json:"host"`
	HostName string       `json:"host_name"`
	From     time.Time    `json:"from"`
	To       time.Time    `json:"to,omitzero"`
	Move     *model.Event `json:"move,omitempty"`
	// Attachment is the VM's physical attachment at the start of the
	// placement: per vNIC uplink, the switch port it was cabled to.
	Attachment []Attachment `json:"attachment,omitempty"`
}

// Attachment is one uplink of a VM's vNIC and the switch port behind it.
type Attachment struct {
	VNIC        string `json:"vnic"`
	Portgroup   string `json:"portgroup,omitempty"`
	VLAN        string `json:"vlan,omitempty"`
	PNIC        string `json:"pnic"`
	Role        string `json:"role"`
	Switch      string `json:"switch,omitempty"`
	Port        string `json:"port,omitempty"`
	PortChannel string `json:"port_channel,omitempty"`
}

// Attachment returns the physical attachment of vm in this graph: each
// vNIC's uplinks and the switch ports they are cabled to.
func (g *Graph) Attachment(vm model.ID) []Attachment {
	var r []Attachment
	loc := g.locate(vm, "")
	for _, n := range loc.VNICs {
		label := n.Label
		if label == "" {
			label = n.MAC
		}
		var pg, vlan string
		if n.Portgroup != nil {
			pg, vlan = n.Portgroup.Name, n.Portgroup.VLAN
			if n.Portgroup.Trunk != "" {
				vlan = n.Portgroup.Trunk
			}
		}
		for _, u := range n.Uplinks {
			a := Attachment{VNIC: label, Portgroup: pg, VLAN: vlan, PNIC: u.Device, Role: u.Role}
			if len(u.Ports) == 1 {
				a.Switch, a.Port, a.PortChannel = u.Ports[0].Switch, u.Ports[0].Port, u.Ports[0].PortChannel
			}
			r = append(r, a)
		}
	}
	return r
}

// Timeline is the placement history of one VM.
type Timeline struct {
	VM         model.ID      `json:"vm"`
	Name       string        `json:"name"`
	Placements []Placement   `json:"placements"`
	Events     []model.Event `json:"events,omitempty"`
}

// eventWindow is how far apart a migration event and the placement change
// that a source observed may be and still be the same move: events carry the
// vCenter's clock, placements the collector's.
const eventWindow = 2 * time.Minute

// History builds the placement timeline of vm from its versions (as returned
// by the store's History) and its events. Adjacent stays on the same host
// (the same placement restated) are merged; each migration event is attached
// to the placement it started, when one starts within eventWindow of it.
func History(vm model.ID, versions []model.Version, events []model.Event) Timeline {
	t := Timeline{VM: vm, Name: vm.Key(), Events: events}
	var latest time.Time
	for _, v := range versions {
		if v.Subject != vm {
			continue
		}
		if !v.IsRelation() && v.Name != "" && !v.From.Before(latest) {
			t.Name, latest = v.Name, v.From
		}
		if v.Rel != model.RelRunsOn {
			continue
		}
		t.Placements = append(t.Placements, Placement{Host: v.Object, HostName: v.Object.Key(), From: v.From, To: v.To})
	}
	sort.SliceStable(t.Placements, func(i, j int) bool { return t.Placements[i].From.Before(t.Placements[j].From) })
	t.Placements = mergePlacements(t.Placements)
	used := make(map[int]bool)
	for i := range t.Placements {
		if i == 0 {
			continue
		}
		best, bestGap := -1, eventWindow+1
		for j, ev := range events {
			if used[j] || !isMove(ev.Type) {
				continue
			}
			gap := ev.Time.Sub(t.Placements[i].From)
			if gap < 0 {
				gap = -gap
			}
			if gap <= eventWindow && gap < bestGap {
				best, bestGap = j, gap
			}
		}
		if best >= 0 {
			used[best] = true
			ev := events[best]
			t.Placements[i].Move = &ev
		}
	}
	return t
}

func mergePlacements(ps []Placement) []Placement {
	var r []Placement
	for _, p := range ps {
		if n := len(r); n > 0 && r[n-1].Host == p.Host && !r[n-1].To.IsZero() && !p.From.After(r[n-1].To) {
			if p.To.IsZero() || p.To.After(r[n-1].To) {
				r[n-1].To = p.To
			}
			continue
		}
		r = append(r, p)
	}
	return r
}

// isMove reports whether an event type is a migration of a VM.
func isMove(typ string) bool {
	switch typ {
	case "VmMigratedEvent", "DrsVmMigratedEvent", "VmRelocatedEvent", "VmEmigratingEvent", "VmBeingHotMigratedEvent":
		return true
	}
	return false
}
