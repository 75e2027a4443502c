// Package correlate joins what the virtual and the physical sources say
// into relations no single source states: which switch port each host pNIC
// is cabled to, with the evidence for it (switch LLDP/CDP neighbour tables,
// the host's own CDP/LLDP view, MACs learned in forwarding tables) and the
// conflicts between them. It is a pure function of the facts valid at one
// moment, so the map of any past moment is the same code on other facts.
//
// It is not for storage or presentation: it returns derived versions and
// conflicts, and the graph package indexes them with the rest.
package correlate

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// Source is the source name of every derived version.
const Source = "correlate"

// Evidence kinds for a pNIC ↔ switch port link.
const (
	SwitchLLDP = "switch-lldp" // the switch's LLDP neighbour table names the host and NIC
	SwitchCDP  = "switch-cdp"  // the switch's CDP cache names the host and NIC
	HostCDP    = "host-cdp"    // the host's CDP hint names the switch and port
	HostLLDP   = "host-lldp"   // the host's LLDP hint names the switch and port
	FDB        = "fdb"         // the pNIC's MAC is learned on the (edge) port
	Declared   = "declared"    // a cabling inventory says so
)

// Confidence of a link: high when both sides agree, medium when one
// neighbour protocol says so, low when only a forwarding table does.
const (
	High   = "high"
	Medium = "medium"
	Low    = "low"
	// Conflicting marks each of the ports that disagreeing evidence puts
	// one pNIC on: none of them is chosen.
	Conflicting = "conflict"
)

// Conflict is a disagreement between pieces of evidence: never resolved
// silently, reported as a finding.
type Conflict struct {
	Kind     string     `json:"kind"`
	Subject  model.ID   `json:"subject"`
	Ports    []model.ID `json:"ports,omitempty"`
	PNICs    []model.ID `json:"pnics,omitempty"`
	Evidence []string   `json:"evidence"`
	Message  string     `json:"message"`
}

// Conflict kinds.
const (
	ConflictPNICPorts = "pnic-on-several-ports" // evidence puts one pNIC on different ports
	ConflictPortPNICs = "port-with-several-pnics"
	// ConflictMACPorts: a pNIC's MAC learned on edge ports of different
	// logical ports (not one port-channel, nor the two halves of an
	// MLAG/vPC bundle): a loop, a duplicate MAC or a moved cable.
	ConflictMACPorts = "mac-on-unrelated-ports"
	// ConflictNoSuchPort: the host's CDP/LLDP hint (or the declared
	// cabling) names a port its switch does not have, while other evidence
	// puts the pNIC on a port: a stale hint, a wrong cable, or a port name
	// vnetmap cannot resolve.
	ConflictNoSuchPort = "pnic-on-unknown-port"
)

// Result is what correlation derives at one moment.
type Result struct {
	// Links are `cabled` relations pnic → port with attributes `evidence`
	// (and `link` relations port → port between switches, see
	// interSwitchLinks)
	// (kinds, comma-separated, sorted) and `confidence`; a pNIC in a
	// ConflictPNICPorts conflict has one link per disputed port, each with
	// confidence Conflicting.
	Links     []model.Version
	Conflicts []Conflict
}

// Run correlates the versions valid at at. Versions not valid at at are
// ignored.
func Run(at time.Time, versions []model.Version) Result {
	ix := index(at, versions)
	claims := map[model.ID]map[model.ID]map[string]bool{} // pnic → port → evidence kinds
	claim := func(pnic, port model.ID, kind string) {
		if claims[pnic] == nil {
			claims[pnic] = map[model.ID]map[string]bool{}
		}
		if claims[pnic][port] == nil {
			claims[pnic][port] = map[string]bool{}
		}
		claims[pnic][port][kind] = true
	}

	// Switch side: each port's neighbour names a host and one of its NICs.
	for _, port := range ix.ports {
		for _, n := range neighbours(port.attrs) {
			if p := ix.lldpPNIC(n); p != "" {
				claim(p, port.id, SwitchLLDP)
			}
			if p := ix.cdpPNIC(n); p != "" {
				claim(p, port.id, SwitchCDP)
			}
		}
	}
	// Host side: each pNIC's hint names a switch and one of its ports. A
	// known switch with no such port is kept as a claim on no port: it
	// conflicts with any other evidence that puts the pNIC on a port.
	unknown := map[model.ID][]noSuchPort{}
	for _, p := range ix.pnics {
		hint := func(kind string, sw model.ID, ids ...string) {
			if sw == "" {
				return
			}
			if port := ix.portOf(sw, ids...); port != "" {
				claim(p.id, port, kind)
				return
			}
			if named := nonEmpty(ids); len(named) > 0 {
				unknown[p.id] = append(unknown[p.id], noSuchPort{sw: sw, names: named, kind: kind})
			}
		}
		hint(HostCDP, ix.cdpSwitch(p.attrs), p.attrs["cdp_port"])
		hint(Declared, ix.switchNamed(p.attrs["declared_switch"]), p.attrs["declared_port"])
		hint(HostLLDP, ix.lldpSwitch(p.attrs), p.attrs["lldp_port"], p.attrs["lldp_port_desc"])
	}
	// Forwarding tables: a pNIC's MAC learned on an edge port.
	edges := map[model.ID]map[string][]model.ID{} // pnic → logical port → ports
	for _, l := range ix.learned {
		p := ix.pnicByMAC.get(l.mac)
		if p == "" || ix.isl[l.port] {
			continue
		}
		claim(p, l.port, FDB)
		if edges[p] == nil {
			edges[p] = map[string][]model.ID{}
		}
		lp := ix.logicalPort(l.port)
		edges[p][lp] = append(edges[p][lp], l.port)
	}
	r := decide(at, claims, unknown)
	r.Conflicts = append(r.Conflicts, macConflicts(edges)...)
	r.Links = append(r.Links, interSwitchLinks(at, ix)...)
	return r
}

// interSwitchLinks derives `link` relations port → port between known
// switches from the switches' LLDP and CDP neighbour tables (attributes
// `evidence`: lldp, cdp). Each direction a switch reports is one relation.
func interSwitchLinks(at time.Time, ix *facts) []model.Version {
	var out []model.Version
	for _, port := range ix.ports {
		seen := map[model.ID]bool{}
		for _, n := range neighbours(port.attrs) {
			var peer model.ID
			var ev []string
			if sw := ix.lldpSwitch(n); sw != "" {
				peer = ix.portOf(sw, n["lldp_port"], n["lldp_port_desc"])
				ev = append(ev, "lldp")
			}
			if sw := ix.cdpSwitch(n); sw != "" {
				p := ix.portOf(sw, n["cdp_port"])
				if peer == "" {
					peer = p
				}
				if p == peer {
					ev = append(ev, "cdp")
				}
			}
			if peer == "" || peer == port.id || seen[peer] {
				continue
			}
			seen[peer] = true
			out = append(out, model.Version{
				Fact:   model.Relation(port.id, port.id, model.RelLink, peer, model.Attrs{"evidence": strings.Join(ev, ",")}),
				Source: Source,
				From:   at,
			})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Object < out[j].Object
	})
	return out
}

// noSuchPort is a claim that names a known switch and a port it does not
// have (names: the port ID, then the description, as sent).
type noSuchPort struct {
	sw    model.ID
	names []string
	kind  string
}

func (c noSuchPort) String() string {
	return fmt.Sprintf("%s %s, not a port of %s: %s", c.sw.Key(), strings.Join(c.names, " / "), c.sw.Key(), c.kind)
}

// joinClaims phrases claims on no known port for a message.
func joinClaims(cs []noSuchPort) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = fmt.Sprintf("%s %s, not a port of %s (%s)", c.sw.Key(), strings.Join(c.names, " / "), c.sw.Key(), c.kind)
	}
	return strings.Join(s, " and ")
}

// decide turns claims into links and conflicts. Evidence from neighbour
// protocols that puts a pNIC on two ports is a conflict; a forwarding-table
// entry alone elsewhere is not (a MAC moves, an MLAG peer learns it too).
// unknown holds, per pNIC, the host-side claims that name a port their
// switch does not have: with a neighbour protocol or a declaration naming
// a port, they are a conflict too.
func decide(at time.Time, claims map[model.ID]map[model.ID]map[string]bool, unknown map[model.ID][]noSuchPort) Result {
	var r Result
	byPort := map[model.ID][]model.ID{}
	pnics := sortedKeys(claims)
	for _, pnic := range pnics {
		ports := claims[pnic]
		var strong []model.ID
		for _, port := range sortedKeys(ports) {
			if !onlyFDB(ports[port]) {
				strong = append(strong, port)
			}
		}
		if len(strong) > 1 || len(strong) == 1 && len(unknown[pnic]) > 0 {
			c := Conflict{Kind: ConflictPNICPorts, Subject: pnic, Ports: strong}
			for _, port := range strong {
				c.Evidence = append(c.Evidence, fmt.Sprintf("%s: %s", port.Key(), strings.Join(kinds(ports[port]), ", ")))
			}
			c.Message = fmt.Sprintf("%s is reported on %d ports: %s", pnic.Key(), len(strong), strings.Join(c.Evidence, "; "))
			if len(strong) == 1 {
				c.Kind = ConflictNoSuchPort
				c.Message = fmt.Sprintf("%s is reported on %s (%s) and on %s", pnic.Key(), strong[0].Key(),
					strings.Join(kinds(ports[strong[0]]), ", "), joinClaims(unknown[pnic]))
			} else if len(unknown[pnic]) > 0 {
				c.Message += "; and on " + joinClaims(unknown[pnic])
			}
			for _, u := range unknown[pnic] {
				c.Evidence = append(c.Evidence, u.String())
			}
			r.Conflicts = append(r.Conflicts, c)
			for _, port := range strong {
				r.Links = append(r.Links, link(at, pnic, port, ports[port], Conflicting))
			}
			continue
		}
		var port model.ID
		switch {
		case len(strong) == 1:
			port = strong[0]
		case len(ports) == 1:
			port = sortedKeys(ports)[0]
		default:
			continue // learned on several edge ports and nothing else: no link
		}
		r.Links = append(r.Links, link(at, pnic, port, ports[port], confidence(ports[port])))
		byPort[port] = append(byPort[port], pnic)
	}
	for _, port := range sortedKeys(byPort) {
		if ps := byPort[port]; len(ps) > 1 {
			r.Conflicts = append(r.Conflicts, Conflict{Kind: ConflictPortPNICs, Subject: port, PNICs: ps,
				Evidence: []string{joinIDs(ps)},
				Message:  fmt.Sprintf("%s is the port of %d pNICs: %s", port.Key(), len(ps), joinIDs(ps))})
		}
	}
	return r
}

// macConflicts reports pNICs whose MAC is learned behind more than one
// logical port.
func macConflicts(edges map[model.ID]map[string][]model.ID) []Conflict {
	var out []Conflict
	for _, pnic := range sortedKeys(edges) {
		if len(edges[pnic]) < 2 {
			continue
		}
		var ports []model.ID
		for _, ps := range edges[pnic] {
			ports = append(ports, ps...)
		}
		sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
		out = append(out, Conflict{Kind: ConflictMACPorts, Subject: pnic, Ports: ports, Evidence: []string{"fdb: " + joinIDs(ports)},
			Message: fmt.Sprintf("the MAC of %s is learned on unrelated ports: %s", pnic.Key(), joinIDs(ports))})
	}
	return out
}

// link is the derived `cabled` relation pnic → port.
func link(at time.Time, pnic, port model.ID, ev map[string]bool, conf string) model.Version {
	return model.Version{
		Fact: model.Relation(pnic, pnic, model.RelCabled, port,
			model.Attrs{"evidence": strings.Join(kinds(ev), ","), "confidence": conf}),
		Source: Source,
		From:   at,
	}
}

func nonEmpty(ss []string) []string {
	var r []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			r = append(r, s)
		}
	}
	return r
}

func onlyFDB(ev map[string]bool) bool { return len(ev) == 1 && ev[FDB] }

func confidence(ev map[string]bool) string {
	switchSide := ev[SwitchLLDP] || ev[SwitchCDP]
	hostSide := ev[HostCDP] || ev[HostLLDP]
	observed := switchSide || hostSide
	switch {
	case switchSide && hostSide, observed && (ev[FDB] || ev[Declared]):
		return High
	case observed:
		return Medium
	}
	return Low // a forwarding table, or a declaration, alone
}

func kinds(ev map[string]bool) []string {
	r := make([]string, 0, len(ev))
	for k := range ev {
		r = append(r, k)
	}
	sort.Strings(r)
	return r
}

func sortedKeys[V any](m map[model.ID]V) []model.ID {
	r := make([]model.ID, 0, len(m))
	for k := range m {
		r = append(r, k)
	}
	sort.Slice(r, func(i, j int) bool { return r[i] < r[j] })
	return r
}

func joinIDs(ids []model.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.Key()
	}
	return strings.Join(s, ", ")
}
