package decode

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// Sentinel errors; every error the decoder returns is an *Error that wraps
// one of them.
var (
	ErrTruncated       = errors.New("decode: truncated")
	ErrBadLength       = errors.New("decode: bad length")
	ErrUnknownVersion  = errors.New("decode: unknown version")
	ErrTemplateMissing = errors.New("decode: template missing")
	ErrFieldLength     = errors.New("decode: bad field length")
	ErrCountOverflow   = errors.New("decode: count overflow")
	// ErrTemplateTooLarge: a template larger than the template cache's
	// share of one exporter (Limits), refused.
	ErrTemplateTooLarge = errors.New("decode: template too large")
)

// kinds lists the sentinels in the order of Stats.Errors.
var kinds = [...]error{ErrTruncated, ErrBadLength, ErrUnknownVersion, ErrTemplateMissing, ErrFieldLength, ErrCountOverflow,
	ErrTemplateTooLarge}

// Error is a decoding error: what went wrong, in which protocol, at which
// byte offset of the datagram and in which field.
type Error struct {
	Kind     error
	Protocol Protocol
	Offset   int
	Field    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%v: %s at offset %d (%s)", e.Kind, e.Protocol, e.Offset, e.Field)
}

func (e *Error) Unwrap() error { return e.Kind }

// Stats counts errors by kind since the decoder was made. Safe for
// concurrent use; only error paths touch it.
type Stats struct {
	errors [len(kinds)]atomic.Uint64
}

// Errors returns the error counts by sentinel.
func (s *Stats) Errors() map[error]uint64 {
	m := make(map[error]uint64, len(kinds))
	for i, k := range kinds {
		m[k] = s.errors[i].Load()
	}
	return m
}

func (s *Stats) count(kind error) {
	for i, k := range kinds {
		if k == kind {
			s.errors[i].Add(1)
			return
		}
	}
}
