package collect

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// heldStore holds FactsAt while its gate is set.
type heldStore struct {
	store.Store
	gate    atomic.Pointer[chan struct{}]
	entered chan struct{}
}

func (s *heldStore) FactsAt(ctx context.Context, t time.Time) ([]model.Version, error) {
	if g := s.gate.Load(); g != nil {
		s.entered <- struct{}{}
		<-*g
	}
	return s.Store.FactsAt(ctx, t)
}

// TestApplyDoesNotWaitForRebuild: while the map of now is being rebuilt
// (held open in the store's read), a collection applies its snapshot and
// tells the cache without waiting for the rebuild, and readers of the map
// of now get the previous one; the next rebuild holds the collection.
func TestApplyDoesNotWaitForRebuild(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "cabling.csv")
	if err := os.WriteFile(csv, []byte(cabling(2)), 0o600); err != nil {
		t.Fatal(err)
	}
	st := &heldStore{Store: sqliteStore(t, filepath.Join(dir, "v.db")), entered: make(chan struct{}, 4)}
	q := query.New(st, nil)
	var since atomic.Pointer[time.Time]
	comp := New(st, discard(), nil, q.Cache.Invalidate)
	comp.NotifyChanges(func(t time.Time) { since.Store(&t); q.Cache.Changed(t) })
	comp.Add(inventorySource(t, "cabling", csv), time.Hour)
	ctx := context.Background()
	old, err := q.Cache.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}

	gate := make(chan struct{})
	st.gate.Store(&gate)
	q.Cache.Invalidate()
	rebuilt := make(chan error, 1)
	go func() { _, err := q.Cache.Now(ctx); rebuilt <- err }()
	<-st.entered // the rebuild is held open

	collected := make(chan []Result, 1)
	go func() { collected <- comp.RunOnce(ctx) }()
	select {
	case res := <-collected:
		if res[0].Err != nil || res[0].Stats.Opened == 0 {
			t.Fatalf("collection during the rebuild: %+v; want facts opened", res[0])
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the collection's apply waited for the rebuild of the map of now")
	}
	if s := since.Load(); s == nil || s.After(time.Now()) {
		t.Errorf("NotifyChanges got %v; want the snapshot's Taken", s)
	}
	if g, err := q.Cache.Now(ctx); err != nil || g != old {
		t.Errorf("a reader during the rebuild got %p, %v; want the previous map %p", g, err, old)
	}
	st.gate.Store(nil)
	close(gate)
	if err := <-rebuilt; err != nil {
		t.Fatal(err)
	}
	g, err := q.Cache.Fresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pnic := model.NewID(model.KindPNIC, "esx01/vmnic0"); g == old || g.Node(pnic) == nil {
		t.Errorf("the map after the change (%p, previous %p) lacks %s", g, old, pnic)
	}
}
