package attribute

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

// BenchmarkEndpoint attributes both sides of a record against an index of
// 10,000 VMs: the source by MAC, the destination by address (a VM's, or an
// external one), and the record's two switch ports.
func BenchmarkEndpoint(b *testing.B) {
	const vms = 10000
	var vs []model.Version
	add := func(f model.Fact) { vs = append(vs, model.Version{Fact: f, Source: "bench", From: at(0)}) }
	mac := func(i int) [6]byte { return [6]byte{0, 0x50, 0x56, 1, byte(i >> 8), byte(i)} }
	ip := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 30, byte(i >> 8), byte(i)}) }
	for i := range vms {
		vm, nic := model.NewID(model.KindVM, fmt.Sprint(i)), model.NewID(model.KindVNIC, fmt.Sprint(i, "/4000"))
		m := mac(i)
		add(model.Entity(vm, vm, fmt.Sprint("vm", i), model.Attrs{"attr.app": fmt.Sprint("app", i%50)}))
		add(model.Entity(vm, nic, "", model.Attrs{"mac": fmt.Sprintf("%x:%x:%x:%x:%x:%x", m[0], m[1], m[2], m[3], m[4], m[5])}))
		add(model.Relation(vm, vm, model.RelHasVNIC, nic, nil))
		add(model.Relation(vm, nic, model.RelHasIP, model.NewID(model.KindIP, ip(i).String()), nil))
	}
	sw := model.NewID(model.KindSwitch, "leaf1")
	add(model.Entity(sw, sw, "leaf1", model.Attrs{"address": "10.30.255.1"}))
	for p := 1; p <= 48; p++ {
		add(model.Entity(sw, model.NewID(model.KindPort, fmt.Sprint("leaf1/Ethernet1/", p)), "", model.Attrs{"ifindex": fmt.Sprint(p)}))
	}
	ix := Build(vs, rules, nil)
	now := MomentOf(at(10))
	e := ix.Exporter(netip.MustParseAddr("10.30.255.1"), now)
	const n = 1024
	type side struct {
		mac  [6]byte
		addr netip.Addr
	}
	srcs, dsts := make([]side, n), make([]side, n)
	for i := range n {
		s, d := (i*331)%vms, (i*977)%vms
		srcs[i] = side{mac(s), ip(s)}
		dsts[i] = side{addr: ip(d)}
		if i%3 == 2 {
			dsts[i].addr = netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s, d := &srcs[i], &dsts[i]
		if ix.Endpoint(s.mac, s.addr, now) == nil || ix.Endpoint(d.mac, d.addr, now) == nil {
			b.Fatal("no endpoint")
		}
		e.Port(uint32(1+i%48), now)
		e.Port(uint32(1+(i+7)%48), now)
		i = (i + 1) % n
	}
}
