package vsphere

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vnetmap/vnetmap/internal/model"
)

// nics returns the key and MAC of the VM's ethernet cards, as the simulator
// holds them.
func nics(s *vcsim, ref types.ManagedObjectReference) map[string]string {
	out := map[string]string{}
	s.edit(ref, func(obj mo.Reference) {
		for _, d := range obj.(*simulator.VirtualMachine).Config.Hardware.Device {
			if c, ok := d.(types.BaseVirtualEthernetCard); ok {
				out[strconv.Itoa(int(c.GetVirtualEthernetCard().Key))] = c.GetVirtualEthernetCard().MacAddress
			}
		}
	})
	return out
}

func TestCollect(t *testing.T) {
	s := startSim(t, nil, "127.0.0.1:0")
	fx := decorate(t, s)
	c, logs := newCollector(t, testConfig(t, s))
	snap, err := c.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if snap.Source != "vc1" || snap.Taken.IsZero() || len(snap.Scope) != 0 {
		t.Errorf("got source %q, taken %v, scope %v; want vc1, a time, no scope", snap.Source, snap.Taken, snap.Scope)
	}
	ix := indexFacts(snap.Facts)
	if len(ix) != len(snap.Facts) {
		t.Errorf("got %d facts with %d distinct keys; want no duplicates", len(snap.Facts), len(ix))
	}

	dvs := fx.dvsUUID
	vmA := model.NewID(model.KindVM, fx.uuidA)
	vmB := model.NewID(model.KindVM, fx.uuidB)
	macsA, macsB := nics(s, fx.vmA.Reference()), nics(s, fx.vmB.Reference())
	if len(macsA) != 1 || len(macsB) != 2 {
		t.Fatalf("got %d and %d vNICs in the simulator; want 1 and 2", len(macsA), len(macsB))
	}
	var nicA, nicBstd string // the only vNIC of vmA, the one added to vmB
	for k := range macsA {
		nicA = k
	}
	for k := range macsB {
		if k != "4000" {
			nicBstd = k
		}
	}
	vnicA := model.NewID(model.KindVNIC, fx.uuidA, nicA)
	vnicBstd := model.NewID(model.KindVNIC, fx.uuidB, nicBstd)
	pg := func(key string) model.ID { return model.NewID(model.KindPortgroup, dvs, fx.pgKeys[key]) }

	entities := []struct {
		name  string
		id    model.ID
		owner model.ID
		want  model.Attrs
		exact bool // no other attribute
	}{
		{"datacenter", "datacenter:vc1/DC0", "datacenter:vc1/DC0", model.Attrs{"vcenter": "127.0.0.1"}, true},
		{"cluster", "cluster:vc1/DC0/DC0_C0", "cluster:vc1/DC0/DC0_C0", model.Attrs{"drs": "true", "ha": "false"}, true},
		{"host", "host:DC0_C0_H0", "host:DC0_C0_H0", model.Attrs{
			"vcenter": "127.0.0.1", "connection": "connected", "power": "poweredOn", "maintenance": "false",
			"model": "VMware Virtual Platform", "vendor": "VMware, Inc.", "version": "8.0.2",
		}, false},
		{"pnic with cdp", "pnic:DC0_C0_H0/vmnic0", "host:DC0_C0_H0", model.Attrs{
			"host": "DC0_C0_H0", "device": "vmnic0", "mac": "00:0c:29:81:d8:a0", "link": "up", "speed_mbps": "10000",
			"duplex": "full", "driver": "nvmxnet3",
			"cdp_device": "leaf1.example.net", "cdp_port": "Ethernet1/7", "cdp_address": "10.0.0.11",
			"cdp_platform": "N9K-C93180YC-EX", "cdp_native_vlan": "1", "cdp_mtu": "9216", "hint_vlans": "110,120",
		}, true},
		{"pnic with lldp", "pnic:DC0_C0_H0/vmnic1", "host:DC0_C0_H0", model.Attrs{
			"host": "DC0_C0_H0", "device": "vmnic1", "mac": "00:0c:29:81:d8:aa", "link": "up", "speed_mbps": "10000",
			"duplex": "full", "driver": "nvmxnet3",
			"lldp_chassis": "00:de:ad:be:ef:02", "lldp_port": "Ethernet1/8", "lldp_system": "leaf2.example.net",
			"lldp_port_desc": "esx01 vmnic1",
		}, true},
		{"pnic with lldp from a local chassis ID", "pnic:DC0_C0_H0/vmnic2", "host:DC0_C0_H0", model.Attrs{
			"host": "DC0_C0_H0", "device": "vmnic2", "mac": "00:50:56:00:00:02", "link": "up", "speed_mbps": "10000",
			"duplex": "full", "driver": "nvmxnet3",
			"lldp_chassis": "FOC2231X0AB", "lldp_port": "Ethernet1/9", "lldp_system": "leaf3.example.net",
			"lldp_port_desc": "esx01 vmnic2", "lldp_mgmt_addr": "10.0.0.13",
		}, true},
		{"pnic link down", "pnic:DC0_C0_H0/vmnic3", "host:DC0_C0_H0", model.Attrs{
			"host": "DC0_C0_H0", "device": "vmnic3", "mac": "00:50:56:00:00:03", "link": "down", "driver": "nvmxnet3",
		}, true},
		{"pnic of another host, no hints", "pnic:DC0_C0_H1/vmnic0", "host:DC0_C0_H1", model.Attrs{
			"host": "DC0_C0_H1", "device": "vmnic0", "mac": "00:0c:29:81:d8:a0", "link": "up", "speed_mbps": "10000",
			"duplex": "full", "driver": "nvmxnet3",
		}, true},
		{"vswitch teaming", "vswitch:DC0_C0_H0/vSwitch0", "host:DC0_C0_H0", model.Attrs{
			"host": "DC0_C0_H0", "mtu": "9000", "policy": "loadbalance_srcid", "active": "vmnic0", "standby": "vmnic1",
		}, true},
		{"standard portgroup inheriting teaming", "portgroup:DC0_C0_H0/VM Network", "host:DC0_C0_H0", model.Attrs{
			"type": "standard", "vlan": "0", "policy": "loadbalance_srcid", "active": "vmnic0", "standby": "vmnic1", "mtu": "9000",
		}, true},
		{"standard portgroup overriding teaming", "portgroup:DC0_C0_H0/Prod-110", "host:DC0_C0_H0", model.Attrs{
			"type": "standard", "vlan": "110", "policy": "failover_explicit", "active": "vmnic1", "standby": "vmnic0", "mtu": "9000",
		}, true},
		{"standard portgroup VLAN 4095", "portgroup:DC0_C0_H0/VGT", "host:DC0_C0_H0", model.Attrs{
			"type": "standard", "trunk": "0-4094", "policy": "loadbalance_srcid", "active": "vmnic0", "standby": "vmnic1", "mtu": "9000",
		}, true},
		{"dvswitch", model.NewID(model.KindDVSwitch, dvs), model.NewID(model.KindDVSwitch, dvs), model.Attrs{
			"vcenter": "127.0.0.1", "mtu": "9000", "version": "8.0.3", "uplinks": "uplink1,uplink2", "lacp_api": "multipleLag",
			"policy": "loadbalance_srcid", "active": "uplink1", "standby": "uplink2",
		}, true},
		{"lacp group", model.NewID(model.KindHostLAG, dvs, "lag1"), model.NewID(model.KindDVSwitch, dvs), model.Attrs{
			"dvswitch": dvs, "mode": "active", "load_balance": "srcDestIpTcpUdpPortVlan", "ports": "2", "vlan": "100-200,300",
		}, true},
		{"distributed portgroup: VLAN, teaming on a LAG", pg("DC0_DVPG0"), model.NewID(model.KindDVSwitch, dvs), model.Attrs{
			"type": "distributed", "vlan": "110", "policy": "loadbalance_srcid", "active": "lag1", "mtu": "9000",
		}, true},
		{"distributed portgroup: trunk, inherited teaming", pg("Trunk"), model.NewID(model.KindDVSwitch, dvs), model.Attrs{
			"type": "distributed", "trunk": "100-200,300", "policy": "loadbalance_srcid", "active": "uplink1", "standby": "uplink2", "mtu": "9000",
		}, true},
		{"distributed portgroup: private VLAN", pg("PVLAN"), model.NewID(model.KindDVSwitch, dvs), model.Attrs{
			"type": "distributed", "pvlan": "201", "vlan": "200", "policy": "failover_explicit", "active": "uplink1", "standby": "uplink2", "mtu": "9000",
		}, true},
		{"distributed portgroup: inherited VLAN", pg("Inherit"), model.NewID(model.KindDVSwitch, dvs), model.Attrs{
			"type": "distributed", "vlan": "0", "policy": "loadbalance_srcid", "active": "uplink1", "standby": "uplink2", "mtu": "9000",
		}, true},
		{"vm", vmA, vmA, model.Attrs{
			"moref": fx.vmA.Reference().Value, "vcenter": "127.0.0.1", "power": "poweredOn", "folder": "/DC0/vm",
			"guest_os": "otherGuest", "tags": "app/web", "attr.owner": "team-net",
		}, false},
		{"vnic on a distributed portgroup", vnicA, vmA, model.Attrs{
			"mac": macsA[nicA], "connected": "true", "start_connected": "true", "label": "ethernet-0", "type": "e1000",
		}, true},
		{"vnic on a standard portgroup", vnicBstd, vmB, model.Attrs{
			"mac": macsB[nicBstd], "connected": "true", "start_connected": "true", "type": "vmxnet3",
		}, false},
		{"ipv4", "ip:10.1.10.5", vmA, model.Attrs{"family": "4"}, true},
		{"ipv6", "ip:2001:db8::5", vmA, model.Attrs{"family": "6"}, true},
	}
	for _, tc := range entities {
		t.Run("entity/"+tc.name, func(t *testing.T) {
			f, ok := ix.entity(tc.id)
			if !ok {
				t.Fatalf("no entity %s", tc.id)
			}
			if f.Owner != tc.owner || f.Kind != tc.id.Kind() {
				t.Errorf("got owner %s, kind %s; want %s, %s", f.Owner, f.Kind, tc.owner, tc.id.Kind())
			}
			for k, want := range tc.want {
				if got, ok := f.Attrs[k]; !ok || got != want {
					t.Errorf("%s: got %q (present %v); want %q", k, got, ok, want)
				}
			}
			if tc.exact {
				for k, v := range f.Attrs {
					if _, ok := tc.want[k]; !ok {
						t.Errorf("%s: got unexpected attribute %q", k, v)
					}
				}
			}
			for k, v := range f.Attrs {
				if v == "" {
					t.Errorf("%s: got an empty value; want the key absent", k)
				}
			}
		})
	}

	relations := []struct {
		name  string
		from  model.ID
		rel   model.RelKind
		to    model.ID
		owner model.ID
		want  model.Attrs
	}{
		{"dc contains cluster", "datacenter:vc1/DC0", model.RelContains, "cluster:vc1/DC0/DC0_C0", "datacenter:vc1/DC0", nil},
		{"cluster contains host", "cluster:vc1/DC0/DC0_C0", model.RelContains, "host:DC0_C0_H0", "cluster:vc1/DC0/DC0_C0", nil},
		{"dc contains standalone host", "datacenter:vc1/DC0", model.RelContains, "host:DC0_H0", "datacenter:vc1/DC0", nil},
		{"host has pnic", "host:DC0_C0_H0", model.RelHasPNIC, "pnic:DC0_C0_H0/vmnic2", "host:DC0_C0_H0", nil},
		{"host has vswitch", "host:DC0_C0_H0", model.RelHasSwitch, "vswitch:DC0_C0_H0/vSwitch0", "host:DC0_C0_H0", nil},
		{"host in dvswitch", "host:DC0_C0_H2", model.RelHasSwitch, model.NewID(model.KindDVSwitch, dvs), "host:DC0_C0_H2", nil},
		{"vswitch active uplink", "vswitch:DC0_C0_H0/vSwitch0", model.RelUplink, "pnic:DC0_C0_H0/vmnic0", "host:DC0_C0_H0", model.Attrs{"uplink": "vmnic0"}},
		{"vswitch standby uplink", "vswitch:DC0_C0_H0/vSwitch0", model.RelUplink, "pnic:DC0_C0_H0/vmnic1", "host:DC0_C0_H0", model.Attrs{"uplink": "vmnic1"}},
		{"dvswitch uplink in a LAG", model.NewID(model.KindDVSwitch, dvs), model.RelUplink, "pnic:DC0_C0_H0/vmnic2", model.NewID(model.KindDVSwitch, dvs),
			model.Attrs{"host": "DC0_C0_H0", "uplink": "lag1-0", "lag": "lag1"}},
		{"dvswitch second LAG port", model.NewID(model.KindDVSwitch, dvs), model.RelUplink, "pnic:DC0_C0_H0/vmnic3", model.NewID(model.KindDVSwitch, dvs),
			model.Attrs{"host": "DC0_C0_H0", "uplink": "lag1-1", "lag": "lag1"}},
		{"dvswitch uplink from member backing", model.NewID(model.KindDVSwitch, dvs), model.RelUplink, "pnic:DC0_C0_H1/vmnic1", model.NewID(model.KindDVSwitch, dvs),
			model.Attrs{"host": "DC0_C0_H1", "uplink": "uplink1"}},
		{"dvswitch uplink from host proxy switch", model.NewID(model.KindDVSwitch, dvs), model.RelUplink, "pnic:DC0_C0_H2/vmnic1", model.NewID(model.KindDVSwitch, dvs),
			model.Attrs{"host": "DC0_C0_H2", "uplink": "uplink2"}},
		{"dvswitch has lag", model.NewID(model.KindDVSwitch, dvs), model.RelHasLAG, model.NewID(model.KindHostLAG, dvs, "lag1"), model.NewID(model.KindDVSwitch, dvs), nil},
		{"standard portgroup member of", "portgroup:DC0_C0_H0/Prod-110", model.RelMemberOf, "vswitch:DC0_C0_H0/vSwitch0", "host:DC0_C0_H0", nil},
		{"distributed portgroup member of", pg("Trunk"), model.RelMemberOf, model.NewID(model.KindDVSwitch, dvs), model.NewID(model.KindDVSwitch, dvs), nil},
		{"vm runs on", vmA, model.RelRunsOn, model.NewID(model.KindHost, fx.hostA), vmA, nil},
		{"vm has vnic", vmA, model.RelHasVNIC, vnicA, vmA, nil},
		{"vnic attached to distributed portgroup", vnicA, model.RelAttached, pg("DC0_DVPG0"), vmA, nil},
		{"vnic attached to standard portgroup", vnicBstd, model.RelAttached, model.NewID(model.KindPortgroup, fx.hostB, "VM Network"), vmB, nil},
		{"vnic has ipv4", vnicA, model.RelHasIP, "ip:10.1.10.5", vmA, nil},
		{"vnic has ipv6", vnicA, model.RelHasIP, "ip:2001:db8::5", vmA, nil},
	}
	for _, tc := range relations {
		t.Run("relation/"+tc.name, func(t *testing.T) {
			f, ok := ix.relation(tc.from, tc.rel, tc.to)
			if !ok {
				t.Fatalf("no relation %s -%s-> %s; %s has %s: %v", tc.from, tc.rel, tc.to, tc.from, tc.rel, related(snap.Facts, tc.from, tc.rel))
			}
			if f.Owner != tc.owner {
				t.Errorf("got owner %s; want %s", f.Owner, tc.owner)
			}
			if !maps.Equal(f.Attrs, tc.want) {
				t.Errorf("got attributes %v; want %v", f.Attrs, tc.want)
			}
		})
	}

	t.Run("absent", func(t *testing.T) {
		if _, ok := ix.entity("ip:fe80::250:56ff:fe00:1"); ok {
			t.Errorf("got the link-local address; want none")
		}
		for key, k := range fx.pgKeys {
			if strings.Contains(key, "DVUplinks") {
				if _, ok := ix.entity(model.NewID(model.KindPortgroup, dvs, k)); ok {
					t.Errorf("got the uplink port group %s; want none", key)
				}
			}
		}
	})

	t.Run("vm facts are owned by the vm", func(t *testing.T) {
		for _, f := range snap.Facts {
			if f.Subject == vmA || strings.HasPrefix(string(f.Subject), "vnic:"+fx.uuidA) {
				if f.Owner != vmA {
					t.Errorf("%s: got owner %s; want %s", f.Key(), f.Owner, vmA)
				}
			}
		}
	})

	t.Run("stable", func(t *testing.T) {
		again, err := c.Collect(context.Background())
		if err != nil {
			t.Fatalf("second Collect: %v", err)
		}
		if !reflect.DeepEqual(again.Facts, snap.Facts) {
			t.Errorf("second collection differs from the first")
		}
	})

	if strings.Contains(logs.String(), testPassword) {
		t.Errorf("the password appears in the logs")
	}
}

// A host whose network hints cannot be read does not fail the run: it is
// collected without them, and the failure is logged.
func TestCollectHintFailure(t *testing.T) {
	s := startSim(t, nil, "127.0.0.1:0")
	decorate(t, s)
	var ns types.ManagedObjectReference
	for _, e := range s.ctx().Map.All("HostSystem") {
		if h := e.(*simulator.HostSystem); h.Name == "DC0_C0_H0" {
			ns = *h.ConfigManager.NetworkSystem
		}
	}
	s.model.Service.AddFaultRule(&simulator.FaultInjectionRule{
		MethodName: "QueryNetworkHint", ObjectType: "*", ObjectName: "*", Enabled: true, Probability: 1,
		FaultType:               simulator.FaultTypeNoPermission,
		InclusionPropertyFilter: func(obj mo.Reference) bool { return obj.Reference() == ns },
	})
	c, logs := newCollector(t, testConfig(t, s))
	snap, err := c.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	ix := indexFacts(snap.Facts)
	f, ok := ix.entity("pnic:DC0_C0_H0/vmnic0")
	if !ok {
		t.Fatal("no pnic:DC0_C0_H0/vmnic0")
	}
	if _, ok := f.Attrs["cdp_device"]; ok {
		t.Errorf("got cdp_device %q; want none after a failed hint query", f.Attrs["cdp_device"])
	}
	if _, ok := ix.entity("pnic:DC0_C0_H1/vmnic0"); !ok {
		t.Errorf("other hosts: got no pnic:DC0_C0_H1/vmnic0")
	}
	if !strings.Contains(logs.String(), "network hint query failed") || !strings.Contains(logs.String(), "host=DC0_C0_H0") {
		t.Errorf("got logs %q; want the hint failure of DC0_C0_H0", logs.String())
	}
}

// Properties the account may not read are dropped, unless the object cannot
// be named without them.
func TestLoadMissingProperties(t *testing.T) {
	c := &Collector{url: mustURL(t, "https://vc.example.com/sdk"), warned: map[string]bool{}, logger: discard()}
	ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: "vm-42"}
	noPerm := types.LocalizedMethodFault{Fault: &types.NoPermission{PrivilegeId: "System.Read"}}
	tests := []struct {
		name    string
		missing string
		wantErr error
	}{
		{"optional property", "guest.net", nil},
		{"required property", "config.instanceUuid", ErrPermission},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			oc := types.ObjectContent{
				Obj: ref,
				PropSet: []types.DynamicProperty{
					{Name: "name", Val: "web01"},
					{Name: "config.instanceUuid", Val: "5001"},
				},
				MissingSet: []types.MissingProperty{{Path: tc.missing, Fault: noPerm}},
			}
			if tc.missing == "config.instanceUuid" {
				oc.PropSet = oc.PropSet[:1]
			}
			v, err := c.load(oc)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), "VirtualMachine.config.instanceUuid") ||
					!strings.Contains(err.Error(), "https://vc.example.com/sdk") {
					t.Fatalf("got %v; want %v naming the property and the URL", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v; want the VM without guest.net", err)
			}
			vm := v.(*mo.VirtualMachine)
			if vm.Name != "web01" || vm.Config.InstanceUuid != "5001" {
				t.Errorf("got name %q, uuid %q; want web01, 5001", vm.Name, vm.Config.InstanceUuid)
			}
		})
	}
}

func TestRanges(t *testing.T) {
	tests := []struct {
		in   []types.NumericRange
		want string
	}{
		{nil, ""},
		{[]types.NumericRange{{Start: 10, End: 10}}, "10"},
		{[]types.NumericRange{{Start: 100, End: 200}, {Start: 300, End: 300}}, "100-200,300"},
	}
	for _, tc := range tests {
		if got := ranges(tc.in); got != tc.want {
			t.Errorf("ranges(%v): got %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestDistributedTeaming(t *testing.T) {
	sw := &types.VmwareUplinkPortTeamingPolicy{
		Policy:          &types.StringPolicy{Value: "loadbalance_srcid"},
		UplinkPortOrder: &types.VMwareUplinkPortOrderPolicy{ActiveUplinkPort: []string{"uplink1"}, StandbyUplinkPort: []string{"uplink2"}},
	}
	inherited := types.InheritablePolicy{Inherited: true}
	tests := []struct {
		name string
		pg   *types.VmwareUplinkPortTeamingPolicy
		want teaming
	}{
		{"no override", nil, teaming{"loadbalance_srcid", []string{"uplink1"}, []string{"uplink2"}}},
		{"whole policy inherited", &types.VmwareUplinkPortTeamingPolicy{InheritablePolicy: inherited,
			Policy: &types.StringPolicy{Value: "loadbalance_ip"}}, teaming{"loadbalance_srcid", []string{"uplink1"}, []string{"uplink2"}}},
		{"policy overridden", &types.VmwareUplinkPortTeamingPolicy{Policy: &types.StringPolicy{Value: "loadbalance_ip"}},
			teaming{"loadbalance_ip", []string{"uplink1"}, []string{"uplink2"}}},
		{"order overridden, policy inherited", &types.VmwareUplinkPortTeamingPolicy{
			Policy:          &types.StringPolicy{InheritablePolicy: inherited, Value: "failover_explicit"},
			UplinkPortOrder: &types.VMwareUplinkPortOrderPolicy{ActiveUplinkPort: []string{"lag1"}},
		}, teaming{"loadbalance_srcid", []string{"lag1"}, nil}},
		{"order inherited", &types.VmwareUplinkPortTeamingPolicy{
			UplinkPortOrder: &types.VMwareUplinkPortOrderPolicy{InheritablePolicy: inherited, ActiveUplinkPort: []string{"uplink2"}},
		}, teaming{"loadbalance_srcid", []string{"uplink1"}, []string{"uplink2"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := distributedTeaming(sw, tc.pg)
			if got.policy != tc.want.policy || !slices.Equal(got.active, tc.want.active) || !slices.Equal(got.standby, tc.want.standby) {
				t.Errorf("got %+v; want %+v", got, tc.want)
			}
		})
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
