package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/sim"
	"github.com/vnetmap/vnetmap/internal/store"
)

// freeUDPPort returns a UDP port free on 127.0.0.1 now.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestServeFlowsShutdownAndCrash: `vnetmap serve` receives the simulated
// data center's NetFlow v9 and IPFIX on its flow listener, on SQLite and on
// PostgreSQL. Records of minutes past the aggregation's grace are in the
// store within a flush interval. Stopped with SIGTERM, serve writes the
// rest: the store holds exactly the bytes sent. Killed with SIGKILL, the
// store opens, passes its integrity check and holds every byte of the
// flushed minutes; only the minutes still open in memory are lost.
func TestServeFlowsShutdownAndCrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dc, err := sim.Start(ctx, sim.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	env := []string{"VNETMAP_FLOWS_PW=" + dc.Password()}
	backends := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "v.db") }},
		{"postgres", testPostgres},
	}
	for _, b := range backends {
		for _, stop := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
			t.Run(fmt.Sprintf("%s/%s", b.name, stop), func(t *testing.T) {
				dsn := b.dsn(t)
				dir := t.TempDir()
				port := freeUDPPort(t)
				conf := filepath.Join(dir, "vnetmap.yaml")
				y := fmt.Sprintf(`db: %s
listen: 127.0.0.1:0
flows:
  listen: ["127.0.0.1:%d"]
sources:
  - name: vc
    type: vsphere
    interval: 1h
    vsphere:
      url: %s
      username: %s
      password_env: VNETMAP_FLOWS_PW
      insecure: true
`, dsn, port, dc.URL(), dc.Username())
				if err := os.WriteFile(conf, []byte(y), 0o600); err != nil {
					t.Fatal(err)
				}
				p := startVnetmap(t, dir, env, "serve", "--config", conf)
				st, err := store.Open(ctx, dsn)
				for i := 0; err != nil && i < 50; i++ { // the schema is made by serve
					time.Sleep(100 * time.Millisecond)
					st, err = store.Open(ctx, dsn)
				}
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				waitUntil(t, "the first collection", 60*time.Second, func() bool {
					ss, _ := st.Sources(ctx)
					return len(ss) == 1 && !ss[0].LastSuccess.IsZero()
				})

				exp, err := dc.Flows(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), 1)
				if err != nil {
					t.Fatal(err)
				}
				defer exp.Close()
				now := time.Now()
				past := now.Truncate(time.Minute).Add(-3 * time.Minute).Add(30 * time.Second)
				old, err := exp.Export(ctx, past, 30*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				recent, err := exp.Export(ctx, now, 30*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				stored := func(from, to time.Time) uint64 {
					ms, err := st.FlowTotals(ctx, store.FlowFilter{From: from, To: to})
					if err != nil {
						t.Fatal(err)
					}
					var n uint64
					for _, m := range ms {
						n += m.Bytes
					}
					return n
				}
				pastMinute := past.Truncate(time.Minute)
				waitUntil(t, "the past minute flushed", 30*time.Second, func() bool {
					return stored(pastMinute, pastMinute.Add(time.Minute)) == old.Bytes
				})
				if err := p.cmd.Process.Signal(stop); err != nil {
					t.Fatal(err)
				}
				_ = p.cmd.Wait()
				integrity(t, dsn)
				all := stored(time.Time{}, time.Time{})
				switch stop {
				case syscall.SIGTERM:
					if all != old.Bytes+recent.Bytes {
						t.Errorf("after SIGTERM the store holds %d bytes; sent %d + %d", all, old.Bytes, recent.Bytes)
					}
				case syscall.SIGKILL:
					if got := stored(pastMinute, pastMinute.Add(time.Minute)); got != old.Bytes {
						t.Errorf("after SIGKILL the flushed minute holds %d bytes; sent %d", got, old.Bytes)
					}
					if all < old.Bytes || all > old.Bytes+recent.Bytes {
						t.Errorf("after SIGKILL the store holds %d bytes; want the flushed %d, at most %d", all, old.Bytes, old.Bytes+recent.Bytes)
					}
					t.Logf("SIGKILL lost %d of the %d bytes of the open minute", old.Bytes+recent.Bytes-all, recent.Bytes)
				}
			})
		}
	}
}

// waitUntil polls cond every 100 ms until it holds, or fails t after within.
func waitUntil(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, within)
}
