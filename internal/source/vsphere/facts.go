package vsphere

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vnetmap/vnetmap/internal/model"
)

// facts turns an inventory into facts, sorted by subject, relation and
// object so that two collections of the same state are equal.
func (c *Collector) facts(inv *inventory) []model.Fact {
	var out []model.Fact
	for _, dc := range inv.datacenters {
		id := model.NewID(model.KindDatacenter, c.cfg.Name, dc.Name)
		out = append(out, model.Entity(id, id, dc.Name, model.Attrs{"vcenter": c.vcenter}))
	}
	for _, cl := range inv.clusters {
		out = c.clusterFacts(out, inv, cl)
	}
	for _, h := range inv.hosts {
		out = c.hostFacts(out, inv, h)
	}
	for _, sw := range inv.switches {
		if sw.Config != nil {
			out = c.switchFacts(out, inv, sw)
		}
	}
	for _, vm := range inv.vms {
		out = c.vmFacts(out, vm, inv.places, inv.root, inv.tags[vm.Self])
	}
	sortFacts(out)
	return out
}

func sortFacts(facts []model.Fact) {
	slices.SortFunc(facts, func(a, b model.Fact) int {
		return cmp.Or(
			cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Rel, b.Rel),
			cmp.Compare(a.Object, b.Object),
		)
	})
}

func (c *Collector) clusterFacts(out []model.Fact, inv *inventory, cl *mo.ClusterComputeResource) []model.Fact {
	dc, ok := inv.places.datacenter(cl.Self)
	if !ok {
		return out
	}
	id := clusterID(c.cfg.Name, dc, cl.Name)
	attrs := model.Attrs{}
	if cl.Configuration.DrsConfig.Enabled != nil {
		attrs["drs"] = strconv.FormatBool(*cl.Configuration.DrsConfig.Enabled)
	}
	if cl.Configuration.DasConfig.Enabled != nil {
		attrs["ha"] = strconv.FormatBool(*cl.Configuration.DasConfig.Enabled)
	}
	dcID := model.NewID(model.KindDatacenter, c.cfg.Name, dc)
	return append(out,
		model.Entity(id, id, cl.Name, attrs),
		model.Relation(dcID, dcID, model.RelContains, id, nil),
	)
}

func clusterID(source, dc, name string) model.ID {
	return model.NewID(model.KindCluster, source, dc, name)
}

func (c *Collector) hostFacts(out []model.Fact, inv *inventory, h *mo.HostSystem) []model.Fact {
	id := model.NewID(model.KindHost, h.Name)
	attrs := model.Attrs{
		"moref":       h.Self.Value,
		"vcenter":     c.vcenter,
		"connection":  string(h.Runtime.ConnectionState),
		"power":       string(h.Runtime.PowerState),
		"maintenance": strconv.FormatBool(h.Runtime.InMaintenanceMode),
	}
	if hw := h.Summary.Hardware; hw != nil {
		set(attrs, "model", hw.Model)
		set(attrs, "vendor", hw.Vendor)
		set(attrs, "uuid", hw.Uuid)
	}
	if p := h.Summary.Config.Product; p != nil {
		set(attrs, "version", p.Version)
	}
	out = append(out, model.Entity(id, id, h.Name, attrs))

	// Containment: cluster → host, or datacenter → host when standalone.
	if h.Parent != nil {
		if dc, ok := inv.places.datacenter(*h.Parent); ok {
			if h.Parent.Type == "ClusterComputeResource" {
				cl := clusterID(c.cfg.Name, dc, inv.places[*h.Parent].name)
				out = append(out, model.Relation(cl, cl, model.RelContains, id, nil))
			} else {
				dcID := model.NewID(model.KindDatacenter, c.cfg.Name, dc)
				out = append(out, model.Relation(dcID, dcID, model.RelContains, id, nil))
			}
		}
	}
	if h.Config == nil || h.Config.Network == nil {
		return out
	}
	net := h.Config.Network

	hints := make(map[string]*types.PhysicalNicHintInfo)
	for i, hint := range inv.hints[h.Self] {
		hints[hint.Device] = &inv.hints[h.Self][i]
	}
	devices := make(map[string]string, len(net.Pnic)) // pnic key → device
	for _, p := range net.Pnic {
		devices[p.Key] = p.Device
		pid := model.NewID(model.KindPNIC, h.Name, p.Device)
		a := model.Attrs{"host": h.Name, "device": p.Device, "link": "down"}
		set(a, "mac", p.Mac)
		set(a, "driver", p.Driver)
		if p.LinkSpeed != nil {
			a["link"] = "up"
			a["speed_mbps"] = strconv.Itoa(int(p.LinkSpeed.SpeedMb))
			a["duplex"] = duplex(p.LinkSpeed.Duplex)
		}
		hintAttrs(a, hints[p.Device])
		out = append(out,
			model.Entity(id, pid, p.Device, a),
			model.Relation(id, id, model.RelHasPNIC, pid, nil),
		)
	}

	vswitches := make(map[string]*types.HostVirtualSwitch, len(net.Vswitch)) // name → vswitch
	for i := range net.Vswitch {
		vs := &net.Vswitch[i]
		vswitches[vs.Name] = vs
		vid := model.NewID(model.KindVSwitch, h.Name, vs.Name)
		a := model.Attrs{"host": h.Name}
		if vs.Mtu != 0 {
			a["mtu"] = strconv.Itoa(int(vs.Mtu))
		}
		standardTeaming(vs.Spec.Policy, nil).attrs(a)
		out = append(out,
			model.Entity(id, vid, vs.Name, a),
			model.Relation(id, id, model.RelHasSwitch, vid, nil),
		)
		for _, key := range vs.Pnic {
			dev, ok := devices[key]
			if !ok {
				continue
			}
			out = append(out, model.Relation(id, vid, model.RelUplink, model.NewID(model.KindPNIC, h.Name, dev),
				model.Attrs{"uplink": dev}))
		}
	}

	for _, pg := range net.Portgroup {
		spec := pg.Spec
		vs, ok := vswitches[spec.VswitchName]
		if !ok {
			continue
		}
		pid := model.NewID(model.KindPortgroup, h.Name, spec.Name)
		a := model.Attrs{"type": "standard"}
		switch {
		case spec.VlanId == 4095:
			a["trunk"] = "0-4094"
		default:
			a["vlan"] = strconv.Itoa(int(spec.VlanId))
		}
		standardTeaming(vs.Spec.Policy, &spec.Policy).attrs(a)
		if vs.Mtu != 0 {
			a["mtu"] = strconv.Itoa(int(vs.Mtu))
		}
		out = append(out,
			model.Entity(id, pid, spec.Name, a),
			model.Relation(id, pid, model.RelMemberOf, model.NewID(model.KindVSwitch, h.Name, vs.Name), nil),
		)
	}
	return out
}

func duplex(full bool) string {
	if full {
		return "full"
	}
	return "half"
}

// hintAttrs adds what the host learnt from its neighbour over CDP and LLDP.
func hintAttrs(a model.Attrs, hint *types.PhysicalNicHintInfo) {
	if hint == nil {
		return
	}
	if cdp := hint.ConnectedSwitchPort; cdp != nil {
		set(a, "cdp_device", hintText(cdp.DevId))
		set(a, "cdp_port", hintText(cdp.PortId))
		set(a, "cdp_address", hintText(cdp.Address))
		set(a, "cdp_platform", hintText(cdp.HardwarePlatform))
		if cdp.Vlan != 0 {
			a["cdp_native_vlan"] = strconv.Itoa(int(cdp.Vlan))
		}
		if cdp.Mtu != 0 {
			a["cdp_mtu"] = strconv.Itoa(int(cdp.Mtu))
		}
	}
	if lldp := hint.LldpInfo; lldp != nil {
		set(a, "lldp_chassis", hintText(lldp.ChassisId))
		set(a, "lldp_port", hintText(lldp.PortId))
		for _, p := range lldp.Parameter {
			var key string
			switch strings.ToLower(strings.TrimSpace(p.Key)) {
			case "system name":
				key = "lldp_system"
			case "port description":
				key = "lldp_port_desc"
			case "management address":
				key = "lldp_mgmt_addr"
			default:
				continue
			}
			if v, ok := p.Value.(string); ok { // vCenter sends xsd:string; anything else is not a name
				set(a, key, hintText(v))
			}
		}
	}
	var vlans []int
	for _, s := range hint.Subnet {
		if s.VlanId != 0 && !slices.Contains(vlans, int(s.VlanId)) {
			vlans = append(vlans, int(s.VlanId))
		}
	}
	if len(vlans) > 0 {
		slices.Sort(vlans)
		a["hint_vlans"] = joinInts(vlans)
	}
}

// hintText is a string the host relayed from its neighbour, without the
// blanks switches pad it with. The chassis ID is kept as sent: a
// MAC, or a locally assigned string (LLDP chassis ID subtype 7) that
// correlation matches against the switch's own, else leaves to the System
// Name parameter.
func hintText(s string) string { return strings.TrimSpace(s) }

// teaming is a load-balancing policy with its failover order: pnic device
// names on a standard switch, uplink or LAG names on a distributed one.
type teaming struct {
	policy          string
	active, standby []string
}

func (t teaming) attrs(a model.Attrs) {
	set(a, "policy", t.policy)
	set(a, "active", strings.Join(t.active, ","))
	set(a, "standby", strings.Join(t.standby, ","))
}

// standardTeaming is the effective teaming of a standard port group: each
// part the port group leaves unset (an empty policy, no NIC order) comes
// from its vSwitch. With pg nil it is the vSwitch's own.
func standardTeaming(sw, pg *types.HostNetworkPolicy) teaming {
	var t teaming
	if sw != nil && sw.NicTeaming != nil {
		t.policy = sw.NicTeaming.Policy
		if o := sw.NicTeaming.NicOrder; o != nil {
			t.active, t.standby = o.ActiveNic, o.StandbyNic
		}
	}
	if pg != nil && pg.NicTeaming != nil {
		if pg.NicTeaming.Policy != "" {
			t.policy = pg.NicTeaming.Policy
		}
		if o := pg.NicTeaming.NicOrder; o != nil {
			t.active, t.standby = o.ActiveNic, o.StandbyNic
		}
	}
	return t
}

// distributedTeaming is the effective teaming of a distributed port group:
// the switch default, overridden by each part of the port group's policy
// that is not marked inherited. With pg nil it is the switch default.
func distributedTeaming(sw, pg *types.VmwareUplinkPortTeamingPolicy) teaming {
	var t teaming
	if sw != nil {
		if sw.Policy != nil {
			t.policy = sw.Policy.Value
		}
		if o := sw.UplinkPortOrder; o != nil {
			t.active, t.standby = o.ActiveUplinkPort, o.StandbyUplinkPort
		}
	}
	if pg == nil || pg.Inherited {
		return t
	}
	if pg.Policy != nil && !pg.Policy.Inherited {
		t.policy = pg.Policy.Value
	}
	if o := pg.UplinkPortOrder; o != nil && !o.Inherited {
		t.active, t.standby = o.ActiveUplinkPort, o.StandbyUplinkPort
	}
	return t
}

// portSetting returns the VMware part of a port setting, or nil.
func portSetting(s types.BaseDVPortSetting) *types.VMwareDVSPortSetting {
	v, _ := s.(*types.VMwareDVSPortSetting)
	return v
}

func (c *Collector) switchFacts(out []model.Fact, inv *inventory, sw *mo.DistributedVirtualSwitch) []model.Fact {
	cfg := sw.Config.GetDVSConfigInfo()
	vmw, _ := sw.Config.(*types.VMwareDVSConfigInfo)
	id := model.NewID(model.KindDVSwitch, sw.Uuid)
	a := model.Attrs{"vcenter": c.vcenter}
	set(a, "version", cfg.ProductInfo.Version)
	if p, ok := cfg.UplinkPortPolicy.(*types.DVSNameArrayUplinkPortPolicy); ok {
		set(a, "uplinks", strings.Join(p.UplinkPortName, ","))
	}
	defaults := portSetting(cfg.DefaultPortConfig)
	var swTeaming *types.VmwareUplinkPortTeamingPolicy
	var swVlan types.BaseVmwareDistributedVirtualSwitchVlanSpec
	if defaults != nil {
		swTeaming, swVlan = defaults.UplinkTeamingPolicy, defaults.Vlan
	}
	distributedTeaming(swTeaming, nil).attrs(a)
	var lags []types.VMwareDvsLacpGroupConfig
	var pvlans []types.VMwareDVSPvlanMapEntry
	var mtu string
	if vmw != nil {
		if vmw.MaxMtu != 0 {
			mtu = strconv.Itoa(int(vmw.MaxMtu))
		}
		set(a, "mtu", mtu)
		set(a, "lacp_api", vmw.LacpApiVersion)
		lags, pvlans = vmw.LacpGroupConfig, vmw.PvlanConfig
	}
	out = append(out, model.Entity(id, id, sw.Name, a))

	// LACP groups.
	for _, lag := range lags {
		lid := model.NewID(model.KindHostLAG, sw.Uuid, lag.Name)
		la := model.Attrs{"dvswitch": sw.Uuid, "ports": strconv.Itoa(int(lag.UplinkNum))}
		set(la, "mode", lag.Mode)
		set(la, "load_balance", lag.LoadbalanceAlgorithm)
		if lag.Vlan != nil {
			set(la, "vlan", ranges(lag.Vlan.VlanId))
		}
		out = append(out,
			model.Entity(id, lid, lag.Name, la),
			model.Relation(id, id, model.RelHasLAG, lid, nil),
		)
	}
	lagOf := func(uplink, portKey string) string {
		for _, lag := range lags {
			if slices.Contains(lag.UplinkName, uplink) || (portKey != "" && slices.Contains(lag.UplinkPortKey, portKey)) {
				return lag.Name
			}
		}
		return ""
	}

	// Host members and their uplinks. The member's pnic backing maps a pnic
	// to an uplink port key; the host's proxy switch names that port.
	hosts := make(map[types.ManagedObjectReference]*mo.HostSystem, len(inv.hosts))
	for _, h := range inv.hosts {
		hosts[h.Self] = h
	}
	members := slices.Clone(sw.Summary.HostMember)
	backings := make(map[types.ManagedObjectReference][]types.DistributedVirtualSwitchHostMemberPnicSpec)
	for _, m := range cfg.Host {
		if m.Config.Host == nil {
			continue
		}
		if !slices.Contains(members, *m.Config.Host) {
			members = append(members, *m.Config.Host)
		}
		if b, ok := m.Config.Backing.(*types.DistributedVirtualSwitchHostMemberPnicBacking); ok {
			backings[*m.Config.Host] = b.PnicSpec
		}
	}
	for _, ref := range members {
		h, ok := hosts[ref]
		if !ok {
			continue
		}
		hid := model.NewID(model.KindHost, h.Name)
		out = append(out, model.Relation(hid, hid, model.RelHasSwitch, id, nil))
		proxy := proxySwitch(h, sw.Uuid)
		specs, ok := backings[ref]
		if !ok && proxy != nil {
			if b, ok := proxy.Spec.Backing.(*types.DistributedVirtualSwitchHostMemberPnicBacking); ok {
				specs = b.PnicSpec
			}
		}
		for _, ps := range specs {
			ua := model.Attrs{"host": h.Name}
			var uplink string
			if proxy != nil {
				for _, kv := range proxy.UplinkPort {
					if kv.Key == ps.UplinkPortKey {
						uplink = kv.Value
					}
				}
			}
			set(ua, "uplink", uplink)
			set(ua, "lag", lagOf(uplink, ps.UplinkPortKey))
			out = append(out, model.Relation(id, id, model.RelUplink, model.NewID(model.KindPNIC, h.Name, ps.PnicDevice), ua))
		}
	}

	// Port groups, except the uplink port groups that hold the uplinks.
	for _, pg := range inv.portgroups {
		pc := pg.Config
		if pc.DistributedVirtualSwitch == nil || *pc.DistributedVirtualSwitch != sw.Self ||
			(pc.Uplink != nil && *pc.Uplink) || slices.Contains(cfg.UplinkPortgroup, pg.Self) {
			continue
		}
		pid := model.NewID(model.KindPortgroup, sw.Uuid, pg.Key)
		pa := model.Attrs{"type": "distributed"}
		var pgTeaming *types.VmwareUplinkPortTeamingPolicy
		vlan := swVlan
		if s := portSetting(pc.DefaultPortConfig); s != nil {
			pgTeaming = s.UplinkTeamingPolicy
			if s.Vlan != nil && !s.Vlan.GetVmwareDistributedVirtualSwitchVlanSpec().Inherited {
				vlan = s.Vlan
			}
		}
		vlanAttrs(pa, vlan, pvlans)
		distributedTeaming(swTeaming, pgTeaming).attrs(pa)
		set(pa, "mtu", mtu)
		out = append(out,
			model.Entity(id, pid, pg.Name, pa),
			model.Relation(id, pid, model.RelMemberOf, id, nil),
		)
	}
	return out
}

// proxySwitch returns the host's view of the distributed switch uuid.
func proxySwitch(h *mo.HostSystem, uuid string) *types.HostProxySwitch {
	if h.Config == nil || h.Config.Network == nil {
		return nil
	}
	for i, p := range h.Config.Network.ProxySwitch {
		if p.DvsUuid == uuid {
			return &h.Config.Network.ProxySwitch[i]
		}
	}
	return nil
}

// vlanAttrs adds the VLAN of a distributed port group: an access VLAN, a
// trunk, or a private VLAN (its secondary id, and its primary as vlan).
func vlanAttrs(a model.Attrs, spec types.BaseVmwareDistributedVirtualSwitchVlanSpec, pvlans []types.VMwareDVSPvlanMapEntry) {
	switch v := spec.(type) {
	case *types.VmwareDistributedVirtualSwitchVlanIdSpec:
		a["vlan"] = strconv.Itoa(int(v.VlanId))
	case *types.VmwareDistributedVirtualSwitchTrunkVlanSpec:
		a["trunk"] = ranges(v.VlanId)
	case *types.VmwareDistributedVirtualSwitchPvlanSpec:
		a["pvlan"] = strconv.Itoa(int(v.PvlanId))
		for _, e := range pvlans {
			if e.SecondaryVlanId == v.PvlanId {
				a["vlan"] = strconv.Itoa(int(e.PrimaryVlanId))
			}
		}
	}
}

// ranges formats VLAN ranges as "100-200,300".
func ranges(rs []types.NumericRange) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		if r.Start == r.End {
			parts = append(parts, strconv.Itoa(int(r.Start)))
		} else {
			parts = append(parts, strconv.Itoa(int(r.Start))+"-"+strconv.Itoa(int(r.End)))
		}
	}
	return strings.Join(parts, ",")
}

// vmFacts appends the facts a VM owns: itself, its placement, its vNICs
// with their port groups and IPs. places must know the VM's host and
// folder chain; tags are "category/name" strings.
func (c *Collector) vmFacts(out []model.Fact, vm *mo.VirtualMachine, pl places, root types.ManagedObjectReference, tags []string) []model.Fact {
	uuid := vm.Config.InstanceUuid
	id := model.NewID(model.KindVM, uuid)
	a := model.Attrs{
		"moref":   vm.Self.Value,
		"vcenter": c.vcenter,
		"power":   string(vm.Runtime.PowerState),
	}
	set(a, "uuid", vm.Config.Uuid)
	set(a, "guest_os", vm.Config.GuestFullName)
	if vm.Guest != nil {
		set(a, "hostname", vm.Guest.HostName)
	}
	if vm.Parent != nil {
		if p, _, ok := pl.path(*vm.Parent, root); ok {
			set(a, "folder", p)
		}
	}
	if len(tags) > 0 {
		a["tags"] = strings.Join(tags, ",")
	}
	fields := make(map[int32]string, len(vm.AvailableField))
	for _, f := range vm.AvailableField {
		fields[f.Key] = f.Name
	}
	for _, v := range vm.CustomValue {
		if s, ok := v.(*types.CustomFieldStringValue); ok {
			if name, ok := fields[s.Key]; ok && s.Value != "" {
				a["attr."+name] = s.Value
			}
		}
	}
	out = append(out, model.Entity(id, id, vm.Name, a))

	var host string
	if vm.Runtime.Host != nil {
		if h, ok := pl[*vm.Runtime.Host]; ok {
			host = h.name
			out = append(out, model.Relation(id, id, model.RelRunsOn, model.NewID(model.KindHost, host), nil))
		}
	}

	ips := make(map[int32][]string) // device key → IPs
	if vm.Guest != nil {
		for _, n := range vm.Guest.Net {
			ips[n.DeviceConfigId] = append(ips[n.DeviceConfigId], n.IpAddress...)
		}
	}
	for _, d := range vm.Config.Hardware.Device {
		card, ok := d.(types.BaseVirtualEthernetCard)
		if !ok {
			continue
		}
		nic := card.GetVirtualEthernetCard()
		nid := model.NewID(model.KindVNIC, uuid, strconv.Itoa(int(nic.Key)))
		na := model.Attrs{"type": nicType(d)}
		set(na, "mac", nic.MacAddress)
		if desc := nic.DeviceInfo.GetDescription(); desc != nil {
			set(na, "label", desc.Label)
		}
		if cn := nic.Connectable; cn != nil {
			na["connected"] = strconv.FormatBool(cn.Connected)
			na["start_connected"] = strconv.FormatBool(cn.StartConnected)
		}
		var pg model.ID
		switch b := nic.Backing.(type) {
		case *types.VirtualEthernetCardNetworkBackingInfo:
			if host != "" && b.DeviceName != "" {
				pg = model.NewID(model.KindPortgroup, host, b.DeviceName)
			}
		case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
			pg = model.NewID(model.KindPortgroup, b.Port.SwitchUuid, b.Port.PortgroupKey)
			set(na, "dvport", b.Port.PortKey)
		}
		out = append(out,
			model.Entity(id, nid, nicLabel(na), na),
			model.Relation(id, id, model.RelHasVNIC, nid, nil),
		)
		if pg != "" {
			out = append(out, model.Relation(id, nid, model.RelAttached, pg, nil))
		}
		seen := map[string]bool{}
		for _, s := range ips[nic.Key] {
			ip, err := netip.ParseAddr(s)
			ip = ip.Unmap()
			if err != nil || ip.IsLinkLocalUnicast() || seen[ip.String()] {
				continue
			}
			seen[ip.String()] = true
			family := "6"
			if ip.Is4() {
				family = "4"
			}
			iid := model.NewID(model.KindIP, ip.String())
			out = append(out,
				model.Entity(id, iid, ip.String(), model.Attrs{"family": family}),
				model.Relation(id, nid, model.RelHasIP, iid, nil),
			)
		}
	}
	return out
}

func nicLabel(a model.Attrs) string {
	if l, ok := a["label"]; ok {
		return l
	}
	return a["mac"]
}

// nicType names the emulated adapter as vSphere does in its UI.
func nicType(d types.BaseVirtualDevice) string {
	switch d.(type) {
	case *types.VirtualVmxnet3Vrdma:
		return "vrdma"
	case *types.VirtualVmxnet3:
		return "vmxnet3"
	case *types.VirtualVmxnet2:
		return "vmxnet2"
	case *types.VirtualVmxnet:
		return "vmxnet"
	case *types.VirtualE1000e:
		return "e1000e"
	case *types.VirtualE1000:
		return "e1000"
	case *types.VirtualPCNet32:
		return "pcnet32"
	case *types.VirtualSriovEthernetCard:
		return "sriov"
	default:
		return strings.ToLower(strings.TrimPrefix(fmt.Sprintf("%T", d), "*types.Virtual"))
	}
}

// set adds a non-empty attribute: absent information is an absent key.
func set(a model.Attrs, key, value string) {
	if value != "" {
		a[key] = value
	}
}

func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}
