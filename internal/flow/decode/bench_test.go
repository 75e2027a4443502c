package decode

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/netsampler/goflow2/v2/decoders/netflow"
	gfsflow "github.com/netsampler/goflow2/v2/decoders/sflow"
	"github.com/vnetmap/vnetmap/internal/corpus"
)

// The same datagrams through this decoder and through goflow2's decoders
// (the reference; test-only dependency): NetFlow v9 and IPFIX with 30
// records per datagram, sFlow with 8 flow samples carrying 128-byte raw
// headers. Throughput is reported per record.

func benchOwn(b *testing.B, tmpl, data []byte, perDatagram int) {
	d := NewDecoder(0)
	var out Batch
	if tmpl != nil {
		if err := d.Decode(exporter, time.Now(), tmpl, &out); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out.Reset()
		if err := d.Decode(exporter, now, data, &out); err != nil {
			b.Fatal(err)
		}
	}
	if len(out.Records) != perDatagram {
		b.Fatalf("decoded %d records; want %d", len(out.Records), perDatagram)
	}
	report(b, perDatagram)
}

func report(b *testing.B, perDatagram int) {
	recs := float64(b.N) * float64(perDatagram)
	b.ReportMetric(recs/b.Elapsed().Seconds(), "records/s")
}

func benchGoflowNF(b *testing.B, tmpl, data []byte, perDatagram int) {
	ts := netflow.CreateTemplateSystem()
	var v9 netflow.NFv9Packet
	var ipx netflow.IPFIXPacket
	if err := netflow.DecodeMessageVersion(bytes.NewBuffer(tmpl), ts, &v9, &ipx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v9, ipx = netflow.NFv9Packet{}, netflow.IPFIXPacket{}
		if err := netflow.DecodeMessageVersion(bytes.NewBuffer(data), ts, &v9, &ipx); err != nil {
			b.Fatal(err)
		}
	}
	report(b, perDatagram)
}

func benchGoflowSFlow(b *testing.B, data []byte, perDatagram int) {
	b.ReportAllocs()
	for b.Loop() {
		var p gfsflow.Packet
		if err := gfsflow.DecodeMessageVersion(bytes.NewBuffer(data), &p); err != nil {
			b.Fatal(err)
		}
	}
	report(b, perDatagram)
}

func BenchmarkDecode(b *testing.B) {
	flows := testFlows(30)
	sf := testFlows(8)
	b.Run("netflow9/own", func(b *testing.B) { benchOwn(b, nfv9(flows, true), nfv9(flows, false), 30) })
	b.Run("netflow9/goflow2", func(b *testing.B) { benchGoflowNF(b, nfv9(flows, true), nfv9(flows, false), 30) })
	b.Run("ipfix/own", func(b *testing.B) { benchOwn(b, ipfix(flows, true), ipfix(flows, false), 30) })
	b.Run("ipfix/goflow2", func(b *testing.B) { benchGoflowNF(b, ipfix(flows, true), ipfix(flows, false), 30) })
	b.Run("sflow/own", func(b *testing.B) { benchOwn(b, nil, sflow(sf), 8) })
	b.Run("sflow/goflow2", func(b *testing.B) { benchGoflowSFlow(b, sflow(sf), 8) })
}

// BenchmarkCorpus decodes every datagram of the real captures of
// ../shared/corpus/flows (templates, options and data, NetFlow v5/v9,
// IPFIX, sFlow) in corpusCaptures' order through one decoder, as their
// exporters' streams would arrive; throughput is per flow record.
func BenchmarkCorpus(b *testing.B) {
	dir := corpus.Dir(b, "flows")
	var dgs []datagram
	want := 0
	for _, c := range corpusCaptures {
		for _, f := range c.files {
			dgs = append(dgs, readDatagrams(b, filepath.Join(dir, f))...)
		}
		want += c.records
	}
	d := NewDecoder(0)
	var out Batch
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for _, dg := range dgs {
			out.Reset()
			if err := d.Decode(dg.from, dg.at, dg.payload, &out); err != nil {
				b.Fatal(err)
			}
			n += len(out.Records)
		}
		if n != want {
			b.Fatalf("decoded %d records; want %d", n, want)
		}
	}
	b.ReportMetric(float64(len(dgs)), "datagrams/op")
	report(b, want)
}
