package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestLeases: a lease is held by one holder at a time, renewed by it, free
// to take once it expires or is released; of many processes racing for a
// free lease exactly one wins.
func TestLeases(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		dsn := b.dsn(t)
		a, c := openStore(t, dsn), openStore(t, dsn) // two processes' connections
		ctx := context.Background()
		t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		ttl := 30 * time.Second
		steps := []struct {
			name   string
			st     *sqlStore
			holder string
			at     time.Duration
			want   bool
		}{
			{"first take", a, "p1", 0, true},
			{"another holder while held", c, "p2", 10 * time.Second, false},
			{"renewal by the holder", a, "p1", 20 * time.Second, true},
			{"still held after the first ttl (renewed)", c, "p2", 40 * time.Second, false},
			{"taken over once expired", c, "p2", 51 * time.Second, true},
			{"the old holder lost it", a, "p1", 52 * time.Second, false},
		}
		for _, s := range steps {
			got, err := s.st.Acquire(ctx, "source:vc1", s.holder, t0.Add(s.at), ttl)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got != s.want {
				t.Fatalf("%s: Acquire by %s at +%v = %v; want %v", s.name, s.holder, s.at, got, s.want)
			}
		}
		if h, err := a.Holder(ctx, "source:vc1", t0.Add(52*time.Second)); err != nil || h != "p2" {
			t.Errorf("Holder = %q, %v; want p2", h, err)
		}
		if err := a.Release(ctx, "source:vc1", "p1"); err != nil { // not p1's: no effect
			t.Fatal(err)
		}
		if h, _ := a.Holder(ctx, "source:vc1", t0.Add(52*time.Second)); h != "p2" {
			t.Errorf("after a release by a non-holder, holder = %q; want p2", h)
		}
		if err := c.Release(ctx, "source:vc1", "p2"); err != nil {
			t.Fatal(err)
		}
		if h, _ := a.Holder(ctx, "source:vc1", t0.Add(52*time.Second)); h != "" {
			t.Errorf("after release, holder = %q; want none", h)
		}
		if ok, err := a.Acquire(ctx, "source:vc1", "p1", t0.Add(53*time.Second), ttl); err != nil || !ok {
			t.Errorf("take after release = %v, %v; want true", ok, err)
		}
		if _, err := a.Acquire(ctx, "", "p1", t0, ttl); err == nil {
			t.Error("Acquire with no name: no error")
		}

		// Eight processes race for a free lease: exactly one wins.
		var wg sync.WaitGroup
		wins := make(chan string, 8)
		for i := range 8 {
			st := a
			if i%2 == 1 {
				st = c
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				holder := fmt.Sprintf("r%d", i)
				ok, err := st.Acquire(ctx, "source:race", holder, t0, ttl)
				if err != nil {
					t.Errorf("race %s: %v", holder, err)
				}
				if ok {
					wins <- holder
				}
			}()
		}
		wg.Wait()
		close(wins)
		var winners []string
		for w := range wins {
			winners = append(winners, w)
		}
		if len(winners) != 1 {
			t.Errorf("racing for a free lease, winners = %v; want exactly one", winners)
		}
	})
}
