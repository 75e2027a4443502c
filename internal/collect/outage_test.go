package collect

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/sim"
	"github.com/vnetmap/vnetmap/internal/source/vsphere"
	"github.com/vnetmap/vnetmap/internal/store"
)

// outage is a TCP relay in front of the simulated vCenter that can be cut
// (listener closed, connections reset) and restored on the same address:
// the vCenter becomes unreachable exactly as it would on the network.
type outage struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

func newOutage(t *testing.T, target string) *outage {
	o := &outage{target: target, conns: map[net.Conn]bool{}}
	if err := o.up("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.down)
	return o
}

func (o *outage) up(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	o.mu.Lock()
	o.ln, o.addr = ln, ln.Addr().String()
	o.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go o.relay(c)
		}
	}()
	return nil
}

func (o *outage) relay(c net.Conn) {
	s, err := net.Dial("tcp", o.target)
	if err != nil {
		c.Close()
		return
	}
	o.mu.Lock()
	o.conns[c], o.conns[s] = true, true
	o.mu.Unlock()
	go func() { io.Copy(s, c); s.Close() }()
	io.Copy(c, s)
	c.Close()
}

// down cuts the vCenter off: no new connections, existing ones closed.
func (o *outage) down() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ln != nil {
		o.ln.Close()
		o.ln = nil
	}
	for c := range o.conns {
		c.Close()
	}
	clear(o.conns)
}

func TestOutageKeepsFactsAndResyncsWithoutDuplicateHistory(t *testing.T) {
	ctx := context.Background()
	cfg := sim.DefaultConfig()
	cfg.Seed = 11
	dc, err := sim.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	u, err := url.Parse(dc.URL())
	if err != nil {
		t.Fatal(err)
	}
	relay := newOutage(t, u.Host)
	u.Host = relay.addr
	t.Setenv("VNETMAP_TEST_OUTAGE_PW", dc.Password())
	vcfg := vsphere.DefaultConfiguration()
	vcfg.Name, vcfg.URL, vcfg.Username, vcfg.PasswordEnv, vcfg.Insecure = "vc-outage", u.String(), dc.Username(), "VNETMAP_TEST_OUTAGE_PW", true
	vcfg.Timeout = 20 * time.Second // the outage is a refused connection, not a wait; this bounds a loaded machine's slow first run
	col, err := vsphere.New(vcfg, discard())
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/o.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	comp := New(st, discard(), nil, nil)
	comp.Add(col, time.Hour)

	first := comp.RunOnce(ctx)[0]
	if first.Err != nil {
		t.Fatal(first.Err)
	}
	before := allVersions(t, st)

	relay.down()
	failed := comp.RunOnce(ctx)[0]
	if !errors.Is(failed.Err, vsphere.ErrUnreachable) && !errors.Is(failed.Err, vsphere.ErrTimeout) {
		t.Fatalf("run during the outage: %v; want unreachable or timeout", failed.Err)
	}
	if !strings.Contains(failed.Error, relay.addr) || strings.Contains(failed.Error, dc.Password()) {
		t.Errorf("error %q: want it to name %s and not hold the password", failed.Error, relay.addr)
	}
	srcs, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 1 || !srcs[0].Stale || srcs[0].LastError != failed.Error {
		t.Errorf("sources during the outage = %+v; want vc-outage stale with the error", srcs)
	}
	if during := allVersions(t, st); !sameVersions(during, before) {
		t.Errorf("the failed run changed stored facts: %d versions before, %d after", len(before), len(during))
	}

	if err := relay.up(relay.addr); err != nil {
		t.Fatalf("restore the vCenter on %s: %v", relay.addr, err)
	}
	back := comp.RunOnce(ctx)[0]
	if back.Err != nil {
		t.Fatalf("run after the outage: %v", back.Err)
	}
	if back.Stats.Opened != 0 || back.Stats.Closed != 0 || back.Stats.Unchanged != first.Facts {
		t.Errorf("resync stats = %+v; want nothing opened or closed, %d unchanged", back.Stats, first.Facts)
	}
	if after := allVersions(t, st); !sameVersions(after, before) {
		t.Errorf("resync rewrote history: %d versions before, %d after", len(before), len(after))
	}
	srcs, _ = st.Sources(ctx)
	if srcs[0].Stale {
		t.Errorf("source still stale after a successful run: %+v", srcs[0])
	}
}

// allVersions returns every version of every VM's placement and the VM facts.
func allVersions(t *testing.T, st store.Store) []model.Version {
	t.Helper()
	now, err := st.FactsAt(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var ids []model.ID
	for _, v := range now {
		if v.Kind == model.KindVM {
			ids = append(ids, v.Subject)
		}
	}
	h, err := st.History(context.Background(), ids...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func sameVersions(a, b []model.Version) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key() != b[i].Key() || !a[i].From.Equal(b[i].From) || !a[i].To.Equal(b[i].To) {
			return false
		}
	}
	return true
}
