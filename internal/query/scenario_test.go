package query

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

var (
	t0 = time.Date(2026, 11, 17, 14, 0, 0, 0, time.UTC)
	t1 = t0.Add(2 * time.Hour)
)

type facts []model.Fact

func (f *facts) entity(owner, id model.ID, name string, attrs model.Attrs) {
	*f = append(*f, model.Entity(owner, id, name, attrs))
}

func (f *facts) rel(owner, from model.ID, rel model.RelKind, to model.ID, attrs model.Attrs) {
	*f = append(*f, model.Relation(owner, from, rel, to, attrs))
}

var (
	esx01, esx02, esx03 = model.NewID(model.KindHost, "esx01"), model.NewID(model.KindHost, "esx02"), model.NewID(model.KindHost, "esx03")
	dvs                 = model.NewID(model.KindDVSwitch, "dvs-uuid")
)

// vcenter is the vSphere side of the scenario with app1 on host.
//   - esx01: vSwitch0, vmnic0 active and vmnic1 standby for app-110 (a
//     standby uplink), vmnic0 to leaf1 and vmnic1 to leaf2 (dual-homed);
//   - esx02: vSwitch0 with vmnic0 alone for app-110 (one uplink), and the
//     distributed switch's LAG lag1 (vmnic2, vmnic3) for db-120, bundled
//     on the leaf pair's vPC Port-channel20 (an MLAG pair);
//   - esx03: vmnic0, whose CDP hint says leaf1 Ethernet1/3 while leaf1's
//     LLDP table has it on Ethernet1/4 (mis-cabled, or a stale hint).
func vcenter(appHost model.ID) facts {
	var f facts
	pnic := func(h model.ID, dev, mac string, hint model.Attrs) model.ID {
		id := model.NewID(model.KindPNIC, h.Key()+"/"+dev)
		a := model.Attrs{"device": dev, "mac": mac, "link": "up"}
		for k, v := range hint {
			a[k] = v
		}
		f.entity(h, id, dev, a)
		f.rel(h, h, model.RelHasPNIC, id, nil)
		return id
	}
	vswitch := func(h model.ID, pg, active, standby string, nics ...model.ID) model.ID {
		vs := model.NewID(model.KindVSwitch, h.Key()+"/vSwitch0")
		f.entity(h, vs, "vSwitch0", model.Attrs{"mtu": "1500"})
		for _, n := range nics {
			_, dev, _ := cut(n.Key())
			f.rel(h, vs, model.RelUplink, n, model.Attrs{"uplink": dev})
		}
		id := model.NewID(model.KindPortgroup, h.Key()+"/"+pg)
		f.entity(h, id, pg, model.Attrs{"type": "standard", "vlan": "110", "active": active, "standby": standby})
		f.rel(h, id, model.RelMemberOf, vs, nil)
		return id
	}
	f.entity(esx01, esx01, "esx01", nil)
	f.entity(esx02, esx02, "esx02", nil)
	f.entity(esx03, esx03, "esx03", nil)
	n10 := pnic(esx01, "vmnic0", "00:25:b5:01:00:00", model.Attrs{"cdp_device": "leaf1", "cdp_port": "Eth1/1"})
	n11 := pnic(esx01, "vmnic1", "00:25:b5:01:00:01", model.Attrs{"cdp_device": "leaf2", "cdp_port": "Eth1/1"})
	n20 := pnic(esx02, "vmnic0", "00:25:b5:02:00:00", model.Attrs{"cdp_device": "leaf1", "cdp_port": "Eth1/5"})
	n22 := pnic(esx02, "vmnic2", "00:25:b5:02:00:02", model.Attrs{"lldp_system": "leaf1", "lldp_port": "Ethernet1/2"})
	n23 := pnic(esx02, "vmnic3", "00:25:b5:02:00:03", model.Attrs{"lldp_system": "leaf2", "lldp_port": "Ethernet1/2"})
	pnic(esx03, "vmnic0", "00:25:b5:03:00:00", model.Attrs{"cdp_device": "leaf1", "cdp_port": "Ethernet1/3"})
	pg1 := vswitch(esx01, "app-110", "vmnic0", "vmnic1", n10, n11)
	pg2 := vswitch(esx02, "app-110", "vmnic0", "", n20)
	f.entity(dvs, dvs, "dvs-prod", model.Attrs{"mtu": "9000"})
	lag := model.NewID(model.KindHostLAG, "dvs-uuid/lag1")
	f.entity(dvs, lag, "lag1", model.Attrs{"mode": "active"})
	f.rel(dvs, dvs, model.RelHasLAG, lag, nil)
	f.rel(dvs, dvs, model.RelUplink, n22, model.Attrs{"host": "esx02", "uplink": "lag1-0", "lag": "lag1"})
	f.rel(dvs, dvs, model.RelUplink, n23, model.Attrs{"host": "esx02", "uplink": "lag1-1", "lag": "lag1"})
	dbpg := model.NewID(model.KindPortgroup, "dvs-uuid/dvportgroup-20")
	f.entity(dvs, dbpg, "db-120", model.Attrs{"type": "distributed", "vlan": "120", "active": "lag1"})
	f.rel(dvs, dbpg, model.RelMemberOf, dvs, nil)

	vm := func(uuid, name string, host, pg model.ID) {
		id := model.NewID(model.KindVM, uuid)
		nic := model.NewID(model.KindVNIC, uuid+"/4000")
		f.entity(id, id, name, model.Attrs{"power": "poweredOn"})
		f.rel(id, id, model.RelRunsOn, host, nil)
		f.rel(id, id, model.RelHasVNIC, nic, nil)
		f.entity(id, nic, "", model.Attrs{"label": "Network adapter 1", "connected": "true", "mac": "00:50:56:00:00:" + uuid[len(uuid)-2:]})
		f.rel(id, nic, model.RelAttached, pg, nil)
	}
	appPG := pg1
	if appHost == esx02 {
		appPG = pg2
	}
	vm("u-01", "app1", appHost, appPG)
	vm("u-02", "db1", esx02, dbpg)
	vm("u-03", "edge1", esx03, model.NewID(model.KindPortgroup, "esx03/none"))
	return f
}

func cut(s string) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// fabric is the switch side: leaf1 and leaf2, a vPC pair.
func fabric() facts {
	var f facts
	leaf := func(name string) model.ID {
		id := model.NewID(model.KindSwitch, name)
		f.entity(id, id, name, nil)
		return id
	}
	l1, l2 := leaf("leaf1"), leaf("leaf2")
	port := func(sw model.ID, name string, attrs model.Attrs) model.ID {
		id := model.NewID(model.KindPort, sw.Key()+"/"+name)
		f.entity(sw, id, name, attrs)
		f.rel(sw, sw, model.RelHasPort, id, nil)
		return id
	}
	trunk := model.Attrs{"mode": "trunk", "allowed_vlans": "110,120"}
	port(l1, "Ethernet1/1", trunk)
	port(l2, "Ethernet1/1", trunk)
	port(l1, "Ethernet1/5", trunk)
	port(l1, "Ethernet1/3", trunk)
	port(l1, "Ethernet1/4", model.Attrs{"mode": "trunk", "allowed_vlans": "110", "lldp_system": "esx03", "lldp_port": "vmnic0"})
	for _, sw := range []model.ID{l1, l2} {
		m := port(sw, "Ethernet1/2", model.Attrs{"lldp_system": "esx02.example.com", "lldp_port": map[model.ID]string{l1: "vmnic2", l2: "vmnic3"}[sw]})
		pc := model.NewID(model.KindPortChannel, sw.Key()+"/Port-channel20")
		f.entity(sw, pc, "Port-channel20", trunk)
		f.rel(sw, sw, model.RelHasPort, pc, nil)
		f.rel(sw, m, model.RelInLAG, pc, nil)
		port(sw, "Ethernet1/49", model.Attrs{"lldp_system": map[model.ID]string{l1: "leaf2", l2: "leaf1"}[sw], "lldp_port": "Ethernet1/49"})
	}
	return f
}

func scenario(t *testing.T) *Service {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/s.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	withMAC := fabric() // a printer's MAC, learned on leaf1 Ethernet1/5 until t1
	withMAC.rel("switch:leaf1#fdb", model.NewID(model.KindPort, "leaf1/Ethernet1/5"), model.RelLearned,
		model.NewID(model.KindMAC, "02:00:00:00:00:77"), model.Attrs{"vlan": "110"})
	withMAC.rel("switch:leaf1#fdb", model.NewID(model.KindPort, "leaf1/Ethernet1/2"), model.RelLearned, // db1, behind its bundle
		model.NewID(model.KindMAC, "00:50:56:00:00:02"), model.Attrs{"vlan": "120"})
	withMAC.rel("switch:leaf1#arp", model.NewID(model.KindSwitch, "leaf1"), model.RelARP,
		model.NewID(model.KindIP, "10.0.110.250"), model.Attrs{"mac": "02:00:00:00:00:77", "interface": "Vlan110", "vlan": "110"})
	for _, s := range []model.Snapshot{
		{Source: "fabric", Taken: t0, Facts: withMAC},
		{Source: "fabric", Taken: t1, Facts: fabric()},
		{Source: "vc1", Taken: t0, Facts: vcenter(esx01)},
		{Source: "vc1", Taken: t1, Facts: vcenter(esx02)}, // app1 migrated to esx02
		{Source: "dcim", Taken: t0, Facts: facts{ // the cabling inventory sides with the switch
			model.Entity("inventory:dcim", model.NewID(model.KindPNIC, "esx03/vmnic0"), "vmnic0",
				model.Attrs{"declared_switch": "leaf1", "declared_port": "Ethernet1/4"})}},
	} {
		if _, err := st.Apply(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return New(st, []correlate.AppRule{{Name: "shop", Names: []string{"app*", "db*"}}})
}

type uplinkPort struct{ dev, role, port, pc, confidence, carries string }

func uplinkPorts(t *testing.T, a *WhereAnswer) []uplinkPort {
	t.Helper()
	var r []uplinkPort
	for _, u := range a.VNICs[0].Uplinks {
		for _, p := range u.Ports {
			r = append(r, uplinkPort{u.Device, u.Role, p.Switch + " " + p.Port, p.PortChannel, p.Confidence, p.Carries})
		}
	}
	return r
}

func TestScenarioWhere(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	tests := []struct {
		name, vm string
		at       time.Time
		host     string
		ports    []uplinkPort
	}{
		{"dual-homed host, standby uplink", "app1", t0.Add(time.Minute), "esx01", []uplinkPort{
			{"vmnic0", graph.RoleActive, "leaf1 Ethernet1/1", "", correlate.Medium, "yes"},
			{"vmnic1", graph.RoleStandby, "leaf2 Ethernet1/1", "", correlate.Medium, "yes"},
		}},
		{"after the migration: one uplink", "app1", t1.Add(time.Minute), "esx02", []uplinkPort{
			{"vmnic0", graph.RoleActive, "leaf1 Ethernet1/5", "", correlate.Medium, "yes"},
		}},
		{"LACP bundle on an MLAG pair", "db1", t1, "esx02", []uplinkPort{
			{"vmnic2", graph.RoleActive, "leaf1 Ethernet1/2", "Port-channel20", correlate.High, "yes"},
			{"vmnic3", graph.RoleActive, "leaf2 Ethernet1/2", "Port-channel20", correlate.High, "yes"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := q.Where(ctx, tt.vm, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if a.Host == nil || a.Host.Name != tt.host {
				t.Errorf("host = %+v; want %s", a.Host, tt.host)
			}
			if got := uplinkPorts(t, a); !reflect.DeepEqual(got, tt.ports) {
				t.Errorf("uplink ports:\n got %+v\nwant %+v", got, tt.ports)
			}
		})
	}
}

func TestScenarioMisCabledHost(t *testing.T) {
	q := scenario(t)
	g, err := q.Cache.At(context.Background(), t1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range g.Out(model.NewID(model.KindPNIC, "esx03/vmnic0"), model.RelCabled) {
		got = append(got, e.To.Key()+" "+e.Attrs["confidence"]+" "+e.Attrs["evidence"])
	}
	want := []string{"leaf1/Ethernet1/3 conflict host-cdp", "leaf1/Ethernet1/4 conflict declared,switch-lldp"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("esx03/vmnic0 links = %v; want %v", got, want)
	}
}

func TestScenarioImpact(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	tests := []struct {
		name, target   string
		at             time.Time
		down, degraded []string
		apps           []graph.AppImpact
	}{
		{"leaf1 before the migration", "switch:leaf1", t0.Add(time.Minute), nil, []string{"app1", "db1"},
			[]graph.AppImpact{{Name: "shop", State: "degraded", VMs: 2, Degraded: 2}}},
		{"leaf1 after it: app1 has no uplink left", "switch:leaf1", t1, []string{"app1"}, []string{"db1"},
			[]graph.AppImpact{{Name: "shop", State: "degraded", VMs: 2, Down: 1, Degraded: 1}}},
		{"one half of the vPC bundle", "lag:leaf2/Po20", t1, nil, []string{"db1"},
			[]graph.AppImpact{{Name: "shop", State: "degraded", VMs: 2, Degraded: 1}}},
		{"the host", "host:esx02", t1, []string{"app1", "db1"}, nil,
			[]graph.AppImpact{{Name: "shop", State: "down", VMs: 2, Down: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := q.Impact(ctx, tt.target, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			names := func(l []graph.VMImpact) []string {
				var s []string
				for _, v := range l {
					s = append(s, v.Name)
				}
				return s
			}
			if got := names(r.Down); !reflect.DeepEqual(got, tt.down) {
				t.Errorf("down = %v; want %v", got, tt.down)
			}
			if got := names(r.Degraded); !reflect.DeepEqual(got, tt.degraded) {
				t.Errorf("degraded = %v; want %v", got, tt.degraded)
			}
			if !reflect.DeepEqual(r.Applications, tt.apps) {
				t.Errorf("applications = %+v; want %+v", r.Applications, tt.apps)
			}
		})
	}
}

func TestScenarioHistoryPathDiff(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	h, err := q.History(ctx, "app1", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Placements) != 2 || h.Placements[0].HostName != "esx01" || h.Placements[1].HostName != "esx02" || !h.Placements[1].From.Equal(t1) {
		t.Fatalf("placements = %+v; want esx01 then esx02 from %s", h.Placements, t1)
	}
	var ports []string
	for _, p := range h.Placements {
		for _, a := range p.Attachment {
			ports = append(ports, a.PNIC+"→"+a.Switch+" "+a.Port)
		}
	}
	if want := []string{"vmnic0→leaf1 Ethernet1/1", "vmnic1→leaf2 Ethernet1/1", "vmnic0→leaf1 Ethernet1/5"}; !reflect.DeepEqual(ports, want) {
		t.Errorf("attachments = %v; want %v", ports, want)
	}
	p, err := q.Path(ctx, "app1", "db1", t1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != graph.PathRouted {
		t.Errorf("path app1 → db1 (VLAN 110 and 120) = %s; want routed", p.Kind)
	}
	d, err := q.Diff(ctx, t0.Add(time.Minute), t1.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Migrations) != 1 || d.Migrations[0].Name != "app1" || d.Migrations[0].FromHost != "esx01" || d.Migrations[0].ToHost != "esx02" {
		t.Errorf("migrations = %+v; want app1 esx01 → esx02", d.Migrations)
	}
}

func TestScenarioFindings(t *testing.T) {
	q := scenario(t)
	f, err := q.Findings(context.Background(), t1, check.Options{Rules: []string{check.RuleEvidenceConflict}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Findings) != 1 || f.Findings[0].Rule != check.RuleEvidenceConflict || !slices.Contains(f.Findings[0].Subjects, "pnic:esx03/vmnic0") {
		t.Fatalf("findings = %+v; want the mis-cabled esx03/vmnic0", f.Findings)
	}
	if !strings.Contains(f.Findings[0].Message, "leaf1/Ethernet1/3: host-cdp") || !strings.Contains(f.Findings[0].Message, "leaf1/Ethernet1/4: declared, switch-lldp") {
		t.Errorf("message %q does not give each side's evidence", f.Findings[0].Message)
	}
	if f.Counts[check.Warning] != 1 || f.Counts[check.Critical] != 0 {
		t.Errorf("counts = %v; want the one warning", f.Counts)
	}
	if _, err := q.Findings(context.Background(), t1, check.Options{Rules: []string{"no-such-rule"}}); !errors.Is(err, check.ErrBadOptions) {
		t.Errorf("unknown rule: err = %v; want check.ErrBadOptions", err)
	}
}

func TestScenarioMACOfNoVM(t *testing.T) {
	q := scenario(t)
	ctx := context.Background()
	then, err := q.Where(ctx, "02:00:00:00:00:77", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := []graph.LearnedOn{{Switch: "leaf1", Port: "Ethernet1/5", VLAN: "110", Edge: true}}
	if then.MAC == nil || !reflect.DeepEqual(then.MAC.Learned, want) || !then.MAC.Until.IsZero() {
		t.Errorf("while learned: %+v; want %+v", then.MAC, want)
	}
	now, err := q.Where(ctx, "0200.0000.0077", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if now.MAC == nil || !reflect.DeepEqual(now.MAC.Learned, want) || !now.MAC.Until.Equal(t1) {
		t.Errorf("after it aged out: %+v; want last learned %+v until %s", now.MAC, want, t1)
	}
	ip, err := q.Where(ctx, "10.0.110.250", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	wantARP := []graph.ARPEntry{{Switch: "leaf1", Interface: "Vlan110", VLAN: "110", MAC: "02:00:00:00:00:77"}}
	if ip.IP == nil || !reflect.DeepEqual(ip.IP.ARP, wantARP) || len(ip.IP.MACs) != 1 || !reflect.DeepEqual(ip.IP.MACs[0].Learned, want) {
		t.Errorf("where the printer's IP = %+v; want ARP %+v and its MAC on %+v", ip.IP, wantARP, want)
	}
	if _, err := q.Where(ctx, "10.0.110.250", t1.Add(time.Minute)); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("the IP after its ARP entry went: %v; want not found", err)
	}
	if _, err := q.Where(ctx, "02:00:00:00:00:78", time.Time{}); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("a MAC never seen: %v; want not found", err)
	}
}

func TestScenarioMLAGPeerAndFDBConfirmation(t *testing.T) {
	q := scenario(t)
	a, err := q.Where(context.Background(), "db1", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	n := a.VNICs[0]
	for _, u := range n.Uplinks {
		want := map[string]string{"vmnic2": "leaf2", "vmnic3": "leaf1"}[u.Device]
		if len(u.Ports) != 1 || u.Ports[0].MLAGPeer != want {
			t.Errorf("%s: ports %+v; want the MLAG peer %s", u.Device, u.Ports, want)
		}
	}
	wantLearned := []graph.LearnedOn{{Switch: "leaf1", Port: "Ethernet1/2", PortChannel: "Port-channel20", VLAN: "120", Edge: true}}
	if !n.Confirmed || !reflect.DeepEqual(n.Learned, wantLearned) {
		t.Errorf("db1 learned %+v confirmed %v; want %+v confirmed", n.Learned, n.Confirmed, wantLearned)
	}
	later, err := q.Where(context.Background(), "db1", t1.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if later.VNICs[0].Confirmed || len(later.VNICs[0].Learned) != 0 {
		t.Errorf("after the entry aged out: %+v; want nothing learned, not confirmed", later.VNICs[0])
	}
}
