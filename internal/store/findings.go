package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// FindingSeen says when the checks of serve first and last saw a finding.
type FindingSeen struct {
	// Finding is the finding's ID (check.Finding.ID).
	Finding string    `json:"finding"`
	First   time.Time `json:"first_seen"`
	Last    time.Time `json:"last_seen"`
}

// seenBatch is how many findings one statement of SeeFindings records
// (3 parameters each, under SQLite's and PostgreSQL's limits).
const seenBatch = 500

// SeeFindings records that the findings ids were seen at t: one never
// seen gets t as its first and last moment, the others t as their last
// (a t earlier than the last recorded leaves it alone). Empty IDs are an
// error; so is a zero t.
func (s *sqlStore) SeeFindings(ctx context.Context, ids []string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("store: record findings seen: zero time")
	}
	for _, id := range ids {
		if id == "" {
			return fmt.Errorf("store: record findings seen: empty finding ID")
		}
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids))) // one row a statement may change once
	if len(ids) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: record findings seen: %w", err)
	}
	defer tx.Rollback()
	at := micros(t)
	err = s.batches(ctx, tx, len(ids), seenBatch, func(rows int) string {
		return s.d.rebind(insertSQL("findings_seen (finding, first_seen, last_seen)", 3, rows,
			` ON CONFLICT (finding) DO UPDATE SET last_seen = excluded.last_seen WHERE findings_seen.last_seen < excluded.last_seen`))
	}, func(start, end int) []any {
		args := make([]any, 0, 3*(end-start))
		for _, id := range ids[start:end] {
			args = append(args, id, at, at)
		}
		return args
	})
	if err != nil {
		return fmt.Errorf("store: record findings seen: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: record findings seen: %w", err)
	}
	return nil
}

// FindingsSeen returns when each finding ever recorded by SeeFindings was
// first and last seen, by finding ID.
func (s *sqlStore) FindingsSeen(ctx context.Context) (map[string]FindingSeen, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT finding, first_seen, last_seen FROM findings_seen`)
	if err != nil {
		return nil, fmt.Errorf("store: read findings seen: %w", err)
	}
	defer rows.Close()
	seen := map[string]FindingSeen{}
	for rows.Next() {
		var (
			f           FindingSeen
			first, last int64
		)
		if err := rows.Scan(&f.Finding, &first, &last); err != nil {
			return nil, fmt.Errorf("store: read findings seen: %w", err)
		}
		f.First, f.Last = fromMicros(first), fromMicros(last)
		seen[f.Finding] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read findings seen: %w", err)
	}
	return seen, nil
}
