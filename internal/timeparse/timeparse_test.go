package timeparse

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Time
		wantErr  string // a part of the error; "" for none
	}{
		{"empty is now", "", now, ""},
		{"now", "now", now, ""},
		{"rfc3339", "2026-11-17T14:00:00+01:00", time.Date(2026, 11, 17, 13, 0, 0, 0, time.UTC), ""},
		{"rfc3339 nano", "2026-11-17T14:00:00.5Z", time.Date(2026, 11, 17, 14, 0, 0, 5e8, time.UTC), ""},
		{"date", "2026-11-17", time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC), ""},
		{"date time", "2026-11-17 14:00", time.Date(2026, 11, 17, 14, 0, 0, 0, time.UTC), ""},
		{"date T time seconds", "2026-11-17T14:00:30", time.Date(2026, 11, 17, 14, 0, 30, 0, time.UTC), ""},
		{"first second of 1970", "1970-01-01T00:00:00Z", time.Unix(0, 0), ""},
		{"seconds ago", "30s", now.Add(-30 * time.Second), ""},
		{"hours ago", "2h", now.Add(-2 * time.Hour), ""},
		{"minus hours ago", "-90m", now.Add(-90 * time.Minute), ""},
		{"days ago", "3d", now.Add(-72 * time.Hour), ""},
		{"decimal days ago", "1.5d", now.Add(-36 * time.Hour), ""},
		{"weeks ago", "1w", now.Add(-7 * 24 * time.Hour), ""},
		{"ten years ago", "3650d", now.Add(-MaxAgo), ""},
		{"within the skew is now", "2026-11-24T12:00:30Z", now, ""},
		{"garbage", "last tuesday", time.Time{}, "not a time"},
		{"bad day count", "xd", time.Time{}, "not a time"},
		{"NaN days", "NaNd", time.Time{}, "not a time"},
		{"infinite days", "Infd", time.Time{}, "not a time"},
		{"exponent weeks", "1e5w", time.Time{}, "not a time"},
		{"huge day count", "1e9d", time.Time{}, "not a time"},
		{"plus sign", "+2h", time.Time{}, "not a time"},
		{"unknown unit", "2y", time.Time{}, "not a time"},
		{"compound duration", "1h30m", time.Time{}, "not a time"},
		{"more than ten years", "3651d", time.Time{}, "more than 3650d ago"},
		{"many weeks", "100000w", time.Time{}, "more than 3650d ago"},
		{"zero duration", "0h", time.Time{}, "not a positive duration"},
		{"zero time", "0001-01-01T00:00:00Z", time.Time{}, "before 1970"},
		{"zero date", "0001-01-01", time.Time{}, "before 1970"},
		{"1969", "1969-12-31 23:59", time.Time{}, "before 1970"},
		{"future", "2026-11-25", time.Time{}, "in the future"},
		{"just past the skew", "2026-11-24T12:01:01Z", time.Time{}, "in the future"},
		{"far future", "9999-12-31T23:59:59Z", time.Time{}, "in the future"},
		{"long input", strings.Repeat("9", 100) + "h", time.Time{}, "longer than 40 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in, now)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse(%q) error %v; want none", tt.in, err)
				}
				if !got.Equal(tt.want) {
					t.Errorf("Parse(%q) = %s; want %s", tt.in, got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse(%q) = %s; want an error with %q", tt.in, got, tt.wantErr)
			}
			if !errors.Is(err, ErrBadTime) {
				t.Errorf("error %v does not wrap ErrBadTime", err)
			}
			// The message is the user's: no package prefix (the caller
			// names its flag before it).
			if msg := err.Error(); strings.HasPrefix(msg, "timeparse") || !strings.HasPrefix(msg, `"`) {
				t.Errorf("Parse(%q) error %q; want it to start with the quoted input", tt.in, msg)
			}
			var te *Error
			if !errors.As(err, &te) || te.Reason == "" {
				t.Errorf("Parse(%q) error %v is not an *Error with a reason", tt.in, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.wantErr) || !strings.HasSuffix(msg, Accepted) {
				t.Errorf("Parse(%q) error %q; want it to contain %q and end with what is accepted", tt.in, msg, tt.wantErr)
			}
			if len(err.Error()) > len(Accepted)+200 {
				t.Errorf("Parse(%q) error is %d bytes long: the input is not bounded", tt.in, len(err.Error()))
			}
			if !got.IsZero() {
				t.Errorf("Parse(%q) = %s with an error; want the zero time", tt.in, got)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"2h", "2026-11-17 14:00", "3d", "now", "-1w", "1.5d", "NaNd", "1e5w", "Infw", "-Inf", "0h",
		"0001-01-01T00:00:00Z", "1969-12-31", "9999-12-31T23:59:59Z", "2026-11-24T12:00:30Z",
		"2026-11-17T14:00:00.123456789+14:00", "3650d", "3650.5d", "999999999999.999999999s", "1h30m",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s, now)
		if err != nil {
			if !errors.Is(err, ErrBadTime) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrBadTime", s, err)
			}
			if !strings.HasSuffix(err.Error(), Accepted) {
				t.Fatalf("Parse(%q) error %q does not say what is accepted", s, err)
			}
			return
		}
		if got.Year() < MinYear || got.After(now) {
			t.Fatalf("Parse(%q) = %s; want a moment from %d until %s", s, got, MinYear, now)
		}
	})
}
