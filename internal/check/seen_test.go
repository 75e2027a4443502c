package check_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/query"
)

// TestWatchRecordsFirstSeen: with RecordSeen, Watch records each
// evaluation's findings in the store, and the findings answer carries when
// each was first seen: those of the first evaluation at its moment, one
// that appears later (app1 moved onto a host whose trunk lacks its VLAN)
// at that later moment, while the others keep theirs. The answer names
// the findings' subjects.
func TestWatchRecordsFirstSeen(t *testing.T) {
	st := openStore(t)
	d := newDC()
	d.sw("leaf1").port("Ethernet1/2").attrs["allowed_vlans"] = "1,10,120"
	d.apply(t, st, time.Now(), true)
	q := query.New(st, nil)
	n, err := check.NewNotifier(nil, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	n.RecordSeen(st)
	ctx, cancel := context.WithCancel(context.Background())
	changed := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		check.Watch(ctx, q.Cache.Now, changed, time.Hour, n)
	}()
	defer func() { cancel(); wg.Wait() }()

	// waitSeen returns the findings answer once every finding of it has
	// been seen.
	waitSeen := func(what string, rule string) *query.FindingsAnswer {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			ans, err := q.Findings(ctx, time.Time{}, check.Options{})
			if err != nil {
				t.Fatal(err)
			}
			all, has := true, rule == ""
			for _, f := range ans.Findings {
				if _, ok := ans.Seen[f.ID]; !ok {
					all = false
				}
				has = has || f.Rule == rule
			}
			if all && has && len(ans.Findings) > 0 {
				return ans
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: findings %d, seen %d after 20s", what, len(ans.Findings), len(ans.Seen))
			}
		}
	}
	before := time.Now()
	first := waitSeen("first evaluation", "")
	firstSeen := map[string]time.Time{}
	for id, s := range first.Seen {
		firstSeen[id] = s.First
	}

	time.Sleep(50 * time.Millisecond)
	moved := time.Now()
	v := d.vmNamed("app1")
	v.host, v.nics[0].pg = "esx02", d.stdPG("esx02", "app-110")
	d.apply(t, st, time.Now(), false)
	q.Cache.Invalidate()
	changed <- struct{}{}
	later := waitSeen("after the move", check.RuleVMUnsafeHost)

	for _, f := range later.Findings {
		s := later.Seen[f.ID]
		switch was, ok := firstSeen[f.ID]; {
		case f.Rule == check.RuleVMUnsafeHost:
			if s.First.Before(moved) {
				t.Errorf("%s first seen %s; want after the move (%s)", f.ID, s.First, moved)
			}
		case !ok:
			t.Errorf("%s: not in the first evaluation", f.ID)
		case !s.First.Equal(was):
			t.Errorf("%s first seen %s; want %s, as the first evaluation recorded", f.ID, s.First, was)
		case s.First.Before(before.Add(-time.Second)) || s.First.After(moved):
			t.Errorf("%s first seen %s; want between %s and %s", f.ID, s.First, before, moved)
		}
		if s.Last.Before(s.First) {
			t.Errorf("%s last seen %s before first seen %s", f.ID, s.Last, s.First)
		}
		if f.Rule == check.RuleVMUnsafeHost {
			for _, id := range f.Subjects {
				if later.Names[id] == "" {
					t.Errorf("subject %s of %s has no name in the answer (names %v)", id, f.ID, later.Names)
				}
			}
			if later.Names[d.vmID("app1")] != "app1" {
				t.Errorf("name of %s = %q; want app1", d.vmID("app1"), later.Names[d.vmID("app1")])
			}
		}
	}
}
