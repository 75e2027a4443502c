package aggregate

import (
	"context"
	"net/netip"
	"testing"
)

func TestServerIsSource(t *testing.T) {
	for _, tc := range []struct {
		name     string
		proto    uint8
		src, dst uint16
		want     bool
	}{
		{"request to a well-known port", 6, 51000, 443, false},
		{"reply from a well-known port", 6, 443, 51000, true},
		{"reply from 5432 to an ephemeral port", 6, 5432, 49152, true},
		{"request to 5432", 6, 49152, 5432, false},
		{"reply from 8080 to a low ephemeral port", 6, 8080, 33000, true},
		{"both well-known: the destination", 17, 123, 514, false},
		{"both registered: the lower", 6, 5432, 9092, true},
		{"both ephemeral: the lower", 6, 40000, 50000, true},
		{"equal ports keep their way", 17, 4789, 4789, false},
		{"no source port", 6, 0, 5432, false},
		{"ICMP (type and code, no ports)", 1, 0, 0x0800, false},
		{"UDP reply from DNS", 17, 53, 40001, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ServerIsSource(tc.proto, tc.src, tc.dst); got != tc.want {
				t.Errorf("ServerIsSource(%d, %d, %d): got %v; want %v", tc.proto, tc.src, tc.dst, got, tc.want)
			}
		})
	}
}

// TestConversation: both ways of a conversation, over many client ports,
// make one aggregate: client to server, with the service port.
func TestConversation(t *testing.T) {
	a, sink, _ := newAgg(t, DefaultConfiguration(), 1)
	webAddr, dbAddr := netip.MustParseAddr("10.1.0.10"), netip.MustParseAddr("10.1.0.20")
	var recs []Record
	for i := range uint16(3) {
		req := rec(t0, 100, 1, 0)
		req.SrcPort = 50000 + i
		reply := Record{At: req.At, Src: db, Dst: web, SrcAddr: dbAddr, DstAddr: webAddr, Proto: 6,
			SrcPort: 5432, DstPort: 50000 + i, Bytes: 1000, Packets: 2}
		recs = append(recs, req, reply)
	}
	a.Add(0, recs)
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	ms := sink.Minutes()
	if len(ms) != 1 {
		t.Fatalf("got %d aggregates; want 1: %+v", len(ms), ms)
	}
	m := ms[0]
	if m.Src.VM != web.VM || m.Dst.VM != db.VM || m.Src.Addr != webAddr.String() || m.DstPort != 5432 ||
		m.Bytes != 3300 || m.Packets != 9 || m.Flows != 6 {
		t.Errorf("got %+v; want vm:a → vm:b 6/5432 bytes=3300 packets=9 flows=6", m)
	}
}
