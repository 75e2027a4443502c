package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// The tests read the data center through the vSphere API only, as vnetmap's
// vSphere source does; the plan (Cabling, Switches, VMs) is the expectation.

var shared struct {
	once    sync.Once
	d       *DataCenter
	err     error
	invOnce sync.Once
	inv     *inventory
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.d != nil {
		_ = shared.d.Close()
	}
	os.Exit(code)
}

// defaultDC returns the default data center, started once for the tests
// that only read it.
func defaultDC(t *testing.T) *DataCenter {
	t.Helper()
	shared.once.Do(func() { shared.d, shared.err = Start(context.Background(), DefaultConfig()) })
	if shared.err != nil {
		t.Fatalf("Start: %v", shared.err)
	}
	return shared.d
}

// defaultInventory returns the default data center and its inventory, read
// once through the API.
func defaultInventory(t *testing.T) (*DataCenter, *inventory) {
	t.Helper()
	d := defaultDC(t)
	shared.invOnce.Do(func() { shared.inv = retrieve(t, connect(t, d), fullProps) })
	if shared.inv == nil {
		t.Fatal("no inventory")
	}
	return d, shared.inv
}

func start(t *testing.T, cfg Config) *DataCenter {
	t.Helper()
	d, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

// connect logs in to the data center's API like any vSphere client.
func connect(t *testing.T, d *DataCenter) *govmomi.Client {
	t.Helper()
	u, err := url.Parse(d.URL())
	if err != nil {
		t.Fatal(err)
	}
	if u.User != nil {
		t.Fatalf("URL %s carries credentials", d.URL())
	}
	u.User = url.UserPassword(d.Username(), d.Password())
	c, err := govmomi.NewClient(context.Background(), u, true)
	if err != nil {
		t.Fatalf("log in to %s: %v", d.URL(), err)
	}
	t.Cleanup(func() { _ = c.Logout(context.Background()) })
	return c
}

// inventory is what a collection reads.
type inventory struct {
	clusters   []mo.ClusterComputeResource
	hosts      []mo.HostSystem
	dvs        []mo.DistributedVirtualSwitch
	portgroups []mo.DistributedVirtualPortgroup
	networks   []mo.Network
	vms        []mo.VirtualMachine
	fields     map[int32]string
}

// props lists the properties to read per managed object type.
type props map[string][]string

// fullProps is what a collection reads.
var fullProps = props{
	"ClusterComputeResource":      {"name", "host", "resourcePool", "network", "configuration"},
	"HostSystem":                  {"name", "parent", "vm", "network", "runtime", "summary.hardware", "config.network", "configManager.networkSystem"},
	"DistributedVirtualSwitch":    {"name", "uuid", "config", "summary.hostMember", "portgroup"},
	"DistributedVirtualPortgroup": {"name", "key", "config", "portKeys"},
	"Network":                     {"name", "host"},
	"VirtualMachine":              {"name", "parent", "config", "runtime", "guest", "customValue", "resourcePool", "network"},
}

// placementProps is what placement checks read.
var placementProps = props{
	"ClusterComputeResource": {"name", "host", "resourcePool"},
	"HostSystem":             {"name", "vm", "network"},
	"VirtualMachine":         {"name", "runtime.host", "resourcePool", "network"},
}

func retrieve(t *testing.T, c *govmomi.Client, want props) *inventory {
	t.Helper()
	ctx := context.Background()
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Destroy(ctx) }()
	inv := &inventory{fields: map[int32]string{}}
	for kind, dst := range map[string]any{
		"ClusterComputeResource":      &inv.clusters,
		"HostSystem":                  &inv.hosts,
		"DistributedVirtualSwitch":    &inv.dvs,
		"DistributedVirtualPortgroup": &inv.portgroups,
		"Network":                     &inv.networks,
		"VirtualMachine":              &inv.vms,
	} {
		if ps, ok := want[kind]; ok {
			if err := v.Retrieve(ctx, []string{kind}, ps, dst); err != nil {
				t.Fatalf("retrieve %s: %v", kind, err)
			}
		}
	}
	m, err := object.GetCustomFieldsManager(c.Client)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := m.Field(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range defs {
		inv.fields[f.Key] = f.Name
	}
	return inv
}

func (inv *inventory) host(name string) *mo.HostSystem {
	for i := range inv.hosts {
		if inv.hosts[i].Name == name {
			return &inv.hosts[i]
		}
	}
	return nil
}

func (inv *inventory) vm(name string) *mo.VirtualMachine {
	for i := range inv.vms {
		if inv.vms[i].Name == name {
			return &inv.vms[i]
		}
	}
	return nil
}

func (inv *inventory) hostName(ref *types.ManagedObjectReference) string {
	for _, h := range inv.hosts {
		if ref != nil && h.Self == *ref {
			return h.Name
		}
	}
	return ""
}

func (inv *inventory) clusterOf(h *mo.HostSystem) string {
	for _, c := range inv.clusters {
		if slices.Contains(c.Host, h.Self) {
			return c.Name
		}
	}
	return ""
}

// portgroupName names a vNIC's port group from its backing.
func (inv *inventory) portgroupName(nic types.BaseVirtualEthernetCard) string {
	switch b := nic.GetVirtualEthernetCard().Backing.(type) {
	case *types.VirtualEthernetCardNetworkBackingInfo:
		for _, n := range inv.networks {
			if b.Network != nil && n.Self == *b.Network {
				return n.Name
			}
		}
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		for _, pg := range inv.portgroups {
			if pg.Key == b.Port.PortgroupKey {
				return pg.Name
			}
		}
	}
	return ""
}

func clusterNames(inv *inventory) []string {
	var out []string
	for _, c := range inv.clusters {
		out = append(out, c.Name)
	}
	sort.Strings(out)
	return out
}

func ethernetCards(vm *mo.VirtualMachine) []types.BaseVirtualEthernetCard {
	var out []types.BaseVirtualEthernetCard
	for _, d := range vm.Config.Hardware.Device {
		if e, ok := d.(types.BaseVirtualEthernetCard); ok {
			out = append(out, e)
		}
	}
	return out
}

func pnicDevices(h *mo.HostSystem) []string {
	var out []string
	for _, p := range h.Config.Network.Pnic {
		out = append(out, p.Device)
	}
	return out
}

func TestInventory(t *testing.T) {
	d, inv := defaultInventory(t)

	if got, want := len(inv.clusters), 2; got != want {
		t.Errorf("clusters: got %d; want %d", got, want)
	}
	for _, c := range inv.clusters {
		cfg := c.Configuration
		if cfg.DrsConfig.Enabled == nil || !*cfg.DrsConfig.Enabled || cfg.DasConfig.Enabled == nil || !*cfg.DasConfig.Enabled {
			t.Errorf("cluster %s: DRS %v HA %v; want both enabled", c.Name, cfg.DrsConfig.Enabled, cfg.DasConfig.Enabled)
		}
	}
	if got, want := clusterNames(inv), d.Clusters(); !slices.Equal(got, want) {
		t.Errorf("clusters: got %v; Clusters() says %v", got, want)
	}
	var hosts []string
	for _, h := range inv.hosts {
		hosts = append(hosts, h.Name)
	}
	sort.Strings(hosts)
	if want := d.Hosts(); !slices.Equal(hosts, want) {
		t.Errorf("hosts: got %v; Hosts() says %v", hosts, want)
	}
	if got, want := len(inv.hosts), 8; got != want {
		t.Errorf("hosts: got %d; want %d", got, want)
	}
	for _, c := range inv.clusters {
		if got, want := len(c.Host), 4; got != want {
			t.Errorf("cluster %s: got %d hosts; want %d", c.Name, got, want)
		}
	}
	for _, h := range inv.hosts {
		n := len(h.Config.Network.Pnic)
		if n < 2 || n > 4 {
			t.Errorf("%s: got %d pNICs; want 2 to 4", h.Name, n)
		}
		if strings.HasPrefix(inv.clusterOf(&h), "prod") && n != 4 {
			t.Errorf("%s in the LACP cluster: got %d pNICs; want 4", h.Name, n)
		}
		if h.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
			t.Errorf("%s: connection %s", h.Name, h.Runtime.ConnectionState)
		}
		if h.Summary.Hardware.Vendor == "VMware, Inc." {
			t.Errorf("%s: hardware vendor is the simulator's template", h.Name)
		}
	}
	if got := len(inv.vms); got < 100 {
		t.Errorf("VMs: got %d; want at least 100", got)
	}
	for _, name := range []string{"web01", "db01", "app-billing-01", "app-orders-01", "kafka-01", "ldap-01", "fw-edge-01", "dmz-proxy-01", "shop-web-01", "shop-db-01", "mon-prom-01"} {
		if inv.vm(name) == nil {
			t.Errorf("no VM %s", name)
		}
	}
	if got, want := len(inv.vms), len(d.VMs()); got != want {
		t.Errorf("VMs: got %d through the API; VMs() has %d", got, want)
	}
}

func TestStandardSwitches(t *testing.T) {
	d, inv := defaultInventory(t)
	c := connect(t, d)
	for _, h := range inv.hosts {
		var vs0 *types.HostVirtualSwitch
		for i := range h.Config.Network.Vswitch {
			if h.Config.Network.Vswitch[i].Name == "vSwitch0" {
				vs0 = &h.Config.Network.Vswitch[i]
			}
		}
		if vs0 == nil {
			t.Errorf("%s: no vSwitch0", h.Name)
			continue
		}
		order := vs0.Spec.Policy.NicTeaming.NicOrder
		if !slices.Equal(order.ActiveNic, []string{"vmnic0"}) || !slices.Equal(order.StandbyNic, []string{"vmnic1"}) {
			t.Errorf("%s vSwitch0: got active %v standby %v; want [vmnic0] [vmnic1]", h.Name, order.ActiveNic, order.StandbyNic)
		}
		if got, want := vs0.Pnic, []string{"key-vim.host.PhysicalNic-vmnic0", "key-vim.host.PhysicalNic-vmnic1"}; !slices.Equal(got, want) {
			t.Errorf("%s vSwitch0 pnic: got %v; want %v", h.Name, got, want)
		}
		pgs := map[string]types.HostPortGroup{}
		for _, pg := range h.Config.Network.Portgroup {
			pgs[pg.Spec.Name] = pg
		}
		if got := pgs[mgmtPG].Spec.VlanId; got != 10 {
			t.Errorf("%s %s: got VLAN %d; want 10", h.Name, mgmtPG, got)
		}
		if got := pgs["mon-v240"].Spec.VlanId; got != 240 {
			t.Errorf("%s mon-v240: got VLAN %d; want 240", h.Name, got)
		}
		shop := strings.HasPrefix(inv.clusterOf(&h), "shop")
		db, ok := pgs["shop-db-v230"]
		if ok != shop {
			t.Errorf("%s: has shop-db-v230 %v; want %v", h.Name, ok, shop)
		}
		if ok {
			if got := db.ComputedPolicy.NicTeaming.NicOrder.ActiveNic; !slices.Equal(got, []string{"vmnic1"}) {
				t.Errorf("%s shop-db-v230: got effective active %v; want [vmnic1] (override)", h.Name, got)
			}
		}
		// The network system answers the same configuration.
		var ns mo.HostNetworkSystem
		if err := c.PropertyCollector().RetrieveOne(context.Background(), *h.ConfigManager.NetworkSystem, []string{"networkInfo"}, &ns); err != nil {
			t.Fatal(err)
		}
		if got, want := pnicDevices(&mo.HostSystem{Config: &types.HostConfigInfo{Network: ns.NetworkInfo}}), pnicDevices(&h); !slices.Equal(got, want) {
			t.Errorf("%s networkInfo: got pNICs %v; config.network has %v", h.Name, got, want)
		}
		if got, want := len(ns.NetworkInfo.Portgroup), len(h.Config.Network.Portgroup); got != want {
			t.Errorf("%s networkInfo: got %d port groups; config.network has %d", h.Name, got, want)
		}
	}
	for _, n := range inv.networks {
		if len(n.Host) == 0 {
			t.Errorf("network %s: no hosts", n.Name)
		}
	}
}

func TestDistributedSwitch(t *testing.T) {
	_, inv := defaultInventory(t)
	if len(inv.dvs) != 1 {
		t.Fatalf("distributed switches: got %d; want 1", len(inv.dvs))
	}
	sw := inv.dvs[0]
	cfg := sw.Config.(*types.VMwareDVSConfigInfo)
	if got, want := cfg.LacpApiVersion, "multipleLag"; got != want {
		t.Errorf("lacpApiVersion: got %q; want %q", got, want)
	}
	if len(cfg.LacpGroupConfig) != 1 {
		t.Fatalf("LACP groups: got %d; want 1", len(cfg.LacpGroupConfig))
	}
	lag := cfg.LacpGroupConfig[0]
	if lag.Name != "lag1" || lag.Mode != "active" || lag.UplinkNum != 2 || !slices.Equal(lag.UplinkName, []string{"lag1-0", "lag1-1"}) {
		t.Errorf("LACP group: got %s mode %s ports %d uplinks %v; want lag1 active 2 [lag1-0 lag1-1]", lag.Name, lag.Mode, lag.UplinkNum, lag.UplinkName)
	}
	if got, want := cfg.MaxMtu, int32(9000); got != want {
		t.Errorf("maxMtu: got %d; want %d", got, want)
	}
	if len(cfg.UplinkPortgroup) != 1 {
		t.Errorf("uplink port groups: got %v; want one", cfg.UplinkPortgroup)
	}

	var prodHosts []string
	for _, h := range inv.hosts {
		if strings.HasPrefix(inv.clusterOf(&h), "prod") {
			prodHosts = append(prodHosts, h.Name)
		}
	}
	var members []string
	for _, ref := range sw.Summary.HostMember {
		members = append(members, inv.hostName(&ref))
	}
	sort.Strings(members)
	if !slices.Equal(members, prodHosts) {
		t.Errorf("members: got %v; want the prod cluster's hosts %v", members, prodHosts)
	}
	for _, m := range cfg.Host {
		h := inv.host(inv.hostName(m.Config.Host))
		backing := m.Config.Backing.(*types.DistributedVirtualSwitchHostMemberPnicBacking)
		var proxy *types.HostProxySwitch
		for i := range h.Config.Network.ProxySwitch {
			if h.Config.Network.ProxySwitch[i].DvsUuid == sw.Uuid {
				proxy = &h.Config.Network.ProxySwitch[i]
			}
		}
		if proxy == nil {
			t.Errorf("%s: no proxy switch for %s", h.Name, sw.Name)
			continue
		}
		names := map[string]string{}
		for _, kv := range proxy.UplinkPort {
			names[kv.Key] = kv.Value
		}
		var got []string
		for _, ps := range backing.PnicSpec {
			got = append(got, ps.PnicDevice+"="+names[ps.UplinkPortKey])
			if !slices.Contains(lag.UplinkPortKey, ps.UplinkPortKey) {
				t.Errorf("%s %s: port %s not in lag1's ports", h.Name, ps.PnicDevice, ps.UplinkPortKey)
			}
		}
		if want := []string{"vmnic2=lag1-0", "vmnic3=lag1-1"}; !slices.Equal(got, want) {
			t.Errorf("%s backing: got %v; want %v", h.Name, got, want)
		}
		if len(proxy.HostLag) != 1 || proxy.HostLag[0].LagName != "lag1" {
			t.Errorf("%s: host LAG %+v; want lag1", h.Name, proxy.HostLag)
		}
	}
	pvlans := map[int32]string{}
	for _, e := range cfg.PvlanConfig {
		pvlans[e.SecondaryVlanId] = e.PvlanType
	}
	if pvlans[500] != "promiscuous" || pvlans[501] != "isolated" {
		t.Errorf("pvlan map: got %v; want 500 promiscuous, 501 isolated", pvlans)
	}
}

// vlanOf describes a distributed port group's VLAN setting.
func vlanOf(pg *mo.DistributedVirtualPortgroup) string {
	s, ok := pg.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting)
	if !ok || s.Vlan == nil {
		return ""
	}
	switch v := s.Vlan.(type) {
	case *types.VmwareDistributedVirtualSwitchVlanIdSpec:
		return fmt.Sprint(v.VlanId)
	case *types.VmwareDistributedVirtualSwitchTrunkVlanSpec:
		var parts []string
		for _, r := range v.VlanId {
			parts = append(parts, fmt.Sprintf("%d-%d", r.Start, r.End))
		}
		return "trunk " + strings.Join(parts, ",")
	case *types.VmwareDistributedVirtualSwitchPvlanSpec:
		return fmt.Sprint("pvlan ", v.PvlanId)
	}
	return ""
}

func TestPortgroups(t *testing.T) {
	_, inv := defaultInventory(t)
	vlanPGs := map[string]string{}
	for _, h := range inv.hosts {
		for _, pg := range h.Config.Network.Portgroup {
			if pg.Spec.VlanId != 0 {
				vlanPGs[pg.Spec.Name] = fmt.Sprint(pg.Spec.VlanId)
			}
		}
	}
	uplink := inv.dvs[0].Config.GetDVSConfigInfo().UplinkPortgroup[0]
	for i := range inv.portgroups {
		pg := &inv.portgroups[i]
		if pg.Self == uplink {
			if pg.Config.Uplink == nil || !*pg.Config.Uplink {
				t.Errorf("%s: not marked as the uplink port group", pg.Name)
			}
			continue
		}
		if v := vlanOf(pg); v != "" && v != "0" {
			vlanPGs[pg.Name] = v
		}
	}
	if len(vlanPGs) < 10 {
		t.Errorf("VLAN port groups: got %d %v; want at least 10", len(vlanPGs), vlanPGs)
	}
	for name, want := range map[string]string{
		"prod-trunk":     "trunk 100-199,300-300",
		"prod-dmz-pvlan": "pvlan 501",
		"prod-web-v110":  "110",
		"shop-web-v210":  "210",
	} {
		if got := vlanPGs[name]; got != want {
			t.Errorf("%s: got VLAN %q; want %q", name, got, want)
		}
	}
}

func TestVMs(t *testing.T) {
	d, inv := defaultInventory(t)
	planned := map[string]VM{}
	for _, v := range d.VMs() {
		planned[v.Name] = v
	}
	for _, vm := range inv.vms {
		want, ok := planned[vm.Name]
		if !ok {
			t.Errorf("unplanned VM %s", vm.Name)
			continue
		}
		if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			t.Errorf("%s: power %s", vm.Name, vm.Runtime.PowerState)
		}
		cards := ethernetCards(&vm)
		if len(cards) < 1 || len(cards) > 2 || len(cards) != len(want.NICs) {
			t.Errorf("%s: got %d vNICs; want %d (1 or 2)", vm.Name, len(cards), len(want.NICs))
			continue
		}
		for i, card := range cards {
			c := card.GetVirtualEthernetCard()
			if c.MacAddress != want.NICs[i].MAC {
				t.Errorf("%s nic %d: got MAC %s; want %s", vm.Name, i, c.MacAddress, want.NICs[i].MAC)
			}
			if got := inv.portgroupName(card); got != want.NICs[i].Portgroup {
				t.Errorf("%s nic %d: got port group %q; want %q", vm.Name, i, got, want.NICs[i].Portgroup)
			}
			var g *types.GuestNicInfo
			for j := range vm.Guest.Net {
				if vm.Guest.Net[j].DeviceConfigId == c.Key {
					g = &vm.Guest.Net[j]
				}
			}
			if g == nil {
				t.Errorf("%s nic %d: no guest.net entry for device %d", vm.Name, i, c.Key)
				continue
			}
			if g.MacAddress != c.MacAddress || !slices.Equal(g.IpAddress, want.NICs[i].IPs) || g.Network != want.NICs[i].Portgroup {
				t.Errorf("%s guest nic %d: got %s %v on %s; want %s %v on %s", vm.Name, i, g.MacAddress, g.IpAddress, g.Network, c.MacAddress, want.NICs[i].IPs, want.NICs[i].Portgroup)
			}
		}
		attrs := map[string]string{}
		for _, cv := range vm.CustomValue {
			if s, ok := cv.(*types.CustomFieldStringValue); ok {
				attrs[inv.fields[s.Key]] = s.Value
			}
		}
		if attrs["app"] != want.App || attrs["owner"] != want.Owner {
			t.Errorf("%s: got app %q owner %q; want %q %q", vm.Name, attrs["app"], attrs["owner"], want.App, want.Owner)
		}
		if vm.Guest.HostName != vm.Name {
			t.Errorf("%s: guest host name %q", vm.Name, vm.Guest.HostName)
		}
	}

	// One VM field by field, with values that do not come from the plan.
	web := inv.vm("web01")
	card := ethernetCards(web)[0].GetVirtualEthernetCard()
	if !strings.HasPrefix(card.MacAddress, "00:50:56:") || card.AddressType != "assigned" {
		t.Errorf("web01: MAC %s (%s); want a vCenter-assigned 00:50:56 address", card.MacAddress, card.AddressType)
	}
	if got := inv.portgroupName(ethernetCards(web)[0]); got != "prod-web-v110" {
		t.Errorf("web01: port group %q; want prod-web-v110", got)
	}
	ip, err := netip.ParseAddr(web.Guest.Net[0].IpAddress[0])
	if err != nil || !netip.MustParsePrefix("10.110.0.0/16").Contains(ip) {
		t.Errorf("web01: guest IP %v; want one in 10.110.0.0/16", web.Guest.Net[0].IpAddress)
	}
	if web.Guest.IpAddress != ip.String() {
		t.Errorf("web01: guest.ipAddress %q; want %s", web.Guest.IpAddress, ip)
	}
	if web.Config.InstanceUuid == "" || !strings.HasPrefix(web.Config.InstanceUuid, "50") {
		t.Errorf("web01: instance uuid %q", web.Config.InstanceUuid)
	}
	if d := card.Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo); d.Port.PortKey == "" {
		t.Errorf("web01: no distributed port key")
	}
	// The VM runs on a host of the distributed-switch cluster.
	if h := inv.host(inv.hostName(web.Runtime.Host)); h == nil || !strings.HasPrefix(inv.clusterOf(h), "prod") {
		t.Errorf("web01 runs on %v; want a prod cluster host", web.Runtime.Host)
	}
}

func TestNetworkHints(t *testing.T) {
	d, inv := defaultInventory(t)
	c := connect(t, d)
	ctx := context.Background()
	cables := map[string]Cable{}
	for _, cb := range d.Cabling() {
		cables[cb.Host+"/"+cb.PNIC] = cb
	}
	leaves := map[string]Switch{}
	for _, s := range d.Switches() {
		leaves[s.Name] = s
	}
	if got, want := len(leaves), 4; got != want {
		t.Errorf("leaves: got %d; want %d", got, want)
	}
	for _, h := range inv.hosts {
		ns := object.NewHostNetworkSystem(c.Client, *h.ConfigManager.NetworkSystem)
		hints, err := ns.QueryNetworkHint(ctx, nil)
		if err != nil {
			t.Fatalf("%s: QueryNetworkHint: %v", h.Name, err)
		}
		if got, want := len(hints), len(h.Config.Network.Pnic); got != want {
			t.Errorf("%s: got %d hints; want one per pNIC (%d)", h.Name, got, want)
		}
		macs := map[string]string{}
		for _, p := range h.Config.Network.Pnic {
			macs[p.Device] = p.Mac
		}
		for _, hint := range hints {
			cb, ok := cables[h.Name+"/"+hint.Device]
			if !ok {
				t.Errorf("%s %s: not in the cabling plan", h.Name, hint.Device)
				continue
			}
			if macs[hint.Device] != cb.MAC {
				t.Errorf("%s %s: MAC %s; cabling says %s", h.Name, hint.Device, macs[hint.Device], cb.MAC)
			}
			leaf := leaves[cb.Switch]
			switch {
			case hint.ConnectedSwitchPort != nil:
				cdp := hint.ConnectedSwitchPort
				if cdp.DevId != cb.Switch || cdp.PortId != cb.Port || cdp.HardwarePlatform != "N9K-C93180YC-FX" ||
					cdp.Address != leaf.Address || cdp.Vlan != int32(cb.Native) || cdp.Mtu != 9216 {
					t.Errorf("%s %s CDP: got %s %s %s %s vlan %d mtu %d; want %s %s N9K-C93180YC-FX %s vlan %d mtu 9216",
						h.Name, hint.Device, cdp.DevId, cdp.PortId, cdp.HardwarePlatform, cdp.Address, cdp.Vlan, cdp.Mtu,
						cb.Switch, cb.Port, leaf.Address, cb.Native)
				}
			case hint.LldpInfo != nil:
				l := hint.LldpInfo
				var system string
				for _, p := range l.Parameter {
					if p.Key == "System Name" {
						system, _ = p.Value.(string)
					}
				}
				if l.ChassisId != leaf.ChassisID || l.PortId != cb.Port || system != cb.Switch {
					t.Errorf("%s %s LLDP: got %s %s %q; want %s %s %q", h.Name, hint.Device, l.ChassisId, l.PortId, system, leaf.ChassisID, cb.Port, cb.Switch)
				}
				if cb.LAG != "lag1" {
					t.Errorf("%s %s: LLDP on a pNIC outside the LAG", h.Name, hint.Device)
				}
			default:
				t.Errorf("%s %s: neither CDP nor LLDP", h.Name, hint.Device)
			}
		}
	}
	// The two pNICs of vSwitch0 land on the two leaves of the rack.
	a, b := cables["esx01/vmnic0"], cables["esx01/vmnic1"]
	if a.Switch == b.Switch || a.Port != b.Port || leaves[a.Switch].Peer != b.Switch {
		t.Errorf("esx01 vmnic0/vmnic1: cabled to %s %s and %s %s; want the same port on both leaves of a pair", a.Switch, a.Port, b.Switch, b.Port)
	}
}

// observed is what determinism compares, read through the API.
func observed(t *testing.T, d *DataCenter) (names, macs []string) {
	inv := retrieve(t, connect(t, d), props{
		"HostSystem":     {"name", "config.network.pnic"},
		"VirtualMachine": {"name", "config.hardware.device", "guest.net"},
	})
	for _, vm := range inv.vms {
		names = append(names, vm.Name)
		for _, c := range ethernetCards(&vm) {
			macs = append(macs, vm.Name+"="+c.GetVirtualEthernetCard().MacAddress)
		}
		for _, g := range vm.Guest.Net {
			macs = append(macs, vm.Name+"@"+strings.Join(g.IpAddress, ","))
		}
	}
	for _, h := range inv.hosts {
		for _, p := range h.Config.Network.Pnic {
			macs = append(macs, h.Name+"/"+p.Device+"="+p.Mac)
		}
	}
	sort.Strings(names)
	sort.Strings(macs)
	return names, macs
}

func TestDeterminism(t *testing.T) {
	a := defaultDC(t)
	b := start(t, DefaultConfig())
	other := DefaultConfig()
	other.Seed = 2
	c := start(t, other)

	namesA, macsA := observed(t, a)
	namesB, macsB := observed(t, b)
	_, macsC := observed(t, c)
	if !slices.Equal(namesA, namesB) {
		t.Errorf("same seed: VM names differ")
	}
	if !slices.Equal(macsA, macsB) {
		t.Errorf("same seed: MACs or addresses differ")
	}
	if !slices.Equal(a.Cabling(), b.Cabling()) || !slices.Equal(a.Switches(), b.Switches()) {
		t.Errorf("same seed: cabling differs")
	}
	if slices.Equal(macsA, macsC) {
		t.Errorf("seeds 1 and 2: same MACs")
	}
	if slices.Equal(a.Cabling(), c.Cabling()) {
		t.Errorf("seeds 1 and 2: same cabling")
	}
}

func TestMigrate(t *testing.T) {
	d := start(t, DefaultConfig())
	c := connect(t, d)
	ctx := context.Background()
	inv := retrieve(t, c, placementProps)

	tests := []struct {
		name    string
		vm      string
		cluster string // destination cluster prefix
	}{
		{"within the LACP cluster", "web01", "prod"},
		{"within the standard cluster", "shop-web-01", "shop"},
		{"across clusters", "mon-prom-01", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vm := inv.vm(tc.vm)
			from := inv.hostName(vm.Runtime.Host)
			var to *mo.HostSystem
			for i := range inv.hosts {
				h := &inv.hosts[i]
				cl := inv.clusterOf(h)
				if h.Name == from || (tc.cluster != "" && !strings.HasPrefix(cl, tc.cluster)) ||
					(tc.cluster == "" && cl == inv.clusterOf(inv.host(from))) {
					continue
				}
				to = h
				break
			}
			if err := d.Migrate(ctx, tc.vm, to.Name); err != nil {
				t.Fatalf("Migrate(%s, %s): %v", tc.vm, to.Name, err)
			}
			after := retrieve(t, c, placementProps)
			moved := after.vm(tc.vm)
			if got := after.hostName(moved.Runtime.Host); got != to.Name {
				t.Errorf("runtime.host: got %s; want %s", got, to.Name)
			}
			if !slices.Contains(after.host(to.Name).Vm, moved.Self) || slices.Contains(after.host(from).Vm, moved.Self) {
				t.Errorf("host vm lists not updated")
			}
			var pool types.ManagedObjectReference
			for _, cl := range after.clusters {
				if slices.Contains(cl.Host, to.Self) {
					pool = *cl.ResourcePool
				}
			}
			if *moved.ResourcePool != pool {
				t.Errorf("resource pool: got %s; want %s", moved.ResourcePool, pool)
			}
			events, err := event.NewManager(c.Client).QueryEvents(ctx, types.EventFilterSpec{
				Entity:      &types.EventFilterSpecByEntity{Entity: moved.Self, Recursion: types.EventFilterSpecRecursionOptionSelf},
				EventTypeId: []string{"VmMigratedEvent"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 {
				t.Fatalf("VmMigratedEvents: got %d; want 1", len(events))
			}
			e := events[0].(*types.VmMigratedEvent)
			if e.SourceHost.Name != from || e.Host.Name != to.Name || e.UserName != d.Username() {
				t.Errorf("event: from %s to %s by %q; want from %s to %s by %q", e.SourceHost.Name, e.Host.Name, e.UserName, from, to.Name, d.Username())
			}
			if want := fmt.Sprintf("Migration of virtual machine %s from %s, %s to %s, %s completed", tc.vm, from, datastore, to.Name, datastore); e.FullFormattedMessage != want {
				t.Errorf("message: got %q; want %q", e.FullFormattedMessage, want)
			}
		})
	}

	if err := d.Migrate(ctx, "no-such-vm", "esx01"); !errors.Is(err, ErrUnknownVM) {
		t.Errorf("Migrate(no-such-vm): got %v; want ErrUnknownVM", err)
	}
	if err := d.Migrate(ctx, "web01", "esx99"); !errors.Is(err, ErrUnknownHost) {
		t.Errorf("Migrate(web01, esx99): got %v; want ErrUnknownHost", err)
	}
}

func TestRandomMigration(t *testing.T) {
	ctx := context.Background()
	var moves [2][]string
	for run := range moves {
		d := start(t, DefaultConfig())
		c := connect(t, d)
		rnd := rand.New(rand.NewPCG(7, 7))
		for range 5 {
			vm, from, to, err := d.RandomMigration(ctx, rnd)
			if err != nil {
				t.Fatalf("RandomMigration: %v", err)
			}
			if from == to {
				t.Errorf("%s: from %s to itself", vm, from)
			}
			inv := retrieve(t, c, placementProps)
			v := inv.vm(vm)
			dst := inv.host(to)
			if got := inv.hostName(v.Runtime.Host); got != to {
				t.Errorf("%s: runs on %s; want %s", vm, got, to)
			}
			for _, n := range v.Network {
				if !slices.Contains(dst.Network, n) {
					t.Errorf("%s moved to %s, which lacks its network %s", vm, to, n)
				}
			}
			moves[run] = append(moves[run], vm+":"+from+">"+to)
		}
	}
	if !slices.Equal(moves[0], moves[1]) {
		t.Errorf("same seeds, different moves:\n%v\n%v", moves[0], moves[1])
	}
}

func TestTags(t *testing.T) {
	d, inv := defaultInventory(t)
	ctx := context.Background()
	rc := rest.NewClient(connect(t, d).Client)
	if err := rc.Login(ctx, url.UserPassword(d.Username(), d.Password())); err != nil {
		t.Fatalf("vAPI login: %v", err)
	}
	defer func() { _ = rc.Logout(ctx) }()
	m := tags.NewManager(rc)
	refs := make([]mo.Reference, len(inv.vms))
	for i := range inv.vms {
		refs[i] = inv.vms[i].Self
	}
	attached, err := m.ListAttachedTagsOnObjects(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	got := map[types.ManagedObjectReference][]string{}
	for _, a := range attached {
		for _, id := range a.TagIDs {
			if _, ok := names[id]; !ok {
				tag, err := m.GetTag(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				cat, err := m.GetCategory(ctx, tag.CategoryID)
				if err != nil {
					t.Fatal(err)
				}
				names[id] = cat.Name + "/" + tag.Name
			}
			ref := a.ObjectID.Reference()
			got[ref] = append(got[ref], names[id])
		}
	}
	planned := map[string]VM{}
	for _, v := range d.VMs() {
		planned[v.Name] = v
	}
	for _, vm := range inv.vms {
		g := got[vm.Self]
		sort.Strings(g)
		if want := planned[vm.Name].Tags; !slices.Equal(g, want) {
			t.Errorf("%s: got tags %v; want %v", vm.Name, g, want)
		}
	}
}
