package graph

import (
	"fmt"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

// inventory generates the facts of vms VMs spread over hosts hosts, each
// host with 4 pNICs on a standard vSwitch with one port group, each VM with
// one vNIC and one IP — the shape of the 10,000-VM, 500-host inventory.
func inventory(vms, hosts int) []model.Version {
	var vs []model.Version
	add := func(f model.Fact) { vs = append(vs, model.Version{Fact: f, Source: "vc1", From: t0}) }
	for h := range hosts {
		host := model.NewID(model.KindHost, fmt.Sprintf("esx%03d", h))
		sw := model.NewID(model.KindVSwitch, host.Key()+"/vSwitch0")
		pg := model.NewID(model.KindPortgroup, host.Key()+"/VM Network")
		add(model.Entity(host, host, host.Key(), model.Attrs{"connection": "connected"}))
		add(model.Entity(host, sw, "vSwitch0", model.Attrs{"mtu": "1500"}))
		add(model.Entity(host, pg, "VM Network", model.Attrs{"vlan": "110", "active": "vmnic0,vmnic1", "standby": "vmnic2,vmnic3"}))
		add(model.Relation(host, pg, model.RelMemberOf, sw, nil))
		for n := range 4 {
			nic := model.NewID(model.KindPNIC, fmt.Sprintf("%s/vmnic%d", host.Key(), n))
			add(model.Entity(host, nic, "", model.Attrs{"device": fmt.Sprintf("vmnic%d", n), "mac": fmt.Sprintf("00:25:b5:%02x:%02x:%02x", h>>8, h&255, n),
				"cdp_device": "leaf1", "cdp_port": fmt.Sprintf("Ethernet1/%d", n+1)}))
			add(model.Relation(host, host, model.RelHasPNIC, nic, nil))
			add(model.Relation(host, sw, model.RelUplink, nic, model.Attrs{"uplink": fmt.Sprintf("vmnic%d", n)}))
		}
	}
	for v := range vms {
		vm := model.NewID(model.KindVM, fmt.Sprintf("uuid-%05d", v))
		nic := model.NewID(model.KindVNIC, vm.Key()+"/4000")
		host := model.NewID(model.KindHost, fmt.Sprintf("esx%03d", v%hosts))
		add(model.Entity(vm, vm, fmt.Sprintf("vm%05d", v), model.Attrs{"power": "poweredOn"}))
		add(model.Relation(vm, vm, model.RelRunsOn, host, nil))
		add(model.Relation(vm, vm, model.RelHasVNIC, nic, nil))
		add(model.Entity(vm, nic, "", model.Attrs{"mac": fmt.Sprintf("00:50:56:%02x:%02x:%02x", v>>16, (v>>8)&255, v&255), "connected": "true"}))
		add(model.Relation(vm, nic, model.RelAttached, model.NewID(model.KindPortgroup, host.Key()+"/VM Network"), nil))
		add(model.Relation(vm, nic, model.RelHasIP, model.NewID(model.KindIP, fmt.Sprintf("10.%d.%d.%d", v>>16, (v>>8)&255, v&255)), nil))
	}
	return vs
}

func BenchmarkBuild(b *testing.B) {
	vs := inventory(10000, 500)
	b.ReportAllocs()
	for b.Loop() {
		Build(t0, vs)
	}
}

func BenchmarkWhere(b *testing.B) {
	g := Build(t0, inventory(10000, 500))
	for _, q := range []string{"vm04242", "00:50:56:00:10:92", "10.0.16.146"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.Where(q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
