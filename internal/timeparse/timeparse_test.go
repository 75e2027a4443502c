package timeparse

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Time
		wantErr  bool
	}{
		{"empty is now", "", now, false},
		{"now", "now", now, false},
		{"rfc3339", "2026-11-17T14:00:00+01:00", time.Date(2026, 11, 17, 13, 0, 0, 0, time.UTC), false},
		{"date", "2026-11-17", time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC), false},
		{"date time", "2026-11-17 14:00", time.Date(2026, 11, 17, 14, 0, 0, 0, time.UTC), false},
		{"date T time seconds", "2026-11-17T14:00:30", time.Date(2026, 11, 17, 14, 0, 30, 0, time.UTC), false},
		{"hours ago", "2h", now.Add(-2 * time.Hour), false},
		{"minus hours ago", "-90m", now.Add(-90 * time.Minute), false},
		{"days ago", "3d", now.Add(-72 * time.Hour), false},
		{"weeks ago", "1w", now.Add(-7 * 24 * time.Hour), false},
		{"garbage", "last tuesday", time.Time{}, true},
		{"bad day count", "xd", time.Time{}, true},
		{"huge day count", "1e9d", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in, now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Parse(%q) error = %v; want error %v", tt.in, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadTime) {
				t.Errorf("error %v does not wrap ErrBadTime", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Parse(%q) = %s; want %s", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2h", "2026-11-17 14:00", "3d", "now", "-1w"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := Parse(s, now); err != nil && !errors.Is(err, ErrBadTime) {
			t.Fatalf("Parse(%q) error %v does not wrap ErrBadTime", s, err)
		}
	})
}
