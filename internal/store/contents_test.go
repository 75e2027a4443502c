package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/model"
)

// TestContents: a new store holds nothing; a failed run records no fact;
// an applied fact and a flow minute each show.
func TestContents(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := openStore(t, b.dsn(t))
		check := func(when string, want Contents) {
			t.Helper()
			got, err := s.Contents(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: contents = %+v; want %+v", when, got, want)
			}
		}
		check("new", Contents{})
		if err := s.MarkFailed(ctx, "vc1", time.Now(), errors.New("unreachable")); err != nil {
			t.Fatal(err)
		}
		check("after a failed run", Contents{})
		now := time.Now().Truncate(time.Minute)
		if err := s.WriteFlows(ctx, []flow.Minute{{Start: now, Bytes: 1, Packets: 1}}, nil); err != nil {
			t.Fatal(err)
		}
		check("after a flow minute", Contents{Flows: true})
		host := model.NewID(model.KindHost, "esx01")
		if _, err := s.Apply(ctx, model.Snapshot{Source: "vc1", Taken: now, Facts: []model.Fact{model.Entity(host, host, "esx01", nil)}}); err != nil {
			t.Fatal(err)
		}
		check("after a fact", Contents{Facts: true, Flows: true})
	})
}

// TestOpenExisting: a SQLite file that does not exist is not created and
// the error wraps ErrNoStore; an existing one opens.
func TestOpenExisting(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vnetmap.db")
	if _, err := OpenExisting(ctx, "sqlite:"+path); !errors.Is(err, ErrNoStore) {
		t.Errorf("missing file: error %v; want ErrNoStore", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat after OpenExisting: %v; want no file", err)
	}
	st, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = OpenExisting(ctx, "sqlite:"+path+"?_pragma=mmap_size(0)")
	if err != nil {
		t.Fatalf("existing file: %v", err)
	}
	st.Close()
	if st, err := OpenExisting(ctx, "sqlite::memory:"); err != nil {
		t.Errorf("in memory: %v", err)
	} else {
		st.Close()
	}
}
