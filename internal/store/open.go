package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	// Database drivers: pgx for PostgreSQL, modernc (pure Go) for SQLite.
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// sqliteParams configure every SQLite connection: wait up to 10 s for the
// write lock rather than fail; write-ahead logging, so readers never block the
// writer, with synchronous=NORMAL (the usual durability for WAL); enforce
// foreign keys; a page cache of up to 64 MiB and temporary data in memory, so
// that a snapshot of 300,000 facts is written without spilling mid-transaction;
// and start every transaction as a writer (BEGIN IMMEDIATE), so that two
// transactions never deadlock upgrading a read lock.
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
	"&_pragma=foreign_keys(1)&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)&_txlock=immediate"

// sqliteMemory is the SQLite path of a private in-memory database.
const sqliteMemory = ":memory:"

// Open opens the store named by dsn and brings its schema up to date.
//
// The DSN is one of:
//   - sqlite:PATH, a SQLite database file, created if missing, readable
//     and writable by its owner only (0600, as are its -wal and -shm files;
//     an existing file keeps its mode). Driver parameters of
//     modernc.org/sqlite may follow the path after a "?"
//     (sqlite:vnetmap.db?_pragma=mmap_size(268435456)).
//   - sqlite::memory:, a private in-memory SQLite database that lives until
//     Close; it uses a single connection, so it suits tests and one-shot runs.
//   - postgres://… or postgresql://…, a PostgreSQL connection URL as pgx
//     understands it; run-time parameters such as search_path=… may be given
//     as query parameters.
//
// Any other scheme yields an error wrapping ErrUnknownDSN; a schema newer than
// this code yields one wrapping ErrNewerSchema. Errors never show a password
// contained in the DSN.
func Open(ctx context.Context, dsn string) (Store, error) {
	return open(ctx, dsn, true)
}

// OpenExisting is Open for a store that must exist: a SQLite file that
// does not is not created, and the error wraps ErrNoStore. (A PostgreSQL
// database that does not exist fails to connect.)
func OpenExisting(ctx context.Context, dsn string) (Store, error) {
	return open(ctx, dsn, false)
}

// open opens the store named by dsn; create says whether a missing SQLite
// file is created.
func open(ctx context.Context, dsn string, create bool) (Store, error) {
	var (
		d          dialect
		driverDSN  string
		singleConn bool
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		d = sqliteDialect
		file := strings.TrimPrefix(dsn, "sqlite:")
		if file == "" {
			return nil, fmt.Errorf("store: open %s: empty path", dsn)
		}
		sep := "?"
		if strings.Contains(file, "?") {
			sep = "&"
		}
		driverDSN = file + sep + sqliteParams
		singleConn = file == sqliteMemory
		if !create {
			if err := sqliteFileExists(file); err != nil {
				return nil, fmt.Errorf("store: open %s: %w", redact(dsn), err)
			}
		} else if err := createSQLiteFile(file); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", redact(dsn), err)
		}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d = postgresDialect
		driverDSN = dsn
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownDSN, redact(dsn))
	}

	db, err := sql.Open(d.driver, driverDSN)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", redact(dsn), err)
	}
	if singleConn {
		// Each connection to :memory: is a database of its own.
		db.SetMaxOpenConns(1)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", redact(dsn), err)
	}
	if err := migrate(ctx, db, d); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: migrate %s: %w", redact(dsn), err)
	}
	return &sqlStore{db: db, d: d}, nil
}

// redact returns dsn with any password replaced by "xxxxx": the password of
// a URL's user information, and a password= parameter in a URL's query or in
// a keyword=value connection string.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		dsn = urlPassword.ReplaceAllString(dsn, "${1}xxxxx@")
		return passwordParam.ReplaceAllString(dsn, "${1}xxxxx")
	}
	changed := false
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
		changed = true
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "password") {
				q.Set(k, "xxxxx")
				changed = true
			}
		}
		u.RawQuery = q.Encode()
	}
	if !changed {
		return passwordParam.ReplaceAllString(dsn, "${1}xxxxx")
	}
	return u.String()
}

var (
	// urlPassword matches "scheme://user:" and the password after it.
	urlPassword = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*:)[^@]*@`)
	// passwordParam matches "password=" and its value in a query or in a
	// keyword=value string.
	passwordParam = regexp.MustCompile(`(?i)(password=)('[^']*'|[^&\s]*)`)
)
