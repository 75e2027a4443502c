package flowlab

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/flow/aggregate"
	"github.com/vnetmap/vnetmap/internal/flow/listen"
	"github.com/vnetmap/vnetmap/internal/flow/pipeline"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// inventory is what a vCenter would say of the lab's VMs: vm1 is web01 of
// application shop, vm2 db01 of application db, each with one vNIC of the
// lab VM's MAC and address. The other VMs are in nobody's inventory.
func inventory(l *Lab, taken time.Time) model.Snapshot {
	var facts []model.Fact
	for _, v := range []struct {
		vm        VM
		name, app string
	}{{l.VMs[0], "web01", "shop"}, {l.VMs[1], "db01", "db"}} {
		uuid := "4215-" + v.vm.Name
		vm, nic, ip := model.NewID(model.KindVM, uuid), model.NewID(model.KindVNIC, uuid, "4000"), model.NewID(model.KindIP, v.vm.Addr.String())
		facts = append(facts,
			model.Entity(vm, vm, v.name, model.Attrs{"attr.app": v.app}),
			model.Entity(vm, nic, "Network adapter 1", model.Attrs{"mac": v.vm.MAC.String()}),
			model.Relation(vm, vm, model.RelHasVNIC, nic, nil),
			model.Entity(vm, ip, v.vm.Addr.String(), model.Attrs{"family": "4"}),
			model.Relation(vm, nic, model.RelHasIP, ip, nil))
	}
	return model.Snapshot{Source: "vc1", Taken: taken, Facts: facts}
}

// row renders an aggregate without its minute and flow count.
func row(src, dst flow.Endpoint, proto uint8, port uint16, bytes, packets uint64) string {
	ep := func(e flow.Endpoint) string {
		if e.VM != "" {
			return fmt.Sprintf("%s %s (%s) %s", e.Class, e.VM, e.App, e.Addr)
		}
		return e.Class + " " + e.Addr
	}
	return fmt.Sprintf("%s -> %s proto %d port %d: %d bytes %d packets", ep(src), ep(dst), proto, port, bytes, packets)
}

// TestListenerPipelineStore runs the flow path end to end on softflowd's
// real exports: the listener in the collector namespace, the pipeline
// attributing with an index built from a SQLite store holding the VMs'
// inventory, and the per-minute aggregates written back to that store. The
// totals must name the right VM and application on both sides (an address
// of no VM in the VMs' network is unknown) and carry the bytes and packets
// that were sent.
func TestListenerPipelineStore(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version int
		port    uint16
	}{
		{"netflow9", 9, 2055},
		{"ipfix", 10, 4739},
	} {
		t.Run(tc.name, func(t *testing.T) { endToEnd(t, tc.version, tc.port) })
	}
}

func endToEnd(t *testing.T, version int, port uint16) {
	l := Up(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	begin := time.Now()

	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "vnetmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Apply(ctx, inventory(l, begin.Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}

	lcfg := listen.DefaultConfiguration()
	lcfg.Listen = []string{netip.AddrPortFrom(l.Collector, port).String()}
	lcfg.Sockets = 2
	pcfg := pipeline.DefaultConfiguration()
	pcfg.Workers = lcfg.Workers()
	reg := prometheus.NewRegistry()
	p, err := pipeline.New(pcfg, st, []correlate.AppRule{{FromAttribute: "app"}}, st, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(context.Background()) })
	lis, err := listen.New(lcfg, p, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	// The listener's sockets are opened in the collector namespace.
	if err := l.Do(CollectorNode, lis.Start); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lis.Stop)

	exp := l.StartSoftflowd(t, version, port)
	vm1, vm2, vm3 := l.VMs[0], l.VMs[1], l.VMs[2]
	var sent []map[Flow]Sent
	for _, gen := range []func() (map[Flow]Sent, error){
		func() (map[Flow]Sent, error) { return l.Ping(ctx, vm1, vm2, 5, 56) },
		func() (map[Flow]Sent, error) { return l.TCPConversation(ctx, vm1, vm2, 40000, 5001, 100000) },
		func() (map[Flow]Sent, error) { return l.UDPDatagrams(ctx, vm1, vm2, 40001, 5002, 3, 100) },
		func() (map[Flow]Sent, error) { return l.UDPDatagrams(ctx, vm3, vm1, 40003, 5003, 2, 200) },
	} {
		s, err := gen()
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, s)
	}
	want := merge(t, sent...)
	if err := exp.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	web := flow.Endpoint{Class: flow.ClassVM, VM: string(model.NewID(model.KindVM, "4215-"+vm1.Name)), App: "shop", Addr: vm1.Addr.String()}
	db := flow.Endpoint{Class: flow.ClassVM, VM: string(model.NewID(model.KindVM, "4215-"+vm2.Name)), App: "db", Addr: vm2.Addr.String()}
	stray := flow.Endpoint{Class: flow.ClassUnknown, Addr: vm3.Addr.String()}
	endpoint := map[netip.Addr]flow.Endpoint{vm1.Addr: web, vm2.Addr: db, vm3.Addr: stray}
	// A reply is summed into its conversation, client → server with the
	// service port (aggregate.ServerIsSource), as the aggregation stores
	// it; each direction a conversation holds is one flow record.
	type conv struct {
		src, dst netip.Addr
		proto    uint8
		port     uint16
	}
	convs, dirs := map[conv]Sent{}, map[conv]uint64{}
	for f, s := range want {
		c := conv{f.Src, f.Dst, f.Proto, f.DstPort}
		if aggregate.ServerIsSource(f.Proto, f.SrcPort, f.DstPort) {
			c = conv{f.Dst, f.Src, f.Proto, f.SrcPort}
		}
		sum := convs[c]
		sum.Bytes += s.Bytes
		sum.Packets += s.Packets
		convs[c] = sum
		dirs[c]++
	}
	var wantRows []string
	wantFlows := map[string]uint64{}
	for c, s := range convs {
		r := row(endpoint[c.src], endpoint[c.dst], c.proto, c.port, s.Bytes, s.Packets)
		wantRows = append(wantRows, r)
		wantFlows[r] = dirs[c]
	}
	slices.Sort(wantRows)

	// The exports reach the listener within moments; the pipeline writes
	// its aggregates when flushed.
	var gotRows []string
	var flows map[string]uint64
	for {
		if err := p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		totals, err := st.FlowTotals(ctx, store.FlowFilter{From: begin.Add(-2 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		gotRows, flows = nil, map[string]uint64{}
		for _, m := range totals {
			if m.Proto == UDP && m.DstPort == FlushPort {
				continue // Flush's own traffic
			}
			r := row(m.Src, m.Dst, m.Proto, m.DstPort, m.Bytes, m.Packets)
			gotRows = append(gotRows, r)
			flows[r] = m.Flows
		}
		slices.Sort(gotRows)
		if slices.Equal(gotRows, wantRows) || ctx.Err() != nil || time.Since(begin) > 30*time.Second {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !slices.Equal(gotRows, wantRows) {
		t.Errorf("flow totals:\ngot:\n  %s\nwant:\n  %s", join(gotRows), join(wantRows))
	} else {
		t.Logf("flow totals:\n  %s", join(gotRows))
	}
	for r, n := range flows {
		if n != wantFlows[r] {
			t.Errorf("%s: %d flows; want %d (one record per flow direction)", r, n, wantFlows[r])
		}
	}
}

func join(rows []string) string { return strings.Join(rows, "\n  ") }
