package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
)

// benchFlows returns one minute's aggregates of a busy estate: rows flow
// minutes (VMs of 50 applications talking to each other and to external
// addresses) and 500 link minutes (250 ports, both directions).
func benchFlows(minute time.Time, rows int) ([]flow.Minute, []flow.LinkMinute) {
	ms := make([]flow.Minute, rows)
	for i := range ms {
		src := flow.Endpoint{Class: flow.ClassVM, VM: fmt.Sprintf("vm:4201%08x-0000-0000-0000-%012x", i%5000, i%5000),
			App: fmt.Sprintf("app%d", i%50), Addr: fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff)}
		dst := flow.Endpoint{Class: flow.ClassExternal, Addr: fmt.Sprintf("203.0.%d.%d", i>>8&0xff, i&0xff)}
		if i%3 == 0 {
			j := i/3 + 1
			dst = flow.Endpoint{Class: flow.ClassVM, VM: fmt.Sprintf("vm:4201%08x-0000-0000-0000-%012x", j, j),
				App: fmt.Sprintf("app%d", j%50), Addr: fmt.Sprintf("10.%d.%d.%d", j>>16&0xff, j>>8&0xff, j&0xff)}
		}
		ms[i] = flow.Minute{Start: minute, Src: src, Dst: dst, Proto: 6, DstPort: uint16(443 + i%7),
			Bytes: uint64(1500 * (i%100 + 1)), Packets: uint64(i%100 + 1), Flows: 1}
	}
	ls := make([]flow.LinkMinute, 0, 500)
	for p := range 250 {
		for _, dir := range []string{flow.LinkIn, flow.LinkOut} {
			ls = append(ls, flow.LinkMinute{Start: minute, Port: fmt.Sprintf("port:leaf%d/Ethernet1/%d", p/48+1, p%48+1),
				Direction: dir, Bytes: uint64(1e6 + p), Packets: uint64(1000 + p)})
		}
	}
	return ms, ls
}

// BenchmarkWriteFlows measures WriteFlows of one minute's 10,000 flow
// minutes and 500 link minutes: new keys every time ("insert", a minute
// flushed), and the same keys again ("upsert", records arriving late).
func BenchmarkWriteFlows(b *testing.B) {
	const rows = 10000
	ctx := context.Background()
	start := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			for _, mode := range []string{"insert", "upsert"} {
				b.Run(mode, func(b *testing.B) {
					s := openStore(b, be.dsn(b))
					ms, ls := benchFlows(start, rows)
					if mode == "upsert" {
						if err := s.WriteFlows(ctx, ms, ls); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						if mode == "insert" {
							b.StopTimer()
							i++
							for j := range ms {
								ms[j].Start = start.Add(time.Duration(i) * time.Minute)
							}
							for j := range ls {
								ls[j].Start = ms[0].Start
							}
							b.StartTimer()
						}
						if err := s.WriteFlows(ctx, ms, ls); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(len(ms)+len(ls))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				})
			}
		})
	}
}

// BenchmarkFlowTotals measures reading an hour of a busy estate summed per
// key (what `flows deps` asks the store): 60 minutes of 5,000 flow minutes,
// for the whole estate and for one VM (its index ranges).
func BenchmarkFlowTotals(b *testing.B) {
	const rows, minutes = 5000, 60
	ctx := context.Background()
	start := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := openStore(b, be.dsn(b))
			for m := range minutes {
				ms, ls := benchFlows(start.Add(time.Duration(m)*time.Minute), rows)
				if err := s.WriteFlows(ctx, ms, ls); err != nil {
					b.Fatal(err)
				}
			}
			ms, _ := benchFlows(start, rows)
			vm, vmKeys := ms[1].Src.VM, 0
			for _, m := range ms {
				if m.Src.VM == vm || m.Dst.VM == vm {
					vmKeys++
				}
			}
			for _, tt := range []struct {
				name string
				f    FlowFilter
				keys int
			}{
				{"estate", FlowFilter{From: start, To: start.Add(time.Hour)}, rows},
				{"vm", FlowFilter{From: start, To: start.Add(time.Hour), VM: vm}, vmKeys},
			} {
				b.Run(tt.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						got, err := s.FlowTotals(ctx, tt.f)
						if err != nil || len(got) != tt.keys {
							b.Fatalf("FlowTotals: %d keys, %v; want %d", len(got), err, tt.keys)
						}
					}
				})
				// The fallback (every row read and summed here), for comparison.
				b.Run(tt.name+"-rows", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						got, err := s.sumFlows(ctx, tt.f)
						if err != nil || len(got) != tt.keys {
							b.Fatalf("sumFlows: %d keys, %v; want %d", len(got), err, tt.keys)
						}
					}
				})
			}
		})
	}
}
