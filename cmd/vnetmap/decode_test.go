package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/vnetmap/vnetmap/internal/flow/decode"
)

var (
	macA = net.HardwareAddr{0x02, 0, 0, 0xd6, 0, 1}
	macB = net.HardwareAddr{0x02, 0, 0, 0xd6, 0, 2}
)

// udpFrame is an Ethernet/IPv4/UDP frame from 10.214.0.1 to 10.214.0.2:dport.
func udpFrame(t *testing.T, dport uint16, payload []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 214, 0, 1}, DstIP: net.IP{10, 214, 0, 2}}
	udp := &layers.UDP{SrcPort: 40000, DstPort: layers.UDPPort(dport)}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return serialize(t, eth, ip, udp, gopacket.Payload(payload))
}

func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// netflow5 is a NetFlow v5 datagram with one record per (src, dst, bytes).
func netflow5(flows ...[3]uint32) []byte {
	be := binary.BigEndian
	b := be.AppendUint16(nil, 5)
	b = be.AppendUint16(b, uint16(len(flows)))
	b = be.AppendUint32(b, 60000)      // uptime
	b = be.AppendUint32(b, 1700000000) // secs
	b = be.AppendUint32(b, 0)          // nsecs
	b = be.AppendUint32(b, 1)          // sequence
	b = append(b, 0, 0, 0, 0)          // engine type, id, sampling
	for _, f := range flows {
		b = be.AppendUint32(b, f[0])
		b = be.AppendUint32(b, f[1])
		b = be.AppendUint32(b, 0)     // next hop
		b = be.AppendUint16(b, 3)     // input
		b = be.AppendUint16(b, 4)     // output
		b = be.AppendUint32(b, 10)    // packets
		b = be.AppendUint32(b, f[2])  // bytes
		b = be.AppendUint32(b, 50000) // first
		b = be.AppendUint32(b, 59000) // last
		b = be.AppendUint16(b, 40000) // src port
		b = be.AppendUint16(b, 5001)  // dst port
		b = append(b, 0, 0x18, 6, 0)  // pad, tcp flags, proto, tos
		b = append(b, make([]byte, 8)...)
	}
	return b
}

func lldpFrame(t *testing.T) []byte {
	eth := &layers.Ethernet{SrcMAC: macA, DstMAC: net.HardwareAddr{0x01, 0x80, 0xc2, 0, 0, 0x0e}, EthernetType: layers.EthernetTypeLinkLayerDiscovery}
	lldp := &layers.LinkLayerDiscovery{
		ChassisID: layers.LLDPChassisID{Subtype: layers.LLDPChassisIDSubTypeMACAddr, ID: macA},
		PortID:    layers.LLDPPortID{Subtype: layers.LLDPPortIDSubtypeIfaceName, ID: []byte("Ethernet1/7")},
		TTL:       120,
		Values: []layers.LinkLayerDiscoveryValue{
			{Type: layers.LLDPTLVSysName, Value: []byte("leaf1"), Length: 5},
			{Type: layers.LLDPTLVPortDescription, Value: []byte("esx01 vmnic0"), Length: 12},
		},
	}
	return serialize(t, eth, lldp)
}

// cdpFrame is an 802.3/LLC/SNAP CDPv2 frame with device ID, port ID and platform.
func cdpFrame() []byte {
	be := binary.BigEndian
	tlv := func(b []byte, typ uint16, v string) []byte {
		b = be.AppendUint16(b, typ)
		b = be.AppendUint16(b, uint16(4+len(v)))
		return append(b, v...)
	}
	cdp := []byte{2, 180, 0, 0} // version, ttl, checksum
	cdp = tlv(cdp, 0x0001, "leaf2")
	cdp = tlv(cdp, 0x0003, "Ethernet1/9")
	cdp = tlv(cdp, 0x0006, "N9K-C93180YC-FX")
	var sum uint32
	for i := 0; i+1 < len(cdp); i += 2 {
		sum += uint32(be.Uint16(cdp[i:]))
	}
	if len(cdp)%2 == 1 {
		sum += uint32(cdp[len(cdp)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	be.PutUint16(cdp[2:], ^uint16(sum))
	llc := append([]byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00}, cdp...)
	b := append([]byte{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc}, macB...)
	b = be.AppendUint16(b, uint16(len(llc)))
	return append(b, llc...)
}

func lacpFrame() []byte {
	b := append([]byte{0x01, 0x80, 0xc2, 0, 0, 0x02}, macA...)
	b = append(b, 0x88, 0x09, 1, 1) // slow protocols, LACP, version 1
	info := func(typ byte, sys net.HardwareAddr, key, port uint16, state byte) []byte {
		t := []byte{typ, 20, 0x80, 0}
		t = append(t, sys...)
		t = binary.BigEndian.AppendUint16(t, key)
		t = append(t, 0x80, 0)
		t = binary.BigEndian.AppendUint16(t, port)
		return append(t, state, 0, 0, 0)
	}
	b = append(b, info(1, macA, 17, 5, 0x3d)...)
	b = append(b, info(2, macB, 101, 7, 0x3c)...)
	return append(b, make([]byte, 60)...)
}

func TestDecodePcap(t *testing.T) {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	frames := [][]byte{
		udpFrame(t, 2055, netflow5([3]uint32{0x0ad60001, 0x0ad60002, 100000}, [3]uint32{0x0ad60002, 0x0ad60001, 4200})),
		lldpFrame(t),
		cdpFrame(),
		lacpFrame(),
		udpFrame(t, 2055, []byte{0, 9, 0, 1, 0, 0}), // truncated NetFlow v9
		udpFrame(t, 53, []byte("not a flow datagram")),
	}
	for i, f := range frames {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: at.Add(time.Duration(i) * time.Second), CaptureLength: len(f), Length: len(f)}, f); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "mixed.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := vnetmap(t, "decode", p)
	if code != 0 {
		t.Fatalf("decode: exit %d: %s", code, errOut)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		lines = append(lines, m)
	}
	type want struct {
		packet float64
		kind   string
		fields map[string]any
	}
	wants := []want{
		{1, "netflow5", map[string]any{"src": "10.214.0.1", "dst": "10.214.0.2", "bytes": 100000.0, "packets": 10.0, "proto": 6.0, "dst_port": 5001.0, "exporter": "10.214.0.1"}},
		{1, "netflow5", map[string]any{"src": "10.214.0.2", "bytes": 4200.0}},
		{2, "lldp", map[string]any{"chassis_id": "02:00:00:d6:00:01", "port_id": "Ethernet1/7", "system_name": "leaf1", "port_description": "esx01 vmnic0"}},
		{3, "cdp", map[string]any{"device_id": "leaf2", "port_id": "Ethernet1/9", "platform": "N9K-C93180YC-FX"}},
		{4, "lacp", map[string]any{"version": 1.0}},
		{5, "flow", nil},
	}
	if len(lines) != len(wants) {
		t.Fatalf("got %d lines; want %d:\n%s", len(lines), len(wants), out)
	}
	for i, w := range wants {
		l := lines[i]
		if l["packet"] != w.packet || l["kind"] != w.kind {
			t.Errorf("line %d: packet %v kind %v; want %v %s", i, l["packet"], l["kind"], w.packet, w.kind)
		}
		for k, v := range w.fields {
			if l[k] != v {
				t.Errorf("line %d (%s): %s = %v; want %v", i, w.kind, k, l[k], v)
			}
		}
	}
	if actor, _ := lines[4]["actor"].(map[string]any); actor["system"] != "02:00:00:d6:00:01" || actor["key"] != 17.0 || actor["port"] != 5.0 {
		t.Errorf("lacp actor = %v", lines[4]["actor"])
	}
	if e, _ := lines[5]["error"].(string); !strings.Contains(e, "offset") {
		t.Errorf("truncated datagram: error %q; want one naming the offset", e)
	}
}

func TestDecodeBadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "garbage.pcap")
	if err := os.WriteFile(p, []byte("this is not a capture"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := vnetmap(t, "decode", p); code != 1 || !strings.Contains(errOut, "not a pcap file") {
		t.Errorf("exit %d, stderr %q; want 1 and 'not a pcap file'", code, errOut)
	}
}

// FuzzDecodePacket: any frame yields lines or nothing, never a panic.
func FuzzDecodePacket(f *testing.F) {
	f.Add(cdpFrame())
	f.Add(lacpFrame())
	f.Add(lacpFrame()[:30])
	dec := decode.NewDecoder(64)
	var batch decode.Batch
	f.Fuzz(func(t *testing.T, frame []byte) {
		pkt := gopacket.NewPacket(frame, layers.LinkTypeEthernet, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		for _, l := range decodePacket(pkt, 1, time.Time{}, dec, &batch) {
			if l["kind"] == nil {
				t.Fatalf("line without a kind: %v", l)
			}
		}
	})
}

// Real captures made by internal/flow/testdata/make-fixtures.sh: the traffic
// softflowd read, and what softflowd exported of it.
const fixtures = "../../internal/flow/testdata/"

// flowKey is one direction of a flow; ICMP's type/code is left out (NetFlow
// v5 carries it as the destination port, v9 and IPFIX in their own field).
type flowKey struct {
	src, dst     string
	proto        uint8
	sport, dport uint16
}

// flowSum is what a capture holds of one direction of a flow.
type flowSum struct {
	packets, bytes, headers uint64 // bytes: IP total lengths; headers: IP+TCP/UDP/ICMP header bytes of them
	first, last             time.Time
	srcMAC, dstMAC          string
}

// captureFlows sums a capture of IPv4 traffic per flow direction.
func captureFlows(t *testing.T, path string) map[flowKey]*flowSum {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[flowKey]*flowSum{}
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		pkt := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default)
		eth, _ := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if eth == nil || ip == nil {
			t.Fatalf("%s: packet at %v is not Ethernet/IPv4", path, ci.Timestamp)
		}
		k := flowKey{src: ip.SrcIP.String(), dst: ip.DstIP.String(), proto: uint8(ip.Protocol)}
		hdr := uint64(ip.IHL) * 4
		switch l := pkt.TransportLayer().(type) {
		case *layers.TCP:
			k.sport, k.dport, hdr = uint16(l.SrcPort), uint16(l.DstPort), hdr+uint64(l.DataOffset)*4
		case *layers.UDP:
			k.sport, k.dport, hdr = uint16(l.SrcPort), uint16(l.DstPort), hdr+8
		default:
			hdr += 8 // ICMP echo
		}
		s := sums[k]
		if s == nil {
			s = &flowSum{first: ci.Timestamp, srcMAC: eth.SrcMAC.String(), dstMAC: eth.DstMAC.String()}
			sums[k] = s
		}
		s.packets++
		s.bytes += uint64(ip.Length)
		s.headers += hdr
		s.last = ci.Timestamp
	}
	return sums
}

// TestTrafficFixture: traffic.pcap holds what make-fixtures.sh documents.
func TestTrafficFixture(t *testing.T) {
	sums := captureFlows(t, fixtures+"traffic.pcap")
	a, b := "10.214.0.1", "10.214.0.2"
	want := map[flowKey]struct{ packets, payload int }{
		{a, b, 1, 0, 0}:         {5, 5 * 56},
		{b, a, 1, 0, 0}:         {5, 5 * 56},
		{a, b, 6, 40000, 5001}:  {-1, 100000}, // segments and ACKs: as TCP chose
		{b, a, 6, 5001, 40000}:  {-1, 0},
		{a, b, 17, 40001, 5002}: {3, 300},
	}
	for k, w := range want {
		s := sums[k]
		if s == nil {
			t.Errorf("%v: not in the capture", k)
			continue
		}
		if payload := s.bytes - s.headers; payload != uint64(w.payload) || (w.packets >= 0 && s.packets != uint64(w.packets)) {
			t.Errorf("%v: %d packets, %d payload bytes; want %d, %d", k, s.packets, payload, w.packets, w.payload)
		}
	}
	if len(sums) != len(want) {
		t.Errorf("capture has %d flow directions; want %d: %v", len(sums), len(want), sums)
	}
}

// TestDecodeSoftflowd decodes softflowd's real NetFlow v5, v9 and IPFIX
// exports of traffic.pcap: one record per flow direction, with the bytes
// (payload + headers), packets, times, addresses, ports and, for v9 and
// IPFIX, MACs of the capture.
func TestDecodeSoftflowd(t *testing.T) {
	sums := captureFlows(t, fixtures+"traffic.pcap")
	for _, tc := range []struct {
		file, kind string
		macs       bool
		early      time.Duration // how much earlier than the packet a start may be
	}{
		{"nf5.pcap", "netflow5", false, 2 * time.Millisecond},
		// NetFlow v9's header has the export time in whole seconds.
		{"nf9.pcap", "netflow9", true, time.Second},
		{"nf10.pcap", "ipfix", true, 2 * time.Millisecond},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			code, out, errOut := vnetmap(t, "decode", fixtures+tc.file)
			if code != 0 {
				t.Fatalf("decode %s: exit %d: %s", tc.file, code, errOut)
			}
			seen := map[flowKey]bool{}
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				var r struct {
					Kind, Exporter, Src, Dst, Error string
					SrcMAC                          string `json:"src_mac"`
					DstMAC                          string `json:"dst_mac"`
					Proto                           uint8
					SrcPort                         uint16 `json:"src_port"`
					DstPort                         uint16 `json:"dst_port"`
					Bytes, Packets                  uint64
					Start, End                      time.Time
				}
				if err := json.Unmarshal([]byte(l), &r); err != nil {
					t.Fatalf("line %q: %v", l, err)
				}
				k := flowKey{r.Src, r.Dst, r.Proto, r.SrcPort, r.DstPort}
				if r.Proto == 1 {
					k.sport, k.dport = 0, 0
				}
				s := sums[k]
				switch {
				case r.Error != "" || r.Kind != tc.kind || r.Exporter != "10.214.0.1":
					t.Errorf("line %s: want a %s record from 10.214.0.1", l, tc.kind)
					continue
				case s == nil:
					t.Errorf("record %v: no such flow in traffic.pcap", k)
					continue
				case seen[k]:
					t.Errorf("record %v: twice", k)
				}
				seen[k] = true
				if r.Bytes != s.bytes || r.Packets != s.packets {
					t.Errorf("%v: %d bytes, %d packets; want %d (payload + %d header bytes), %d", k, r.Bytes, r.Packets, s.bytes, s.headers, s.packets)
				}
				if r.Start.Before(s.first.Add(-tc.early)) || r.Start.After(s.first.Add(2*time.Millisecond)) ||
					r.End.Before(s.last.Add(-tc.early)) || r.End.After(s.last.Add(2*time.Millisecond)) {
					t.Errorf("%v: %v to %v; want the capture's %v to %v", k, r.Start, r.End, s.first, s.last)
				}
				wantSrc, wantDst := s.srcMAC, s.dstMAC
				if !tc.macs {
					wantSrc, wantDst = "", ""
				}
				if r.SrcMAC != wantSrc || r.DstMAC != wantDst {
					t.Errorf("%v: MACs %q > %q; want %q > %q", k, r.SrcMAC, r.DstMAC, wantSrc, wantDst)
				}
			}
			if len(seen) != len(sums) {
				t.Errorf("%d flow directions exported; want the capture's %d", len(seen), len(sums))
			}
		})
	}
}

// TestDecodeLLDPCDP decodes the LLDP and CDP frames lldpd sent between the
// two fixture namespaces.
func TestDecodeLLDPCDP(t *testing.T) {
	code, out, errOut := vnetmap(t, "decode", fixtures+"lldp-cdp.pcap")
	if code != 0 {
		t.Fatalf("decode: exit %d: %s", code, errOut)
	}
	type key struct{ kind, id, name, port, addr string }
	got := map[key]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		str := func(k string) string { s, _ := m[k].(string); return s }
		switch m["kind"] {
		case "lldp":
			got[key{"lldp", str("chassis_id"), str("system_name"), str("port_description"), str("management_address")}] = true
		case "cdp":
			addrs, _ := m["addresses"].([]any)
			addr := ""
			if len(addrs) == 1 {
				addr, _ = addrs[0].(string)
			}
			got[key{"cdp", "", str("device_id"), str("port_id"), addr}] = true
		default:
			t.Errorf("line %s: want only LLDP and CDP", l)
		}
	}
	for _, w := range []key{
		{"lldp", macA.String(), "vnmfx-a", "fxa", "10.214.0.1"},
		{"lldp", macB.String(), "vnmfx-b", "fxb", "10.214.0.2"},
		{"cdp", "", "vnmfx-a", "fxa", "10.214.0.1"},
		{"cdp", "", "vnmfx-b", "fxb", "10.214.0.2"},
	} {
		if !got[w] {
			t.Errorf("no %s frame %+v; got %v", w.kind, w, got)
		}
	}
	if len(got) != 4 {
		t.Errorf("got %d distinct frames; want 4: %v", len(got), got)
	}
}

// v9Datagram is a NetFlow v9 datagram of the given sets, each (id, body).
func v9Datagram(sets ...[]byte) []byte {
	be := binary.BigEndian
	b := be.AppendUint16(nil, 9)
	b = be.AppendUint16(b, 0)
	b = be.AppendUint32(b, 60000)
	b = be.AppendUint32(b, 1700000000)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 0)
	for _, s := range sets {
		b = append(b, s...)
	}
	return b
}

// v9Set is a set of id holding body.
func v9Set(id uint16, body []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(body)))
	return append(b, body...)
}

// v9PartlyBad is a NetFlow v9 datagram whose first template claims more
// fields than its set holds, followed by a good template (id 256: source,
// destination, bytes, packets) and a data set of one record of bytes.
func v9PartlyBad(bytes uint32) []byte {
	be := binary.BigEndian
	bad := be.AppendUint16(nil, 300)
	bad = be.AppendUint16(bad, 40) // field count: beyond the set
	bad = append(bad, 0, 1, 0, 4)
	good := be.AppendUint16(nil, 256)
	good = be.AppendUint16(good, 4)
	for _, f := range [][2]uint16{{8, 4}, {12, 4}, {1, 4}, {2, 4}} {
		good = be.AppendUint16(good, f[0])
		good = be.AppendUint16(good, f[1])
	}
	rec := []byte{10, 214, 0, 1, 10, 214, 0, 2}
	rec = be.AppendUint32(rec, bytes)
	rec = be.AppendUint32(rec, 3)
	return v9Datagram(v9Set(0, bad), v9Set(0, good), v9Set(256, rec))
}

// sflowCounters is an sFlow datagram from agent 10.214.0.254 with one
// counter sample: generic interface counters of ifIndex 7.
func sflowCounters() []byte {
	be := binary.BigEndian
	gi := be.AppendUint32(nil, 7)
	gi = be.AppendUint32(gi, 6)
	gi = be.AppendUint64(gi, 25e9)
	gi = be.AppendUint32(gi, 1)
	gi = be.AppendUint32(gi, 3)
	gi = be.AppendUint64(gi, 5000)
	for _, v := range []uint32{40, 0, 0, 1, 2, 0} {
		gi = be.AppendUint32(gi, v)
	}
	gi = be.AppendUint64(gi, 7000)
	for _, v := range []uint32{50, 0, 0, 3, 4, 0} {
		gi = be.AppendUint32(gi, v)
	}
	rec := be.AppendUint32(nil, 1)
	rec = be.AppendUint32(rec, uint32(len(gi)))
	rec = append(rec, gi...)
	s := be.AppendUint32(nil, 1) // sequence
	s = be.AppendUint32(s, 7)    // source id
	s = be.AppendUint32(s, 1)    // records
	s = append(s, rec...)
	b := be.AppendUint32(nil, 5)
	b = be.AppendUint32(b, 1)
	b = append(b, 10, 214, 0, 254)
	b = be.AppendUint32(b, 0)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 1000)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint32(b, 2) // counter sample
	b = be.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// malformedLLDP is an LLDP frame whose chassis ID TLV claims more bytes
// than the frame holds.
func malformedLLDP() []byte {
	b := append([]byte{0x01, 0x80, 0xc2, 0, 0, 0x0e}, macA...)
	b = append(b, 0x88, 0xcc)
	return append(b, 0x02, 0xff, 0x04, 0x02, 0x00) // type 1, length 255
}

// malformedCDP is a CDP frame whose first TLV claims more bytes than the
// frame holds.
func malformedCDP() []byte {
	cdp := []byte{2, 180, 0, 0, 0x00, 0x01, 0x01, 0x00, 'l', 'e'} // device ID of 256 bytes
	llc := append([]byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00}, cdp...)
	b := append([]byte{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc}, macB...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(llc)))
	return append(b, llc...)
}

// writePcap writes frames, one a second, into a capture file.
func writePcap(t *testing.T, frames ...[]byte) string {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for i, f := range frames {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: at.Add(time.Duration(i) * time.Second), CaptureLength: len(f), Length: len(f)}, f); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "c.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// decodeLines runs vnetmap decode on a capture and returns its lines.
func decodeLines(t *testing.T, p string) []map[string]any {
	t.Helper()
	code, out, errOut := vnetmap(t, "decode", p)
	if code != 0 {
		t.Fatalf("decode: exit %d: %s", code, errOut)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// TestDecodeKeepsGoodRecords: of a datagram with a bad part, decode prints
// the good records, then one error line (cause 12); it prints sFlow counter
// samples (cause 16), and an error line for a malformed LLDP or CDP frame
// (cause 17).
func TestDecodeKeepsGoodRecords(t *testing.T) {
	v5 := netflow5([3]uint32{0x0ad60001, 0x0ad60002, 1000}, [3]uint32{0x0ad60002, 0x0ad60001, 2000}, [3]uint32{0x0ad60001, 0x0ad60003, 3000})
	v5 = v5[:len(v5)-10] // the third record cut
	p := writePcap(t,
		udpFrame(t, 2055, v5),
		udpFrame(t, 2055, v9PartlyBad(4000)),
		udpFrame(t, 6343, sflowCounters()),
		malformedLLDP(),
		malformedCDP(),
	)
	lines := decodeLines(t, p)
	wants := []struct {
		packet float64
		kind   string
		fields map[string]any
	}{
		{1, "netflow5", map[string]any{"bytes": 1000.0}},
		{1, "netflow5", map[string]any{"bytes": 2000.0}},
		{1, "flow", nil},
		{2, "netflow9", map[string]any{"bytes": 4000.0, "packets": 3.0, "src": "10.214.0.1"}},
		{2, "flow", nil},
		{3, "sflow5_counters", map[string]any{"exporter": "10.214.0.254", "if_index": 7.0, "if_speed": 25e9, "in_octets": 5000.0, "in_packets": 40.0,
			"in_discards": 1.0, "in_errors": 2.0, "out_octets": 7000.0, "out_packets": 50.0, "out_discards": 3.0, "out_errors": 4.0,
			"oper_up": true, "if_direction": "full-duplex"}},
		{4, "lldp", nil},
		{5, "cdp", nil},
	}
	if len(lines) != len(wants) {
		t.Fatalf("got %d lines; want %d: %v", len(lines), len(wants), lines)
	}
	for i, w := range wants {
		l := lines[i]
		if l["packet"] != w.packet || l["kind"] != w.kind {
			t.Errorf("line %d: packet %v kind %v; want %v %s", i, l["packet"], l["kind"], w.packet, w.kind)
		}
		_, isErr := l["error"]
		if wantErr := w.fields == nil; isErr != wantErr {
			t.Errorf("line %d (%s): error %v; want an error line: %v", i, w.kind, l["error"], wantErr)
		}
		for k, v := range w.fields {
			if l[k] != v {
				t.Errorf("line %d (%s): %s = %v; want %v", i, w.kind, k, l[k], v)
			}
		}
	}
}
