package correlate

import (
	"net/netip"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/ifname"
	"github.com/vnetmap/vnetmap/internal/model"
)

type entity struct {
	id    model.ID
	name  string
	attrs model.Attrs
}

type learnedMAC struct {
	port model.ID
	mac  string
}

// facts indexes what correlation joins on.
type facts struct {
	ports   []entity
	pnics   []entity
	learned []learnedMAC

	hostByName      nameIndex                        // host name (ID key, name) → host
	pnicsOfHost     map[model.ID]map[string]model.ID // host → folded device name and MAC → pnic
	pnicByMAC       unique
	switchByName    nameIndex                        // switch name (ID key, name, raw sysName) → switch
	switchByChassis unique                           // LLDP chassis ID (a MAC, or a locally assigned string) → switch
	switchByAddr    unique                           // management address polled → switch
	portsOfSwitch   map[model.ID]map[string]model.ID // switch → folded normalized port name → port
	portsByAlt      map[model.ID]unique              // switch → "ifindex:N" and "alias:<folded ifAlias>" → port
	isl             map[model.ID]bool                // ports whose neighbour is a known switch
	bundle          map[model.ID]model.ID            // port → its port-channel
}

func index(at time.Time, versions []model.Version) *facts {
	ix := &facts{
		hostByName:      newNameIndex(),
		pnicsOfHost:     map[model.ID]map[string]model.ID{},
		pnicByMAC:       unique{},
		switchByName:    newNameIndex(),
		switchByChassis: unique{},
		switchByAddr:    unique{},
		portsOfSwitch:   map[model.ID]map[string]model.ID{},
		portsByAlt:      map[model.ID]unique{},
		isl:             map[model.ID]bool{},
		bundle:          map[model.ID]model.ID{},
	}
	portOwner := map[model.ID]model.ID{} // port → switch, from has_port
	var hasPNIC []model.Version
	for _, v := range versions {
		if !v.ValidAt(at) || v.Source == Source {
			continue
		}
		switch {
		case v.Rel == model.RelHasPNIC:
			hasPNIC = append(hasPNIC, v)
		case v.Rel == model.RelHasPort:
			portOwner[v.Object] = v.Subject
		case v.Rel == model.RelInLAG:
			ix.bundle[v.Subject] = v.Object
		case v.Rel == model.RelLearned:
			ix.learned = append(ix.learned, learnedMAC{port: v.Subject, mac: model.NormalizeMAC(v.Object.Key())})
		case v.IsRelation():
		case v.Kind == model.KindHost:
			ix.hostByName.add(v.Subject, v.Subject.Key(), v.Name)
		case v.Kind == model.KindSwitch:
			ix.switchByName.add(v.Subject, v.Subject.Key(), v.Name, v.Attrs["sysname"])
			ix.switchByChassis.add(chassisKey(v.Attrs["chassis_id"]), v.Subject)
			ix.switchByAddr.add(addrKey(v.Attrs["address"]), v.Subject)
		case v.Kind == model.KindPort, v.Kind == model.KindPortChannel:
			if v.Kind == model.KindPort {
				ix.ports = append(ix.ports, entity{id: v.Subject, name: v.Name, attrs: v.Attrs})
			}
			sw, name, _ := strings.Cut(v.Subject.Key(), "/")
			ix.addPort(model.NewID(model.KindSwitch, sw), v.Subject, name, v.Attrs["ifname"], v.Attrs["ifdescr"])
			ix.addPortAlt(model.NewID(model.KindSwitch, sw), v.Subject, v.Attrs["ifindex"], v.Attrs["alias"])
		case v.Kind == model.KindPNIC:
			ix.pnics = append(ix.pnics, entity{id: v.Subject, name: v.Name, attrs: v.Attrs})
			ix.pnicByMAC.add(model.NormalizeMAC(v.Attrs["mac"]), v.Subject)
		}
	}
	for port, sw := range portOwner {
		sw2, name, _ := strings.Cut(port.Key(), "/")
		if model.NewID(model.KindSwitch, sw2) != sw {
			ix.addPort(sw, port, name)
		}
	}
	for _, v := range hasPNIC {
		dev := v.Object.Key()
		if i := strings.LastIndexByte(dev, '/'); i >= 0 {
			dev = dev[i+1:]
		}
		ix.addPNIC(v.Subject, v.Object, dev)
	}
	for _, p := range ix.pnics {
		host, dev, _ := strings.Cut(p.id.Key(), "/")
		hid := model.NewID(model.KindHost, host)
		ix.addPNIC(hid, p.id, dev)
		ix.addPNIC(hid, p.id, p.attrs["device"])
		ix.addPNIC(hid, p.id, model.NormalizeMAC(p.attrs["mac"]))
	}
	for _, port := range ix.ports {
		for _, n := range neighbours(port.attrs) {
			if ix.lldpSwitch(n) != "" || ix.cdpSwitch(n) != "" {
				ix.isl[port.id] = true
			}
		}
	}
	return ix
}

// unique maps a key to the one entity known by it. A key that several
// entities share (two switches answering to one sysName, one MAC on two
// pNICs) maps to none of them rather than to whichever came last: a
// neighbour that names it is resolved by something else, or not at all.
type unique map[string]model.ID

// ambiguous marks a key of unique shared by several entities.
const ambiguous model.ID = "\x00ambiguous"

func (u unique) add(key string, id model.ID) {
	if key == "" {
		return
	}
	if old, ok := u[key]; ok && old != id {
		id = ambiguous
	}
	u[key] = id
}

// get returns the entity known by key: "" when none or several are.
func (u unique) get(key string) model.ID {
	if id := u[key]; id != ambiguous {
		return id
	}
	return ""
}

// nameIndex resolves device names: a full name (folded) first, then a
// short name (without the domain), each only when one device has it.
type nameIndex struct{ full, short unique }

func newNameIndex() nameIndex { return nameIndex{full: unique{}, short: unique{}} }

func (n nameIndex) add(id model.ID, spellings ...string) {
	for _, s := range spellings {
		if s = foldName(s); s == "" {
			continue
		}
		n.full.add(s, id)
		if short := shortName(s); short != s {
			n.short.add(short, id)
		}
	}
}

// get resolves a name a neighbour announces: as a full name, then its short
// name as a full or short name. A spelling several devices share resolves
// to none of them.
func (n nameIndex) get(name string) model.ID {
	name = foldName(name)
	if name == "" {
		return ""
	}
	if _, ok := n.full[name]; ok {
		return n.full.get(name)
	}
	short := shortName(name)
	for _, u := range []unique{n.full, n.short} {
		if _, ok := u[short]; ok {
			return u.get(short)
		}
	}
	return ""
}

// lldpSwitch resolves what an LLDP neighbour (a switch port's, or a host's
// hint) says about itself to a known switch: its chassis ID, else its
// system name, else its management address. A chassis ID that is no
// known switch's (a locally assigned string, a MAC the switch did not
// report) does not stop the system name from resolving it.
func (ix *facts) lldpSwitch(a model.Attrs) model.ID {
	if sw := ix.switchByChassis.get(chassisKey(a["lldp_chassis"])); sw != "" {
		return sw
	}
	if sw := ix.switchByName.get(a["lldp_system"]); sw != "" {
		return sw
	}
	return ix.switchByAddr.get(addrKey(a["lldp_mgmt_addr"]))
}

// cdpSwitch resolves a CDP neighbour (a switch port's, or a host's hint) to
// a known switch: its device ID, else its address.
func (ix *facts) cdpSwitch(a model.Attrs) model.ID {
	if sw := ix.switchByName.get(a["cdp_device"]); sw != "" {
		return sw
	}
	return ix.switchByAddr.get(addrKey(a["cdp_address"]))
}

// chassisKey is how an LLDP chassis ID is matched: a MAC in its canonical
// form, any other ID (a locally assigned string, a name) folded.
func chassisKey(id string) string {
	if m := model.NormalizeMAC(id); m != "" {
		return m
	}
	if s := foldName(id); s != "" {
		return "id:" + s
	}
	return ""
}

// addrKey is how a management address is matched: an IP address in its
// canonical form, nothing else.
func addrKey(s string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return a.Unmap().String()
}

func (ix *facts) addPort(sw, port model.ID, spellings ...string) {
	m := ix.portsOfSwitch[sw]
	if m == nil {
		m = map[string]model.ID{}
		ix.portsOfSwitch[sw] = m
	}
	for _, s := range spellings {
		if s != "" {
			m[fold(s)] = port
		}
	}
}

// addPortAlt indexes what else a neighbour may name a port by: its ifIndex
// (Junos sends it as the port ID, subtype local) and its ifAlias (the port
// description some switches send instead of the interface name). An alias
// several ports share names none of them.
func (ix *facts) addPortAlt(sw, port model.ID, ifIndex, alias string) {
	u := ix.portsByAlt[sw]
	if u == nil {
		u = unique{}
		ix.portsByAlt[sw] = u
	}
	if ifIndex != "" {
		u.add("ifindex:"+ifIndex, port)
	}
	if a := foldName(alias); a != "" {
		u.add("alias:"+a, port)
	}
}

func (ix *facts) addPNIC(host, pnic model.ID, spelling string) {
	if spelling == "" {
		return
	}
	m := ix.pnicsOfHost[host]
	if m == nil {
		m = map[string]model.ID{}
		ix.pnicsOfHost[host] = m
	}
	m[strings.ToLower(spelling)] = pnic
}

// host resolves a neighbour's system name or CDP device ID to a host.
func (ix *facts) host(name string) model.ID { return ix.hostByName.get(name) }

// switchNamed resolves a switch name (a declared cable's) to a switch.
func (ix *facts) switchNamed(name string) model.ID { return ix.switchByName.get(name) }

// pnicOf finds the pNIC of host named by a neighbour's port ID or
// description (the device name, or its MAC).
func (ix *facts) pnicOf(host model.ID, ids ...string) model.ID {
	m := ix.pnicsOfHost[host]
	for _, id := range ids {
		if id = strings.ToLower(strings.Trim(id, " \t\r\n\x00")); id == "" {
			continue
		}
		if p, ok := m[id]; ok {
			return p
		}
		if p, ok := m[model.NormalizeMAC(id)]; ok {
			return p
		}
	}
	return ""
}

// lldpPNIC resolves a switch port's LLDP neighbour to a host pNIC. The
// neighbour is a host by its system name (or, when vCenter names hosts by
// address, its management address), and the pNIC is that host's device
// named by the port ID or description (ESXi sends the vmnic name), or whose
// MAC they are. A port ID or description that is a pNIC's MAC (lldpd's
// default, port ID subtype 3) names it whatever the system name (empty,
// unknown). A chassis ID that is a pNIC's MAC names its host, whose device
// the port ID then names.
func (ix *facts) lldpPNIC(a model.Attrs) model.ID {
	port, desc := a["lldp_port"], a["lldp_port_desc"]
	if h := ix.host(a["lldp_system"]); h != "" {
		if p := ix.pnicOf(h, port, desc); p != "" {
			return p
		}
	}
	for _, id := range []string{port, desc} {
		if p := ix.pnicByMAC.get(model.NormalizeMAC(id)); p != "" {
			return p
		}
	}
	for _, h := range []model.ID{ix.hostOfPNIC(ix.pnicByMAC.get(model.NormalizeMAC(a["lldp_chassis"]))), ix.host(addrKey(a["lldp_mgmt_addr"]))} {
		if p := ix.pnicOf(h, port, desc); h != "" && p != "" {
			return p
		}
	}
	return ""
}

// cdpPNIC resolves a switch port's CDP neighbour to a host pNIC: the host
// by its device ID (or address, when vCenter names hosts by address), the
// pNIC by the port ID.
func (ix *facts) cdpPNIC(a model.Attrs) model.ID {
	for _, h := range []model.ID{ix.host(a["cdp_device"]), ix.host(addrKey(a["cdp_address"]))} {
		if p := ix.pnicOf(h, a["cdp_port"]); h != "" && p != "" {
			return p
		}
	}
	return ""
}

// hostOfPNIC is the host a pNIC belongs to, by its ID (`host/device`).
func (ix *facts) hostOfPNIC(pnic model.ID) model.ID {
	if pnic == "" {
		return ""
	}
	host, _, _ := strings.Cut(pnic.Key(), "/")
	return model.NewID(model.KindHost, host)
}

// portOf finds the port of switch sw named by a neighbour's port ID or
// description: in any spelling of the interface name, else as its ifIndex
// (a number) or its ifAlias.
func (ix *facts) portOf(sw model.ID, ids ...string) model.ID {
	m := ix.portsOfSwitch[sw]
	for _, id := range ids {
		if id == "" {
			continue
		}
		if p, ok := m[fold(id)]; ok {
			return p
		}
	}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if isDigits(id) {
			if p := ix.portsByAlt[sw].get("ifindex:" + id); p != "" {
				return p
			}
		}
		if p := ix.portsByAlt[sw].get("alias:" + foldName(id)); p != "" {
			return p
		}
	}
	return ""
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func fold(name string) string { return strings.ToLower(ifname.Normalize(name)) }

// foldName is the spelling a device name is matched by: lower case, with
// no surrounding blanks or NULs (agents pad names) and no CDP serial suffix
// ("leaf1(FDO2231)").
func foldName(s string) string {
	s = strings.ToLower(strings.Trim(s, " \t\r\n\x00"))
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// shortName is a folded name without its domain; an address, or a name
// with one ("core@10.0.0.22", two devices answering to one sysName), is
// kept whole.
func shortName(s string) string {
	if short, _, ok := strings.Cut(s, "."); ok && short != "" && !isAddress(s) && !strings.ContainsAny(s, "@:") {
		return short
	}
	return s
}

func isAddress(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.') {
			return false
		}
	}
	return true
}

// logicalPort names the logical port a MAC is learned on: a port-channel
// (a member port counts as its bundle), by its name alone, so that the two
// halves of an MLAG/vPC bundle (Port-channel101 on both peers) are one.
func (ix *facts) logicalPort(port model.ID) string {
	if pc, ok := ix.bundle[port]; ok {
		port = pc
	}
	if port.Kind() == model.KindPortChannel {
		_, name, _ := strings.Cut(port.Key(), "/")
		return "bundle:" + strings.ToLower(ifname.Normalize(name))
	}
	return string(port)
}
