package decode

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// addCaptured adds the UDP payloads of a real capture of exports
// (internal/flow/testdata, made by softflowd) to the seed corpus.
func addCaptured(f *testing.F, name string) {
	file, err := os.Open("../testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	r, err := pcapgo.NewReader(file)
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		if udp, ok := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default).Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
			f.Add(udp.Payload)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("%s: no datagram", name)
	}
}

// fuzzDecode decodes b with a decoder that already knows the test templates
// and checks the contract: no panic, an *Error or nil, records within what
// the datagram can hold.
func fuzzDecode(t *testing.T, b []byte) {
	d := NewDecoder(256)
	var out Batch
	_ = d.Decode(exporter, time.Now(), nfv9(nil, true), &out)
	_ = d.Decode(exporter, time.Now(), ipfix(nil, true), &out)
	out.Reset()
	err := d.Decode(exporter, time.Now(), b, &out)
	var de *Error
	if err != nil && (!errors.As(err, &de) || de.Offset < 0 || de.Offset > len(b) || de.Field == "") {
		t.Fatalf("error %v is not an *Error with an offset in [0,%d] and a field", err, len(b))
	}
	if len(out.Records) > len(b) {
		t.Fatalf("%d records from %d bytes", len(out.Records), len(b))
	}
}

func FuzzNetFlowV5(f *testing.F) {
	f.Add(append([]byte{0, 5, 0, 1}, make([]byte, 68)...))
	addCaptured(f, "nf5.pcap")
	f.Fuzz(fuzzDecode)
}

func FuzzNetFlowV9(f *testing.F) {
	f.Add(nfv9(testFlows(3), true))
	f.Add(nfv9(testFlows(3), false))
	addCaptured(f, "nf9.pcap")
	f.Fuzz(fuzzDecode)
}

func FuzzIPFIX(f *testing.F) {
	f.Add(ipfix(testFlows(3), true))
	f.Add(ipfix(testFlows(3), false))
	addCaptured(f, "nf10.pcap")
	f.Fuzz(fuzzDecode)
}

func FuzzSFlow(f *testing.F) {
	f.Add(sflow(testFlows(2)))
	f.Fuzz(fuzzDecode)
}

// addCorpus adds the UDP payloads of the real captures of
// ../shared/corpus/flows whose name starts with prefix to the seed corpus,
// when the corpus is there.
func addCorpus(f *testing.F, prefix string) {
	dir := os.Getenv("VNETMAP_CORPUS")
	if dir == "" {
		dir = "../../../../shared/corpus"
	}
	entries, err := os.ReadDir(dir + "/flows")
	if err != nil {
		return // seeds only: the fuzz target runs without them
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			for _, dg := range readDatagrams(f, dir+"/flows/"+e.Name()) {
				f.Add(dg.payload)
			}
		}
	}
}

// FuzzTemplatedShapes: NetFlow v9 and IPFIX datagrams of the shapes real
// exporters send (variable-length fields, options without scope, data
// before its template, padding, vendor fields, sampled frames).
func FuzzTemplatedShapes(f *testing.F) {
	fields := [][2]uint16{{ieSrcAddr4, 4}, {82, varLength}, {ieInitOctets, 8}, {ieICMPTypeIPv4, 1}, {ieFrameSection, varLength}, {ieStartMillis, 8}, {ieDurationMillis, 4}}
	rec := append([]byte{10, 0, 0, 1, 2, 'e', '0'}, make([]byte, 13)...)
	rec = append(rec, 14)
	rec = append(rec, frame(testFlows(1)[0])[:14]...)
	rec = append(rec, make([]byte, 12)...)
	before := appendSet(v9Header(), 256, rec)
	before = appendSet(before, 0, appendTemplateRecord(nil, 256, fields))
	f.Add(append(before, 0, 0, 0, 0))
	f.Add(ipfixDatagram(appendSet(appendSet(nil, 256, rec), 2, appendTemplateRecord(nil, 256, fields))))
	opt := be.AppendUint16(nil, 257)
	opt = be.AppendUint16(opt, 0)
	opt = be.AppendUint16(opt, 8)
	opt = be.AppendUint16(opt, ieSamplerID)
	opt = be.AppendUint16(opt, 2)
	opt = be.AppendUint16(opt, ieSamplingIntvl)
	opt = be.AppendUint16(opt, 4)
	f.Add(appendSet(appendSet(v9Header(), 1, opt), 257, []byte{0, 1, 0, 0, 0, 64}))
	addCorpus(f, "netflow")
	f.Fuzz(fuzzDecode)
}

// FuzzSFlowCounters: sFlow counter samples, compact and expanded, with
// generic and Ethernet records; flow samples of the real captures.
func FuzzSFlowCounters(f *testing.F) {
	f.Add(counterSampleDatagram(
		encodeCounterSample(false, 1, 3, genericIfRecord(3), ethernetIfRecord()),
		encodeCounterSample(true, 2, 4, ethernetIfRecord()),
	))
	addCorpus(f, "sflow")
	f.Fuzz(fuzzDecode)
}
