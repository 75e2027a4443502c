package query

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// The flow scenario's window: ten minutes after the migration at t1, for an
// hour.
var (
	wFrom = t1.Add(10 * time.Minute)
	wTo   = wFrom.Add(time.Hour)
)

// Endpoints of the flow scenario: the VMs of the scenario (app1 and db1 of
// shop, edge1 of no application), mon01 of monitoring, a VM the map does not
// know that belongs to two applications, and addresses of each class.
var (
	epApp1   = flow.Endpoint{Class: flow.ClassVM, VM: "vm:u-01", App: "shop", Addr: "10.0.110.1"}
	epDB1    = flow.Endpoint{Class: flow.ClassVM, VM: "vm:u-02", App: "shop", Addr: "10.0.120.2"}
	epEdge1  = flow.Endpoint{Class: flow.ClassVM, VM: "vm:u-03", Addr: "10.0.130.3"}
	epMon    = flow.Endpoint{Class: flow.ClassVM, VM: "vm:u-04", App: "monitoring", Addr: "10.0.110.4"}
	epGone   = flow.Endpoint{Class: flow.ClassVM, VM: "vm:u-09", App: "billing,shop", Addr: "10.0.110.9"}
	epInet   = flow.Endpoint{Class: flow.ClassExternal, Addr: "203.0.113.5"}
	epInet2  = flow.Endpoint{Class: flow.ClassExternal, Addr: "198.51.100.9"}
	epStray  = flow.Endpoint{Class: flow.ClassUnknown, Addr: "10.0.110.77"}
	epStray2 = flow.Endpoint{Class: flow.ClassUnknown, Addr: "10.0.110.88"}
	epPrint  = flow.Endpoint{Class: flow.ClassKnown, Addr: "10.0.110.250"}
	epOver   = flow.Endpoint{Class: flow.ClassOverflow}
)

// minuteAt is a flow minute min minutes into the window.
func minuteAt(min int, src, dst flow.Endpoint, proto uint8, port uint16, bytes, packets, flows uint64) flow.Minute {
	return flow.Minute{Start: wFrom.Add(time.Duration(min) * time.Minute), Src: src, Dst: dst, Proto: proto, DstPort: port,
		Bytes: bytes, Packets: packets, Flows: flows}
}

// scenarioMinutes is the known truth: what the pipeline wrote, including
// minutes just outside the window.
func scenarioMinutes() []flow.Minute {
	return []flow.Minute{
		minuteAt(-1, epApp1, epDB1, 6, 5432, 99999, 999, 9), // before the window
		minuteAt(0, epApp1, epDB1, 6, 5432, 1000, 10, 2),
		minuteAt(0, epDB1, epApp1, 6, 51000, 5000, 20, 2),
		minuteAt(0, epMon, epApp1, 6, 443, 300, 3, 1),
		minuteAt(0, epEdge1, epInet2, 6, 443, 700, 7, 1),
		minuteAt(0, epInet, epApp1, 6, 443, 2000, 20, 4),
		minuteAt(0, epStray, epDB1, 17, 53, 50, 1, 1),
		minuteAt(0, epPrint, epApp1, 6, 9100, 80, 2, 1),
		minuteAt(0, epOver, epOver, 0, 0, 9, 1, 1),
		minuteAt(0, epInet, epStray2, 6, 22, 11, 1, 1),
		minuteAt(1, epApp1, epDB1, 6, 5432, 500, 5, 1),
		minuteAt(1, epApp1, epDB1, 6, 22, 40, 1, 1),
		minuteAt(1, epGone, epDB1, 6, 5432, 60, 1, 1),
		minuteAt(59, epInet, epApp1, 6, 443, 1, 1, 1),
		minuteAt(60, epApp1, epDB1, 6, 5432, 88888, 888, 8), // at the window's end: outside
	}
}

// Ports of the flow scenario's spine: Port-channel1 (three members, the
// load on one), Port-channel2 (two members, even) and a plain port.
var (
	spine     = model.NewID(model.KindSwitch, "spine1")
	po1       = model.NewID(model.KindPortChannel, "spine1/Port-channel1")
	po2       = model.NewID(model.KindPortChannel, "spine1/Port-channel2")
	spinePort = func(n int) string { return string(model.NewID(model.KindPort, fmt.Sprintf("spine1/Ethernet1/%d", n))) }
)

// linkAt is a link minute min minutes into the window.
func linkAt(min int, port string, channel model.ID, dir string, bytes, packets uint64) flow.LinkMinute {
	return flow.LinkMinute{Start: wFrom.Add(time.Duration(min) * time.Minute), Port: port, Channel: string(channel),
		Direction: dir, Bytes: bytes, Packets: packets}
}

func scenarioLinks() []flow.LinkMinute {
	return []flow.LinkMinute{
		linkAt(0, spinePort(1), po1, flow.LinkIn, 8000, 8000),
		linkAt(1, spinePort(1), po1, flow.LinkIn, 1000, 1000),
		linkAt(0, spinePort(2), po1, flow.LinkIn, 1000, 1000),
		linkAt(0, spinePort(1), po1, flow.LinkOut, 500, 10),
		linkAt(0, spinePort(2), po1, flow.LinkOut, 500, 10),
		linkAt(0, spinePort(4), po2, flow.LinkIn, 5000, 2000),
		linkAt(0, spinePort(5), po2, flow.LinkIn, 5100, 2000),
		linkAt(0, string(po2), po2, flow.LinkOut, 700, 7), // on the port-channel's own ifIndex
		linkAt(0, spinePort(10), "", flow.LinkIn, 100, 1),
		linkAt(0, spinePort(10), "", flow.LinkOut, 200, 2),
		linkAt(0, "port:leaf1/Ethernet1/1", "", flow.LinkOut, 300, 3),
		linkAt(-5, spinePort(3), po1, flow.LinkIn, 7777, 7777), // before the window
	}
}

// flowScenario is the scenario with mon01 (monitoring) and spine1, and the
// known flow and link minutes written through the store.
func flowScenario(t *testing.T) *Service {
	t.Helper()
	base := scenario(t)
	ctx := context.Background()
	var f facts
	mon := model.NewID(model.KindVM, "u-04")
	f.entity(mon, mon, "mon01", model.Attrs{"power": "poweredOn"})
	f.rel(mon, mon, model.RelRunsOn, esx03, nil)
	var sw facts
	sw.entity(spine, spine, "spine1", nil)
	for _, pc := range []model.ID{po1, po2} {
		sw.entity(spine, pc, pc.Key()[len("spine1/"):], model.Attrs{"mode": "trunk"})
		sw.rel(spine, spine, model.RelHasPort, pc, nil)
	}
	for n, pc := range map[int]model.ID{1: po1, 2: po1, 3: po1, 4: po2, 5: po2, 10: ""} {
		id := model.ID(spinePort(n))
		sw.entity(spine, id, fmt.Sprintf("Ethernet1/%d", n), nil)
		sw.rel(spine, spine, model.RelHasPort, id, nil)
		if pc != "" {
			sw.rel(spine, id, model.RelInLAG, pc, nil)
		}
	}
	for _, s := range []model.Snapshot{{Source: "vc2", Taken: t0, Facts: f}, {Source: "spines", Taken: t0, Facts: sw}} {
		if _, err := base.Store.Apply(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := base.Store.WriteFlows(ctx, scenarioMinutes(), scenarioLinks()); err != nil {
		t.Fatal(err)
	}
	return New(base.Store, []correlate.AppRule{{Name: "shop", Names: []string{"app*", "db*"}}, {Name: "monitoring", Names: []string{"mon*"}}})
}

// sumWhere adds the minutes of the window that keep selects.
func sumWhere(keep func(m flow.Minute) bool) Traffic {
	var t Traffic
	for _, m := range scenarioMinutes() {
		if !m.Start.Before(wFrom) && m.Start.Before(wTo) && keep(m) {
			t.add(&m)
		}
	}
	return t
}

// checkConservation checks that an answer accounts for every stored byte,
// packet and flow: total = edges + omitted = attributed + unattributed.
func checkConservation(t *testing.T, a *DepsAnswer, want Traffic) {
	t.Helper()
	if a.Total != want {
		t.Errorf("total = %+v; want %+v (what the window holds)", a.Total, want)
	}
	edges := a.Omitted
	for _, e := range a.Edges {
		edges.plus(e.Traffic)
	}
	if edges != a.Total {
		t.Errorf("edges + omitted = %+v; want the total %+v", edges, a.Total)
	}
	classes := a.Attributed
	for _, u := range a.Unattributed {
		classes.plus(u.Traffic)
	}
	if classes != a.Total {
		t.Errorf("attributed + unattributed = %+v; want the total %+v", classes, a.Total)
	}
}

// edgeBytes renders the edges as "src → dst bytes".
func edgeBytes(a *DepsAnswer) []string {
	var r []string
	for _, e := range a.Edges {
		r = append(r, fmt.Sprintf("%s → %s %d", nodeText(e.Src), nodeText(e.Dst), e.Bytes))
	}
	return r
}

func nodeText(n FlowNode) string {
	if n.Name == "" {
		return n.Kind
	}
	return n.Kind + ":" + n.Name
}

func unattributedBytes(a *DepsAnswer) []string {
	var r []string
	for _, u := range a.Unattributed {
		var addrs []string
		for _, x := range u.TopAddrs {
			addrs = append(addrs, fmt.Sprintf("%s=%d", x.Addr, x.Bytes))
		}
		r = append(r, fmt.Sprintf("%s %d %v", u.Class, u.Bytes, addrs))
	}
	return r
}

func TestFlowDepsEstate(t *testing.T) {
	q := flowScenario(t)
	a, err := q.FlowDeps(context.Background(), "", wFrom, wTo)
	if err != nil {
		t.Fatal(err)
	}
	checkConservation(t, a, sumWhere(func(flow.Minute) bool { return true }))
	if a.TargetKind != "estate" || a.Level != LevelApplication {
		t.Errorf("target kind %q, level %q; want estate, application", a.TargetKind, a.Level)
	}
	wantEdges := []string{
		"application:shop → application:shop 6540",
		"external → application:shop 2001",
		"vm:edge1 → external 700",
		"application:monitoring → application:shop 300",
		"known → application:shop 80",
		"application:billing,shop → application:shop 60",
		"unknown → application:shop 50",
		"external → unknown 11",
		"overflow → overflow 9",
	}
	if got := edgeBytes(a); !slices.Equal(got, wantEdges) {
		t.Errorf("edges:\n got %q\nwant %q", got, wantEdges)
	}
	if a.Attributed != sumWhere(func(m flow.Minute) bool { return m.Src.Class == flow.ClassVM && m.Dst.Class == flow.ClassVM }) {
		t.Errorf("attributed = %+v", a.Attributed)
	}
	wantClasses := []string{
		"overflow 9 [=9]",
		"unknown 61 [10.0.110.77=50 10.0.110.88=11]",
		"external 2701 [203.0.113.5=2001 198.51.100.9=700]",
		"known 80 [10.0.110.250=80]",
	}
	if got := unattributedBytes(a); !slices.Equal(got, wantClasses) {
		t.Errorf("unattributed:\n got %q\nwant %q", got, wantClasses)
	}
	if len(a.TopTalkers) != topTalkers {
		t.Fatalf("%d top talkers; want %d", len(a.TopTalkers), topTalkers)
	}
	// app1 sent 1000+500+40 and received 5000+300+2001+80: the largest.
	if tt := a.TopTalkers[0]; tt.Name != "app1" || tt.VM != "vm:u-01" || tt.App != "shop" || tt.SentBytes != 1540 || tt.ReceivedBytes != 7381 || tt.Bytes != 8921 {
		t.Errorf("top talker = %+v; want app1 with 1540 sent, 7381 received", tt)
	}
	if tt := a.TopTalkers[1]; tt.Name != "db1" || tt.SentBytes != 5000 || tt.ReceivedBytes != 1000+500+40+50+60 {
		t.Errorf("second talker = %+v; want db1", tt)
	}
	for i := 1; i < len(a.TopTalkers); i++ {
		if a.TopTalkers[i].Bytes > a.TopTalkers[i-1].Bytes {
			t.Errorf("talkers out of order at %d: %+v", i, a.TopTalkers)
		}
	}
}

func TestFlowDepsOfApplication(t *testing.T) {
	q := flowScenario(t)
	ctx := context.Background()
	inShop := func(m flow.Minute) bool {
		return slices.Contains([]string{"shop", "billing,shop"}, m.Src.App) || slices.Contains([]string{"shop", "billing,shop"}, m.Dst.App)
	}
	for _, target := range []string{"shop", "app:shop"} {
		a, err := q.FlowDeps(ctx, target, wFrom, wTo)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if a.TargetKind != "application" || a.Level != LevelApplication {
			t.Errorf("%s: target kind %q, level %q", target, a.TargetKind, a.Level)
		}
		checkConservation(t, a, sumWhere(inShop))
		for _, e := range a.Edges {
			if e.Src.Name != "shop" && e.Dst.Name != "shop" && e.Src.Name != "billing,shop" {
				t.Errorf("%s: edge %s → %s has no shop side", target, nodeText(e.Src), nodeText(e.Dst))
			}
		}
	}
	// monitoring only ever talked to shop.
	a, err := q.FlowDeps(ctx, "monitoring", wFrom, wTo)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := edgeBytes(a), []string{"application:monitoring → application:shop 300"}; !slices.Equal(got, want) {
		t.Errorf("monitoring edges = %q; want %q", got, want)
	}
	// An application the map does not have, known only from the flows.
	a, err = q.FlowDeps(ctx, "billing", wFrom, wTo)
	if err != nil {
		t.Fatal(err)
	}
	if a.TargetKind != "application" || a.Total.Bytes != 60 {
		t.Errorf("billing: kind %q, %d bytes; want application, 60", a.TargetKind, a.Total.Bytes)
	}
}

func TestFlowDepsOfVM(t *testing.T) {
	q := flowScenario(t)
	ctx := context.Background()
	isApp1 := func(m flow.Minute) bool { return m.Src.VM == "vm:u-01" || m.Dst.VM == "vm:u-01" }
	for _, target := range []string{"app1", "vm:u-01", "00:50:56:00:00:01"} {
		a, err := q.FlowDeps(ctx, target, wFrom, wTo)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if a.TargetKind != "vm" || a.VM != "vm:u-01" || a.Level != LevelVM {
			t.Errorf("%s: kind %q, VM %q, level %q; want vm, vm:u-01, vm", target, a.TargetKind, a.VM, a.Level)
		}
		checkConservation(t, a, sumWhere(isApp1))
		want := []string{"vm:db1 → vm:app1 5000", "external → vm:app1 2001", "vm:app1 → vm:db1 1540", "vm:mon01 → vm:app1 300", "known → vm:app1 80"}
		if got := edgeBytes(a); !slices.Equal(got, want) {
			t.Errorf("%s: edges\n got %q\nwant %q", target, got, want)
		}
		for _, e := range a.Edges {
			if e.Src.Name == "app1" && e.Dst.Name == "db1" {
				ports := fmt.Sprint(e.TopPorts)
				if want := "[{6 5432 {1500 15 3}} {6 22 {40 1 1}}]"; ports != want {
					t.Errorf("app1 → db1 top ports = %s; want %s", ports, want)
				}
			}
		}
	}
}

func TestFlowDepsErrors(t *testing.T) {
	q := flowScenario(t)
	ctx := context.Background()
	if _, err := q.FlowDeps(ctx, "nosuch", wFrom, wTo); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("unknown target: %v; want ErrNotFound", err)
	}
	if _, err := q.FlowDeps(ctx, "", wTo, wFrom); !errors.Is(err, ErrBadWindow) {
		t.Errorf("reversed window: %v; want ErrBadWindow", err)
	}
	if _, err := q.LinkTraffic(ctx, "", wFrom, wFrom); !errors.Is(err, ErrBadWindow) {
		t.Errorf("empty window: %v; want ErrBadWindow", err)
	}
	// An empty window answers with zeros and empty lists, not nulls.
	a, err := q.FlowDeps(ctx, "", t0.Add(-time.Hour), t0)
	if err != nil {
		t.Fatal(err)
	}
	if a.Total != (Traffic{}) || a.Edges == nil || a.TopTalkers == nil || a.Unattributed == nil {
		t.Errorf("empty window: %+v", a)
	}
}

// linkRows renders a links answer: ports, then channels with their members.
func linkRows(a *LinkAnswer) []string {
	var r []string
	for _, p := range a.Ports {
		r = append(r, fmt.Sprintf("port %s %s in %d out %d", p.Switch, p.Name, p.InBytes, p.OutBytes))
	}
	for _, c := range a.Channels {
		r = append(r, fmt.Sprintf("channel %s %s in %d out %d imbalanced=%v", c.Switch, c.Name, c.InBytes, c.OutBytes, c.Imbalanced))
		if c.Unsplit != (LinkCounters{}) {
			r = append(r, fmt.Sprintf("  unsplit in %d out %d", c.Unsplit.InBytes, c.Unsplit.OutBytes))
		}
		for _, m := range c.Members {
			r = append(r, fmt.Sprintf("  %s in %d (%.2f) out %d (%.2f) imbalanced=%v", m.Name, m.InBytes, m.ShareIn, m.OutBytes, m.ShareOut, m.Imbalanced))
		}
	}
	return r
}

func TestLinkTraffic(t *testing.T) {
	q := flowScenario(t)
	ctx := context.Background()
	po1Rows := []string{
		"channel spine1 Port-channel1 in 10000 out 1000 imbalanced=true",
		"  Ethernet1/1 in 9000 (0.90) out 500 (0.50) imbalanced=true",
		"  Ethernet1/2 in 1000 (0.10) out 500 (0.50) imbalanced=true",
		"  Ethernet1/3 in 0 (0.00) out 0 (0.00) imbalanced=true", // idle: exported nothing in the window
	}
	po2Rows := []string{
		"channel spine1 Port-channel2 in 10100 out 700 imbalanced=false",
		"  unsplit in 0 out 700",
		"  Ethernet1/4 in 5000 (0.50) out 0 (0.00) imbalanced=false",
		"  Ethernet1/5 in 5100 (0.50) out 0 (0.00) imbalanced=false",
	}
	tests := []struct {
		target string
		want   []string
		total  LinkCounters
	}{
		{"", append(append([]string{"port leaf1 Ethernet1/1 in 0 out 300", "port spine1 Ethernet1/10 in 100 out 200"}, po1Rows...), po2Rows...),
			LinkCounters{InBytes: 20200, InPackets: 14001, OutBytes: 2200, OutPackets: 32}},
		{"spine1", append(append([]string{"port spine1 Ethernet1/10 in 100 out 200"}, po1Rows...), po2Rows...),
			LinkCounters{InBytes: 20200, InPackets: 14001, OutBytes: 1900, OutPackets: 29}},
		{"SPINE1/po1", po1Rows, LinkCounters{InBytes: 10000, InPackets: 10000, OutBytes: 1000, OutPackets: 20}},
		{"lag:spine1/Port-channel1", po1Rows, LinkCounters{InBytes: 10000, InPackets: 10000, OutBytes: 1000, OutPackets: 20}},
		{"spine1/Eth1/10", []string{"port spine1 Ethernet1/10 in 100 out 200"}, LinkCounters{InBytes: 100, InPackets: 1, OutBytes: 200, OutPackets: 2}},
		{"port:leaf1/Eth1/1", []string{"port leaf1 Ethernet1/1 in 0 out 300"}, LinkCounters{OutBytes: 300, OutPackets: 3}},
		{"spine1/Ethernet1/2", []string{"port spine1 Ethernet1/2 in 1000 out 500"}, LinkCounters{InBytes: 1000, InPackets: 1000, OutBytes: 500, OutPackets: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			a, err := q.LinkTraffic(ctx, tt.target, wFrom, wTo)
			if err != nil {
				t.Fatal(err)
			}
			if got := linkRows(a); !slices.Equal(got, tt.want) {
				t.Errorf("links:\n got %q\nwant %q", got, tt.want)
			}
			if a.Total != tt.total {
				t.Errorf("total = %+v; want %+v", a.Total, tt.total)
			}
			// The total is the sum of the ports and of the members.
			var sum LinkCounters
			for _, p := range a.Ports {
				sum = sumCounters(sum, p.LinkCounters)
			}
			for _, c := range a.Channels {
				sum = sumCounters(sum, c.Unsplit)
				for _, m := range c.Members {
					sum = sumCounters(sum, m.LinkCounters)
				}
			}
			if sum != a.Total {
				t.Errorf("ports + members = %+v; want the total %+v", sum, a.Total)
			}
		})
	}
	for _, target := range []string{"nosuch", "spine1/Ethernet9/9"} {
		if _, err := q.LinkTraffic(ctx, target, wFrom, wTo); !errors.Is(err, graph.ErrNotFound) {
			t.Errorf("%s: %v; want ErrNotFound", target, err)
		}
	}
}

func sumCounters(a, b LinkCounters) LinkCounters {
	return LinkCounters{a.InBytes + b.InBytes, a.InPackets + b.InPackets, a.OutBytes + b.OutBytes, a.OutPackets + b.OutPackets}
}

func TestPathFlows(t *testing.T) {
	q := flowScenario(t)
	ctx := context.Background()
	p, err := q.Path(ctx, "app1", "db1", wTo)
	if err != nil {
		t.Fatal(err)
	}
	if p.Flows == nil {
		t.Fatal("path answer without flows")
	}
	f := p.Flows
	if !f.From.Equal(wFrom) || !f.To.Equal(wTo) {
		t.Errorf("window %s – %s; want the hour before the path's moment", f.From, f.To)
	}
	if f.AToB != (Traffic{1540, 16, 4}) || f.BToA != (Traffic{5000, 20, 2}) {
		t.Errorf("a→b %+v, b→a %+v; want {1540 16 4} and {5000 20 2}", f.AToB, f.BToA)
	}
	if got, want := fmt.Sprint(f.TopPorts), "[{6 51000 {5000 20 2}} {6 5432 {1500 15 3}} {6 22 {40 1 1}}]"; got != want {
		t.Errorf("top ports = %s; want %s", got, want)
	}

	// Between applications: monitoring's VMs sent 300 bytes to shop's.
	p, err = q.Path(ctx, "monitoring", "shop", wTo)
	if err != nil {
		t.Fatal(err)
	}
	if p.Flows == nil || p.Flows.AToB != (Traffic{300, 3, 1}) || p.Flows.BToA != (Traffic{}) {
		t.Errorf("monitoring → shop flows = %+v; want 300 bytes one way", p.Flows)
	}
}

func TestRemainderClass(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{flow.ClassVM, flow.ClassVM, ""},
		{flow.ClassVM, flow.ClassExternal, flow.ClassExternal},
		{flow.ClassKnown, flow.ClassVM, flow.ClassKnown},
		{flow.ClassExternal, flow.ClassUnknown, flow.ClassUnknown},
		{flow.ClassKnown, flow.ClassExternal, flow.ClassExternal},
		{flow.ClassOverflow, flow.ClassOverflow, flow.ClassOverflow},
		{"future", flow.ClassUnknown, "future"},
	}
	for _, tt := range tests {
		if got := remainderClass(tt.a, tt.b); got != tt.want {
			t.Errorf("remainderClass(%q, %q) = %q; want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestFlowDepsSaturates: counters at the store's limit add up to the
// largest uint64 instead of wrapping round.
func TestFlowDepsSaturates(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/s.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ms []flow.Minute
	for i := range 3 {
		ms = append(ms, minuteAt(0, epInet, flow.Endpoint{Class: flow.ClassUnknown, Addr: fmt.Sprintf("10.0.0.%d", i)}, 6, 443, math.MaxUint64, 1, 1))
	}
	if err := st.WriteFlows(ctx, ms, nil); err != nil {
		t.Fatal(err)
	}
	a, err := New(st, nil).FlowDeps(ctx, "", wFrom, wTo)
	if err != nil {
		t.Fatal(err)
	}
	if a.Total.Bytes != math.MaxUint64 || a.Total.Packets != 3 {
		t.Errorf("total = %+v; want saturated bytes, 3 packets", a.Total)
	}
}

func TestParseWindow(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, since, from, to string
		wantFrom, wantTo      time.Time
		wantErr               string
	}{
		{name: "default: the last hour", wantFrom: now.Add(-time.Hour), wantTo: now},
		{name: "since a duration", since: "3h", wantFrom: now.Add(-3 * time.Hour), wantTo: now},
		{name: "since a moment", since: "2026-11-24 10:30", wantFrom: now.Add(-90 * time.Minute), wantTo: now},
		{name: "from and to", from: "2026-11-23T10:00:00Z", to: "2026-11-23T11:00:00Z",
			wantFrom: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), wantTo: time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)},
		{name: "to alone: the hour before it", to: "2d", wantFrom: now.Add(-49 * time.Hour), wantTo: now.Add(-48 * time.Hour)},
		{name: "since and from", since: "1h", from: "2h", wantErr: "not both"},
		{name: "bad since", since: "yesterday-ish", wantErr: `since: "yesterday-ish": not a time`},
		{name: "bad to", to: "soon", wantErr: `to: "soon": not a time`},
		{name: "reversed", from: "1h", to: "2h", wantErr: "is not before"},
		{name: "empty", from: "1h", to: "1h", wantErr: "is not before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to, err := ParseWindow(tt.since, tt.from, tt.to, now)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrBadWindow) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want ErrBadWindow with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !from.Equal(tt.wantFrom) || !to.Equal(tt.wantTo) {
				t.Errorf("got %s – %s, %v; want %s – %s", from, to, err, tt.wantFrom, tt.wantTo)
			}
		})
	}
}

// TestLinkTrafficMLAGBundle: the two halves of a vPC port-channel (leaf1
// and leaf2 Port-channel20, one member each, one host LAG) are one bundle:
// shares are across both switches, so an imbalance between them shows, and
// asking for either half or either switch shows the whole bundle.
func TestLinkTrafficMLAGBundle(t *testing.T) {
	q := flowScenario(t)
	ctx := context.Background()
	leafPC := func(sw string) model.ID { return model.NewID(model.KindPortChannel, sw+"/Port-channel20") }
	leafPort := func(sw string) string { return string(model.NewID(model.KindPort, sw+"/Ethernet1/2")) }
	if err := q.Store.WriteFlows(ctx, nil, []flow.LinkMinute{
		linkAt(2, leafPort("leaf1"), leafPC("leaf1"), flow.LinkIn, 8000, 4000),
		linkAt(2, leafPort("leaf2"), leafPC("leaf2"), flow.LinkIn, 2000, 1000),
		linkAt(2, leafPort("leaf1"), leafPC("leaf1"), flow.LinkOut, 3000, 30),
		linkAt(2, leafPort("leaf2"), leafPC("leaf2"), flow.LinkOut, 3000, 30),
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"channel leaf1 Port-channel20 in 10000 out 6000 imbalanced=true",
		"  Ethernet1/2 in 8000 (0.80) out 3000 (0.50) imbalanced=true",
		"  Ethernet1/2 in 2000 (0.20) out 3000 (0.50) imbalanced=true",
	}
	for _, target := range []string{"leaf1/Port-channel20", "leaf2/po20", "leaf2"} {
		a, err := q.LinkTraffic(ctx, target, wFrom, wTo)
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, r := range linkRows(a) {
			if !strings.HasPrefix(r, "port ") {
				rows = append(rows, r)
			}
		}
		if !slices.Equal(rows, want) {
			t.Errorf("%s:\n got %q\nwant %q", target, rows, want)
		}
		if len(a.Channels) == 1 {
			c := a.Channels[0]
			if c.Peer != string(leafPC("leaf2")) || c.PeerSwitch != "leaf2" || c.Members[0].Switch != "leaf1" || c.Members[1].Switch != "leaf2" {
				t.Errorf("%s: peer %q on %q, members on %s and %s; want leaf2's Port-channel20, members on leaf1 and leaf2",
					target, c.Peer, c.PeerSwitch, c.Members[0].Switch, c.Members[1].Switch)
			}
		}
	}
}
