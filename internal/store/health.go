package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vnetmap/vnetmap/internal/model"
)

// Health is the stored health of one table of one device: what the latest
// run of Source that read the device said of it, recorded at Taken. A
// device that a later run kept without reading (model.Snapshot.Keep) keeps
// its earlier rows, so Taken older than the source's last success says the
// device has not been read since.
type Health struct {
	model.TableHealth
	Source string    `json:"source"`
	Taken  time.Time `json:"taken"`
}

// HealthFilter selects stored health rows: those of Source, of Device, or
// of both when both are set; the zero filter selects every row.
type HealthFilter struct {
	Source string
	Device model.ID
}

// Bounds of the stored health. A hostile or broken device must not make
// the store grow without limit: rows past MaxHealthRows of a source are
// not stored, reasons past MaxHealthReasons of a table are added up under
// "other", and texts are cut.
const (
	// MaxHealthRows is the most health rows stored per source (a row is
	// one table of one device: 100,000 is some 10,000 switches).
	MaxHealthRows = 100_000
	// MaxHealthReasons is the most distinct skip reasons stored per table.
	MaxHealthReasons = 16
	// maxHealthName bounds a device, address, group, table or reason.
	maxHealthName = 200
	// maxHealthText bounds an example or an error.
	maxHealthText = 1000
)

// OtherReason is the reason that adds up the rows skipped for reasons past
// MaxHealthReasons.
const OtherReason = "other"

// checkHealth returns an error naming the first health row of snap that is
// a source bug: one without a device or a table.
func checkHealth(snap model.Snapshot) error {
	for i, h := range snap.Health {
		if h.Device == "" || h.Table == "" {
			return fmt.Errorf("health %d (%s of %s): no device or table", i, h.Table, h.Device)
		}
	}
	return nil
}

// replaceHealth records the health rows of snap, which checkHealth
// accepted, in the transaction of its Apply at moment at. A full snapshot
// replaces every row of its source but those of devices it keeps without
// reading; a scoped one replaces the rows of the devices its health names
// (none when it has none). The source's totals are brought up to date.
func (s *sqlStore) replaceHealth(ctx context.Context, tx *sql.Tx, snap model.Snapshot, at int64) error {
	if snap.Scope != nil && len(snap.Health) == 0 {
		return nil
	}
	read := make(map[model.ID]bool, 16)
	for _, h := range snap.Health {
		read[h.Device] = true
	}
	// A scoped snapshot replaces the devices it read; a full one all but
	// those it kept unread.
	del, ids := "DELETE FROM collection_health WHERE source = ? AND device IN ("+s.d.jsonTexts+")", slices.Sorted(maps.Keys(read))
	if snap.Scope == nil {
		del, ids = "DELETE FROM collection_health WHERE source = ? AND device NOT IN ("+s.d.jsonTexts+")", nil
		for _, id := range snap.Keep {
			if !read[id] {
				ids = append(ids, id)
			}
		}
	}
	deleted, err := s.execTexts(ctx, tx, del, snap.Source, ids)
	if err != nil {
		return fmt.Errorf("replace health: %w", err)
	}
	if len(snap.Health) == 0 && deleted == 0 {
		return nil // a source without health (most): nothing changed
	}
	var stored int
	if err := tx.QueryRowContext(ctx, s.d.rebind("SELECT COUNT(*) FROM collection_health WHERE source = ?"),
		snap.Source).Scan(&stored); err != nil {
		return fmt.Errorf("count health: %w", err)
	}
	rows := snap.Health[:min(len(snap.Health), max(s.healthCap()-stored, 0))]
	const cols = 13
	for start := 0; start < len(rows); start += insertBatch {
		batch := rows[start:min(start+insertBatch, len(rows))]
		args := make([]any, 0, cols*len(batch))
		for _, h := range batch {
			reasons, err := encodeReasons(h.Reasons)
			if err != nil {
				return fmt.Errorf("health of %s %s: %w", h.Device, h.Table, err)
			}
			args = append(args, snap.Source, cleanText(string(h.Device), maxHealthName), cleanText(h.Address, maxHealthName),
				cleanText(h.Group, maxHealthName), cleanText(h.Table, maxHealthName), h.Rows, h.Kept, h.Skipped, reasons,
				cleanText(h.Example, maxHealthText), cleanText(h.Error, maxHealthText), h.Duration.Microseconds(), at)
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(insertSQL(
			"collection_health (source, device, address, grp, tbl, rows_read, rows_kept, skipped, reasons, example, error, duration_us, taken)",
			cols, len(batch), "")), args...); err != nil {
			return fmt.Errorf("insert health: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE sources SET
		skipped_rows = (SELECT COALESCE(SUM(skipped), 0) FROM collection_health WHERE source = ?),
		failed_tables = (SELECT COUNT(*) FROM collection_health WHERE source = ? AND error <> '')
		WHERE name = ?`), snap.Source, snap.Source, snap.Source); err != nil {
		return fmt.Errorf("health totals: %w", err)
	}
	return nil
}

// healthCap is the most health rows stored per source: MaxHealthRows,
// unless a test set a smaller cap.
func (s *sqlStore) healthCap() int {
	if s.maxHealthRows > 0 {
		return s.maxHealthRows
	}
	return MaxHealthRows
}

// execTexts runs query with first and a JSON list of ids as parameters and
// returns how many rows it affected.
func (s *sqlStore) execTexts(ctx context.Context, tx *sql.Tx, query, first string, ids []model.ID) (int64, error) {
	if ids == nil {
		ids = []model.ID{}
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, s.d.rebind(query), first, string(list))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// cleanText returns s as text both databases store: valid UTF-8 without
// NUL bytes (PostgreSQL refuses either; a device's bytes may hold both),
// cut to at most n bytes on a character boundary.
func cleanText(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// encodeReasons returns reasons, capped by CapReasons to
// MaxHealthReasons, as a JSON object; no reasons are "{}".
func encodeReasons(reasons map[string]int) (string, error) {
	if len(reasons) == 0 {
		return "{}", nil
	}
	clean := make(map[string]int, len(reasons))
	for name, n := range reasons {
		clean[cleanText(name, maxHealthName)] += n
	}
	b, err := json.Marshal(CapReasons(clean, MaxHealthReasons))
	return string(b), err
}

// CapReasons returns reasons (reason → rows) with at most n entries: the
// largest counts (then the first names) are kept and the rest added up under
// OtherReason, so no row is lost from the total. reasons is returned as it
// is when it has n entries or fewer.
func CapReasons(reasons map[string]int, n int) map[string]int {
	if len(reasons) <= n {
		return reasons
	}
	names := slices.SortedFunc(maps.Keys(reasons), func(a, b string) int {
		return cmp.Or(cmp.Compare(reasons[b], reasons[a]), strings.Compare(a, b))
	})
	out := make(map[string]int, n)
	for i, name := range names {
		if i < n-1 {
			out[name] += reasons[name]
		} else {
			out[OtherReason] += reasons[name]
		}
	}
	return out
}

// Health implements Store: rows by source, then in the order they were
// written (a source's tables in reading order).
func (s *sqlStore) Health(ctx context.Context, f HealthFilter) ([]Health, error) {
	q := `SELECT source, device, address, grp, tbl, rows_read, rows_kept, skipped, reasons, example, error, duration_us, taken
		FROM collection_health WHERE 1 = 1`
	var args []any
	if f.Source != "" {
		q += " AND source = ?"
		args = append(args, f.Source)
	}
	if f.Device != "" {
		q += " AND device = ?"
		args = append(args, string(f.Device))
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(q+" ORDER BY id"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: read health: %w", err)
	}
	defer rows.Close()
	var hs []Health
	for rows.Next() {
		var (
			h               Health
			device, reasons string
			dur, taken      int64
		)
		if err := rows.Scan(&h.Source, &device, &h.Address, &h.Group, &h.Table, &h.Rows, &h.Kept, &h.Skipped,
			&reasons, &h.Example, &h.Error, &dur, &taken); err != nil {
			return nil, fmt.Errorf("store: read health: %w", err)
		}
		h.Device, h.Duration, h.Taken = model.ID(device), time.Duration(dur)*time.Microsecond, fromMicros(taken)
		if reasons != "{}" {
			if err := json.Unmarshal([]byte(reasons), &h.Reasons); err != nil {
				return nil, fmt.Errorf("store: read health: reasons of %s %s: %w", device, h.Table, err)
			}
		}
		hs = append(hs, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read health: %w", err)
	}
	// Stable, so each source's rows stay in the order written; sources are
	// sorted here rather than by the database, whose collation differs.
	slices.SortStableFunc(hs, func(a, b Health) int { return strings.Compare(a.Source, b.Source) })
	return hs, nil
}
