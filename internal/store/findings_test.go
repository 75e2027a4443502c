package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// TestFindingsSeen: a finding seen for the first time gets that moment as
// first and last; seen again, only its last moves; an earlier moment
// changes nothing; duplicates in one call are one finding.
func TestFindingsSeen(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := openStore(t, b.dsn(t))
		t1 := time.Date(2026, 11, 17, 14, 0, 0, 0, time.UTC)
		t2, t3 := t1.Add(time.Hour), t1.Add(2*time.Hour)
		steps := []struct {
			ids []string
			at  time.Time
		}{
			{[]string{"spof-single-uplink/a", "mtu-mismatch/b", "mtu-mismatch/b"}, t1},
			{[]string{"spof-single-uplink/a", "vlan-not-carried/c"}, t3},
			{[]string{"spof-single-uplink/a", "mtu-mismatch/b"}, t2},
		}
		for _, st := range steps {
			if err := s.SeeFindings(ctx, st.ids, st.at); err != nil {
				t.Fatalf("SeeFindings(%v, %s): %v", st.ids, st.at, err)
			}
		}
		got, err := s.FindingsSeen(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][2]time.Time{
			"spof-single-uplink/a": {t1, t3},
			"mtu-mismatch/b":       {t1, t2},
			"vlan-not-carried/c":   {t3, t3},
		}
		if len(got) != len(want) {
			t.Errorf("FindingsSeen = %v; want %d findings", got, len(want))
		}
		for id, w := range want {
			g := got[id]
			if !g.First.Equal(w[0]) || !g.Last.Equal(w[1]) || g.Finding != id {
				t.Errorf("%s: got %+v; want first %s last %s", id, g, w[0], w[1])
			}
		}
		if err := s.SeeFindings(ctx, []string{""}, t1); err == nil {
			t.Error("an empty ID: no error")
		}
		if err := s.SeeFindings(ctx, []string{"x/y"}, time.Time{}); err == nil {
			t.Error("a zero time: no error")
		}
	})
}

// TestFindingsSeenMany: more findings than one statement takes.
func TestFindingsSeenMany(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "sqlite:"+t.TempDir()+"/seen.db")
	ids := make([]string, 2*seenBatch+7)
	for i := range ids {
		ids[i] = "rule/" + time.Duration(i).String()
	}
	if err := s.SeeFindings(ctx, ids, time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindingsSeen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Errorf("%d findings seen; want %d", len(got), len(ids))
	}
}

// TestFirstFact: none in a new store; the moment of the earliest version
// once facts are applied, whatever the order.
func TestFirstFact(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := openStore(t, b.dsn(t))
		if got, err := s.FirstFact(ctx); err != nil || !got.IsZero() {
			t.Fatalf("new store: FirstFact = %s, %v; want zero", got, err)
		}
		t1 := time.Date(2026, 11, 17, 14, 0, 0, 0, time.UTC)
		for i, at := range []time.Time{t1, t1.Add(time.Hour)} {
			host := model.NewID(model.KindHost, fmt.Sprintf("esx%02d", i))
			if _, err := s.Apply(ctx, model.Snapshot{Source: fmt.Sprintf("vc%d", i), Taken: at, Facts: []model.Fact{model.Entity(host, host, host.Key(), nil)}}); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.FirstFact(ctx); err != nil || !got.Equal(t1) {
			t.Errorf("FirstFact = %s, %v; want %s", got, err, t1)
		}
	})
}
