// Package timeparse reads the moments users give to --at and ?at=: absolute
// times in the usual spellings and times relative to now.
//
// It is not for formatting times.
package timeparse

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrBadTime is wrapped by every parse error.
var ErrBadTime = errors.New("timeparse: bad time")

var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
}

// Parse reads s relative to now. Accepted: "now"; RFC 3339; "2006-01-02",
// "2006-01-02 15:04[:05]" or with a T, in now's location; a duration ago
// such as "90m", "2h", "3d", "1w" (a leading "-" is allowed: "-2h").
func Parse(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "now" {
		return now, nil
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, now.Location()); err == nil {
			return t, nil
		}
	}
	if d, ok := ago(strings.TrimPrefix(s, "-")); ok {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%w: %q (use RFC 3339, \"2006-01-02 15:04\", or a duration ago like \"2h\" or \"3d\")", ErrBadTime, s)
}

func ago(s string) (time.Duration, bool) {
	if n := len(s); n > 1 {
		mult := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[n-1]]
		if mult != 0 {
			v, err := strconv.ParseFloat(s[:n-1], 64)
			if err != nil || v < 0 || v > 1e5 {
				return 0, false
			}
			return time.Duration(v * float64(mult)), true
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, false
	}
	return d, true
}
