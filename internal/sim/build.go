package sim

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vapi/rest"
	_ "github.com/vmware/govmomi/vapi/simulator" // registers the vAPI endpoint
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Start builds the data center described by cfg in a new in-process vSphere
// simulator and serves its API over HTTPS. The caller must Close it.
//
// The inventory is shaped through the vSphere API wherever the simulator
// implements the call (datacenter, clusters, hosts, datastore, distributed
// switch and port groups, standard port groups, VM folders, VMs, power,
// custom attributes), and set directly on the simulator's objects, under
// their locks, where it does not (see the package's fix-ups in hostnet.go).
func Start(ctx context.Context, cfg Config) (*DataCenter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	password := cfg.Password
	if password == "" {
		var b [12]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("sim: password: %w", err)
		}
		password = hex.EncodeToString(b[:])
	}
	d := &DataCenter{plan: newPlan(cfg), user: cfg.Username, password: password}

	model := simulator.VPX()
	model.Datacenter, model.Cluster, model.ClusterHost, model.Host = 0, 0, 0, 0
	model.Machine, model.Datastore, model.Portgroup, model.Autostart = 0, 0, 0, false
	if err := model.Create(); err != nil {
		return nil, fmt.Errorf("sim: create simulator: %w", err)
	}
	d.model = model
	dir, err := os.MkdirTemp(cfg.Dir, "vnetmap-sim-")
	if err != nil {
		d.model.Remove()
		return nil, fmt.Errorf("sim: datastore directory: %w", err)
	}
	d.dir = dir

	c, err := vim25.NewClient(ctx, model.Service)
	if err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("sim: in-process client: %w", err)
	}
	sctx := *model.Service.Context // own lock identity for direct edits
	sctx.Context = ctx
	b := &builder{DataCenter: d, c: c, sctx: &sctx, pc: property.DefaultCollector(c)}
	if err := b.build(ctx); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("sim: build %s: %w", cfg.Datacenter, err)
	}

	model.Map().AddHandler(&relocationHook{d})
	model.Service.TLS = new(tls.Config)
	model.Service.RegisterEndpoints = true // the vAPI (REST) endpoint, for tags
	model.Service.Listen = &url.URL{Host: cfg.Listen, User: url.UserPassword(d.user, d.password)}
	d.server = model.Service.NewServer()
	d.url = redact(d.server.URL)
	login := *d.url
	login.User = url.UserPassword(d.user, d.password)
	d.client, err = govmomi.NewClient(ctx, &login, true)
	if err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("sim: log in to %s: %w", d.url, err)
	}
	if err := d.tag(ctx); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("sim: build %s: tags: %w", cfg.Datacenter, err)
	}
	return d, nil
}

// tag attaches the env and tier tags through the vAPI, which the simulator
// serves over HTTP only.
func (d *DataCenter) tag(ctx context.Context) error {
	rc := rest.NewClient(d.client.Client)
	if err := rc.Login(ctx, url.UserPassword(d.user, d.password)); err != nil {
		return err
	}
	defer func() { _ = rc.Logout(ctx) }()
	m := tags.NewManager(rc)
	for _, category := range []string{"env", "tier"} {
		id, err := m.CreateCategory(ctx, &tags.Category{Name: category, Cardinality: "SINGLE", AssociableTypes: []string{"VirtualMachine"}})
		if err != nil {
			return err
		}
		tagged := map[string][]mo.Reference{}
		var names []string
		for i, v := range d.plan.vms {
			name := v.role.env
			if category == "tier" {
				name = v.role.tier
			}
			if _, ok := tagged[name]; !ok {
				names = append(names, name)
			}
			tagged[name] = append(tagged[name], d.vmRefs[i])
		}
		for _, name := range names {
			tid, err := m.CreateTag(ctx, &tags.Tag{Name: name, CategoryID: id})
			if err != nil {
				return err
			}
			if err := m.AttachTagToMultipleObjects(ctx, tid, tagged[name]); err != nil {
				return err
			}
		}
	}
	return nil
}

// builder applies a plan to a fresh simulator.
type builder struct {
	*DataCenter
	c    *vim25.Client // in-process, no HTTP
	pc   *property.Collector
	sctx *simulator.Context

	dcObj    *object.Datacenter
	folders  *object.DatacenterFolders
	vmFolder map[string]*object.Folder // by path under the vm folder

	clusterRefs []types.ManagedObjectReference

	dvs       types.ManagedObjectReference
	dvsUUID   string
	uplinkPG  types.ManagedObjectReference
	uplinkKey string
	dvpg      map[string]types.ManagedObjectReference // by name
	networks  map[string]types.ManagedObjectReference // standard networks by name
	fields    map[string]int32                        // custom field keys by name
}

func (b *builder) build(ctx context.Context) error {
	steps := []struct {
		name string
		f    func(context.Context) error
	}{
		{"datacenter", b.datacenter},
		{"hosts", b.hosts},
		{"datastore", b.datastore},
		{"distributed switch", b.distributedSwitch},
		{"standard port groups", b.standardPortgroups},
		{"host networking", b.hostNetworking},
		{"vm folders", b.vmFolders},
		{"custom attributes", b.customFields},
		{"vms", b.vms},
		{"power on", b.powerOn},
		{"vm attributes", b.vmAttributes},
		{"guest info", b.guestInfo},
	}
	for _, s := range steps {
		if err := s.f(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func (b *builder) datacenter(ctx context.Context) error {
	dc, err := object.NewRootFolder(b.c).CreateDatacenter(ctx, b.plan.cfg.Datacenter)
	if err != nil {
		return err
	}
	b.dcObj = dc
	b.folders, err = dc.Folders(ctx)
	return err
}

// hosts creates the clusters and adds their hosts. A cluster serializes its
// AddHost tasks, so waiting per cluster keeps the managed object ids in plan
// order.
func (b *builder) hosts(ctx context.Context) error {
	b.hostRefs = make([]types.ManagedObjectReference, len(b.plan.hosts))
	b.hostByName = make(map[string]int, len(b.plan.hosts))
	on := true
	for _, cl := range b.plan.clusters {
		spec := types.ClusterConfigSpecEx{
			DrsConfig: &types.ClusterDrsConfigInfo{Enabled: &on, DefaultVmBehavior: types.DrsBehaviorFullyAutomated},
			DasConfig: &types.ClusterDasConfigInfo{Enabled: &on},
		}
		cluster, err := b.folders.HostFolder.CreateCluster(ctx, cl.name, spec)
		if err != nil {
			return err
		}
		// The simulator applies the HA setting on reconfiguration only.
		task, err := cluster.Reconfigure(ctx, &spec, true)
		if err != nil {
			return err
		}
		if _, err := b.wait(ctx, []types.ManagedObjectReference{task.Reference()}); err != nil {
			return err
		}
		pool, err := cluster.ResourcePool(ctx)
		if err != nil {
			return err
		}
		b.clusterRefs = append(b.clusterRefs, cluster.Reference())
		b.pools = append(b.pools, pool.Reference())
		tasks := make([]types.ManagedObjectReference, len(cl.hosts))
		for i, hi := range cl.hosts {
			task, err := cluster.AddHost(ctx, types.HostConnectSpec{HostName: b.plan.hosts[hi].name}, true, nil, nil)
			if err != nil {
				return err
			}
			tasks[i] = task.Reference()
		}
		res, err := b.wait(ctx, tasks)
		if err != nil {
			return err
		}
		for i, hi := range cl.hosts {
			b.hostRefs[hi] = res[i].(types.ManagedObjectReference)
			b.hostByName[b.plan.hosts[hi].name] = hi
		}
	}
	return nil
}

// datastore mounts one shared datastore on every host, so that any VM can
// move to any host its networks allow.
func (b *builder) datastore(ctx context.Context) error {
	var hosts []mo.HostSystem
	if err := b.pc.Retrieve(ctx, b.hostRefs, []string{"configManager.datastoreSystem"}, &hosts); err != nil {
		return err
	}
	for _, h := range hosts {
		dss := object.NewHostDatastoreSystem(b.c, *h.ConfigManager.DatastoreSystem)
		if _, err := dss.CreateLocalDatastore(ctx, datastore, b.dir); err != nil {
			return err
		}
	}
	return nil
}

// distributedSwitch creates dvs-prod with its port groups and joins the
// hosts of the distributed-switch clusters, their LAG pNICs as backing.
func (b *builder) distributedSwitch(ctx context.Context) error {
	spec := &types.VMwareDVSConfigSpec{
		DVSConfigSpec: types.DVSConfigSpec{
			Name:             dvsName,
			UplinkPortPolicy: &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: dvsUplinks[:2]},
			DefaultPortConfig: &types.VMwareDVSPortSetting{
				Vlan:                new(types.VmwareDistributedVirtualSwitchVlanIdSpec),
				UplinkTeamingPolicy: teamingPolicy([]string{lagName}),
			},
		},
		MaxMtu:                      9000,
		LacpApiVersion:              string(types.VMwareDvsLacpApiVersionMultipleLag),
		LinkDiscoveryProtocolConfig: &types.LinkDiscoveryProtocolConfig{Protocol: "lldp", Operation: "both"},
	}
	task, err := b.folders.NetworkFolder.CreateDVS(ctx, types.DVSCreateSpec{
		ConfigSpec:  spec,
		ProductInfo: &types.DistributedVirtualSwitchProductSpec{Name: "DVS", Vendor: "VMware, Inc.", Version: "8.0.3"},
	})
	if err != nil {
		return err
	}
	res, err := b.wait(ctx, []types.ManagedObjectReference{task.Reference()})
	if err != nil {
		return err
	}
	b.dvs = res[0].(types.ManagedObjectReference)
	dvs := object.NewDistributedVirtualSwitch(b.c, b.dvs)

	var pgs []types.DVPortgroupConfigSpec
	for _, pg := range b.plan.portgroups {
		if pg.where == dvsHosts {
			pgs = append(pgs, types.DVPortgroupConfigSpec{
				Name:              pg.name,
				Type:              string(types.DistributedVirtualPortgroupPortgroupTypeEarlyBinding),
				AutoExpand:        types.NewBool(true),
				DefaultPortConfig: &types.VMwareDVSPortSetting{Vlan: vlanSpec(&pg), UplinkTeamingPolicy: teamingPolicy([]string{lagName})},
			})
		}
	}
	if task, err = dvs.AddPortgroup(ctx, pgs); err != nil {
		return err
	}
	if _, err := b.wait(ctx, []types.ManagedObjectReference{task.Reference()}); err != nil {
		return err
	}

	members := types.DVSConfigSpec{}
	for hi, h := range b.plan.hosts {
		if !b.plan.clusters[h.cluster].dvs {
			continue
		}
		var pnics []types.DistributedVirtualSwitchHostMemberPnicSpec
		for _, pn := range h.pnics {
			if pn.use == lagPort {
				pnics = append(pnics, types.DistributedVirtualSwitchHostMemberPnicSpec{PnicDevice: pn.device})
			}
		}
		members.Host = append(members.Host, types.DistributedVirtualSwitchHostMemberConfigSpec{
			Operation: string(types.ConfigSpecOperationAdd),
			Host:      b.hostRefs[hi],
			Backing:   &types.DistributedVirtualSwitchHostMemberPnicBacking{PnicSpec: pnics},
		})
	}
	if task, err = dvs.Reconfigure(ctx, &members); err != nil {
		return err
	}
	if _, err := b.wait(ctx, []types.ManagedObjectReference{task.Reference()}); err != nil {
		return err
	}

	var sw mo.DistributedVirtualSwitch
	if err := b.pc.RetrieveOne(ctx, b.dvs, []string{"uuid", "portgroup"}, &sw); err != nil {
		return err
	}
	b.dvsUUID = sw.Uuid
	var dvpgs []mo.DistributedVirtualPortgroup
	if err := b.pc.Retrieve(ctx, sw.Portgroup, []string{"name", "key"}, &dvpgs); err != nil {
		return err
	}
	b.dvpg = make(map[string]types.ManagedObjectReference)
	for _, pg := range dvpgs {
		b.dvpg[pg.Name] = pg.Self
		if strings.HasPrefix(pg.Name, dvsName+"-DVUplinks") {
			b.uplinkPG, b.uplinkKey = pg.Self, pg.Key
		}
	}
	if b.uplinkKey == "" {
		return fmt.Errorf("%s has no uplink port group", dvsName)
	}
	return b.fixDistributedSwitch()
}

// standardPortgroups adds each VM port group through the API on the first
// host that has it, which creates its vCenter network. The simulator refuses
// a second host with the same port group name (DuplicateName), so the other
// hosts get theirs in hostNetworking.
func (b *builder) standardPortgroups(ctx context.Context) error {
	systems, err := b.networkSystems(ctx)
	if err != nil {
		return err
	}
	for hi, h := range b.plan.hosts {
		if h.storageIP.IsValid() {
			if err := systems[hi].AddVirtualSwitch(ctx, vswitch1, &types.HostVirtualSwitchSpec{NumPorts: 128, Mtu: 9000}); err != nil {
				return fmt.Errorf("%s: %w", h.name, err)
			}
		}
	}
	b.networks = make(map[string]types.ManagedObjectReference)
	for i := range b.plan.portgroups {
		pg := &b.plan.portgroups[i]
		if pg.where == dvsHosts || pg.vmkernel || pg.name == "VM Network" {
			continue
		}
		for hi := range b.plan.hosts {
			if b.plan.hosts[hi].has(b.plan, pg) {
				spec := types.HostPortGroupSpec{Name: pg.name, VlanId: int32(pg.vlan), VswitchName: vswitch0, Policy: portgroupPolicy(pg)}
				if err := systems[hi].AddPortGroup(ctx, spec); err != nil {
					return fmt.Errorf("%s on %s: %w", pg.name, b.plan.hosts[hi].name, err)
				}
				break
			}
		}
	}
	var dc mo.Datacenter
	if err := b.pc.RetrieveOne(ctx, b.dcObj.Reference(), []string{"network"}, &dc); err != nil {
		return err
	}
	standard := slices.DeleteFunc(dc.Network, func(r types.ManagedObjectReference) bool { return r.Type != "Network" })
	var nets []mo.Network
	if err := b.pc.Retrieve(ctx, standard, []string{"name"}, &nets); err != nil {
		return err
	}
	for _, n := range nets {
		b.networks[n.Name] = n.Self
	}
	return nil
}

func (b *builder) networkSystems(ctx context.Context) ([]*object.HostNetworkSystem, error) {
	var hosts []mo.HostSystem
	if err := b.pc.Retrieve(ctx, b.hostRefs, []string{"configManager.networkSystem"}, &hosts); err != nil {
		return nil, err
	}
	byRef := make(map[types.ManagedObjectReference]*object.HostNetworkSystem, len(hosts))
	for _, h := range hosts {
		byRef[h.Self] = object.NewHostNetworkSystem(b.c, *h.ConfigManager.NetworkSystem)
	}
	out := make([]*object.HostNetworkSystem, len(b.hostRefs))
	for i, ref := range b.hostRefs {
		out[i] = byRef[ref]
	}
	return out, nil
}

func (b *builder) vmFolders(ctx context.Context) error {
	b.vmFolder = map[string]*object.Folder{"": b.folders.VmFolder}
	for _, v := range b.plan.vms {
		parent := ""
		for _, name := range v.folder() {
			p := path.Join(parent, name)
			if _, ok := b.vmFolder[p]; !ok {
				f, err := b.vmFolder[parent].CreateFolder(ctx, name)
				if err != nil {
					return err
				}
				b.vmFolder[p] = f
			}
			parent = p
		}
	}
	return nil
}

func (b *builder) customFields(ctx context.Context) error {
	m, err := object.GetCustomFieldsManager(b.c)
	if err != nil {
		return err
	}
	b.fields = make(map[string]int32)
	for _, name := range []string{"app", "owner"} {
		def, err := m.Add(ctx, name, "VirtualMachine", nil, nil)
		if err != nil {
			return err
		}
		b.fields[name] = def.Key
	}
	return nil
}

// vms creates the VMs. A folder serializes its CreateVM tasks; waiting
// whenever the folder changes keeps the managed object ids in plan order.
func (b *builder) vms(ctx context.Context) error {
	b.vmRefs = make([]types.ManagedObjectReference, len(b.plan.vms))
	b.vmByName = make(map[string]int, len(b.plan.vms))
	var tasks []types.ManagedObjectReference
	first := 0
	flush := func(end int) error {
		res, err := b.wait(ctx, tasks)
		if err != nil {
			return err
		}
		for i, r := range res {
			b.vmRefs[first+i] = r.(types.ManagedObjectReference)
		}
		tasks, first = tasks[:0], end
		return nil
	}
	for i := range b.plan.vms {
		v := &b.plan.vms[i]
		folder := path.Join(v.folder()...)
		if i > 0 && folder != path.Join(b.plan.vms[i-1].folder()...) {
			if err := flush(i); err != nil {
				return err
			}
		}
		host := object.NewHostSystem(b.c, b.hostRefs[v.host])
		pool := object.NewResourcePool(b.c, b.pools[b.plan.hosts[v.host].cluster])
		task, err := b.vmFolder[folder].CreateVM(ctx, b.vmSpec(v), pool, host)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		tasks = append(tasks, task.Reference())
		b.vmByName[v.name] = i
	}
	return flush(len(b.plan.vms))
}

func (b *builder) vmSpec(v *vmPlan) types.VirtualMachineConfigSpec {
	spec := types.VirtualMachineConfigSpec{
		Name:         v.name,
		GuestId:      v.role.guest,
		NumCPUs:      v.role.cpus,
		MemoryMB:     v.role.memMB,
		Uuid:         v.uuid,
		InstanceUuid: v.instanceUUID,
		Annotation:   fmt.Sprintf("%s (%s)", v.role.app, v.role.owner),
		Files:        &types.VirtualMachineFileInfo{VmPathName: "[" + datastore + "]"},
	}
	for j, n := range v.nics {
		pg := &b.plan.portgroups[n.portgroup]
		var backing types.BaseVirtualDeviceBackingInfo
		if pg.where == dvsHosts {
			backing = &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
				Port: types.DistributedVirtualSwitchPortConnection{SwitchUuid: b.dvsUUID, PortgroupKey: b.dvpg[pg.name].Value, PortKey: n.dvport},
			}
		} else {
			network := b.networks[pg.name]
			backing = &types.VirtualEthernetCardNetworkBackingInfo{
				VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: pg.name},
				Network:                        &network,
			}
		}
		card := types.VirtualEthernetCard{
			VirtualDevice: types.VirtualDevice{
				Key:         n.key,
				DeviceInfo:  &types.Description{Label: fmt.Sprintf("Network adapter %d", j+1), Summary: pg.name},
				Backing:     backing,
				Connectable: &types.VirtualDeviceConnectInfo{StartConnected: true, AllowGuestControl: true},
			},
			AddressType: string(types.VirtualEthernetCardMacTypeAssigned),
			MacAddress:  n.mac,
		}
		var device types.BaseVirtualDevice = &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: card}}
		if strings.HasPrefix(v.role.guest, "windows") {
			device = &types.VirtualE1000e{VirtualEthernetCard: card}
		}
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation: types.VirtualDeviceConfigSpecOperationAdd,
			Device:    device,
		})
	}
	return spec
}

func (b *builder) powerOn(ctx context.Context) error {
	tasks := make([]types.ManagedObjectReference, len(b.vmRefs))
	for i, ref := range b.vmRefs {
		task, err := object.NewVirtualMachine(b.c, ref).PowerOn(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", b.plan.vms[i].name, err)
		}
		tasks[i] = task.Reference()
	}
	_, err := b.wait(ctx, tasks)
	return err
}

func (b *builder) vmAttributes(ctx context.Context) error {
	m, err := object.GetCustomFieldsManager(b.c)
	if err != nil {
		return err
	}
	for i, ref := range b.vmRefs {
		r := b.plan.vms[i].role
		if err := m.Set(ctx, ref, b.fields["app"], r.app); err != nil {
			return err
		}
		if err := m.Set(ctx, ref, b.fields["owner"], r.owner); err != nil {
			return err
		}
	}
	return nil
}

// wait waits for tasks and returns their results in order. It polls the
// task states: the simulator's WaitForUpdates batches updates every 20 ms,
// which would dominate the start of a large inventory.
func (b *builder) wait(ctx context.Context, tasks []types.ManagedObjectReference) ([]types.AnyType, error) {
	results := make([]types.AnyType, len(tasks))
	index := make(map[types.ManagedObjectReference]int, len(tasks))
	for i, t := range tasks {
		index[t] = i
	}
	pending := append([]types.ManagedObjectReference(nil), tasks...)
	pause := 50 * time.Microsecond
	for len(pending) > 0 {
		var infos []mo.Task
		if err := b.pc.Retrieve(ctx, pending, []string{"info"}, &infos); err != nil {
			return nil, err
		}
		pending = pending[:0]
		for _, t := range infos {
			switch t.Info.State {
			case types.TaskInfoStateSuccess:
				results[index[t.Self]] = t.Info.Result
			case types.TaskInfoStateError:
				msg := "unknown fault"
				if t.Info.Error != nil {
					msg = fmt.Sprintf("%s %T", t.Info.Error.LocalizedMessage, t.Info.Error.Fault)
				}
				return nil, fmt.Errorf("task %s on %s: %s", t.Info.DescriptionId, t.Info.EntityName, msg)
			default:
				pending = append(pending, t.Self)
			}
		}
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Millisecond)
	}
	return results, nil
}
