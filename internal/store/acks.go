package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxAckComment is the longest acknowledgement comment accepted, in bytes.
const MaxAckComment = 2000

// Ack is the acknowledgement of a finding: who acknowledged it (a token's
// name), when, and why.
type Ack struct {
	// Finding is the finding's ID (check.Finding.ID).
	Finding string    `json:"finding"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Comment string    `json:"comment,omitempty"`
}

// AckFinding records a; an earlier acknowledgement of the same finding is
// replaced. Finding, By and At are required; Comment is at most
// MaxAckComment bytes.
func (s *sqlStore) AckFinding(ctx context.Context, a Ack) error {
	if a.Finding == "" || a.By == "" || a.At.IsZero() {
		return fmt.Errorf("store: acknowledge finding %q: finding, by and at are required", a.Finding)
	}
	if len(a.Comment) > MaxAckComment {
		return fmt.Errorf("store: acknowledge finding %q: comment longer than %d bytes", a.Finding, MaxAckComment)
	}
	if _, err := s.db.ExecContext(ctx, s.d.rebind(`INSERT INTO finding_acks (finding, by_name, at, comment) VALUES (?, ?, ?, ?)
		ON CONFLICT (finding) DO UPDATE SET by_name = excluded.by_name, at = excluded.at, comment = excluded.comment`),
		a.Finding, a.By, micros(a.At), a.Comment); err != nil {
		return fmt.Errorf("store: acknowledge finding %q: %w", a.Finding, err)
	}
	return nil
}

// Acks returns every acknowledgement, by finding.
func (s *sqlStore) Acks(ctx context.Context) ([]Ack, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT finding, by_name, at, comment FROM finding_acks`)
	if err != nil {
		return nil, fmt.Errorf("store: read acknowledgements: %w", err)
	}
	defer rows.Close()
	var as []Ack
	for rows.Next() {
		var (
			a  Ack
			at int64
		)
		if err := rows.Scan(&a.Finding, &a.By, &at, &a.Comment); err != nil {
			return nil, fmt.Errorf("store: read acknowledgements: %w", err)
		}
		a.At = fromMicros(at)
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read acknowledgements: %w", err)
	}
	slices.SortFunc(as, func(a, b Ack) int { return strings.Compare(a.Finding, b.Finding) })
	return as, nil
}
