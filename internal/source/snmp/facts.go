package snmp

import (
	"slices"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/model"
)

// dependsOn says which groups' tables feed the facts of an owner: the switch
// entity carries the LLDP chassis ID and the ENTITY-MIB model, a port
// entity carries LLDP and CDP neighbours and VLAN modes. When one of them
// fails, the owner is kept rather than restated without those attributes.
var dependsOn = map[string][]string{
	"":          {groupEntity, groupLLDP},
	groupIf:     {groupIf, groupLLDP, groupCDP, groupVLAN},
	groupVLAN:   {groupVLAN},
	groupFDB:    {groupFDB},
	groupLAG:    {groupLAG},
	groupLLDP:   {groupLLDP},
	groupCDP:    {groupCDP},
	groupEntity: {groupEntity},
	groupARP:    {groupARP},
}

// facts turns a device into facts per docs/facts.md. macs holds the MAC
// entities already stated in the snapshot (one per MAC across switches). It
// returns the facts, the owners kept because a group they depend on failed,
// and one failure line per failed group.
func (d *device) facts(macs map[string]bool) (facts []model.Fact, keep []model.ID, failures []string) {
	sw := model.NewID(model.KindSwitch, d.name)
	for _, g := range groups {
		if e, ok := d.failed[g]; ok {
			failures = append(failures, "switch "+d.name+" ("+d.addr+") "+g+": "+e)
		}
	}
	for _, e := range d.partway {
		failures = append(failures, "switch "+d.name+" ("+d.addr+") "+e)
	}
	kept := map[string]bool{}
	for owner, deps := range dependsOn {
		for _, g := range deps {
			if _, ok := d.failed[g]; ok {
				kept[owner] = true
			}
		}
	}
	ownerID := func(g string) model.ID {
		if g == "" {
			return sw
		}
		return groupOwner(sw, g)
	}
	for _, g := range append([]string{""}, groups...) {
		if kept[g] {
			keep = append(keep, ownerID(g))
		}
	}
	emit := func(g string, f model.Fact) {
		if !kept[g] {
			facts = append(facts, f)
		}
	}

	attrs := model.Attrs{"address": d.addr, "discovered_from": d.from}
	set(attrs, "sysname", d.sysName)
	if len(d.dupOf) > 0 {
		attrs["duplicate_sysname_of"] = strings.Join(d.dupOf, ",")
	}
	set(attrs, "sysdescr", d.sysDescr)
	set(attrs, "sysobjectid", d.sysObjectID)
	set(attrs, "chassis_id", d.chassisID)
	set(attrs, "vendor", d.vendor)
	set(attrs, "model", d.model)
	set(attrs, "serial", d.serial)
	set(attrs, "version", d.version)
	emit("", model.Entity(sw, sw, d.name, attrs))

	ifOwner := ownerID(groupIf)
	ids := map[int]model.ID{}
	indexes := make([]int, 0, len(d.ports))
	for i := range d.ports {
		indexes = append(indexes, i)
	}
	slices.Sort(indexes)
	for _, i := range indexes {
		p := d.ports[i]
		kind := model.KindPort
		if p.isLAG() {
			kind = model.KindPortChannel
		}
		id := model.NewID(kind, d.name, p.name)
		ids[i] = id
		emit(groupIf, model.Entity(ifOwner, id, p.name, p.attrs(kind)))
		emit(groupIf, model.Relation(ifOwner, sw, model.RelHasPort, id, nil))
	}

	vlanOwner := ownerID(groupVLAN)
	vids := make([]int, 0, len(d.vlans))
	for vid := range d.vlans {
		vids = append(vids, vid)
	}
	slices.Sort(vids)
	for _, vid := range vids {
		v := d.vlans[vid]
		a := model.Attrs{"vid": strconv.Itoa(vid)}
		set(a, "name", v.name)
		set(a, "status", v.status)
		emit(groupVLAN, model.Entity(vlanOwner, vlanID(d.name, vid), v.name, a))
	}
	seen := map[string]bool{}
	for _, m := range d.members {
		id, ok := ids[m.ifIndex]
		if !ok || d.vlans[m.vid] == nil {
			continue
		}
		f := model.Relation(vlanOwner, id, model.RelCarries, vlanID(d.name, m.vid), model.Attrs{"tagged": strconv.FormatBool(m.tagged)})
		if !seen[f.Key()] {
			seen[f.Key()] = true
			emit(groupVLAN, f)
		}
	}

	fdbOwner := ownerID(groupFDB)
	for _, e := range d.fdb {
		id, ok := ids[e.ifIndex]
		if !ok {
			continue
		}
		mac := model.NewID(model.KindMAC, e.mac)
		a := model.Attrs{}
		if e.vlan > 0 {
			a["vlan"] = strconv.Itoa(e.vlan)
		}
		set(a, "status", e.status)
		f := model.Relation(fdbOwner, id, model.RelLearned, mac, a)
		if seen[f.Key()] { // one MAC on one port in two VLANs: the first wins
			continue
		}
		seen[f.Key()] = true
		if !kept[groupFDB] && !macs[e.mac] {
			macs[e.mac] = true
			facts = append(facts, model.Entity(fdbOwner, mac, e.mac, nil))
		}
		emit(groupFDB, f)
	}

	lagOwner := ownerID(groupLAG)
	members := make([]int, 0, len(d.lag))
	for i := range d.lag {
		members = append(members, i)
	}
	slices.Sort(members)
	for _, i := range members {
		m := d.lag[i]
		from, ok1 := ids[i]
		to, ok2 := ids[m.agg]
		if ok1 && ok2 {
			emit(groupLAG, model.Relation(lagOwner, from, model.RelInLAG, to, model.Attrs{"source": m.source}))
		}
	}

	arpOwner := ownerID(groupARP)
	for _, e := range d.arp {
		a := model.Attrs{"mac": e.mac}
		set(a, "type", e.typ)
		if p, ok := d.ports[e.ifIndex]; ok {
			a["interface"] = p.name
			if vid, ok := sviVLAN(p.name); ok {
				a["vlan"] = strconv.Itoa(vid)
			}
		}
		f := model.Relation(arpOwner, sw, model.RelARP, model.NewID(model.KindIP, e.addr.String()), a)
		if seen[f.Key()] { // one address on two interfaces (VRFs): the first wins
			continue
		}
		seen[f.Key()] = true
		emit(groupARP, f)
	}
	return facts, keep, failures
}

// sviVLAN returns the VLAN of a normalized SVI name, Vlan110 → 110.
func sviVLAN(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "Vlan")
	if !ok {
		return 0, false
	}
	vid, err := strconv.Atoi(rest)
	if err != nil || vid < 1 || vid > 4094 || strconv.Itoa(vid) != rest {
		return 0, false
	}
	return vid, true
}

func vlanID(sw string, vid int) model.ID {
	return model.NewID(model.KindVLAN, sw, strconv.Itoa(vid))
}

// attrs are a port's or port-channel's attributes.
func (p *port) attrs(kind model.Kind) model.Attrs {
	a := model.Attrs{"ifindex": strconv.Itoa(p.ifIndex)}
	set(a, "ifname", p.ifName)
	set(a, "oper", p.oper)
	if p.hasSpeed {
		a["speed_mbps"] = strconv.FormatInt(p.speedMbps, 10)
	}
	set(a, "mode", p.mode)
	switch p.mode {
	case "trunk":
		if p.nativeVLAN > 0 {
			a["native_vlan"] = strconv.Itoa(p.nativeVLAN)
		}
		set(a, "allowed_vlans", Ranges(p.allowed))
	case "access":
		if p.accessVLAN > 0 {
			a["access_vlan"] = strconv.Itoa(p.accessVLAN)
		}
	}
	if kind == model.KindPortChannel {
		return a
	}
	set(a, "ifdescr", p.ifDescr)
	set(a, "alias", p.alias)
	set(a, "type", ifTypeName(p.ifType))
	if p.hasMTU {
		a["mtu"] = strconv.FormatInt(p.mtu, 10)
	}
	set(a, "mac", p.mac)
	set(a, "admin", p.admin)
	for i, n := range p.lldp {
		k := neighbourKey("lldp", i)
		set(a, k("chassis"), n.chassis)
		set(a, k("port"), n.port)
		set(a, k("port_desc"), n.portDesc)
		set(a, k("system"), n.system)
		if n.mgmt.IsValid() {
			a[k("mgmt_addr")] = n.mgmt.String()
		}
	}
	if len(p.lldp) > 1 {
		a["lldp_count"] = strconv.Itoa(len(p.lldp))
	}
	for i, n := range p.cdp {
		k := neighbourKey("cdp", i)
		set(a, k("device"), n.device)
		set(a, k("port"), n.port)
		set(a, k("platform"), n.platform)
		if n.addr.IsValid() {
			a[k("address")] = n.addr.String()
		}
		if n.native > 0 {
			a[k("native_vlan")] = strconv.Itoa(n.native)
		}
	}
	if len(p.cdp) > 1 {
		a["cdp_count"] = strconv.Itoa(len(p.cdp))
	}
	return a
}

// neighbourKey names the attributes of a port's i-th neighbour (from 0) of
// a protocol: the first as lldp_system, the others as lldp_2_system,
// lldp_3_system… (docs/facts.md).
func neighbourKey(proto string, i int) func(string) string {
	prefix := proto + "_"
	if i > 0 {
		prefix += strconv.Itoa(i+1) + "_"
	}
	return func(field string) string { return prefix + field }
}

func ifTypeName(t int) string {
	if t == 0 {
		return ""
	}
	if n, ok := ifTypes[t]; ok {
		return n
	}
	return strconv.Itoa(t)
}

// set adds a non-empty value: absent information is an absent key.
func set(a model.Attrs, k, v string) {
	if v != "" {
		a[k] = v
	}
}
