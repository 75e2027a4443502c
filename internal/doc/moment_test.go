package doc_test

import (
	"context"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/doc"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// TestMoment checks the documented moment on a store whose facts change:
// an attribute change, a fact that appears, one that goes, and one that
// comes and goes between two other changes, with and without the moments
// documented earlier.
func TestMoment(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/m.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := model.NewID(model.KindHost, "a")
	b := model.NewID(model.KindHost, "b")
	c := model.NewID(model.KindHost, "c")
	host := func(id model.ID, v string) model.Fact {
		return model.Entity(id, id, id.Key(), model.Attrs{"version": v})
	}
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for _, s := range []struct {
		min   int
		facts []model.Fact
	}{
		{0, []model.Fact{host(a, "1")}},
		{10, []model.Fact{host(a, "2")}},               // a changes
		{20, []model.Fact{host(a, "2"), host(b, "1")}}, // b appears
		{30, []model.Fact{host(a, "2")}},               // b goes
		{40, []model.Fact{host(a, "2")}},               // nothing changes
		{50, []model.Fact{host(a, "2"), host(c, "1")}}, // c comes…
		{55, []model.Fact{host(a, "2")}},               // …and goes
		{70, []model.Fact{host(a, "2")}},
	} {
		if _, err := st.Apply(ctx, model.Snapshot{Source: "vc1", Taken: at(s.min), Facts: s.facts}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		at, want time.Time
		after    []time.Time
	}{
		{"before any fact", t0.Add(-time.Minute), t0.Add(-time.Minute), nil},
		{"the first state", at(5), at(0), nil},
		{"after a change of an attribute", at(15), at(10), nil},
		{"after a fact appeared", at(25), at(20), nil},
		{"after a fact went, documented while it was there", at(35), at(30), []time.Time{at(25)}},
		{"after a fact went, not documented meanwhile: the same map as before it came", at(35), at(10), nil},
		{"after a collection that changed nothing", at(45), at(30), []time.Time{at(30)}},
		{"a fact that came and went since the last documentation", at(60), at(55), []time.Time{at(52), at(35)}},
		{"now, since the previous run", time.Now(), at(55), []time.Time{at(55)}},
		{"an earlier moment after the one asked for is ignored", at(15), at(10), []time.Time{at(25)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := doc.Moment(ctx, st, tt.at, tt.after...)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Moment(%s) = %s; want %s", tt.at.Format(time.TimeOnly), got.Format(time.TimeOnly), tt.want.Format(time.TimeOnly))
			}
		})
	}
}
