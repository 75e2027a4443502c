package sim

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Fix-ups: what the simulator's vSphere API cannot set, written directly on
// its objects under their locks, with Context.Update so that property
// collectors see the changes.
//
//   - Hosts: HostNetworkSystem.AddVirtualSwitch ignores its spec (uplinks,
//     teaming, MTU) and there is no UpdateVirtualSwitch; AddPortGroup refuses a
//     port group name another host already has; every host gets the template's
//     pNICs (MACs, speed, driver) and hardware; HostSystem.config.network and
//     HostNetworkSystem.networkInfo are separate copies that the API calls
//     update differently; QueryNetworkHint answers whatever the network system
//     holds. hostNetworking writes each host's whole network configuration to
//     both copies, the network lists of hosts, networks and clusters, and the
//     CDP/LLDP hints of the cabling plan.
//   - Clusters: the deprecated configuration property (DRS and HA settings),
//     which clients still read, stays empty; hostNetworking mirrors
//     configurationEx into it.
//   - Distributed switch: UpdateDVSLacpGroupConfig_Task is not implemented,
//     CreateDVS drops the private VLAN map and the product info from the
//     config, ReconfigureDvs keeps no member pNIC backing, and the uplink port
//     group is not marked as such. fixDistributedSwitch sets them.
//   - VMs: guest.net carries no addresses. guestInfo sets what VMware Tools
//     would report.

// hostNetworking sets each host's network configuration, hardware and
// network hints, then the host lists of the standard networks and the
// network lists and configuration of the clusters.
func (b *builder) hostNetworking(context.Context) error {
	reg := b.model.Map()
	netHosts := make(map[types.ManagedObjectReference][]types.ManagedObjectReference)
	clusterNets := make([][]types.ManagedObjectReference, len(b.plan.clusters))
	for hi := range b.plan.hosts {
		h := &b.plan.hosts[hi]
		cl := &b.plan.clusters[h.cluster]
		hs, ok := reg.Get(b.hostRefs[hi]).(*simulator.HostSystem)
		if !ok {
			return fmt.Errorf("%s: not a simulator host", h.name)
		}
		var info *types.HostNetworkInfo
		var nsRef types.ManagedObjectReference
		b.sctx.WithLock(hs, func() {
			base := *hs.Config.Network
			info = b.hostNetwork(h, base)
			nets := slices.Clone(hs.Network)
			for i := range b.plan.portgroups {
				pg := &b.plan.portgroups[i]
				if ref, ok := b.networks[pg.name]; ok && h.has(b.plan, pg) && !slices.Contains(nets, ref) {
					nets = append(nets, ref)
				}
			}
			for _, ref := range nets {
				if ref.Type == "Network" {
					netHosts[ref] = append(netHosts[ref], hs.Self)
				}
				if !slices.Contains(clusterNets[h.cluster], ref) {
					clusterNets[h.cluster] = append(clusterNets[h.cluster], ref)
				}
			}
			hw := *hs.Hardware
			hw.SystemInfo.Vendor, hw.SystemInfo.Model = cl.model[0], cl.model[1]
			sum := *hs.Summary.Hardware
			sum.Vendor, sum.Model = cl.model[0], cl.model[1]
			b.sctx.Update(hs, []types.PropertyChange{
				{Name: "config.network", Val: b.hostNetwork(h, base)},
				{Name: "hardware", Val: &hw},
				{Name: "summary.hardware", Val: &sum},
				{Name: "network", Val: nets},
			})
			nsRef = *hs.ConfigManager.NetworkSystem
		})
		ns, ok := reg.Get(nsRef).(*simulator.HostNetworkSystem)
		if !ok {
			return fmt.Errorf("%s: no simulator network system", h.name)
		}
		b.sctx.WithLock(ns, func() {
			b.sctx.Update(ns, []types.PropertyChange{{Name: "networkInfo", Val: info}})
			ns.QueryNetworkHintResponse.Returnval = b.hints(h)
		})
	}
	for ref, hosts := range netHosts {
		n, ok := reg.Get(ref).(*mo.Network)
		if !ok {
			return fmt.Errorf("%s: not a simulator network", ref)
		}
		b.sctx.WithLock(n, func() { b.sctx.Update(n, []types.PropertyChange{{Name: "host", Val: hosts}}) })
	}
	for ci, ref := range b.clusterRefs {
		c, ok := reg.Get(ref).(*simulator.ClusterComputeResource)
		if !ok {
			return fmt.Errorf("%s: not a simulator cluster", ref)
		}
		b.sctx.WithLock(c, func() {
			ex, _ := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
			if ex == nil {
				ex = &types.ClusterConfigInfoEx{}
			}
			b.sctx.Update(c, []types.PropertyChange{
				{Name: "network", Val: clusterNets[ci]},
				{Name: "configuration", Val: types.ClusterConfigInfo{DasConfig: ex.DasConfig, DrsConfig: ex.DrsConfig}},
			})
		})
	}
	return nil
}

// hostNetwork returns the host's network configuration: base (the
// simulator's, for the TCP/IP stacks, DNS and routes) with the planned
// pNICs, vSwitches, port groups, VMkernel NICs and proxy switch.
func (b *builder) hostNetwork(h *hostPlan, base types.HostNetworkInfo) *types.HostNetworkInfo {
	n := base
	n.Pnic, n.Vswitch, n.Portgroup, n.Vnic, n.ProxySwitch = nil, nil, nil, nil, nil
	speed := b.plan.clusters[h.cluster].nic.speed
	driver := b.plan.clusters[h.cluster].nic.driver
	var vs0Act, vs0Stby, vs1Act []string
	for _, pn := range h.pnics {
		n.Pnic = append(n.Pnic, physicalNIC(pn, driver, speed))
		switch pn.use {
		case vs0Active:
			vs0Act = append(vs0Act, pn.device)
		case vs0Standby:
			vs0Stby = append(vs0Stby, pn.device)
		case vs1Active:
			vs1Act = append(vs1Act, pn.device)
		}
	}

	vmk0MAC := h.pnics[0].mac // ESXi gives vmk0 the MAC of vmnic0
	pgKeys := map[string][]string{}
	for i := range b.plan.portgroups {
		pg := &b.plan.portgroups[i]
		if pg.where == dvsHosts || !h.has(b.plan, pg) {
			continue
		}
		vs, active, standby := vswitch0, vs0Act, vs0Stby
		if pg.where == storageHosts {
			vs, active, standby = vswitch1, vs1Act, nil
		}
		if pg.standbyFirst {
			active, standby = standby, active
		}
		hp := types.HostPortGroup{
			Key:            "key-vim.host.PortGroup-" + pg.name,
			Vswitch:        "key-vim.host.VirtualSwitch-" + vs,
			ComputedPolicy: *networkPolicy(active, standby),
			Spec:           types.HostPortGroupSpec{Name: pg.name, VlanId: int32(pg.vlan), VswitchName: vs, Policy: portgroupPolicy(pg)},
		}
		switch pg.name {
		case mgmtPG:
			hp.Port = []types.HostPortGroupPort{{Key: "key-vim.host.PortGroup.Port-33554436", Mac: []string{vmk0MAC}, Type: "host"}}
			n.Vnic = append(n.Vnic, vmkernelNIC("vmk0", pg, vmk0MAC, h.mgmtIP, 1500))
		case storagePG:
			hp.Port = []types.HostPortGroupPort{{Key: "key-vim.host.PortGroup.Port-50331652", Mac: []string{h.storageMAC}, Type: "host"}}
			n.Vnic = append(n.Vnic, vmkernelNIC("vmk1", pg, h.storageMAC, h.storageIP, 9000))
		}
		pgKeys[vs] = append(pgKeys[vs], hp.Key)
		n.Portgroup = append(n.Portgroup, hp)
	}
	n.Vswitch = append(n.Vswitch, virtualSwitch(vswitch0, 1500, vs0Act, vs0Stby, pgKeys[vswitch0]))
	if len(vs1Act) > 0 {
		n.Vswitch = append(n.Vswitch, virtualSwitch(vswitch1, 9000, vs1Act, nil, pgKeys[vswitch1]))
	}
	if b.plan.clusters[h.cluster].dvs {
		n.ProxySwitch = []types.HostProxySwitch{b.proxySwitch(h)}
	}
	return &n
}

func physicalNIC(pn pnicPlan, driver string, speed int) types.PhysicalNic {
	link := types.PhysicalNicLinkInfo{SpeedMb: int32(speed), Duplex: true}
	return types.PhysicalNic{
		Key:                    "key-vim.host.PhysicalNic-" + pn.device,
		Device:                 pn.device,
		Pci:                    pn.pci,
		Driver:                 driver,
		LinkSpeed:              &link,
		ValidLinkSpecification: []types.PhysicalNicLinkInfo{link},
		Spec:                   types.PhysicalNicSpec{Ip: &types.HostIpConfig{}, LinkSpeed: &link},
		Mac:                    pn.mac,
		AutoNegotiateSupported: types.NewBool(true),
	}
}

func vmkernelNIC(device string, pg *portgroupPlan, mac string, ip netip.Addr, mtu int32) types.HostVirtualNic {
	return types.HostVirtualNic{
		Device:    device,
		Key:       "key-vim.host.VirtualNic-" + device,
		Portgroup: pg.name,
		Spec: types.HostVirtualNicSpec{
			Ip:                  &types.HostIpConfig{IpAddress: ip.String(), SubnetMask: netmask(pg.subnet)},
			Mac:                 mac,
			Mtu:                 mtu,
			Portgroup:           pg.name,
			NetStackInstanceKey: "defaultTcpipStack",
		},
	}
}

// networkPolicy is a vSwitch's full policy: port ID load balancing over the
// active pNICs, failing over to the standby ones.
func networkPolicy(active, standby []string) *types.HostNetworkPolicy {
	return &types.HostNetworkPolicy{
		Security: &types.HostNetworkSecurityPolicy{
			AllowPromiscuous: types.NewBool(false),
			MacChanges:       types.NewBool(false),
			ForgedTransmits:  types.NewBool(false),
		},
		NicTeaming: &types.HostNicTeamingPolicy{
			Policy:         "loadbalance_srcid",
			ReversePolicy:  types.NewBool(true),
			NotifySwitches: types.NewBool(true),
			RollingOrder:   types.NewBool(false),
			FailureCriteria: &types.HostNicFailureCriteria{
				CheckSpeed: "minimum", Speed: 10,
				CheckDuplex: types.NewBool(false), FullDuplex: types.NewBool(false),
				CheckErrorPercent: types.NewBool(false), CheckBeacon: types.NewBool(false),
			},
			NicOrder: &types.HostNicOrderPolicy{ActiveNic: active, StandbyNic: standby},
		},
		OffloadPolicy: &types.HostNetOffloadCapabilities{CsumOffload: types.NewBool(true), TcpSegmentation: types.NewBool(true), ZeroCopyXmit: types.NewBool(true)},
		ShapingPolicy: &types.HostNetworkTrafficShapingPolicy{Enabled: types.NewBool(false)},
	}
}

// portgroupPolicy is a standard port group's own policy: empty (inherit the
// vSwitch's) except for an overridden failover order.
func portgroupPolicy(pg *portgroupPlan) types.HostNetworkPolicy {
	p := types.HostNetworkPolicy{
		Security:      &types.HostNetworkSecurityPolicy{},
		NicTeaming:    &types.HostNicTeamingPolicy{FailureCriteria: &types.HostNicFailureCriteria{}},
		OffloadPolicy: &types.HostNetOffloadCapabilities{},
		ShapingPolicy: &types.HostNetworkTrafficShapingPolicy{},
	}
	if pg.standbyFirst {
		p.NicTeaming.NicOrder = &types.HostNicOrderPolicy{ActiveNic: []string{"vmnic1"}, StandbyNic: []string{"vmnic0"}}
	}
	return p
}

func virtualSwitch(name string, mtu int32, active, standby, portgroups []string) types.HostVirtualSwitch {
	nics := append(slices.Clone(active), standby...)
	keys := make([]string, len(nics))
	for i, d := range nics {
		keys[i] = "key-vim.host.PhysicalNic-" + d
	}
	return types.HostVirtualSwitch{
		Name:              name,
		Key:               "key-vim.host.VirtualSwitch-" + name,
		NumPorts:          2560,
		NumPortsAvailable: 2548,
		Mtu:               mtu,
		Portgroup:         portgroups,
		Pnic:              keys,
		Spec: types.HostVirtualSwitchSpec{
			NumPorts: 128,
			Bridge: &types.HostVirtualSwitchBondBridge{
				NicDevice:                   nics,
				Beacon:                      &types.HostVirtualSwitchBeaconConfig{Interval: 1},
				LinkDiscoveryProtocolConfig: &types.LinkDiscoveryProtocolConfig{Protocol: "cdp", Operation: "listen"},
			},
			Policy: networkPolicy(active, standby),
			Mtu:    mtu,
		},
	}
}

// proxySwitch is the host's view of dvs-prod: its LAG pNICs bound to the
// ports of lag1.
func (b *builder) proxySwitch(h *hostPlan) types.HostProxySwitch {
	ps := types.HostProxySwitch{
		DvsUuid:           b.dvsUUID,
		DvsName:           dvsName,
		Key:               b.dvsUUID,
		NumPorts:          512,
		NumPortsAvailable: 500,
		Mtu:               9000,
		Spec:              types.HostProxySwitchSpec{Backing: b.memberBacking(h)},
	}
	lag := types.HostProxySwitchHostLagConfig{LagKey: lagKey, LagName: lagName}
	for i, name := range dvsUplinks {
		kv := types.KeyValue{Key: h.dvsPorts[i], Value: name}
		ps.UplinkPort = append(ps.UplinkPort, kv)
		if i >= 2 {
			lag.UplinkPort = append(lag.UplinkPort, kv)
		}
	}
	ps.HostLag = []types.HostProxySwitchHostLagConfig{lag}
	for _, pn := range h.pnics {
		if pn.use == lagPort {
			ps.Pnic = append(ps.Pnic, "key-vim.host.PhysicalNic-"+pn.device)
		}
	}
	return ps
}

// memberBacking binds a member host's LAG pNICs, in order, to its lag1
// ports.
func (b *builder) memberBacking(h *hostPlan) *types.DistributedVirtualSwitchHostMemberPnicBacking {
	backing := &types.DistributedVirtualSwitchHostMemberPnicBacking{}
	port := 2
	for _, pn := range h.pnics {
		if pn.use == lagPort {
			backing.PnicSpec = append(backing.PnicSpec, types.DistributedVirtualSwitchHostMemberPnicSpec{
				PnicDevice:         pn.device,
				UplinkPortKey:      h.dvsPorts[port],
				UplinkPortgroupKey: b.uplinkKey,
			})
			port++
		}
	}
	return backing
}

// hints are the host's QueryNetworkHint answers: per pNIC, the subnets seen
// on its VLANs and the leaf's CDP announcement (standard vSwitch uplinks,
// which only speak CDP) or LLDP announcement (distributed switch uplinks,
// set to LLDP).
func (b *builder) hints(h *hostPlan) []types.PhysicalNicHintInfo {
	out := make([]types.PhysicalNicHintInfo, 0, len(h.pnics))
	for j := range h.pnics {
		pn := &h.pnics[j]
		leaf := &b.plan.switches[b.plan.leafOf(h, j)]
		hint := types.PhysicalNicHintInfo{Device: pn.device}
		for _, pg := range b.plan.carried(h, pn) {
			if pg.vlan != 0 && pg.subnet.IsValid() {
				hint.Subnet = append(hint.Subnet, types.PhysicalNicIpHint{
					PhysicalNicHint: types.PhysicalNicHint{VlanId: int32(pg.vlan)},
					IpSubnet:        hintRange(pg.subnet),
				})
			}
		}
		if pn.use == lagPort {
			hint.LldpInfo = &types.LinkLayerDiscoveryProtocolInfo{
				ChassisId:  leaf.ChassisID,
				PortId:     pn.cable.Port,
				TimeToLive: 120,
				Parameter: []types.KeyAnyValue{
					{Key: "System Name", Value: leaf.Name},
					{Key: "Port Description", Value: h.name + " " + pn.device},
					{Key: "System Description", Value: leaf.Version},
					{Key: "Management Address", Value: leaf.Address},
					{Key: "Vlan ID", Value: strconv.Itoa(pn.cable.Native)},
				},
			}
		} else {
			hint.ConnectedSwitchPort = &types.PhysicalNicCdpInfo{
				CdpVersion:       2,
				Ttl:              180,
				Samples:          60,
				DevId:            leaf.Name,
				Address:          leaf.Address,
				PortId:           pn.cable.Port,
				DeviceCapability: &types.PhysicalNicCdpDeviceCapability{Router: true, NetworkSwitch: true, IgmpEnabled: true},
				SoftwareVersion:  leaf.Version,
				HardwarePlatform: leaf.Platform,
				Vlan:             int32(pn.cable.Native),
				FullDuplex:       types.NewBool(true),
				Mtu:              leafMTU,
				SystemName:       leaf.Name,
				MgmtAddr:         leaf.Address,
				Location:         "rack " + strconv.Itoa(leaf.Rack),
			}
		}
		out = append(out, hint)
	}
	return out
}

// fixDistributedSwitch sets the switch's LACP group, private VLAN map,
// member backings, product info and uplink port group, and the port keys of
// its port groups.
func (b *builder) fixDistributedSwitch() error {
	reg := b.model.Map()
	sw, ok := reg.Get(b.dvs).(*simulator.DistributedVirtualSwitch)
	if !ok {
		return fmt.Errorf("%s: not a simulator distributed switch", b.dvs)
	}
	ports := map[types.ManagedObjectReference][]string{}
	var members []types.DistributedVirtualSwitchHostMember
	var lagPorts []string
	for hi := range b.plan.hosts {
		h := &b.plan.hosts[hi]
		if !b.plan.clusters[h.cluster].dvs {
			continue
		}
		ref := b.hostRefs[hi]
		members = append(members, types.DistributedVirtualSwitchHostMember{
			Config: types.DistributedVirtualSwitchHostMemberConfigInfo{
				Host:                &ref,
				MaxProxySwitchPorts: 512,
				Backing:             b.memberBacking(h),
			},
			UplinkPortKey: h.dvsPorts,
			Status:        "up",
		})
		ports[b.uplinkPG] = append(ports[b.uplinkPG], h.dvsPorts...)
		lagPorts = append(lagPorts, h.dvsPorts[2:]...)
	}
	var vlans []vlanRange
	pvlans := []types.VMwareDVSPvlanMapEntry{{PrimaryVlanId: pvlanPrimary, SecondaryVlanId: pvlanPrimary, PvlanType: "promiscuous"}}
	for i := range b.plan.portgroups {
		pg := &b.plan.portgroups[i]
		if pg.where == dvsHosts {
			vlans = append(vlans, pg.vlans()...)
		}
		if pg.pvlan != 0 {
			pvlans = append(pvlans, types.VMwareDVSPvlanMapEntry{PrimaryVlanId: pvlanPrimary, SecondaryVlanId: int32(pg.pvlan), PvlanType: "isolated"})
		}
	}
	for _, v := range b.plan.vms {
		for _, n := range v.nics {
			if n.dvport != "" {
				ref := b.dvpg[b.plan.portgroups[n.portgroup].name]
				ports[ref] = append(ports[ref], n.dvport)
			}
		}
	}
	b.sctx.WithLock(sw, func() {
		cfg := *sw.Config.(*types.VMwareDVSConfigInfo)
		cfg.ProductInfo = *sw.Summary.ProductInfo
		cfg.UplinkPortgroup = []types.ManagedObjectReference{b.uplinkPG}
		cfg.NumPorts = int32(b.plan.dvsPorts)
		cfg.Host = members
		cfg.PvlanConfig = pvlans
		cfg.LacpGroupConfig = []types.VMwareDvsLacpGroupConfig{{
			Key:                  lagKey,
			Name:                 lagName,
			Mode:                 string(types.VMwareUplinkLacpModeActive),
			UplinkNum:            2,
			LoadbalanceAlgorithm: string(types.VMwareDvsLacpLoadBalanceAlgorithmSrcDestIpTcpUdpPortVlan),
			Vlan:                 &types.VMwareDvsLagVlanConfig{VlanId: numericRanges(mergeRanges(vlans))},
			UplinkName:           dvsUplinks[2:],
			UplinkPortKey:        lagPorts,
			TimeoutMode:          string(types.VMwareUplinkLacpTimeoutModeSlow),
		}}
		b.sctx.Update(sw, []types.PropertyChange{{Name: "config", Val: &cfg}})
	})
	for _, ref := range b.dvpg {
		pg, ok := reg.Get(ref).(*simulator.DistributedVirtualPortgroup)
		if !ok {
			return fmt.Errorf("%s: not a simulator port group", ref)
		}
		b.sctx.WithLock(pg, func() {
			cfg := pg.Config
			cfg.NumPorts = int32(len(ports[ref]))
			if ref == b.uplinkPG {
				cfg.Uplink = types.NewBool(true)
			}
			b.sctx.Update(pg, []types.PropertyChange{{Name: "portKeys", Val: ports[ref]}, {Name: "config", Val: cfg}})
		})
	}
	return nil
}

// guestInfo sets what VMware Tools reports: host name, and per vNIC its
// network, MAC and addresses.
func (b *builder) guestInfo(context.Context) error {
	reg := b.model.Map()
	for i, ref := range b.vmRefs {
		v := &b.plan.vms[i]
		vm, ok := reg.Get(ref).(*simulator.VirtualMachine)
		if !ok {
			return fmt.Errorf("%s: not a simulator VM", v.name)
		}
		var nets []types.GuestNicInfo
		for _, n := range v.nics {
			pg := &b.plan.portgroups[n.portgroup]
			gn := types.GuestNicInfo{
				Network:        pg.name,
				MacAddress:     n.mac,
				Connected:      true,
				DeviceConfigId: n.key,
				IpConfig:       &types.NetIpConfigInfo{},
			}
			for _, ip := range n.ips {
				bits := pg.subnet.Bits()
				if ip.Is6() {
					bits = pg.subnet6.Bits()
				}
				gn.IpAddress = append(gn.IpAddress, ip.String())
				gn.IpConfig.IpAddress = append(gn.IpConfig.IpAddress, types.NetIpConfigInfoIpAddress{
					IpAddress: ip.String(), PrefixLength: int32(bits), State: string(types.NetIpConfigInfoIpAddressStatusPreferred),
				})
			}
			nets = append(nets, gn)
		}
		b.sctx.WithLock(vm, func() {
			g := *vm.Guest
			g.Net = nets
			g.IpAddress = nets[0].IpAddress[0]
			g.HostName = v.name
			g.GuestId = v.role.guest
			g.GuestState = string(types.VirtualMachineGuestStateRunning)
			g.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
			g.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
			g.ToolsVersionStatus2 = string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent)
			var s types.VirtualMachineGuestSummary
			if vm.Summary.Guest != nil {
				s = *vm.Summary.Guest
			}
			s.HostName, s.IpAddress = g.HostName, g.IpAddress
			s.ToolsStatus, s.ToolsRunningStatus, s.ToolsVersionStatus2 = g.ToolsStatus, g.ToolsRunningStatus, g.ToolsVersionStatus2
			b.sctx.Update(vm, []types.PropertyChange{{Name: "guest", Val: &g}, {Name: "summary.guest", Val: &s}})
		})
	}
	return nil
}

// teamingPolicy is a distributed port setting's teaming: port ID load
// balancing over the active uplinks (lag1).
func teamingPolicy(active []string) *types.VmwareUplinkPortTeamingPolicy {
	return &types.VmwareUplinkPortTeamingPolicy{
		Policy:          &types.StringPolicy{Value: "loadbalance_srcid"},
		ReversePolicy:   &types.BoolPolicy{Value: types.NewBool(true)},
		NotifySwitches:  &types.BoolPolicy{Value: types.NewBool(true)},
		RollingOrder:    &types.BoolPolicy{Value: types.NewBool(false)},
		UplinkPortOrder: &types.VMwareUplinkPortOrderPolicy{ActiveUplinkPort: active},
	}
}

// vlanSpec is a distributed port group's VLAN setting.
func vlanSpec(pg *portgroupPlan) types.BaseVmwareDistributedVirtualSwitchVlanSpec {
	switch {
	case len(pg.trunk) > 0:
		return &types.VmwareDistributedVirtualSwitchTrunkVlanSpec{VlanId: numericRanges(pg.trunk)}
	case pg.pvlan != 0:
		return &types.VmwareDistributedVirtualSwitchPvlanSpec{PvlanId: int32(pg.pvlan)}
	}
	return &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: int32(pg.vlan)}
}

func numericRanges(rs []vlanRange) []types.NumericRange {
	out := make([]types.NumericRange, len(rs))
	for i, r := range rs {
		out[i] = types.NumericRange{Start: int32(r.lo), End: int32(r.hi)}
	}
	return out
}

// netmask returns the dotted IPv4 mask of a prefix.
func netmask(p netip.Prefix) string {
	return net.IP(net.CIDRMask(p.Bits(), 32)).String()
}

// hintRange is the first-last host range of a subnet, the form ESXi reports
// in network hints ("10.110.0.1-10.110.255.254").
func hintRange(p netip.Prefix) string {
	size := 1 << (32 - p.Bits())
	return addrAt(p, 1).String() + "-" + addrAt(p, size-2).String()
}
