// Package timeparse reads the moments users give to --at, ?at=, from, to
// and since: absolute times in the usual spellings and times relative to
// now. Every such moment is in the past: they ask what the map was.
//
// It is not for formatting times.
package timeparse

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrBadTime is what every parse error is (errors.Is); the errors are
// *Error values.
var ErrBadTime = errors.New("timeparse: bad time")

// Error is a moment Parse refuses. Its message is for the user who typed
// it: the input, why, and what is accepted, with no package prefix, so
// that a caller puts the name of its flag or parameter before it.
type Error struct {
	// Input is (a bounded prefix of) what was given.
	Input string
	// Reason says why it is refused: "not a time", "in the future"…
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("%q: %s; %s", e.Input, e.Reason, Accepted) }

// Is makes an *Error match ErrBadTime.
func (e *Error) Is(target error) bool { return target == ErrBadTime }

// Accepted says what Parse reads; every error ends with it.
const Accepted = `want "now"; a duration ago: a positive number and a unit s, m, h, d or w, ` +
	`at most 3650d ("90m", "2h", "1.5d", "-1w"); or a moment from 1970 until now: ` +
	`RFC 3339 ("2026-11-17T14:00:00Z"), "2026-11-17 14:00", "2026-11-17 14:00:05" or "2026-11-17"`

// Bounds of what Parse accepts.
const (
	// MaxAgo is the longest duration ago.
	MaxAgo = 3650 * 24 * time.Hour
	// Skew is how far ahead of now a moment may be and still be read (as
	// now): the clocks of a client and the server differ a little.
	Skew = time.Minute
	// MinYear is the earliest year of a moment.
	MinYear = 1970
	// maxLen bounds the input: the longest spelling accepted is an RFC 3339
	// time with nanoseconds and an offset (35 bytes).
	maxLen = 40
)

var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
}

// relative is a duration ago: a number (digits, an optional fraction) and a
// unit. No sign, exponent, NaN or infinity.
var relative = regexp.MustCompile(`^([0-9]{1,12}(?:\.[0-9]{1,9})?)(s|m|h|d|w)$`)

var units = map[string]time.Duration{
	"s": time.Second,
	"m": time.Minute,
	"h": time.Hour,
	"d": 24 * time.Hour,
	"w": 7 * 24 * time.Hour,
}

// Parse reads s, a past moment, relative to now. Accepted: "" or "now"
// (now); a duration ago such as "90m", "2h", "1.5d" or "1w" (a leading "-"
// is allowed: "-2h"), positive and at most MaxAgo; RFC 3339; "2006-01-02",
// "2006-01-02 15:04[:05]" or the same with a T, in now's location. An
// absolute moment is from MinYear until now: up to Skew ahead is read as
// now, later is refused; the zero time is refused like any moment before
// MinYear. Every error is an *Error (errors.Is ErrBadTime) that quotes (a
// bounded prefix of) s and says what is accepted.
func Parse(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "now" {
		return now, nil
	}
	if len(s) > maxLen {
		return time.Time{}, bad(s, fmt.Sprintf("longer than %d bytes", maxLen))
	}
	if d, ok, err := ago(strings.TrimPrefix(s, "-")); ok {
		if err != nil {
			return time.Time{}, bad(s, err.Error())
		}
		return now.Add(-d), nil
	}
	for _, l := range layouts {
		t, err := time.ParseInLocation(l, s, now.Location())
		if err != nil {
			continue
		}
		switch {
		case t.Year() < MinYear:
			return time.Time{}, bad(s, fmt.Sprintf("before %d", MinYear))
		case t.After(now.Add(Skew)):
			return time.Time{}, bad(s, "in the future")
		case t.After(now):
			return now, nil
		}
		return t, nil
	}
	return time.Time{}, bad(s, "not a time")
}

// bad is the error for input s refused for why.
func bad(s, why string) error {
	const show = 40
	if len(s) > show {
		s = strings.ToValidUTF8(s[:show], "") + "…"
	}
	return &Error{Input: s, Reason: why}
}

// ago reads a duration ago. ok says s has the shape of one; err says why
// its value is refused.
func ago(s string) (d time.Duration, ok bool, err error) {
	m := relative.FindStringSubmatch(s)
	if m == nil {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, true, errors.New("not a number")
	}
	f := v * float64(units[m[2]])
	if f > float64(MaxAgo) {
		return 0, true, fmt.Errorf("more than %dd ago", MaxAgo/(24*time.Hour))
	}
	d = time.Duration(f)
	if d <= 0 {
		return 0, true, errors.New("not a positive duration")
	}
	return d, true, nil
}
