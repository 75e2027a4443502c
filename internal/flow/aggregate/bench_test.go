package aggregate

import (
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/flow/attribute"
)

// benchRecords returns n records over keys distinct keys of one minute,
// with ports on every record (a switch exported them).
func benchRecords(n, keys int) []Record {
	eps := make([]*flow.Endpoint, 64)
	for i := range eps {
		eps[i] = &flow.Endpoint{Class: flow.ClassVM, VM: "vm:" + string(rune('a'+i))}
	}
	ports := make([]*attribute.Port, 48)
	for i := range ports {
		ports[i] = &attribute.Port{ID: "port:" + string(rune('a'+i))}
	}
	recs := make([]Record, n)
	for i := range recs {
		k := i % keys
		recs[i] = Record{At: attribute.MomentOf(t0), Src: eps[k%64], Dst: eps[(k/64)%64],
			SrcAddr: netip.AddrFrom4([4]byte{10, 0, byte(k >> 8), byte(k)}), DstAddr: netip.AddrFrom4([4]byte{10, 1, 0, byte(k)}),
			Proto: 6, DstPort: 443, Bytes: 1500, Packets: 1, SamplingRate: 100, In: ports[k%48], Out: ports[(k+7)%48]}
	}
	return recs
}

// BenchmarkAdd sums batches of 30 records over 3,000 keys into one shard.
func BenchmarkAdd(b *testing.B) {
	a, err := New(DefaultConfiguration(), 1, &MemorySink{}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	recs := benchRecords(3000, 3000)
	a.Add(0, recs)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a.Add(0, recs[i:i+30])
		i = (i + 30) % len(recs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*30), "ns/record")
}

// BenchmarkShards compares per-writer shards with one shard whose lock
// every writer takes (batches of 30 records, one lock per batch), with as
// many writers as -cpu says.
func BenchmarkShards(b *testing.B) {
	recs := benchRecords(3000, 3000)
	for _, mode := range []string{"per-writer", "one-lock"} {
		b.Run(mode, func(b *testing.B) {
			a, err := New(DefaultConfiguration(), 64, &MemorySink{}, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			for shard := range a.Shards() {
				a.Add(shard, recs)
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				shard, i := 0, 0
				if mode == "per-writer" {
					shard = int(next.Add(1)) % a.Shards()
				}
				for pb.Next() {
					a.Add(shard, recs[i:i+30])
					i = (i + 30) % len(recs)
				}
			})
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*30), "ns/record")
		})
	}
}
