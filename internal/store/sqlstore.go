package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// openEnd is valid_to of an open fact: a far-future sentinel, so that "valid
// at t" is valid_from <= t AND valid_to > t for open and closed facts alike.
const openEnd = math.MaxInt64

// insertBatch is how many rows one INSERT carries (12 parameters a fact:
// well below the parameter limits of SQLite and PostgreSQL).
const insertBatch = 500

var _ Store = (*sqlStore)(nil)

// sqlStore is the Store on database/sql, for every dialect.
type sqlStore struct {
	db *sql.DB
	d  dialect
	// maxHealthRows overrides MaxHealthRows when positive (tests).
	maxHealthRows int
}

// micros converts t to the stored form: microseconds since the Unix epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts a stored time back, in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// pendingFact is a fact of a snapshot with its key and hash computed once.
type pendingFact struct {
	fact *model.Fact
	key  string
	hash string
}

// openFact is an open version as Apply compares it with a snapshot.
type openFact struct {
	id    int64
	owner model.ID
	hash  string
	from  int64
}

// Apply implements Store.
func (s *sqlStore) Apply(ctx context.Context, snap model.Snapshot) (ApplyStats, error) {
	facts, scope, err := checkSnapshot(snap)
	if err == nil {
		err = checkHealth(snap)
	}
	if err != nil {
		return ApplyStats{}, fmt.Errorf("%w of %q: %w", ErrInvalidSnapshot, snap.Source, err)
	}
	stats, err := s.apply(ctx, snap, facts, scope)
	if err != nil {
		return ApplyStats{}, fmt.Errorf("store: apply snapshot of %s: %w", snap.Source, err)
	}
	return stats, nil
}

// apply records snap, whose facts and scope checkSnapshot returned. It locks
// the source, loads its open versions in one query, compares them with the
// snapshot by key and hash, then closes (or, when opened at the same moment,
// deletes) the retired versions and inserts the new ones in batches.
func (s *sqlStore) apply(ctx context.Context, snap model.Snapshot, facts []pendingFact, scope map[model.ID]bool) (ApplyStats, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return ApplyStats{}, err
	}
	defer tx.Rollback()

	at, err := s.lockSource(ctx, tx, snap.Source, micros(snap.Taken))
	if err != nil {
		return ApplyStats{}, err
	}
	open, err := s.openFacts(ctx, tx, snap.Source)
	if err != nil {
		return ApplyStats{}, err
	}

	var (
		stats  ApplyStats
		closed []int64 // versions ending at at
		gone   []int64 // versions opened at at itself: removed, not emptied
		opened []pendingFact
	)
	retire := func(v openFact) {
		if v.from >= at {
			gone = append(gone, v.id)
		} else {
			closed = append(closed, v.id)
		}
	}
	for _, p := range facts {
		if v, ok := open[p.key]; ok {
			delete(open, p.key)
			if v.hash == p.hash {
				stats.Unchanged++
				continue
			}
			retire(v)
		}
		opened = append(opened, p)
	}
	keep := make(map[model.ID]bool, len(snap.Keep))
	for _, id := range snap.Keep {
		keep[id] = true
	}
	for _, v := range open {
		if !keep[v.owner] && (scope == nil || scope[v.owner]) {
			retire(v)
		}
	}
	// In key order, index insertions mostly append (keys start with the subject).
	slices.SortFunc(opened, func(a, b pendingFact) int { return strings.Compare(a.key, b.key) })
	stats.Closed = len(closed) + len(gone)
	stats.Opened = len(opened)

	// Retire before inserting: a key's old and new versions must not both
	// be open, even for a moment, or the unique index rejects the insert.
	if err := s.execIDs(ctx, tx, "UPDATE facts SET valid_to = ? WHERE id IN ("+s.d.jsonInts+")", at, closed); err != nil {
		return ApplyStats{}, fmt.Errorf("close facts: %w", err)
	}
	if err := s.execIDs(ctx, tx, "DELETE FROM facts WHERE id IN ("+s.d.jsonInts+")", nil, gone); err != nil {
		return ApplyStats{}, fmt.Errorf("replace facts: %w", err)
	}
	if err := s.insertFacts(ctx, tx, snap.Source, at, opened); err != nil {
		return ApplyStats{}, fmt.Errorf("insert facts: %w", err)
	}
	if stats.Events, err = s.insertEvents(ctx, tx, snap.Source, snap.Events); err != nil {
		return ApplyStats{}, fmt.Errorf("insert events: %w", err)
	}
	if err := s.replaceHealth(ctx, tx, snap, at); err != nil {
		return ApplyStats{}, err
	}
	// A run that had to keep some owners' facts is a partial success: the
	// source is stale for those, and the failures say which.
	if _, err := tx.ExecContext(ctx, s.d.rebind(
		"UPDATE sources SET last_success = ?, last_attempt = ?, stale = ?, last_error = ? WHERE name = ?"),
		at, at, len(snap.Keep) > 0, strings.Join(snap.Failures, "; "), snap.Source); err != nil {
		return ApplyStats{}, fmt.Errorf("mark source fresh: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return ApplyStats{}, err
	}
	return stats, nil
}

// checkSnapshot validates snap and returns its facts with their keys and
// hashes, and its scope as a set (nil for a full snapshot).
func checkSnapshot(snap model.Snapshot) ([]pendingFact, map[model.ID]bool, error) {
	if snap.Source == "" {
		return nil, nil, errors.New("no source name")
	}
	if snap.Taken.IsZero() {
		return nil, nil, errors.New("no time taken")
	}
	var scope map[model.ID]bool
	if len(snap.Scope) > 0 {
		scope = make(map[model.ID]bool, len(snap.Scope))
		for _, id := range snap.Scope {
			scope[id] = true
		}
	}
	facts := make([]pendingFact, len(snap.Facts))
	seen := make(map[string]struct{}, len(snap.Facts))
	for i := range snap.Facts {
		f := &snap.Facts[i]
		key := f.Key()
		if f.Subject == "" {
			return nil, nil, fmt.Errorf("fact %d: no subject", i)
		}
		if _, dup := seen[key]; dup {
			return nil, nil, fmt.Errorf("fact %d: duplicate key %q", i, key)
		}
		seen[key] = struct{}{}
		if scope != nil && !scope[f.Owner] {
			return nil, nil, fmt.Errorf("fact %q: owner %q outside the scope", key, f.Owner)
		}
		if slices.Contains(snap.Keep, f.Owner) {
			return nil, nil, fmt.Errorf("fact %q: owner %q is to be kept, not restated", key, f.Owner)
		}
		facts[i] = pendingFact{fact: f, key: key, hash: f.Hash()}
	}
	for i, e := range snap.Events {
		if e.Key == "" {
			return nil, nil, fmt.Errorf("event %d (%s of %s): no key", i, e.Type, e.Subject)
		}
		if e.Time.IsZero() {
			return nil, nil, fmt.Errorf("event %q: no time", e.Key)
		}
		if e.Source != "" && e.Source != snap.Source {
			return nil, nil, fmt.Errorf("event %q: from source %q", e.Key, e.Source)
		}
	}
	return facts, scope, nil
}

// lockSource creates the source's row if needed and locks it for the
// transaction, so that Applies of one source are serialised. It returns the
// moment to record the snapshot at: taken, or the source's latest recorded
// moment if that is later.
func (s *sqlStore) lockSource(ctx context.Context, tx *sql.Tx, source string, taken int64) (int64, error) {
	if _, err := tx.ExecContext(ctx, s.d.rebind(
		"INSERT INTO sources (name, last_attempt) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"),
		source, taken); err != nil {
		return 0, fmt.Errorf("add source: %w", err)
	}
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, s.d.rebind("SELECT last_success FROM sources WHERE name = ?"+s.d.forUpdate),
		source).Scan(&last); err != nil {
		return 0, fmt.Errorf("lock source: %w", err)
	}
	return max(taken, last.Int64), nil
}

// openFacts returns the open versions of source by fact key.
func (s *sqlStore) openFacts(ctx context.Context, tx *sql.Tx, source string) (map[string]openFact, error) {
	rows, err := tx.QueryContext(ctx, s.d.rebind(
		"SELECT id, fact_key, owner, hash, valid_from FROM facts WHERE source = ? AND valid_to = ?"),
		source, int64(openEnd))
	if err != nil {
		return nil, fmt.Errorf("read open facts: %w", err)
	}
	defer rows.Close()
	open := make(map[string]openFact)
	for rows.Next() {
		var (
			key string
			v   openFact
		)
		if err := rows.Scan(&v.id, &key, &v.owner, &v.hash, &v.from); err != nil {
			return nil, fmt.Errorf("read open facts: %w", err)
		}
		open[key] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read open facts: %w", err)
	}
	return open, nil
}

// execIDs runs query, whose last parameter is a JSON list of ids and whose
// first (unless first is nil) is first, if there are any ids.
func (s *sqlStore) execIDs(ctx context.Context, tx *sql.Tx, query string, first any, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	args := []any{string(list)}
	if first != nil {
		args = []any{first, string(list)}
	}
	_, err = tx.ExecContext(ctx, s.d.rebind(query), args...)
	return err
}

// insertFacts inserts facts as versions of source open from at, in batches
// of insertBatch rows a statement.
func (s *sqlStore) insertFacts(ctx context.Context, tx *sql.Tx, source string, at int64, facts []pendingFact) error {
	var full *sql.Stmt
	args := make([]any, 0, 12*min(len(facts), insertBatch))
	for start := 0; start < len(facts); start += insertBatch {
		batch := facts[start:min(start+insertBatch, len(facts))]
		args = args[:0]
		for _, p := range batch {
			f := p.fact
			attrs, err := encodeAttrs(f.Attrs)
			if err != nil {
				return fmt.Errorf("fact %q: %w", p.key, err)
			}
			args = append(args, source, p.key, string(f.Owner), string(f.Subject), string(f.Kind), f.Name,
				string(f.Rel), string(f.Object), attrs, p.hash, at, int64(openEnd))
		}
		if len(batch) < insertBatch {
			if _, err := tx.ExecContext(ctx, s.insertFactsSQL(len(batch)), args...); err != nil {
				return err
			}
			continue
		}
		if full == nil {
			var err error
			if full, err = tx.PrepareContext(ctx, s.insertFactsSQL(insertBatch)); err != nil {
				return err
			}
			defer full.Close()
		}
		if _, err := full.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// insertFactsSQL returns the statement inserting rows facts.
func (s *sqlStore) insertFactsSQL(rows int) string {
	return s.d.rebind(insertSQL(
		"facts (source, fact_key, owner, subject, kind, name, rel, object, attrs, hash, valid_from, valid_to)",
		12, rows, ""))
}

// insertEvents inserts the events of source not stored yet and returns how
// many it inserted.
func (s *sqlStore) insertEvents(ctx context.Context, tx *sql.Tx, source string, events []model.Event) (int, error) {
	const cols = 7
	inserted := 0
	for start := 0; start < len(events); start += insertBatch {
		batch := events[start:min(start+insertBatch, len(events))]
		args := make([]any, 0, cols*len(batch))
		for _, e := range batch {
			args = append(args, source, e.Key, micros(e.Time), string(e.Subject), e.Type, e.User, e.Message)
		}
		res, err := tx.ExecContext(ctx, s.d.rebind(insertSQL(
			"events (source, event_key, event_time, subject, event_type, user_name, message)", cols, len(batch),
			" ON CONFLICT (source, event_key) DO NOTHING")), args...)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		inserted += int(n)
	}
	return inserted, nil
}

// insertSQL returns "INSERT INTO table VALUES (?, …), …suffix" for rows rows
// of cols columns.
func insertSQL(table string, cols, rows int, suffix string) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	var b strings.Builder
	b.Grow(len(table) + 20 + rows*(len(row)+2) + len(suffix))
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(suffix)
	return b.String()
}

// encodeAttrs returns attrs as JSON text; no attributes are "{}".
func encodeAttrs(attrs model.Attrs) (string, error) {
	if len(attrs) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(attrs)
	return string(b), err
}

// decodeAttrs reads attributes stored by encodeAttrs; "{}" comes back nil.
func decodeAttrs(text string) (model.Attrs, error) {
	if text == "{}" {
		return nil, nil
	}
	var attrs model.Attrs
	err := json.Unmarshal([]byte(text), &attrs)
	return attrs, err
}

// MarkFailed implements Store. cause may be nil; its text is stored.
func (s *sqlStore) MarkFailed(ctx context.Context, source string, t time.Time, cause error) error {
	if source == "" || t.IsZero() {
		return fmt.Errorf("store: mark %q failed at %v: no source name or time", source, t)
	}
	text := ""
	if cause != nil {
		text = cause.Error()
	}
	if _, err := s.db.ExecContext(ctx, s.d.rebind(`INSERT INTO sources (name, last_attempt, stale, last_error)
		VALUES (?, ?, TRUE, ?)
		ON CONFLICT (name) DO UPDATE SET last_attempt = excluded.last_attempt, stale = TRUE, last_error = excluded.last_error`),
		source, micros(t), text); err != nil {
		return fmt.Errorf("store: mark %s failed: %w", source, err)
	}
	return nil
}

// Contents implements Store.
func (s *sqlStore) Contents(ctx context.Context) (Contents, error) {
	var c Contents
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM facts), EXISTS (SELECT 1 FROM flow_minutes) OR EXISTS (SELECT 1 FROM link_minutes) OR EXISTS (SELECT 1 FROM port_counter_minutes)`).Scan(&c.Facts, &c.Flows)
	if err != nil {
		return c, fmt.Errorf("store: contents: %w", err)
	}
	return c, nil
}

// Sources implements Store, ordered by name.
func (s *sqlStore) Sources(ctx context.Context) ([]SourceState, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT name, last_success, last_attempt, stale, last_error, skipped_rows, failed_tables FROM sources")
	if err != nil {
		return nil, fmt.Errorf("store: read sources: %w", err)
	}
	defer rows.Close()
	var states []SourceState
	for rows.Next() {
		var (
			st      SourceState
			success sql.NullInt64
			attempt int64
		)
		if err := rows.Scan(&st.Name, &success, &attempt, &st.Stale, &st.LastError, &st.SkippedRows, &st.FailedTables); err != nil {
			return nil, fmt.Errorf("store: read sources: %w", err)
		}
		if success.Valid {
			st.LastSuccess = fromMicros(success.Int64)
		}
		st.LastAttempt = fromMicros(attempt)
		states = append(states, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read sources: %w", err)
	}
	// Sorted here rather than by the database, whose text collation differs
	// between backends.
	slices.SortFunc(states, func(a, b SourceState) int { return strings.Compare(a.Name, b.Name) })
	return states, nil
}

// versionColumns are the columns scanVersions reads, in order.
const versionColumns = "source, owner, subject, kind, name, rel, object, attrs, valid_from, valid_to"

// FactsAt implements Store, in the order the versions were recorded (by key
// within one Apply).
func (s *sqlStore) FactsAt(ctx context.Context, t time.Time) ([]model.Version, error) {
	at := micros(t)
	vs, err := s.versions(ctx, "SELECT "+versionColumns+" FROM facts WHERE valid_to > ? AND valid_from <= ? ORDER BY id", at, at)
	if err != nil {
		return nil, fmt.Errorf("store: facts at %s: %w", t.UTC().Format(time.RFC3339Nano), err)
	}
	return vs, nil
}

// Changes returns the latest moment at or before t at which a fact version
// began or ended (zero when none did), and the first such moment after t
// (zero when none did yet): the facts valid at t are those valid at every
// moment of [last, next). Four index lookups, whatever the store's size.
func (s *sqlStore) Changes(ctx context.Context, t time.Time) (last, next time.Time, err error) {
	at := micros(t)
	var lf, lt, nf, nt sql.NullInt64
	err = s.db.QueryRowContext(ctx, s.d.rebind(`SELECT
		(SELECT MAX(valid_from) FROM facts WHERE valid_from <= ?),
		(SELECT MAX(valid_to) FROM facts WHERE valid_to <= ?),
		(SELECT MIN(valid_from) FROM facts WHERE valid_from > ?),
		(SELECT MIN(valid_to) FROM facts WHERE valid_to > ? AND valid_to < ?)`),
		at, at, at, at, int64(openEnd)).Scan(&lf, &lt, &nf, &nt)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("store: changes around %s: %w", t.UTC().Format(time.RFC3339Nano), err)
	}
	if l := max(lf.Int64, lt.Int64); lf.Valid || lt.Valid {
		last = fromMicros(l)
	}
	switch {
	case nf.Valid && nt.Valid:
		next = fromMicros(min(nf.Int64, nt.Int64))
	case nf.Valid:
		next = fromMicros(nf.Int64)
	case nt.Valid:
		next = fromMicros(nt.Int64)
	}
	return last, next, nil
}

// History implements Store; versions that start together come in the order
// they were recorded.
func (s *sqlStore) History(ctx context.Context, ids ...model.ID) ([]model.Version, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("store: history of %v: %w", ids, err)
	}
	vs, err := s.versions(ctx, "SELECT "+versionColumns+" FROM facts WHERE subject IN ("+s.d.jsonTexts+") OR object IN ("+s.d.jsonTexts+") ORDER BY valid_from, id",
		string(list), string(list))
	if err != nil {
		return nil, fmt.Errorf("store: history of %v: %w", ids, err)
	}
	return vs, nil
}

// versions runs a query selecting versionColumns.
func (s *sqlStore) versions(ctx context.Context, query string, args ...any) ([]model.Version, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []model.Version
	for rows.Next() {
		var (
			v                                       model.Version
			owner, subject, kind, rel, object, text string
			from, to                                int64
		)
		if err := rows.Scan(&v.Source, &owner, &subject, &kind, &v.Name, &rel, &object, &text, &from, &to); err != nil {
			return nil, err
		}
		v.Owner, v.Subject, v.Kind, v.Rel, v.Object = model.ID(owner), model.ID(subject), model.Kind(kind), model.RelKind(rel), model.ID(object)
		if v.Attrs, err = decodeAttrs(text); err != nil {
			return nil, fmt.Errorf("attributes of %s: %w", v.Key(), err)
		}
		v.From = fromMicros(from)
		if to != openEnd {
			v.To = fromMicros(to)
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// Events implements Store; events at the same moment come in the order they
// were stored.
func (s *sqlStore) Events(ctx context.Context, subject model.ID) ([]model.Event, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(
		"SELECT source, event_key, event_time, event_type, user_name, message FROM events WHERE subject = ? ORDER BY event_time, id"),
		string(subject))
	if err != nil {
		return nil, fmt.Errorf("store: events of %s: %w", subject, err)
	}
	defer rows.Close()
	var events []model.Event
	for rows.Next() {
		e := model.Event{Subject: subject}
		var at int64
		if err := rows.Scan(&e.Source, &e.Key, &at, &e.Type, &e.User, &e.Message); err != nil {
			return nil, fmt.Errorf("store: events of %s: %w", subject, err)
		}
		e.Time = fromMicros(at)
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: events of %s: %w", subject, err)
	}
	return events, nil
}

// Close implements Store.
func (s *sqlStore) Close() error {
	return s.db.Close()
}
