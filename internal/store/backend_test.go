package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// defaultTestPG is the PostgreSQL the suite uses unless VNETMAP_TEST_PG says
// otherwise.
const defaultTestPG = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// backend is a database the shared suite runs against.
type backend struct {
	name string
	// dsn returns the DSN of a fresh, empty database for tb, or skips tb.
	dsn func(tb testing.TB) string
}

var backends = []backend{
	{name: "sqlite", dsn: sqliteDSN},
	{name: "postgres", dsn: postgresDSN},
}

// eachBackend runs test once per backend, as subtests named after it.
func eachBackend(t *testing.T, test func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

// sqliteDSN returns a SQLite database file in a temporary directory.
func sqliteDSN(tb testing.TB) string {
	return "sqlite:" + filepath.Join(tb.TempDir(), "vnetmap.db")
}

// postgresDSN returns the test PostgreSQL with a schema of its own, created
// for tb and dropped when tb ends, so concurrent runs never meet. When
// PostgreSQL is unreachable tb is skipped, or fails if CI=true.
func postgresDSN(tb testing.TB) string {
	base := cmp.Or(os.Getenv("VNETMAP_TEST_PG"), defaultTestPG)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open %s: %v", redact(base), err)
	}
	tb.Cleanup(func() { admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at %s unreachable and CI=true requires it: %v", redact(base), err)
		}
		tb.Skipf("PostgreSQL at %s unreachable (set VNETMAP_TEST_PG to another one): %v", redact(base), err)
	}
	schema := "vnetmap_test_" + strings.ToLower(rand.Text())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// openStore opens dsn for tb and closes it when tb ends (before the
// database is removed).
func openStore(tb testing.TB, dsn string) *sqlStore {
	tb.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("Open(%s): %v", redact(dsn), err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s.(*sqlStore)
}
