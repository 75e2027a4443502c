package store

import (
	"context"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

func TestChanges(t *testing.T) {
	snaps := []model.Snapshot{
		full("vc1", 1, vm("a", "on"), runsOn("a", "esx1")),
		full("vc1", 3, vm("a", "off"), runsOn("a", "esx1")), // a's power: one version ends, one begins
		full("vc2", 4, host("esx1")),                        // only begins
		full("vc1", 5, vm("b", "on")),                       // a's ends, b's begins
		full("vc1", 7, vm("b", "on")),                       // the same: no change at 7
		full("vc1", 9),                                      // only ends
	}
	never := time.Time{}
	tests := []struct {
		name       string
		at         time.Time
		last, next time.Time
	}{
		{"before anything", at(0), never, at(1)},
		{"at the first change", at(1), at(1), at(3)},
		{"between changes", at(2), at(1), at(3)},
		{"just before a change", at(3).Add(-time.Microsecond), at(1), at(3)},
		{"a begin only", at(4), at(4), at(5)},
		{"a quiet apply is no change", at(8), at(5), at(9)},
		{"an end only", at(9), at(9), never},
		{"long after", at(60 * 24 * 365), at(9), never},
	}
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		for _, snap := range snaps {
			if _, err := s.Apply(ctx, snap); err != nil {
				t.Fatalf("Apply: %v", err)
			}
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				last, next, err := s.Changes(ctx, tt.at)
				if err != nil {
					t.Fatalf("Changes: %v", err)
				}
				if !last.Equal(tt.last) || !next.Equal(tt.next) {
					t.Errorf("Changes(%s) = %v, %v; want %v, %v", minutes(tt.at), last, next, tt.last, tt.next)
				}
			})
		}
	})
}
