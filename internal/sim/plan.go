package sim

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// The plan is the whole data center as data, computed from a Config alone:
// names, MACs, addresses, cabling, placement. Start applies it to the vSphere
// simulator; keeping it pure makes the determinism easy to see.

// scope says where a port group exists, or where a VM role may run.
type scope uint8

const (
	everyHost     scope = iota // standard port group on vSwitch0 of every host
	standardHosts              // standard port group on vSwitch0 of hosts in the standard clusters
	storageHosts               // standard port group on vSwitch1, on hosts that have one
	dvsHosts                   // distributed port group on the distributed switch
)

// Fixed names and numbers of the layout.
const (
	dvsName      = "dvs-prod"
	lagName      = "lag1"
	lagKey       = "lag-1"
	datastore    = "nfs-ds01"
	vswitch0     = "vSwitch0"
	vswitch1     = "vSwitch1"
	mgmtPG       = "Management Network"
	storagePG    = "nfs-v30"
	nativeVLAN   = 1
	pvlanPrimary = 500
	leafPlatform = "N9K-C93180YC-FX"
	leafVersion  = "Cisco Nexus Operating System (NX-OS) Software, Version 10.2(5)"
	leafMTU      = 9216
	firstVNICKey = 4000
	portChannel0 = 100 // port-channel number of the host at rack position p is portChannel0+p+1
)

// dvsUplinks are the uplink port names of every distributed switch member:
// two plain uplinks, then the ports of lag1.
var dvsUplinks = []string{"uplink1", "uplink2", lagName + "-0", lagName + "-1"}

// vlanRange is an inclusive range of VLAN ids.
type vlanRange struct{ lo, hi int }

// portgroupPlan is one port group, standard or distributed.
type portgroupPlan struct {
	name  string
	where scope
	vlan  int         // access VLAN, 0 untagged
	trunk []vlanRange // VLAN trunk ranges, for a trunk port group
	pvlan int         // isolated secondary VLAN of pvlanPrimary, for a private VLAN port group
	// vmkernel port groups carry host traffic only: vCenter has no network
	// object for them.
	vmkernel bool
	// standbyFirst overrides the vSwitch teaming order: vmnic1 active,
	// vmnic0 standby.
	standbyFirst bool
	subnet       netip.Prefix // guest IPv4 addresses
	subnet6      netip.Prefix // guest IPv6 addresses, for roles that have them
}

// vlans returns the VLANs the port group needs on its uplinks.
func (pg *portgroupPlan) vlans() []vlanRange {
	switch {
	case len(pg.trunk) > 0:
		return pg.trunk
	case pg.pvlan != 0:
		return []vlanRange{{pvlanPrimary, pvlanPrimary}, {pg.pvlan, pg.pvlan}}
	case pg.vlan != 0:
		return []vlanRange{{pg.vlan, pg.vlan}}
	}
	return nil
}

func prefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// portgroupTable is every port group of the data center. "VM Network" is
// the simulator's default network on vSwitch0 and is kept as it is.
var portgroupTable = []portgroupPlan{
	{name: mgmtPG, where: everyHost, vlan: 10, vmkernel: true, subnet: prefix("10.10.0.0/16")},
	{name: "VM Network", where: everyHost},
	{name: "mon-v240", where: everyHost, vlan: 240, subnet: prefix("10.240.0.0/16")},
	{name: "shop-web-v210", where: standardHosts, vlan: 210, subnet: prefix("10.210.0.0/16"), subnet6: prefix("fd00:0:210::/64")},
	{name: "shop-app-v220", where: standardHosts, vlan: 220, subnet: prefix("10.220.0.0/16")},
	{name: "shop-db-v230", where: standardHosts, vlan: 230, standbyFirst: true, subnet: prefix("10.230.0.0/16")},
	{name: storagePG, where: storageHosts, vlan: 30, vmkernel: true, subnet: prefix("10.30.0.0/16")},
	{name: "prod-web-v110", where: dvsHosts, vlan: 110, subnet: prefix("10.110.0.0/16"), subnet6: prefix("fd00:0:110::/64")},
	{name: "prod-app-v120", where: dvsHosts, vlan: 120, subnet: prefix("10.120.0.0/16")},
	{name: "prod-db-v130", where: dvsHosts, vlan: 130, subnet: prefix("10.130.0.0/16")},
	{name: "prod-kafka-v140", where: dvsHosts, vlan: 140, subnet: prefix("10.140.0.0/16")},
	{name: "prod-ldap-v150", where: dvsHosts, vlan: 150, subnet: prefix("10.150.0.0/16")},
	{name: "prod-backup-v160", where: dvsHosts, vlan: 160, subnet: prefix("10.160.0.0/16")},
	{name: "prod-trunk", where: dvsHosts, trunk: []vlanRange{{100, 199}, {300, 300}}, subnet: prefix("172.16.0.0/16")},
	{name: "prod-dmz-pvlan", where: dvsHosts, pvlan: 501, subnet: prefix("10.50.0.0/16")},
}

// role is a kind of VM: its name pattern, application and network needs.
type role struct {
	format string // name pattern with one integer verb
	app    string
	owner  string
	env    string // first folder level, and the env tag
	tier   string // the tier tag
	where  scope  // dvsHosts, standardHosts or everyHost
	nics   []string
	second float64 // probability of the second vNIC
	weight int
	guest  string // guest OS identifier
	cpus   int32
	memMB  int64
}

var roles = []role{
	{"web%02d", "portal", "team-web", "prod", "web", dvsHosts, []string{"prod-web-v110", "prod-backup-v160"}, 0.2, 18, "ubuntu64Guest", 2, 4096},
	{"app-billing-%02d", "billing", "team-billing", "prod", "app", dvsHosts, []string{"prod-app-v120", "prod-db-v130"}, 0.5, 8, "rhel9_64Guest", 4, 8192},
	{"app-orders-%02d", "orders", "team-orders", "prod", "app", dvsHosts, []string{"prod-app-v120", "prod-db-v130"}, 0.5, 8, "rhel9_64Guest", 4, 8192},
	{"db%02d", "postgres", "team-data", "prod", "db", dvsHosts, []string{"prod-db-v130", "prod-backup-v160"}, 1, 8, "rhel8_64Guest", 8, 32768},
	{"kafka-%02d", "kafka", "team-data", "prod", "messaging", dvsHosts, []string{"prod-kafka-v140"}, 0, 6, "rhel9_64Guest", 4, 16384},
	{"ldap-%02d", "ldap", "team-infra", "infra", "directory", dvsHosts, []string{"prod-ldap-v150"}, 0, 3, "debian12_64Guest", 2, 4096},
	{"fw-edge-%02d", "edge-firewall", "team-net", "dmz", "edge", dvsHosts, []string{"prod-trunk", "prod-dmz-pvlan"}, 1, 1, "otherLinux64Guest", 4, 8192},
	{"dmz-proxy-%02d", "dmz-proxy", "team-net", "dmz", "edge", dvsHosts, []string{"prod-dmz-pvlan"}, 0, 2, "debian12_64Guest", 2, 2048},
	{"shop-web-%02d", "shop", "team-shop", "shop", "web", standardHosts, []string{"shop-web-v210"}, 0, 16, "ubuntu64Guest", 2, 4096},
	{"shop-app-%02d", "shop", "team-shop", "shop", "app", standardHosts, []string{"shop-app-v220", "shop-db-v230"}, 0.3, 10, "ubuntu64Guest", 4, 8192},
	{"shop-db-%02d", "shop", "team-shop", "shop", "db", standardHosts, []string{"shop-db-v230"}, 0, 4, "windows2019srv_64Guest", 8, 32768},
	{"mon-prom-%02d", "monitoring", "team-ops", "infra", "monitoring", everyHost, []string{"mon-v240"}, 0, 3, "ubuntu64Guest", 2, 8192},
}

// nicModel is the network card every host of a cluster has.
type nicModel struct {
	driver string
	oui    [3]byte
	speed  int // Mb/s
}

var nicModels = []nicModel{
	{"i40en", [3]byte{0x3c, 0xfd, 0xfe}, 10000},      // Intel X710
	{"bnxtnet", [3]byte{0x00, 0x0a, 0xf7}, 25000},    // Broadcom BCM57414
	{"nmlx5_core", [3]byte{0xb8, 0x59, 0x9f}, 25000}, // Mellanox ConnectX-4 Lx
}

var serverModels = [][2]string{
	{"Dell Inc.", "PowerEdge R650"},
	{"HPE", "ProLiant DL360 Gen10 Plus"},
	{"Lenovo", "ThinkSystem SR630 V2"},
}

// uplinkUse is what a pNIC is for.
type uplinkUse uint8

const (
	vs0Active  uplinkUse = iota // vSwitch0 active
	vs0Standby                  // vSwitch0 standby
	vs1Active                   // vSwitch1 active
	lagPort                     // port of lag1 on the distributed switch
)

type pnicPlan struct {
	device string
	mac    string
	pci    string
	use    uplinkUse
	cable  Cable
}

type clusterPlan struct {
	name  string
	dvs   bool
	hosts []int // indexes in plan.hosts
	nic   nicModel
	model [2]string // vendor, model
}

type hostPlan struct {
	name       string
	cluster    int
	rack, pos  int // 0-based rack, position in the rack
	mgmtIP     netip.Addr
	storageIP  netip.Addr // valid when the host has vSwitch1
	storageMAC string     // of vmk1, on vSwitch1
	pnics      []pnicPlan
	dvsPorts   []string // uplink port keys, in the order of dvsUplinks, for distributed switch members
}

// has reports whether the host has the port group.
func (h *hostPlan) has(p *plan, pg *portgroupPlan) bool {
	switch pg.where {
	case everyHost:
		return true
	case standardHosts:
		return !p.clusters[h.cluster].dvs
	case storageHosts:
		return h.storageIP.IsValid()
	case dvsHosts:
		return p.clusters[h.cluster].dvs
	}
	return false
}

type vnicPlan struct {
	key       int32
	portgroup int // index in plan.portgroups
	mac       string
	ips       []netip.Addr
	dvport    string // port key on the distributed switch
}

type vmPlan struct {
	name         string
	role         *role
	host         int // initial host, index in plan.hosts
	uuid         string
	instanceUUID string
	nics         []vnicPlan
}

// folder returns the VM folder path under the datacenter's vm folder.
func (v *vmPlan) folder() []string { return []string{v.role.env, v.role.app} }

type plan struct {
	cfg        Config
	clusters   []clusterPlan
	hosts      []hostPlan
	switches   []Switch
	portgroups []portgroupPlan
	vms        []vmPlan
	dvsPorts   int // distributed switch port keys in use
}

// pgIndex returns the index of the port group named name.
func (p *plan) pgIndex(name string) int {
	return slices.IndexFunc(p.portgroups, func(pg portgroupPlan) bool { return pg.name == name })
}

// newPlan lays the data center out. cfg must be valid. Each part draws from
// its own random stream, so that changing the VM count keeps hosts and
// cabling as they were.
func newPlan(cfg Config) *plan {
	p := &plan{cfg: cfg, portgroups: portgroupTable}
	stream := func(n uint64) *rand.Rand { return rand.New(rand.NewPCG(uint64(cfg.Seed), n)) }
	p.layHosts(stream(1))
	p.laySwitches(stream(2))
	p.cable()
	p.layVMs(stream(3))
	return p
}

func (p *plan) layHosts(rnd *rand.Rand) {
	cfg := p.cfg
	width := max(2, len(strconv.Itoa(cfg.Clusters*cfg.HostsPerCluster)))
	dvsCount := cfg.dvsClusters()
	macs := make(map[uint32]bool)
	rack := 0
	for c := range cfg.Clusters {
		cl := clusterPlan{dvs: c < dvsCount, model: serverModels[rnd.IntN(len(serverModels))]}
		if cl.dvs {
			cl.name = fmt.Sprintf("prod-%02d", c+1)
			cl.nic = nicModels[1+rnd.IntN(2)] // the LACP bundles are 25G
		} else {
			cl.name = fmt.Sprintf("shop-%02d", c-dvsCount+1)
			cl.nic = nicModels[rnd.IntN(len(nicModels))]
		}
		for i := range cfg.HostsPerCluster {
			if i > 0 && i%cfg.HostsPerRack == 0 {
				rack++
			}
			n := len(p.hosts)
			h := hostPlan{
				name:    fmt.Sprintf("esx%0*d", width, n+1),
				cluster: c,
				rack:    rack,
				pos:     i % cfg.HostsPerRack,
				mgmtIP:  addrAt(p.portgroups[p.pgIndex(mgmtPG)].subnet, 11+n),
			}
			pnics := 4
			if !cl.dvs {
				pnics = 2 + rnd.IntN(3)
			}
			if pnics > 2 && !cl.dvs {
				h.storageIP = addrAt(p.portgroups[p.pgIndex(storagePG)].subnet, 11+n)
				h.storageMAC = fmt.Sprintf("00:50:56:6%x:%02x:%02x", n>>16&0xf, n>>8&0xff, n&0xff)
			}
			base := uniqueMAC(rnd, macs)
			for j := range pnics {
				use := []uplinkUse{vs0Active, vs0Standby, vs1Active, vs1Active}[j]
				if cl.dvs && j >= 2 {
					use = lagPort
				}
				b := base + uint32(j)
				h.pnics = append(h.pnics, pnicPlan{
					device: "vmnic" + strconv.Itoa(j),
					mac:    fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", cl.nic.oui[0], cl.nic.oui[1], cl.nic.oui[2], byte(b>>16), byte(b>>8), byte(b)),
					pci:    fmt.Sprintf("0000:%02x:00.%d", 0x31+j/2*0x20, j%2),
					use:    use,
				})
			}
			if cl.dvs {
				for range dvsUplinks {
					h.dvsPorts = append(h.dvsPorts, strconv.Itoa(p.dvsPorts))
					p.dvsPorts++
				}
			}
			cl.hosts = append(cl.hosts, n)
			p.hosts = append(p.hosts, h)
		}
		p.clusters = append(p.clusters, cl)
		rack++
	}
}

// uniqueMAC draws the low 24 bits of a card's first MAC; the card's ports
// take the next three values, so bases are multiples of 4.
func uniqueMAC(rnd *rand.Rand, used map[uint32]bool) uint32 {
	for {
		b := rnd.Uint32() & 0xfffffc
		if !used[b] {
			used[b] = true
			return b
		}
	}
}

func (p *plan) laySwitches(rnd *rand.Rand) {
	racks := p.hosts[len(p.hosts)-1].rack + 1
	for r := range racks {
		for side := range 2 {
			n := 2*r + side + 1
			p.switches = append(p.switches, Switch{
				Name:      "leaf" + strconv.Itoa(n),
				Rack:      r + 1,
				Peer:      "leaf" + strconv.Itoa(n+1-2*side),
				Address:   addrAt(prefix("10.254.0.0/16"), n).String(),
				ChassisID: fmt.Sprintf("00:de:fb:%02x:%02x:%02x", rnd.IntN(256), rnd.IntN(256), rnd.IntN(256)),
				Platform:  leafPlatform,
				Version:   leafVersion,
			})
		}
	}
}

// cable connects each host's pNICs alternately to the two leaves of its
// rack: pNICs 0 and 1 on the first block of ports, 2 and 3 on the second.
func (p *plan) cable() {
	for hi := range p.hosts {
		h := &p.hosts[hi]
		cl := &p.clusters[h.cluster]
		for j := range h.pnics {
			pn := &h.pnics[j]
			c := Cable{
				Host:   h.name,
				PNIC:   pn.device,
				MAC:    pn.mac,
				Switch: p.switches[p.leafOf(h, j)].Name,
				Port:   fmt.Sprintf("Ethernet1/%d", 1+h.pos+j/2*p.cfg.HostsPerRack),
				Native: nativeVLAN,
				Speed:  cl.nic.speed,
			}
			var need []vlanRange
			for _, pg := range p.carried(h, pn) {
				need = append(need, pg.vlans()...)
			}
			c.VLANs = formatRanges(need)
			switch pn.use {
			case lagPort:
				c.MTU, c.LAG, c.PortChannel = 9000, lagName, portChannel0+h.pos+1
			case vs1Active:
				c.MTU = 9000
			default:
				c.MTU = 1500
			}
			pn.cable = c
		}
	}
}

// leafOf returns the index in p.switches of the leaf the host's j-th pNIC
// is cabled to.
func (p *plan) leafOf(h *hostPlan, j int) int { return 2*h.rack + j%2 }

// carried returns the port groups whose traffic the pNIC carries.
func (p *plan) carried(h *hostPlan, pn *pnicPlan) []*portgroupPlan {
	var out []*portgroupPlan
	for i := range p.portgroups {
		pg := &p.portgroups[i]
		if !h.has(p, pg) {
			continue
		}
		switch {
		case pn.use == lagPort && pg.where == dvsHosts,
			(pn.use == vs0Active || pn.use == vs0Standby) && (pg.where == everyHost || pg.where == standardHosts),
			pn.use == vs1Active && pg.where == storageHosts:
			out = append(out, pg)
		}
	}
	return out
}

func (p *plan) layVMs(rnd *rand.Rand) {
	n := p.cfg.VMs
	counts := make([]int, len(roles))
	total := 0
	for i := range roles {
		total += roles[i].weight
	}
	if n >= len(roles) {
		for i := range counts {
			counts[i] = 1
		}
		n -= len(roles)
	}
	for range n {
		w := rnd.IntN(total)
		i := 0
		for w >= roles[i].weight {
			w -= roles[i].weight
			i++
		}
		counts[i]++
	}

	hostsFor := func(s scope) []int {
		var out []int
		for i := range p.hosts {
			dvs := p.clusters[p.hosts[i].cluster].dvs
			if s == everyHost || (s == dvsHosts) == dvs {
				out = append(out, i)
			}
		}
		return out
	}
	candidates := map[scope][]int{dvsHosts: hostsFor(dvsHosts), standardHosts: hostsFor(standardHosts), everyHost: hostsFor(everyHost)}
	macs := make(map[uint32]bool)
	next := make([]int, len(p.portgroups)) // addresses handed out per port group
	for ri := range roles {
		r := &roles[ri]
		for k := range counts[ri] {
			hs := candidates[r.where]
			vm := vmPlan{
				name:         fmt.Sprintf(r.format, k+1),
				role:         r,
				host:         hs[rnd.IntN(len(hs))],
				uuid:         vmUUID(rnd, 0x42),
				instanceUUID: vmUUID(rnd, 0x50),
			}
			nics := 1
			if len(r.nics) > 1 && rnd.Float64() < r.second {
				nics = 2
			}
			for j := range nics {
				pgi := p.pgIndex(r.nics[j])
				pg := &p.portgroups[pgi]
				nic := vnicPlan{
					key:       firstVNICKey + int32(j),
					portgroup: pgi,
					mac:       vmMAC(rnd, macs),
					ips:       []netip.Addr{addrAt(pg.subnet, 10+next[pgi])},
				}
				if j == 0 && pg.subnet6.IsValid() {
					nic.ips = append(nic.ips, addrAt(pg.subnet6, 10+next[pgi]))
				}
				next[pgi]++
				if pg.where == dvsHosts {
					nic.dvport = strconv.Itoa(p.dvsPorts)
					p.dvsPorts++
				}
				vm.nics = append(vm.nics, nic)
			}
			p.vms = append(p.vms, vm)
		}
	}
}

// vmMAC draws a MAC from the range vCenter assigns, 00:50:56:80:00:00 to
// 00:50:56:bf:ff:ff.
func vmMAC(rnd *rand.Rand, used map[uint32]bool) string {
	for {
		b := 0x800000 | rnd.Uint32()&0x3fffff
		if !used[b] {
			used[b] = true
			return fmt.Sprintf("00:50:56:%02x:%02x:%02x", byte(b>>16), byte(b>>8), byte(b))
		}
	}
}

// vmUUID draws a UUID whose first byte is lead, as vCenter's BIOS (0x42)
// and instance (0x50) UUIDs have.
func vmUUID(rnd *rand.Rand, lead byte) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rnd.Uint32())
	}
	b[0] = lead
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// addrAt returns the n-th address of a prefix.
func addrAt(p netip.Prefix, n int) netip.Addr {
	b := p.Addr().AsSlice()
	for i := len(b) - 1; i >= 0 && n > 0; i-- {
		s := int(b[i]) + n
		b[i], n = byte(s), s>>8
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// mergeRanges sorts VLAN ranges and merges those that overlap or touch.
func mergeRanges(rs []vlanRange) []vlanRange {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b vlanRange) int { return a.lo - b.lo })
	var merged []vlanRange
	for _, r := range rs {
		if n := len(merged); n > 0 && r.lo <= merged[n-1].hi+1 {
			merged[n-1].hi = max(merged[n-1].hi, r.hi)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// formatRanges merges VLAN ranges into the "10,100-199,300" form.
func formatRanges(rs []vlanRange) string {
	merged := mergeRanges(rs)
	parts := make([]string, len(merged))
	for i, r := range merged {
		parts[i] = strconv.Itoa(r.lo)
		if r.hi != r.lo {
			parts[i] += "-" + strconv.Itoa(r.hi)
		}
	}
	return strings.Join(parts, ",")
}
