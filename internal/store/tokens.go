package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrTokenExists is returned by CreateToken when a token of that name is
// already in use (not revoked).
var ErrTokenExists = errors.New("store: a token of that name exists")

// ErrNoToken is returned by TokenByHash and RevokeToken when no token
// matches.
var ErrNoToken = errors.New("store: no such token")

// Token is an API token as the store keeps it: its name, role and
// lifetime, and the SHA-256 of the token (hex), never the token itself.
type Token struct {
	Name string `json:"name"`
	// Role is the role's name; the store does not interpret it.
	Role string `json:"role"`
	// Hash is the hex SHA-256 of the token. Only TokenByHash fills it; it
	// is never encoded.
	Hash    string    `json:"-"`
	Created time.Time `json:"created"`
	// Expires is when the token stops being accepted; zero for never.
	Expires time.Time `json:"expires,omitzero"`
	// Revoked is when the token was revoked; zero while it is not.
	Revoked time.Time `json:"revoked,omitzero"`
}

// CreateToken records t. Name, Role, Hash and Created are required; a
// name already used by a token not revoked yields ErrTokenExists.
func (s *sqlStore) CreateToken(ctx context.Context, t Token) error {
	if t.Name == "" || t.Role == "" || t.Hash == "" || t.Created.IsZero() {
		return fmt.Errorf("store: create token %q: name, role, hash and creation time are required", t.Name)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: create token %q: %w", t.Name, err)
	}
	defer tx.Rollback()
	if exists, err := activeToken(ctx, tx, s.d, t.Name); err != nil {
		return fmt.Errorf("store: create token %q: %w", t.Name, err)
	} else if exists {
		return fmt.Errorf("%w: %q", ErrTokenExists, t.Name)
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO api_tokens (name, role, hash, created, expires, revoked) VALUES (?, ?, ?, ?, ?, 0)`),
		t.Name, t.Role, t.Hash, micros(t.Created), optionalMicros(t.Expires)); err != nil {
		// A concurrent creation of the same name lost the race on the
		// unique index. Neither driver quotes the row's values in a
		// constraint error, so err names no hash.
		if exists, _ := activeToken(ctx, s.db, s.d, t.Name); exists {
			return fmt.Errorf("%w: %q", ErrTokenExists, t.Name)
		}
		return fmt.Errorf("store: create token %q: %w", t.Name, err)
	}
	if err := tx.Commit(); err != nil {
		if exists, _ := activeToken(ctx, s.db, s.d, t.Name); exists {
			return fmt.Errorf("%w: %q", ErrTokenExists, t.Name)
		}
		return fmt.Errorf("store: create token %q: %w", t.Name, err)
	}
	return nil
}

// querier is what activeToken needs of a database or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// activeToken reports whether a token named name is not revoked.
func activeToken(ctx context.Context, q querier, d dialect, name string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM api_tokens WHERE name = ? AND revoked = 0`), name).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// Tokens returns every token, revoked ones included, by creation time then
// name. Hash is left empty.
func (s *sqlStore) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, role, created, expires, revoked FROM api_tokens`)
	if err != nil {
		return nil, fmt.Errorf("store: read tokens: %w", err)
	}
	defer rows.Close()
	var ts []Token
	for rows.Next() {
		var (
			t                         Token
			created, expires, revoked int64
		)
		if err := rows.Scan(&t.Name, &t.Role, &created, &expires, &revoked); err != nil {
			return nil, fmt.Errorf("store: read tokens: %w", err)
		}
		t.Created, t.Expires, t.Revoked = fromMicros(created), fromOptionalMicros(expires), fromOptionalMicros(revoked)
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read tokens: %w", err)
	}
	slices.SortFunc(ts, func(a, b Token) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return ts, nil
}

// TokenByHash returns the token whose hash is hash, revoked or expired
// ones included (the caller decides), or ErrNoToken.
func (s *sqlStore) TokenByHash(ctx context.Context, hash string) (Token, error) {
	var (
		t                         Token
		created, expires, revoked int64
	)
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT name, role, hash, created, expires, revoked FROM api_tokens WHERE hash = ?`), hash).
		Scan(&t.Name, &t.Role, &t.Hash, &created, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNoToken
	}
	if err != nil {
		// The error names no hash: the hash identifies a token.
		return Token{}, fmt.Errorf("store: look up token: %w", err)
	}
	t.Created, t.Expires, t.Revoked = fromMicros(created), fromOptionalMicros(expires), fromOptionalMicros(revoked)
	return t, nil
}

// RevokeToken revokes the token named name that is not revoked yet, as of
// at, or returns ErrNoToken.
func (s *sqlStore) RevokeToken(ctx context.Context, name string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("store: revoke token %q: no time given", name)
	}
	res, err := s.db.ExecContext(ctx, s.d.rebind(`UPDATE api_tokens SET revoked = ? WHERE name = ? AND revoked = 0`), micros(at), name)
	if err != nil {
		return fmt.Errorf("store: revoke token %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: revoke token %q: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %q", ErrNoToken, name)
	}
	return nil
}

// optionalMicros stores a time that may be zero (never) as 0.
func optionalMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

// fromOptionalMicros reads what optionalMicros stored.
func fromOptionalMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return fromMicros(us)
}
