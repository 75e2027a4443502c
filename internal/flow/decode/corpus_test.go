package decode

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/corpus"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// The real captures of ../shared/corpus/flows (third-party data, read where
// they lie): every capture decodes with no record lost, and a few known
// records carry the values tshark 4.0 reads in them.

// datagram is the UDP payload of one captured packet and its source.
type datagram struct {
	from    netip.Addr
	at      time.Time
	payload []byte
}

// readDatagrams returns the UDP payloads of a capture, in order.
func readDatagrams(tb testing.TB, path string) []datagram {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	var out []datagram
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		pkt := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		udp, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok {
			tb.Fatalf("%s: a packet that is not UDP", path)
		}
		from, _ := netip.AddrFromSlice(pkt.NetworkLayer().NetworkFlow().Src().Raw())
		out = append(out, datagram{from.Unmap(), ci.Timestamp, udp.Payload})
	}
	return out
}

// wantRecord is what tshark reads in one record of a capture (the index is
// among the capture's flow records, in the decoder's order). Zero fields
// are not checked, except the interfaces when checkIfs.
type wantRecord struct {
	i                int
	src, dst         string
	bytes, packets   uint64
	rate             uint32
	proto            uint8
	srcPort, dstPort uint16
	inIf, outIf      uint32
	checkIfs         bool
	vlan             uint16
	start, end       time.Time // to the microsecond
}

// corpusCapture is a capture (files replayed in order through one decoder,
// templates before their data, as the exporter's stream arrived) and what
// it holds, read with tshark: flow records, and for NetFlow v9 the
// template and options records its headers count too.
type corpusCapture struct {
	name               string
	files              []string
	records            int
	templates, options int
	want               []wantRecord
	// before is what the decoder got wrong before this corpus was used.
	before string
}

var corpusCaptures = []corpusCapture{
	{name: "netflow-data", files: []string{"netflow-template.pcap", "netflow-options-template.pcap", "netflow-options-data.pcap", "netflow-data.pcap"},
		records: 4, templates: 2, options: 4,
		want: []wantRecord{
			{i: 0, src: "198.38.121.178", dst: "91.170.143.87", bytes: 1500, packets: 1, rate: 30000, proto: 6, srcPort: 443, dstPort: 19624, inIf: 335, outIf: 450},
			{i: 3, src: "74.125.100.234", dst: "88.120.219.117", bytes: 1448, packets: 1, rate: 30000, inIf: 461, outIf: 451},
		}},
	{name: "netflow-datalink-data", files: []string{"netflow-datalink-template.pcap", "netflow-datalink-data.pcap"}, records: 1,
		want:   []wantRecord{{i: 0, src: "51.51.51.51", dst: "52.52.52.52", bytes: 114, packets: 1, inIf: 582, checkIfs: true, vlan: 231, proto: 17, srcPort: 55501, dstPort: 11777}},
		before: "no addresses, ports or VLAN: the sampled frame (dataLinkFrameSection) was not read"},
	{name: "netflow-ethernet-over-mpls-with-control-word-data", files: []string{"netflow-ethernet-over-mpls-with-control-word-template.pcap", "netflow-ethernet-over-mpls-with-control-word-data.pcap"}, records: 10,
		want: []wantRecord{
			{i: 0, src: "198.51.100.19", dst: "198.51.100.20", bytes: 1458, packets: 1, inIf: 1091, vlan: 1000, srcPort: 80, dstPort: 43908},
			{i: 1, src: "198.51.100.7", dst: "198.51.100.8", bytes: 1518, inIf: 1064, vlan: 1610},
		},
		before: "no addresses, ports or VLAN: the sampled frame (dataLinkFrameSection) was not read"},
	{name: "netflow-icmp-data", files: []string{"netflow-icmp-template.pcap", "netflow-icmp-data.pcap"}, records: 4, templates: 4,
		want: []wantRecord{
			{i: 0, src: "2001:db8::", dst: "2001:db8::1", bytes: 104, packets: 1, proto: 58, dstPort: 128 << 8},
			{i: 2, src: "203.0.113.4", dst: "203.0.113.5", bytes: 84, packets: 1, proto: 1, dstPort: 8 << 8},
		}},
	{name: "netflow-ipfix-srv6-data", files: []string{"netflow-ipfix-srv6-template.pcap", "netflow-ipfix-srv6-data.pcap"}, records: 1,
		want:   []wantRecord{{i: 0, src: "fc30:2200:1b::f", dst: "fc30:2200:23:e009::", bytes: 118, packets: 1, proto: 4}},
		before: "no addresses: the sampled frame was not read"},
	{name: "netflow-ipfixprobe-data", files: []string{"netflow-ipfixprobe-templates.pcap", "netflow-ipfixprobe-data.pcap"}, records: 4,
		want: []wantRecord{
			{i: 0, src: "10.10.1.4", dst: "10.10.1.1", bytes: 62, packets: 1, proto: 17, srcPort: 56166, dstPort: 53, inIf: 10, checkIfs: true,
				start: time.Date(2009, 10, 5, 6, 6, 7, 492060000, time.UTC), end: time.Date(2009, 10, 5, 6, 6, 7, 526085000, time.UTC)},
			{i: 1, src: "10.10.1.20", dst: "10.10.1.255", bytes: 229, packets: 1, srcPort: 138, dstPort: 138},
			{i: 2, src: "10.10.1.4", dst: "74.53.140.153", bytes: 21673, packets: 28, srcPort: 1470, dstPort: 25},
		},
		before: "no flow times: flowStart/EndMicroseconds (NTP format) were not read"},
	{name: "netflow-juniper-cpid-data", files: []string{"netflow-juniper-cpid-template.pcap", "netflow-juniper-cpid-data.pcap"}, records: 1,
		want:   []wantRecord{{i: 0, src: "fc30:2200:1b::f", dst: "fc30:2200:23:e009::", bytes: 118, packets: 1, inIf: 737, checkIfs: true}},
		before: "no addresses: the sampled frame was not read"},
	{name: "netflow-multiplesamplingrates-data", files: []string{"netflow-multiplesamplingrates-template.pcap", "netflow-multiplesamplingrates-options-template.pcap", "netflow-multiplesamplingrates-options-data.pcap", "netflow-multiplesamplingrates-data.pcap"},
		records: 12, templates: 2, options: 2,
		want: []wantRecord{
			{i: 0, src: "ffff::68", dst: "ffff::1a", bytes: 1348, packets: 18, rate: 4000, srcPort: 443, dstPort: 52616, inIf: 97, outIf: 6},
			{i: 1, src: "ffff::5a", dst: "ffff::f", bytes: 579, packets: 4, rate: 2000, srcPort: 2121, dstPort: 2121},
		},
		before: "one sampling rate per exporter: records of sampler 2 (1 in 4000) got sampler 1's rate"},
	{name: "netflow-samplingrate-data", files: []string{"netflow-samplingrate-template.pcap", "netflow-samplingrate-data.pcap"}, records: 6, templates: 1,
		want: []wantRecord{{i: 0, src: "232.131.215.65", dst: "142.183.180.65", bytes: 160, packets: 1, rate: 2048, srcPort: 13245, dstPort: 10907, inIf: 13, checkIfs: true}}},
	{name: "netflow-data+templates", files: []string{"netflow-data+templates.pcap"}, records: 21, templates: 2, options: 1,
		want: []wantRecord{
			{i: 0, src: "120.120.180.202", dst: "120.120.147.170", bytes: 436, packets: 1, rate: 100, srcPort: 443, dstPort: 53744, inIf: 1055},
			// The data set before its template, decoded after it.
			{i: 10, src: "120.120.28.238", dst: "120.120.244.112", bytes: 48, packets: 1, rate: 100, srcPort: 63308, dstPort: 31424},
		},
		before: "nothing decoded: an options template's scope field of length 0 failed the datagram, and the data set before its template was lost"},
	{name: "netflow-mpls", files: []string{"netflow-mpls.pcap"}, records: 2,
		want: []wantRecord{{i: 0, src: "fd00::1:0:1:7:1", dst: "fd00::1:0:1:5:1", bytes: 89, packets: 1, rate: 10, srcPort: 49153, dstPort: 862, outIf: 16}}},
	{name: "netflow-nat", files: []string{"netflow-nat.pcap"}, records: 9, templates: 4,
		want: []wantRecord{{i: 0, src: "172.16.100.198", dst: "10.89.87.1", srcPort: 35303, dstPort: 53,
			start: time.Date(2025, 6, 4, 15, 9, 0, 450000000, time.UTC), end: time.Date(2025, 6, 4, 15, 9, 0, 450000000, time.UTC)}},
		before: "no time of its own: a NAT event's observationTimeMilliseconds was not read"},
	{name: "netflow-nfv5", files: []string{"netflow-nfv5.pcap"}, records: 29,
		want: []wantRecord{{i: 0, src: "161.202.212.212", dst: "202.152.70.24"}}},
	{name: "netflow-physicalinterfaces", files: []string{"netflow-physicalinterfaces.pcap"}, records: 8,
		want: []wantRecord{
			{i: 0, src: "147.53.240.75", dst: "212.82.101.24", bytes: 4506, packets: 3, rate: 1000, srcPort: 55629, dstPort: 993},
			{i: 7, src: "77.32.118.219", dst: "82.84.64.106", bytes: 18356, packets: 13, rate: 1000},
		},
		before: "addresses :: (the record's unused IPv6 fields overwrote its IPv4 ones); no interfaces (ingress/egressPhysicalInterface)"},
	{name: "sflow-data-1140", files: []string{"sflow-data-1140.pcap"}, records: 5,
		want: []wantRecord{
			{i: 0, src: "2a0c:8880:2:0:185:21:130:38", dst: "2a0c:8880:2:0:185:21:130:39", bytes: 1518, packets: 1, rate: 1024, proto: 6, dstPort: 22, inIf: 27, outIf: 28},
			{i: 1, src: "104.26.8.24", dst: "45.90.161.46", bytes: 439, rate: 1024, srcPort: 443, dstPort: 56876, inIf: 49001, outIf: 25},
		}},
	{name: "sflow-data-discard-interface", files: []string{"sflow-data-discard-interface.pcap"}, records: 1,
		want: []wantRecord{{i: 0, src: "2a0c:8880:2:0:185:21:130:38", bytes: 1518, inIf: 27, outIf: 0, checkIfs: true}}},
	{name: "sflow-data-encap-vxlan", files: []string{"sflow-data-encap-vxlan.pcap"}, records: 1,
		want:   []wantRecord{{i: 0, src: "192.168.108.40", dst: "192.168.15.14", bytes: 172, proto: 17, dstPort: 4789, checkIfs: true}},
		before: "the agent's own interface (0x3fffffff) taken as ifIndex 1073741823"},
	{name: "sflow-data-icmpv4", files: []string{"sflow-data-icmpv4.pcap"}, records: 1,
		want:   []wantRecord{{i: 0, src: "203.0.113.4", dst: "203.0.113.5", bytes: 102, proto: 1, dstPort: 8 << 8, checkIfs: true}},
		before: "the agent's own interface taken as an ifIndex; no ICMP type"},
	{name: "sflow-data-icmpv6", files: []string{"sflow-data-icmpv6.pcap"}, records: 1,
		want:   []wantRecord{{i: 0, src: "fe80::d05b:45ff:feee:5ecf", dst: "2001:db8::", bytes: 90, proto: 58, dstPort: 135 << 8, checkIfs: true}},
		before: "the agent's own interface taken as an ifIndex; no ICMPv6 type"},
	{name: "sflow-data-local-interface", files: []string{"sflow-data-local-interface.pcap"}, records: 1,
		want:   []wantRecord{{i: 0, bytes: 1518, inIf: 27, outIf: 0, checkIfs: true}},
		before: "the agent's own interface (0x3fffffff) taken as ifIndex 1073741823"},
	{name: "sflow-data-multiple-interfaces", files: []string{"sflow-data-multiple-interfaces.pcap"}, records: 1,
		want: []wantRecord{{i: 0, bytes: 1518, inIf: 27, outIf: 0, checkIfs: true}}},
	{name: "sflow-data-qinq", files: []string{"sflow-data-qinq.pcap"}, records: 1,
		want: []wantRecord{{i: 0, src: "49.49.49.2", dst: "49.49.49.109", bytes: 106, rate: 4096, srcPort: 32017, dstPort: 443, vlan: 1062, inIf: 369098852, outIf: 369098851}}},
	{name: "sflow-data-sflow-expanded-sample", files: []string{"sflow-data-sflow-expanded-sample.pcap"}, records: 1,
		want: []wantRecord{{i: 0, src: "52.52.52.52", dst: "53.53.53.53", bytes: 126, rate: 1000, srcPort: 22, dstPort: 52237, vlan: 809, inIf: 29001}}},
	{name: "sflow-data-sflow-ipv4-data", files: []string{"sflow-data-sflow-ipv4-data.pcap"}, records: 1,
		want: []wantRecord{{i: 0, src: "50.50.50.50", dst: "51.51.51.51", bytes: 1390, rate: 256, proto: 17, srcPort: 46622, dstPort: 58631, outIf: 182}}},
	{name: "sflow-data-sflow-raw-ipv4", files: []string{"sflow-data-sflow-raw-ipv4.pcap"}, records: 2,
		want: []wantRecord{
			{i: 0, src: "69.58.92.107", dst: "92.222.186.1", bytes: 50, rate: 1, proto: 1, outIf: 2},
			{i: 1, src: "69.58.92.107", dst: "92.222.184.1", bytes: 50},
		},
		before: "no addresses, and MACs made of the IP header: a raw header of protocol IPv4 (11) was read as Ethernet"},
}

// headerCount is what a datagram says of its own records, read from its
// header and sample headers rather than by the decoder: NetFlow v5 and v9
// header counts (v9: records of every kind, templates included), the sFlow
// flow samples. ok is false for IPFIX, whose header has no count.
func headerCount(b []byte) (n int, ok bool) {
	be := binary.BigEndian
	switch {
	case be.Uint16(b) == 5 || be.Uint16(b) == 9:
		return int(be.Uint16(b[2:])), true
	case be.Uint32(b) == 5:
		off := 8 + 4
		if be.Uint32(b[4:]) == 2 {
			off = 8 + 16
		}
		off += 8 // sub agent, sequence
		off += 4 // uptime
		samples := int(be.Uint32(b[off:]))
		off += 4
		for range samples {
			format, length := be.Uint32(b[off:]), int(be.Uint32(b[off+4:]))
			if format == sfFlowSample || format == sfExpandedFlowSample {
				n++
			}
			off += 8 + length
		}
		return n, true
	}
	return 0, false
}

// corpusFiles lists the captures the table names, to check that it names
// every capture of the folder.
func corpusFiles() map[string]bool {
	m := map[string]bool{}
	for _, c := range corpusCaptures {
		for _, f := range c.files {
			m[f] = true
		}
	}
	return m
}

func TestCorpus(t *testing.T) {
	dir := corpus.Dir(t, "flows")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	named := corpusFiles()
	n := 0
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".pcap" {
			continue
		}
		n++
		if !named[e.Name()] {
			t.Errorf("%s: a capture the test does not know", e.Name())
		}
	}
	if n != len(named) {
		t.Errorf("%d captures in %s; the test knows %d", n, dir, len(named))
	}
	for _, c := range corpusCaptures {
		t.Run(c.name, func(t *testing.T) {
			d := NewDecoder(0)
			var recs []Record
			counted, countable := 0, true
			for _, f := range c.files {
				for i, dg := range readDatagrams(t, filepath.Join(dir, f)) {
					var b Batch
					if err := d.Decode(dg.from, dg.at, dg.payload, &b); err != nil {
						t.Errorf("%s packet %d: %v", f, i+1, err)
					}
					recs = append(recs, b.Records...)
					if hc, ok := headerCount(dg.payload); ok {
						counted += hc
					} else {
						countable = false
					}
				}
			}
			if len(recs) != c.records {
				t.Errorf("decoded %d flow records; want %d", len(recs), c.records)
			}
			if countable && counted != c.records+c.templates+c.options {
				t.Errorf("the datagrams count %d records; the test expects %d flow, %d template and %d options records", counted, c.records, c.templates, c.options)
			}
			for _, w := range c.want {
				if w.i >= len(recs) {
					continue
				}
				checkCorpusRecord(t, recs[w.i], w)
			}
		})
	}
}

func checkCorpusRecord(t *testing.T, r Record, w wantRecord) {
	t.Helper()
	addr := func(a netip.Addr) string {
		if !a.IsValid() {
			return ""
		}
		return a.String()
	}
	type check struct {
		name      string
		got, want any
		skip      bool
	}
	for _, c := range []check{
		{"src", addr(r.SrcAddr), w.src, w.src == ""},
		{"dst", addr(r.DstAddr), w.dst, w.dst == ""},
		{"bytes", r.Bytes, w.bytes, w.bytes == 0},
		{"packets", r.Packets, w.packets, w.packets == 0},
		{"sampling rate", r.SamplingRate, w.rate, w.rate == 0},
		{"proto", r.Proto, w.proto, w.proto == 0},
		{"src port", r.SrcPort, w.srcPort, w.srcPort == 0},
		{"dst port", r.DstPort, w.dstPort, w.dstPort == 0},
		{"in if", r.InIf, w.inIf, w.inIf == 0 && !w.checkIfs},
		{"out if", r.OutIf, w.outIf, w.outIf == 0 && !w.checkIfs},
		{"vlan", r.VLAN, w.vlan, w.vlan == 0},
	} {
		if !c.skip && c.got != c.want {
			t.Errorf("record %d: %s = %v; want %v", w.i, c.name, c.got, c.want)
		}
	}
	for _, c := range []struct {
		name      string
		got, want time.Time
	}{{"start", r.Start, w.start}, {"end", r.End, w.end}} {
		if !c.want.IsZero() && c.got.Sub(c.want).Abs() >= time.Microsecond {
			t.Errorf("record %d: %s %v; want %v", w.i, c.name, c.got.UTC(), c.want)
		}
	}
	if r.Protocol != SFlowV5 && r.Start.IsZero() && r.End.IsZero() && r.Time.IsZero() {
		t.Errorf("record %d: no time at all", w.i)
	}
}
