package sim

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25/mo"

	"github.com/vnetmap/vnetmap/internal/flow/decode"
)

// receiveFlows exports one interval at t and returns what a collector on
// loopback decodes of it.
func receiveFlows(t *testing.T, e *FlowExporter, conn *net.UDPConn, at time.Time) (FlowStats, []decode.Record) {
	t.Helper()
	st, err := e.Export(context.Background(), at, time.Minute)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	dec := decode.NewDecoder(1024)
	var batch decode.Batch
	var recs []decode.Record
	buf := make([]byte, 65536)
	for range st.Datagrams {
		if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("read datagram: %v", err)
		}
		batch.Reset()
		if err := dec.Decode(from.Addr().Unmap(), time.Now(), buf[:n], &batch); err != nil {
			t.Fatalf("decode datagram from %s: %v", from, err)
		}
		recs = append(recs, batch.Records...)
	}
	return st, recs
}

// TestFlowsMatchThePlan: the exported records decode, name the VMs'
// addresses and MACs, come from the leaf the sending VM's uplink is cabled
// to with that port's ifIndex (or from the hypervisor for VMs of one host),
// and add up to what the exporter says it sent.
func TestFlowsMatchThePlan(t *testing.T) {
	d := defaultDC(t)
	ctx := context.Background()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const sampling = 10
	e, err := d.Flows(conn.LocalAddr().(*net.UDPAddr).AddrPort(), sampling)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	// Where each VM runs, as vCenter says, and what every MAC is.
	var vms []mo.VirtualMachine
	if err := d.client.PropertyCollector().Retrieve(ctx, d.vmRefs, []string{"name", "runtime.host"}, &vms); err != nil {
		t.Fatal(err)
	}
	hostOf := map[string]string{} // VM name → host name
	for _, vm := range vms {
		for hi, ref := range d.hostRefs {
			if vm.Runtime.Host != nil && *vm.Runtime.Host == ref {
				hostOf[vm.Name] = d.plan.hosts[hi].name
			}
		}
	}
	vmOfMAC := map[[6]byte]string{}
	for _, vm := range d.VMs() {
		for _, n := range vm.NICs {
			hw, _ := net.ParseMAC(n.MAC)
			vmOfMAC[[6]byte(hw)] = vm.Name
		}
	}
	leafAddr := map[string]netip.Addr{}
	for _, f := range d.plan.fabric() {
		leafAddr[f.name] = f.addr
	}
	// The leaf ports each host's pNICs are cabled to.
	type port struct {
		exporter netip.Addr
		ifIndex  uint32
	}
	portsOf := map[string]map[port]bool{} // host → its edge ports
	for _, c := range d.Cabling() {
		var n int
		if _, err := fmt.Sscanf(c.Port, "Ethernet1/%d", &n); err != nil {
			t.Fatalf("cable port %q", c.Port)
		}
		if portsOf[c.Host] == nil {
			portsOf[c.Host] = map[port]bool{}
		}
		portsOf[c.Host][port{leafAddr[c.Switch], uint32(ethIfIndex(n))}] = true
	}

	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	st, recs := receiveFlows(t, e, conn, at)
	if len(recs) != st.Records || st.Records == 0 {
		t.Fatalf("decoded %d records; exporter sent %d", len(recs), st.Records)
	}
	var bytes uint64
	var v9, ipfix, external int
	for _, r := range recs {
		src, srcVM := vmOfMAC[r.SrcMAC]
		dst, dstVM := vmOfMAC[r.DstMAC]
		if !r.SrcAddr.Is4() || !r.DstAddr.Is4() || (!srcVM && !dstVM) {
			t.Fatalf("record %+v: want IPv4 addresses and a VM on at least one side", r)
		}
		if r.End.Unix() != at.Unix() {
			t.Errorf("record %s→%s ends at %v; want %v", src, dst, r.End, at)
		}
		switch r.Protocol {
		case decode.IPFIX:
			ipfix++
			bytes += r.Bytes
			if !srcVM || !dstVM || hostOf[src] != hostOf[dst] || r.Exporter != hypervisorExporter {
				t.Errorf("IPFIX record %s→%s from %s: want two VMs of one host, from the hypervisor", src, dst, r.Exporter)
			}
		case decode.NetFlowV9:
			v9++
			bytes += r.Bytes * sampling
			if r.SamplingRate != sampling {
				t.Errorf("sampling rate %d; want %d", r.SamplingRate, sampling)
			}
			if srcVM {
				if !portsOf[hostOf[src]][port{r.Exporter, r.InIf}] {
					t.Errorf("record from %s (on %s) exported by %s ifIndex %#x: not a port that host is cabled to", src, hostOf[src], r.Exporter, r.InIf)
				}
				if dstVM && hostOf[src] == hostOf[dst] {
					t.Errorf("record %s→%s between VMs of %s exported by a switch", src, dst, hostOf[src])
				}
				continue
			}
			external++
			if !portsOf[hostOf[dst]][port{r.Exporter, r.OutIf}] {
				t.Errorf("record to %s (on %s) from %s exported by %s out ifIndex %#x: not a port that host is cabled to", dst, hostOf[dst], r.SrcAddr, r.Exporter, r.OutIf)
			}
		default:
			t.Errorf("record of protocol %v", r.Protocol)
		}
	}
	if v9 == 0 || ipfix == 0 || external == 0 {
		t.Errorf("NetFlow v9 %d, IPFIX %d, from outside %d records; want some of each", v9, ipfix, external)
	}
	// Sampling divides the leaves' counts, rounding down.
	if bytes > st.Bytes || st.Bytes-bytes > uint64(st.Records)*sampling {
		t.Errorf("decoded bytes scaled back %d; exporter described %d", bytes, st.Bytes)
	}

	// The same moment gives the same records.
	_, again := receiveFlows(t, e, conn, at)
	if fmt.Sprint(strip(again)) != fmt.Sprint(strip(recs)) {
		t.Errorf("a second export of %v differs from the first", at)
	}
}

// strip drops what differs between two receptions of the same records.
func strip(rs []decode.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		r.Time = time.Time{}
		out[i] = fmt.Sprintf("%+v", r)
	}
	return out
}

// TestFlowConversations: the tiers talk as their applications would, and
// the non-VM clients are there.
func TestFlowConversations(t *testing.T) {
	d := defaultDC(t)
	e, err := d.Flows(netip.MustParseAddrPort("127.0.0.1:9"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	seen := map[string]bool{}
	for _, c := range e.Conversations() {
		client, server := c.Client, c.Server
		if client == "" {
			client = c.ClientAddr.String()
		}
		cut := func(s string) string { return strings.TrimRight(s, "0123456789") }
		seen[fmt.Sprintf("%s→%s:%d", cut(client), cut(server), c.Port)] = true
	}
	for _, want := range []string{"web→app-billing-:8443", "app-orders-→db:5432", "app-billing-→kafka-:9092", "dmz-proxy-→web:443", "shop-web-→shop-app-:8080", "shop-app-→shop-db-:1433", "mon-prom-→db:9100", "203.0.113.→dmz-proxy-:443", "10.110.200.→web:161"} {
		if !seen[want] {
			t.Errorf("no conversation %s", want)
		}
	}
	if _, err := d.Flows(netip.AddrPort{}, 1); err == nil {
		t.Error("Flows with no collector address: no error")
	}
}
