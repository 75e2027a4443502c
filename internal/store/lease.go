package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Acquire takes or renews the lease name for holder until now+ttl: it
// succeeds when nobody holds the lease, when holder already does, or when
// the current holder's lease expired before now. It reports whether holder
// holds the lease afterwards. The upsert is one statement, so two processes
// racing for an expired lease cannot both win.
func (s *sqlStore) Acquire(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, fmt.Errorf("store: lease %q for %q: name, holder and a positive ttl are required", name, holder)
	}
	res, err := s.db.ExecContext(ctx, s.d.rebind(`INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires < ?`),
		name, holder, now.Add(ttl).UnixMicro(), now.UnixMicro())
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", name, err)
	}
	return n == 1, nil
}

// Release gives the lease name up if holder holds it, so another process
// may take it at once.
func (s *sqlStore) Release(ctx context.Context, name, holder string) error {
	if _, err := s.db.ExecContext(ctx, s.d.rebind(`DELETE FROM leases WHERE name = ? AND holder = ?`), name, holder); err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

// Holder returns who holds the lease name at now, or "" when nobody does.
func (s *sqlStore) Holder(ctx context.Context, name string, now time.Time) (string, error) {
	var holder string
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT holder FROM leases WHERE name = ? AND expires >= ?`), name, now.UnixMicro()).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: lease %s: %w", name, err)
	}
	return holder, nil
}
