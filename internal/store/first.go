package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// FirstFact returns the moment of the store's earliest fact (the start
// of its first version), or the zero time when it holds none.
func (s *sqlStore) FirstFact(ctx context.Context) (time.Time, error) {
	var first sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(valid_from) FROM facts`).Scan(&first); err != nil {
		return time.Time{}, fmt.Errorf("store: first fact: %w", err)
	}
	if !first.Valid {
		return time.Time{}, nil
	}
	return fromMicros(first.Int64), nil
}
