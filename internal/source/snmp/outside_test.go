package snmp

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// withRecords returns the snmprec file b with the records of w added, in
// OID order.
func withRecords(b []byte, w *walkFile) []byte {
	for line := range strings.Lines(string(b)) {
		if oid, rest, ok := strings.Cut(strings.TrimSpace(line), "|"); ok {
			typ, val, _ := strings.Cut(rest, "|")
			w.add(oid, typ, val)
		}
	}
	return w.bytes()
}

// lldpNeighbour adds an LLDP neighbour on local port lport (remote index
// ridx) with management address addr.
func (w *walkFile) lldpNeighbour(lport, ridx int, chassis, system, addr string) {
	idx := fmt.Sprintf("0.%d.%d", lport, ridx)
	w.int(oidLLDPRem+".4."+idx, 4)
	w.hex(oidLLDPRem+".5."+idx, mac(chassis))
	w.int(oidLLDPRem+".6."+idx, 5)
	w.str(oidLLDPRem+".7."+idx, "mgmt0")
	w.str(oidLLDPRem+".9."+idx, system)
	a := netip.MustParseAddr(addr)
	sub, octets := 1, a.AsSlice()
	if a.Is6() {
		sub = 2
	}
	mi := fmt.Sprintf("%s.%d.%d", idx, sub, len(octets))
	for _, o := range octets {
		mi += fmt.Sprintf(".%d", o)
	}
	w.int(oidLLDPRemMan+".3."+mi, 2)
	w.int(oidLLDPRemMan+".4."+mi, 0)
}

// TestOutsideNeighboursLogged: the neighbours not followed because they are
// outside allowed_subnets make one info line per run, with their count
// (each address once) and examples; an IPv6 link-local management address
// is neither followed nor counted there.
func TestOutsideNeighboursLogged(t *testing.T) {
	endpoints, files := fabricFiles(t, "public")
	extra := &walkFile{}
	extra.lldpNeighbour(2, 90, "00:00:5e:00:53:01", "fw2", "fe80::1")
	extra.lldpNeighbour(3, 91, "00:00:5e:00:53:02", "fw3", "10.99.0.3")
	extra.lldpNeighbour(1, 92, "00:00:5e:00:53:02", "fw3", "10.99.0.3") // the same, on another port
	files[leaf1Addr]["public"] = withRecords(files[leaf1Addr]["public"], extra)
	sim := startSim(t, endpoints, files, nil)

	var logs bytes.Buffer
	c, err := New(testConfig(t, sim.port, core1Addr), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	snap, err := c.Collect(ctx)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if len(snap.Facts) == 0 {
		t.Fatal("no facts")
	}
	var lines []string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "outside the allowed subnets") && !strings.Contains(line, "level=DEBUG") {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d lines about neighbours outside the allowed subnets; want 1:\n%s", len(lines), logs.String())
	}
	for _, want := range []string{"level=INFO", "count=2", "fw1 (10.99.0.1)", "fw3 (10.99.0.3)", "allowed_subnets=127.0.0.0/24"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line %q lacks %q", lines[0], want)
		}
	}
	// fe80::1 was read, and said at debug level only.
	var v6 []string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "fe80::1") {
			v6 = append(v6, line)
		}
	}
	if len(v6) != 1 || !strings.Contains(v6[0], "level=DEBUG") || !strings.Contains(v6[0], "IPv6 link-local, not followed") {
		t.Errorf("lines about fe80::1 = %q; want one at debug level, not followed", v6)
	}
}
