package correlate

import (
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

	hostByName      map[string]model.ID              // folded host name and short name → host
	pnicsOfHost     map[model.ID]map[string]model.ID // host → folded device name and MAC → pnic
	pnicByMAC       map[string]model.ID
	switchByName    map[string]model.ID // folded switch name and short name → switch
	switchByChassis map[string]model.ID
	portsOfSwitch   map[model.ID]map[string]model.ID // switch → folded normalized port name → port
	isl             map[model.ID]bool                // ports whose neighbour is a known switch
	bundle          map[model.ID]model.ID            // port → its port-channel
}

func index(at time.Time, versions []model.Version) *facts {
	ix := &facts{
		hostByName:      map[string]model.ID{},
		pnicsOfHost:     map[model.ID]map[string]model.ID{},
		pnicByMAC:       map[string]model.ID{},
		switchByName:    map[string]model.ID{},
		switchByChassis: map[string]model.ID{},
		portsOfSwitch:   map[model.ID]map[string]model.ID{},
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
			for _, n := range names(v.Subject.Key(), v.Name) {
				ix.hostByName[n] = v.Subject
			}
		case v.Kind == model.KindSwitch:
			for _, n := range names(v.Subject.Key(), v.Name) {
				ix.switchByName[n] = v.Subject
			}
			if c := model.NormalizeMAC(v.Attrs["chassis_id"]); c != "" {
				ix.switchByChassis[c] = v.Subject
			}
		case v.Kind == model.KindPort, v.Kind == model.KindPortChannel:
			if v.Kind == model.KindPort {
				ix.ports = append(ix.ports, entity{id: v.Subject, name: v.Name, attrs: v.Attrs})
			}
			sw, name, _ := strings.Cut(v.Subject.Key(), "/")
			ix.addPort(model.NewID(model.KindSwitch, sw), v.Subject, name, v.Attrs["ifname"], v.Attrs["ifdescr"])
		case v.Kind == model.KindPNIC:
			ix.pnics = append(ix.pnics, entity{id: v.Subject, name: v.Name, attrs: v.Attrs})
			if m := model.NormalizeMAC(v.Attrs["mac"]); m != "" {
				ix.pnicByMAC[m] = v.Subject
			}
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
		if ix.switchNamed(port.attrs["lldp_system"]) != "" || ix.switchNamed(port.attrs["cdp_device"]) != "" ||
			ix.switchByChassis[model.NormalizeMAC(port.attrs["lldp_chassis"])] != "" {
			ix.isl[port.id] = true
		}
	}
	return ix
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
func (ix *facts) host(name string) model.ID {
	for _, n := range names(name) {
		if h, ok := ix.hostByName[n]; ok {
			return h
		}
	}
	return ""
}

// switchNamed resolves a neighbour's system name or CDP device ID to a switch.
func (ix *facts) switchNamed(name string) model.ID {
	for _, n := range names(name) {
		if s, ok := ix.switchByName[n]; ok {
			return s
		}
	}
	return ""
}

// pnicOf finds the pNIC of host named by a neighbour's port ID or
// description (the device name, or its MAC).
func (ix *facts) pnicOf(host model.ID, ids ...string) model.ID {
	m := ix.pnicsOfHost[host]
	for _, id := range ids {
		if p, ok := m[strings.ToLower(strings.TrimSpace(id))]; ok {
			return p
		}
		if p, ok := m[model.NormalizeMAC(id)]; ok && id != "" {
			return p
		}
	}
	return ""
}

// portOf finds the port of switch sw named by a neighbour's port ID or
// description, in any spelling of the interface name.
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
	return ""
}

func fold(name string) string { return strings.ToLower(ifname.Normalize(name)) }

// names returns the folded spellings a device may be known by: as given,
// without a CDP serial suffix ("leaf1(FDO2231)"), and without its domain.
func names(ss ...string) []string {
	var r []string
	for _, s := range ss {
		s = strings.ToLower(strings.TrimSpace(s))
		if i := strings.IndexByte(s, '('); i > 0 {
			s = s[:i]
		}
		if s == "" {
			continue
		}
		r = append(r, s)
		if short, _, ok := strings.Cut(s, "."); ok && short != "" && !isAddress(s) {
			r = append(r, short)
		}
	}
	return r
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
