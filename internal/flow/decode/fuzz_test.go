package decode

import (
	"errors"
	"io"
	"os"
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
