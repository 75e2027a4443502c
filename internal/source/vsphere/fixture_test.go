package vsphere

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// fixture is what decorate added to the default VPX inventory, by name.
type fixture struct {
	dvsUUID  string
	hosts    []string // cluster hosts DC0_C0_H0..2
	pgKeys   map[string]string
	vmA, vmB *object.VirtualMachine
	uuidA    string // instance UUID of vmA
	uuidB    string
	hostA    string // host of vmA
	hostB    string // host of vmB
}

// decorate gives the default VPX inventory (DC0, cluster DC0_C0 with three
// hosts, DVS0, four VMs) the network details the facts are about:
//
//   - DC0_C0_H0: four pnics (vmnic3 down); vSwitch0 with vmnic0 active and
//     vmnic1 standby, MTU 9000; port groups "Prod-110" (VLAN 110, explicit
//     failover vmnic1 then vmnic0) and "VGT" (VLAN 4095); CDP on vmnic0,
//     LLDP on vmnic1, and LLDP from a locally assigned chassis ID on
//     vmnic2; vmnic2 and vmnic3 in DVS0's LAG lag1.
//   - DVS0: MTU 9000, uplinks uplink1/uplink2, default teaming srcid
//     uplink1 active uplink2 standby, LAG lag1 (2 ports, VLANs 100-200,300),
//     a private VLAN 200/201; DC0_C0_H1 on uplink1 via vmnic1 (member
//     backing), DC0_C0_H2 on uplink2 via vmnic1 (host proxy switch only).
//   - port groups: DC0_DVPG0 (VLAN 110, active lag1), Trunk (100-200,300,
//     all inherited), PVLAN (201, explicit failover), Inherit (VLAN spec
//     inherited from the switch).
//   - DC0_C0_RP0_VM0 (vmA): IPs, custom attribute owner=team-net, tag
//     app/web; DC0_C0_RP0_VM1 (vmB): a second vNIC, vmxnet3 on "VM Network".
//   - the cluster has DRS on and HA off.
func decorate(t testing.TB, s *vcsim) *fixture {
	t.Helper()
	ctx := context.Background()
	c := s.client(t)
	sim := s.ctx()
	fx := &fixture{pgKeys: map[string]string{}}

	dvsObj := sim.Map.Any("DistributedVirtualSwitch").(*simulator.DistributedVirtualSwitch)
	fx.dvsUUID = dvsObj.Uuid
	var hosts []*simulator.HostSystem
	for _, name := range []string{"DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2"} {
		for _, e := range sim.Map.All("HostSystem") {
			if h := e.(*simulator.HostSystem); h.Name == name {
				hosts = append(hosts, h)
				fx.hosts = append(fx.hosts, name)
			}
		}
	}
	if len(hosts) != 3 {
		t.Fatalf("got %d cluster hosts; want 3", len(hosts))
	}

	// Port groups added through the API.
	dvs := object.NewDistributedVirtualSwitch(c.Client, dvsObj.Self)
	spec := func(name string, vlan types.BaseVmwareDistributedVirtualSwitchVlanSpec, teaming *types.VmwareUplinkPortTeamingPolicy) types.DVPortgroupConfigSpec {
		return types.DVPortgroupConfigSpec{
			Name:              name,
			Type:              string(types.DistributedVirtualPortgroupPortgroupTypeEarlyBinding),
			NumPorts:          8,
			DefaultPortConfig: &types.VMwareDVSPortSetting{Vlan: vlan, UplinkTeamingPolicy: teaming},
		}
	}
	task, err := dvs.AddPortgroup(ctx, []types.DVPortgroupConfigSpec{
		spec("Trunk",
			&types.VmwareDistributedVirtualSwitchTrunkVlanSpec{VlanId: []types.NumericRange{{Start: 100, End: 200}, {Start: 300, End: 300}}},
			&types.VmwareUplinkPortTeamingPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}}),
		spec("PVLAN",
			&types.VmwareDistributedVirtualSwitchPvlanSpec{PvlanId: 201},
			&types.VmwareUplinkPortTeamingPolicy{Policy: &types.StringPolicy{Value: "failover_explicit"}}),
		spec("Inherit",
			&types.VmwareDistributedVirtualSwitchVlanIdSpec{
				VmwareDistributedVirtualSwitchVlanSpec: types.VmwareDistributedVirtualSwitchVlanSpec{InheritablePolicy: types.InheritablePolicy{Inherited: true}},
				VlanId:                                 999,
			}, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}

	// The distributed switch, as vCenter fills it in.
	var uplinkPG types.ManagedObjectReference
	for _, e := range sim.Map.All("DistributedVirtualPortgroup") {
		pg := e.(*simulator.DistributedVirtualPortgroup)
		fx.pgKeys[pg.Name] = pg.Key
		if strings.Contains(pg.Name, "DVUplinks") {
			uplinkPG = pg.Self
		}
	}
	s.edit(dvsObj.Self, func(obj mo.Reference) {
		d := obj.(*simulator.DistributedVirtualSwitch)
		cfg := d.Config.(*types.VMwareDVSConfigInfo)
		cfg.MaxMtu = 9000
		cfg.LacpApiVersion = "multipleLag"
		cfg.ProductInfo.Version = "8.0.3"
		cfg.UplinkPortPolicy = &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: []string{"uplink1", "uplink2"}}
		cfg.UplinkPortgroup = []types.ManagedObjectReference{uplinkPG}
		cfg.DefaultPortConfig = &types.VMwareDVSPortSetting{
			Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 0},
			UplinkTeamingPolicy: &types.VmwareUplinkPortTeamingPolicy{
				Policy:          &types.StringPolicy{Value: "loadbalance_srcid"},
				UplinkPortOrder: &types.VMwareUplinkPortOrderPolicy{ActiveUplinkPort: []string{"uplink1"}, StandbyUplinkPort: []string{"uplink2"}},
			},
		}
		cfg.LacpGroupConfig = []types.VMwareDvsLacpGroupConfig{{
			Key: "lag-key-1", Name: "lag1", Mode: "active", UplinkNum: 2,
			LoadbalanceAlgorithm: "srcDestIpTcpUdpPortVlan",
			Vlan:                 &types.VMwareDvsLagVlanConfig{VlanId: []types.NumericRange{{Start: 100, End: 200}, {Start: 300, End: 300}}},
			UplinkName:           []string{"lag1-0", "lag1-1"},
			UplinkPortKey:        []string{"100", "101"},
		}}
		cfg.PvlanConfig = []types.VMwareDVSPvlanMapEntry{{PrimaryVlanId: 200, SecondaryVlanId: 201, PvlanType: "isolated"}}
		backing := func(specs ...types.DistributedVirtualSwitchHostMemberPnicSpec) *types.DistributedVirtualSwitchHostMemberPnicBacking {
			return &types.DistributedVirtualSwitchHostMemberPnicBacking{PnicSpec: specs}
		}
		cfg.Host = []types.DistributedVirtualSwitchHostMember{
			{Config: types.DistributedVirtualSwitchHostMemberConfigInfo{Host: &hosts[0].Self, Backing: backing(
				types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: "vmnic2", UplinkPortKey: "100"},
				types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: "vmnic3", UplinkPortKey: "101"},
			)}},
			{Config: types.DistributedVirtualSwitchHostMemberConfigInfo{Host: &hosts[1].Self, Backing: backing(
				types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: "vmnic1", UplinkPortKey: "110"},
			)}},
		}
	})
	s.edit(types.ManagedObjectReference{Type: "DistributedVirtualPortgroup", Value: fx.pgKeys["DC0_DVPG0"]}, func(obj mo.Reference) {
		pg := obj.(*simulator.DistributedVirtualPortgroup)
		pg.Config.DefaultPortConfig = &types.VMwareDVSPortSetting{
			Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 110},
			UplinkTeamingPolicy: &types.VmwareUplinkPortTeamingPolicy{
				Policy:          &types.StringPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}, Value: "loadbalance_ip"},
				UplinkPortOrder: &types.VMwareUplinkPortOrderPolicy{ActiveUplinkPort: []string{"lag1"}},
			},
		}
	})

	// The hosts' network configuration.
	proxy := func(uplinks map[string]string, specs ...types.DistributedVirtualSwitchHostMemberPnicSpec) []types.HostProxySwitch {
		p := types.HostProxySwitch{DvsUuid: dvsObj.Uuid, DvsName: dvsObj.Name, Key: dvsObj.Uuid}
		for k, v := range uplinks {
			p.UplinkPort = append(p.UplinkPort, types.KeyValue{Key: k, Value: v})
		}
		if len(specs) > 0 {
			p.Spec.Backing = &types.DistributedVirtualSwitchHostMemberPnicBacking{PnicSpec: specs}
		}
		return []types.HostProxySwitch{p}
	}
	s.edit(hosts[0].Self, func(obj mo.Reference) {
		n := obj.(*simulator.HostSystem).Config.Network
		vmnic1 := n.Pnic[1]
		for i, mac := range []string{"00:50:56:00:00:02", "00:50:56:00:00:03"} {
			p := vmnic1
			p.Device = []string{"vmnic2", "vmnic3"}[i]
			p.Key = "key-vim.host.PhysicalNic-" + p.Device
			p.Mac = mac
			if p.Device == "vmnic3" {
				p.LinkSpeed = nil
			}
			n.Pnic = append(n.Pnic, p)
		}
		vs := &n.Vswitch[0]
		vs.Mtu = 9000
		vs.Pnic = []string{"key-vim.host.PhysicalNic-vmnic0", "key-vim.host.PhysicalNic-vmnic1"}
		vs.Spec.Policy.NicTeaming.NicOrder = &types.HostNicOrderPolicy{ActiveNic: []string{"vmnic0"}, StandbyNic: []string{"vmnic1"}}
		n.Portgroup = append(n.Portgroup,
			types.HostPortGroup{Key: "key-vim.host.PortGroup-Prod-110", Vswitch: vs.Key, Spec: types.HostPortGroupSpec{
				Name: "Prod-110", VlanId: 110, VswitchName: "vSwitch0",
				Policy: types.HostNetworkPolicy{NicTeaming: &types.HostNicTeamingPolicy{
					Policy:   "failover_explicit",
					NicOrder: &types.HostNicOrderPolicy{ActiveNic: []string{"vmnic1"}, StandbyNic: []string{"vmnic0"}},
				}},
			}},
			types.HostPortGroup{Key: "key-vim.host.PortGroup-VGT", Vswitch: vs.Key, Spec: types.HostPortGroupSpec{
				Name: "VGT", VlanId: 4095, VswitchName: "vSwitch0",
			}},
		)
		n.ProxySwitch = proxy(map[string]string{"100": "lag1-0", "101": "lag1-1"})
	})
	s.edit(hosts[1].Self, func(obj mo.Reference) {
		obj.(*simulator.HostSystem).Config.Network.ProxySwitch = proxy(map[string]string{"110": "uplink1", "111": "uplink2"})
	})
	s.edit(hosts[2].Self, func(obj mo.Reference) {
		obj.(*simulator.HostSystem).Config.Network.ProxySwitch = proxy(map[string]string{"120": "uplink2"},
			types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: "vmnic1", UplinkPortKey: "120"})
	})
	s.edit(*hosts[0].ConfigManager.NetworkSystem, func(obj mo.Reference) {
		obj.(*simulator.HostNetworkSystem).QueryNetworkHintResponse.Returnval = []types.PhysicalNicHintInfo{
			{
				Device: "vmnic0",
				Subnet: []types.PhysicalNicIpHint{
					{PhysicalNicHint: types.PhysicalNicHint{VlanId: 120}, IpSubnet: "10.1.20.0/24"},
					{PhysicalNicHint: types.PhysicalNicHint{VlanId: 110}, IpSubnet: "10.1.10.0/24"},
				},
				ConnectedSwitchPort: &types.PhysicalNicCdpInfo{
					DevId: "leaf1.example.net", PortId: "Ethernet1/7", Address: "10.0.0.11",
					HardwarePlatform: "N9K-C93180YC-EX", Vlan: 1, Mtu: 9216,
				},
			},
			{
				Device: "vmnic1",
				LldpInfo: &types.LinkLayerDiscoveryProtocolInfo{
					ChassisId: "00:de:ad:be:ef:02", PortId: "Ethernet1/8", TimeToLive: 120,
					Parameter: []types.KeyAnyValue{
						{Key: "System Name", Value: "leaf2.example.net"},
						{Key: "Port Description", Value: "esx01 vmnic1"},
					},
				},
			},
			{
				// Issue 13, cause 11a: a locally assigned chassis ID
				// (subtype 7), the switch named by the System Name
				// parameter, values padded as some switches send them.
				Device: "vmnic2",
				LldpInfo: &types.LinkLayerDiscoveryProtocolInfo{
					ChassisId: "FOC2231X0AB ", PortId: "Ethernet1/9 ", TimeToLive: 120,
					Parameter: []types.KeyAnyValue{
						{Key: "Port Description", Value: "esx01 vmnic2 "},
						{Key: "System Description", Value: "Cisco NX-OS"},
						{Key: "System Name", Value: " leaf3.example.net\n"},
						{Key: "Management Address", Value: "10.0.0.13"},
						{Key: "Vlan ID", Value: "1"},
						{Key: "MTU", Value: int32(9216)},
					},
				},
			},
		}
	})
	for _, e := range sim.Map.All("ClusterComputeResource") {
		s.edit(e.Reference(), func(obj mo.Reference) {
			cl := obj.(*simulator.ClusterComputeResource)
			cl.Configuration.DrsConfig.Enabled = types.NewBool(true)
			cl.Configuration.DasConfig.Enabled = types.NewBool(false)
		})
	}

	// VMs.
	fx.vmA = vmByName(t, c, "DC0_C0_RP0_VM0")
	fx.vmB = vmByName(t, c, "DC0_C0_RP0_VM1")
	s.setGuestIPs(fx.vmA.Reference(), "10.1.10.5", "fe80::250:56ff:fe00:1", "2001:db8::5")
	s.edit(fx.vmA.Reference(), func(obj mo.Reference) {
		vm := obj.(*simulator.VirtualMachine)
		fx.uuidA = vm.Config.InstanceUuid
		fx.hostA = sim.Map.Get(*vm.Runtime.Host).(*simulator.HostSystem).Name
	})
	net, err := finder(t, c).Network(ctx, "VM Network")
	if err != nil {
		t.Fatal(err)
	}
	backing, err := net.EthernetCardBackingInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nic, err := object.VirtualDeviceList{}.CreateEthernetCard("vmxnet3", backing)
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.vmB.AddDevice(ctx, nic); err != nil {
		t.Fatal(err)
	}
	s.edit(fx.vmB.Reference(), func(obj mo.Reference) {
		vm := obj.(*simulator.VirtualMachine)
		fx.uuidB = vm.Config.InstanceUuid
		fx.hostB = sim.Map.Get(*vm.Runtime.Host).(*simulator.HostSystem).Name
	})

	fields := object.NewCustomFieldsManager(c.Client)
	def, err := fields.Add(ctx, "owner", "VirtualMachine", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := fields.Set(ctx, fx.vmA.Reference(), def.Key, "team-net"); err != nil {
		t.Fatal(err)
	}

	rc := rest.NewClient(c.Client)
	if err := rc.Login(ctx, url.UserPassword(testUser, testPassword)); err != nil {
		t.Fatal(err)
	}
	tm := tags.NewManager(rc)
	cat, err := tm.CreateCategory(ctx, &tags.Category{Name: "app", Cardinality: "SINGLE", AssociableTypes: []string{"VirtualMachine"}})
	if err != nil {
		t.Fatal(err)
	}
	tag, err := tm.CreateTag(ctx, &tags.Tag{Name: "web", CategoryID: cat})
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.AttachTag(ctx, tag, fx.vmA.Reference()); err != nil {
		t.Fatal(err)
	}
	return fx
}
