package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// Teaming policies as vSphere names them.
const policyIPHash = "loadbalance_ip"

// hostBundle is a set of a host's uplinks the host sends one flow over as a
// link aggregate: the ports of an LACP LAG of a distributed switch, or the
// active uplinks of a port group teamed by IP hash (a static EtherChannel
// on the switch side).
type hostBundle struct {
	subject model.ID // the host LAG, or the virtual switch of the IP-hash teaming
	label   string
	host    model.ID
	uplinks []*uplinkInfo
}

// hostBundles lists every host bundle, LAGs first.
func (ix *index) hostBundles() []hostBundle { return ix.bundles }

func (ix *index) findBundles() []hostBundle {
	out := []hostBundle{}
	for _, vh := range ix.switches {
		if vh.swID.Kind() != model.KindDVSwitch {
			continue
		}
		byLAG := map[string][]*uplinkInfo{}
		var lags []string
		for _, up := range vh.uplinks {
			if up.lag == "" {
				continue
			}
			if byLAG[up.lag] == nil {
				lags = append(lags, up.lag)
			}
			byLAG[up.lag] = append(byLAG[up.lag], up)
		}
		slices.Sort(lags)
		for _, lag := range lags {
			out = append(out, hostBundle{subject: ix.hostLAG(vh.swID, lag), host: vh.host, uplinks: byLAG[lag],
				label: fmt.Sprintf("LACP LAG %s of %s", lag, ix.nameOf(vh.swID))})
		}
	}
	seen := map[string]bool{}
	for _, u := range ix.units {
		if u.pg.Attr("policy") != policyIPHash {
			continue
		}
		var ups []*uplinkInfo
		var key []string
		for i, up := range u.vs.uplinks {
			if u.roles[i] == graph.RoleActive && up.lag == "" {
				ups = append(ups, up)
				key = append(key, string(up.pnic))
			}
		}
		k := string(u.vs.swID) + "|" + string(u.host) + "|" + strings.Join(key, ",")
		if len(ups) < 2 || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, hostBundle{subject: u.vs.swID, host: u.host, uplinks: ups,
			label: fmt.Sprintf("IP-hash teaming of %s (port group %s)", ix.nameOf(u.vs.swID), u.pg.Name)})
	}
	return out
}

// hostLAG returns the ID of the LAG named lag of a distributed switch.
func (ix *index) hostLAG(dvs model.ID, lag string) model.ID {
	for l := range ix.out(dvs, model.RelHasLAG) {
		if n := ix.g.Node(l.To); n != nil && n.Name == lag {
			return l.To
		}
	}
	return model.NewID(model.KindHostLAG, dvs.Key()+"/"+lag)
}

// bundlePorts returns the known switch ports of a bundle's uplinks with
// evidence lines.
func bundlePorts(b hostBundle) ([]portRef, []string) {
	var ports []portRef
	var ev []string
	for _, up := range b.uplinks {
		for _, p := range up.known() {
			ports = append(ports, p)
			ev = append(ev, portDesc(up, "", p))
		}
	}
	return ports, ev
}

// lagNotOnSwitch: a host bundle whose switch ports are not all in one
// port-channel (by name: the two halves of an MLAG pair share it).
func lagNotOnSwitch(ix *index, e *emitter) {
	for _, b := range ix.hostBundles() {
		ports, ev := bundlePorts(b)
		if len(ports) == 0 {
			continue
		}
		var loose []string
		names := map[string]bool{}
		subjects := []model.ID{b.subject, b.host}
		for _, p := range ports {
			subjects = append(subjects, p.id)
			if p.bundle == "" {
				loose = append(loose, p.id.Key())
				continue
			}
			names[pcName(p.bundle)] = true
		}
		if len(loose) == 0 && len(names) <= 1 {
			continue
		}
		why := fmt.Sprintf("in %d different port-channels", len(names))
		if len(loose) > 0 {
			why = "not in a port-channel: " + strings.Join(loose, ", ")
		}
		e.emit(Finding{
			Severity: Critical,
			Subjects: subjects,
			Message:  fmt.Sprintf("%s on %s bundles uplinks whose switch ports are %s", b.label, ix.nameOf(b.host), why),
			Evidence: ev,
			Fix:      "bundle the switch ports into one port-channel (LACP for a LAG, mode on for IP hash), MLAG/vPC across two switches, or stop bundling on the host",
		})
	}
}

// lagSplitNoMLAG: a host bundle on port-channels of one name on two
// switches that have no inter-switch link, so they cannot be an MLAG/vPC
// pair.
func lagSplitNoMLAG(ix *index, e *emitter) {
	for _, b := range ix.hostBundles() {
		ports, ev := bundlePorts(b)
		var sws []model.ID
		names := map[string]bool{}
		loose := false
		for _, p := range ports {
			loose = loose || p.bundle == ""
			if p.bundle != "" {
				names[pcName(p.bundle)] = true
			}
			if !slices.Contains(sws, p.sw) {
				sws = append(sws, p.sw)
			}
		}
		if loose || len(names) != 1 || len(sws) < 2 {
			continue
		}
		slices.Sort(sws)
		var unpaired []string
		for i := range sws {
			for j := i + 1; j < len(sws); j++ {
				if !ix.switchesPaired(sws[i], sws[j]) {
					unpaired = append(unpaired, sws[i].Key()+" and "+sws[j].Key())
				}
			}
		}
		if len(unpaired) == 0 {
			continue
		}
		subjects := []model.ID{b.subject, b.host}
		for _, p := range ports {
			subjects = append(subjects, p.bundle)
		}
		e.emit(Finding{
			Severity: Critical,
			Subjects: subjects,
			Message: fmt.Sprintf("%s on %s spans port-channels on switches with no link between them (%s): not an MLAG/vPC pair",
				b.label, ix.nameOf(b.host), strings.Join(unpaired, "; ")),
			Evidence: append(ev, "no LLDP/CDP link between "+strings.Join(unpaired, "; ")),
			Fix:      "configure the two switches as an MLAG/vPC pair with a peer-link, or cable the bundle to one switch",
		})
	}
}

// pcName is the port-channel's name without its switch.
func pcName(pc model.ID) string { return deviceOf(pc) }

// lagNotOnHost: a switch port-channel whose member ports lead to host
// pNICs that the host does not bundle (not a LAG port, not an active uplink
// of IP-hash teaming, not on a vSwitch teamed by IP hash).
func lagNotOnHost(ix *index, e *emitter) {
	bundled := map[model.ID]bool{}
	for _, b := range ix.hostBundles() {
		for _, up := range b.uplinks {
			bundled[up.pnic] = true
		}
	}
	for _, vh := range ix.switches {
		if vh.sw.Attr("policy") == policyIPHash {
			for _, up := range vh.uplinks {
				bundled[up.pnic] = true
			}
		}
	}
	for _, pc := range ix.nodes(model.KindPortChannel) {
		var loose []model.ID
		var ev []string
		for m := range ix.in(pc.ID, model.RelInLAG) {
			for c := range ix.in(m.From, model.RelCabled) {
				if c.Attrs["confidence"] == "conflict" {
					continue
				}
				state := "bundled by its host"
				if !bundled[c.From] {
					state = "not bundled by its host"
					loose = append(loose, c.From)
				}
				ev = append(ev, fmt.Sprintf("%s → %s: %s", m.From.Key(), c.From.Key(), state))
			}
		}
		if len(loose) == 0 {
			continue
		}
		names := make([]string, len(loose))
		for i, p := range loose {
			names[i] = p.Key()
		}
		e.emit(Finding{
			Severity: Warning,
			Subjects: append([]model.ID{pc.ID}, loose...),
			Message: fmt.Sprintf("%s bundles ports whose host NICs %s are neither in a LACP LAG nor teamed by IP hash",
				pc.ID.Key(), strings.Join(names, ", ")),
			Evidence: ev,
			Fix:      "put the NICs in a LACP LAG (distributed switch) or IP-hash teaming on the host, or take the ports out of the port-channel",
		})
	}
}
