package store

import (
	"strconv"
	"strings"
)

// dialect holds what differs between SQLite and PostgreSQL. Everything else
// (queries, ON CONFLICT upserts, the schema apart from identity columns) is
// shared, written with ? placeholders.
type dialect struct {
	// name names the backend in errors: "sqlite" or "postgres".
	name string
	// driver is the database/sql driver name.
	driver string
	// dollarArgs says placeholders are $1, $2… rather than ?.
	dollarArgs bool
	// identity is the column type of an auto-numbered primary key.
	identity string
	// forUpdate is appended to a SELECT to lock its rows until the end of
	// the transaction; empty where a write transaction already locks the
	// whole database.
	forUpdate string
	// migrationLock is run first in the migration transaction to serialise
	// concurrent migrations across processes, or is empty.
	migrationLock string
	// jsonInts and jsonTexts are subqueries yielding the elements of a JSON
	// array passed as one parameter, for "x IN (…)" with any number of values.
	jsonInts  string
	jsonTexts string
}

// sqliteDialect is modernc.org/sqlite. BEGIN IMMEDIATE (the _txlock DSN
// parameter set by Open) makes every transaction a writer holding the
// database lock, so neither row locks nor a migration lock are needed.
var sqliteDialect = dialect{
	name:      "sqlite",
	driver:    "sqlite",
	identity:  "INTEGER PRIMARY KEY",
	jsonInts:  "SELECT value FROM json_each(?)",
	jsonTexts: "SELECT value FROM json_each(?)",
}

// postgresDialect is PostgreSQL through pgx's database/sql driver.
var postgresDialect = dialect{
	name:       "postgres",
	driver:     "pgx",
	dollarArgs: true,
	identity:   "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
	forUpdate:  " FOR UPDATE",
	// The key is arbitrary but fixed: every vnetmap process migrating the
	// same database takes the same lock.
	migrationLock: "SELECT pg_advisory_xact_lock(7236837741093020416)",
	jsonInts:      "SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST(? AS JSONB))",
	jsonTexts:     "SELECT value FROM jsonb_array_elements_text(CAST(? AS JSONB))",
}

// rebind rewrites the ? placeholders of query for the dialect. Queries
// never contain a literal question mark.
func (d dialect) rebind(query string) string {
	if !d.dollarArgs {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + len(query)/8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			b.WriteByte(query[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}
