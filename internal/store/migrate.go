package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// migrationFiles are the schema changes, one file per version, named
// NNN_what.sql and numbered from 1 without gaps. Statements end with a
// semicolon at the end of a line; {{identity}} stands for the dialect's
// auto-numbered primary key column type.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	stmts   []string
}

// loadMigrations reads the embedded migrations for d, in version order.
func loadMigrations(d dialect) ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	ms := make([]migration, 0, len(names))
	for i, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".sql")
		num, _, _ := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if err != nil || version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d first in its name", name, i+1)
		}
		text, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		m := migration{version: version, name: base}
		body := strings.ReplaceAll(string(text), "{{identity}}", d.identity)
		for stmt := range strings.SplitSeq(body, ";\n") {
			if stmt = strings.TrimSpace(stmt); stmt != "" {
				m.stmts = append(m.stmts, stmt)
			}
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// migrate brings the schema up to the newest migration in one transaction
// and records each applied version in schema_migrations. A database whose
// schema is newer than this code is left alone and yields ErrNewerSchema.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	ms, err := loadMigrations(d)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.migrationLock); err != nil {
			return fmt.Errorf("lock schema: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if int(current.Int64) > len(ms) {
		return fmt.Errorf("%w: database at version %d, this vnetmap knows up to %d", ErrNewerSchema, current.Int64, len(ms))
	}
	for _, m := range ms[current.Int64:] {
		for _, stmt := range m.stmts {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, d.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
			m.version, m.name, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("record migration %s: %w", m.name, err)
		}
	}
	return tx.Commit()
}
