package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
)

var _ flow.Sink = (Store)(nil)

// flowKey identifies a flow_minutes row.
type flowKey struct {
	minute   int64
	src, dst flow.Endpoint
	proto    uint8
	dstPort  uint16
}

// linkKey identifies a link_minutes row.
type linkKey struct {
	minute                   int64
	port, channel, direction string
}

// flowCols and linkCols are the columns of a flow_minutes and a
// link_minutes row, in the order they are written and read.
const (
	flowCols = "minute, src_class, src_vm, src_app, src_addr, dst_class, dst_vm, dst_app, dst_addr, proto, dst_port, bytes, packets, flows"
	linkCols = "minute, port, channel, direction, bytes, packets"
)

// flowBatch and linkBatch are how many rows one INSERT carries (14 and 6
// parameters a row: well below the parameter limits of both backends).
const (
	flowBatch = 500
	linkBatch = 1000
)

// satAdd is a + b, or the largest stored counter when that overflows it.
func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a && s <= math.MaxInt64 {
		return s
	}
	return math.MaxInt64
}

// stored converts a counter to its stored form, saturating at 2^63-1.
func stored(n uint64) int64 { return int64(min(n, math.MaxInt64)) }

// addCounters is the DO UPDATE clause that adds the excluded row's counters
// to the stored row's, saturating at 2^63-1.
func addCounters(table string, cols ...string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%[2]s = CASE WHEN %[1]s.%[2]s > 9223372036854775807 - excluded.%[2]s THEN 9223372036854775807 ELSE %[1]s.%[2]s + excluded.%[2]s END", table, c)
	}
	return strings.Join(parts, ", ")
}

// WriteFlows implements Store. Rows of one key within the call are added
// together first (one statement may not update a row twice), and rows are
// written in key order, so concurrent writers lock rows in the same order
// and never deadlock.
func (s *sqlStore) WriteFlows(ctx context.Context, minutes []flow.Minute, links []flow.LinkMinute) error {
	fs, ls, err := mergeFlows(minutes, links)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidFlows, err)
	}
	if len(fs) == 0 && len(ls) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: write flows: %w", err)
	}
	defer tx.Rollback()
	if err := s.insertFlows(ctx, tx, fs); err != nil {
		return fmt.Errorf("store: write %d flow minutes: %w", len(fs), err)
	}
	if err := s.insertLinks(ctx, tx, ls); err != nil {
		return fmt.Errorf("store: write %d link minutes: %w", len(ls), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: write flows: %w", err)
	}
	return nil
}

// mergeFlows checks the rows, truncates their minutes and adds the rows of
// one key together; it returns them in key order.
func mergeFlows(minutes []flow.Minute, links []flow.LinkMinute) ([]flow.Minute, []flow.LinkMinute, error) {
	fi := make(map[flowKey]int, len(minutes))
	fs := make([]flow.Minute, 0, len(minutes))
	for i, m := range minutes {
		if m.Start.IsZero() {
			return nil, nil, fmt.Errorf("flow minute %d (%s %s → %s %s): no start", i, m.Src.Class, m.Src.Addr, m.Dst.Class, m.Dst.Addr)
		}
		m.Start = m.Start.UTC().Truncate(time.Minute)
		k := flowKey{micros(m.Start), m.Src, m.Dst, m.Proto, m.DstPort}
		if j, ok := fi[k]; ok {
			fs[j].Bytes, fs[j].Packets, fs[j].Flows = satAdd(fs[j].Bytes, m.Bytes), satAdd(fs[j].Packets, m.Packets), satAdd(fs[j].Flows, m.Flows)
			continue
		}
		fi[k] = len(fs)
		fs = append(fs, m)
	}
	li := make(map[linkKey]int, len(links))
	ls := make([]flow.LinkMinute, 0, len(links))
	for i, l := range links {
		switch {
		case l.Start.IsZero():
			return nil, nil, fmt.Errorf("link minute %d (%s): no start", i, l.Port)
		case l.Port == "":
			return nil, nil, fmt.Errorf("link minute %d: no port", i)
		case l.Direction != flow.LinkIn && l.Direction != flow.LinkOut:
			return nil, nil, fmt.Errorf("link minute %d (%s): direction %q is neither %q nor %q", i, l.Port, l.Direction, flow.LinkIn, flow.LinkOut)
		}
		l.Start = l.Start.UTC().Truncate(time.Minute)
		k := linkKey{micros(l.Start), l.Port, l.Channel, l.Direction}
		if j, ok := li[k]; ok {
			ls[j].Bytes, ls[j].Packets = satAdd(ls[j].Bytes, l.Bytes), satAdd(ls[j].Packets, l.Packets)
			continue
		}
		li[k] = len(ls)
		ls = append(ls, l)
	}
	slices.SortFunc(fs, compareFlows)
	slices.SortFunc(ls, compareLinks)
	return fs, ls, nil
}

// compareEndpoints orders endpoints field by field.
func compareEndpoints(a, b flow.Endpoint) int {
	return cmp.Or(strings.Compare(a.Class, b.Class), strings.Compare(a.VM, b.VM),
		strings.Compare(a.App, b.App), strings.Compare(a.Addr, b.Addr))
}

// compareFlows orders flow minutes by minute, then key.
func compareFlows(a, b flow.Minute) int {
	return cmp.Or(a.Start.Compare(b.Start), compareEndpoints(a.Src, b.Src), compareEndpoints(a.Dst, b.Dst),
		cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.DstPort, b.DstPort))
}

// compareLinks orders link minutes by minute, then port, port-channel and
// direction.
func compareLinks(a, b flow.LinkMinute) int {
	return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.Port, b.Port),
		strings.Compare(a.Channel, b.Channel), strings.Compare(a.Direction, b.Direction))
}

// insertFlows upserts fs in batches of flowBatch rows a statement.
func (s *sqlStore) insertFlows(ctx context.Context, tx *sql.Tx, fs []flow.Minute) error {
	const cols = 14
	suffix := " ON CONFLICT (minute, src_class, src_vm, src_app, src_addr, dst_class, dst_vm, dst_app, dst_addr, proto, dst_port) DO UPDATE SET " +
		addCounters("flow_minutes", "bytes", "packets", "flows")
	args := make([]any, 0, cols*min(len(fs), flowBatch))
	return s.batches(ctx, tx, len(fs), flowBatch, func(rows int) string {
		return s.d.rebind(insertSQL("flow_minutes ("+flowCols+")", cols, rows, suffix))
	}, func(start, end int) []any {
		args = args[:0]
		for _, m := range fs[start:end] {
			args = append(args, micros(m.Start), m.Src.Class, m.Src.VM, m.Src.App, m.Src.Addr,
				m.Dst.Class, m.Dst.VM, m.Dst.App, m.Dst.Addr, int64(m.Proto), int64(m.DstPort),
				stored(m.Bytes), stored(m.Packets), stored(m.Flows))
		}
		return args
	})
}

// insertLinks upserts ls in batches of linkBatch rows a statement.
func (s *sqlStore) insertLinks(ctx context.Context, tx *sql.Tx, ls []flow.LinkMinute) error {
	const cols = 6
	suffix := " ON CONFLICT (minute, port, channel, direction) DO UPDATE SET " + addCounters("link_minutes", "bytes", "packets")
	args := make([]any, 0, cols*min(len(ls), linkBatch))
	return s.batches(ctx, tx, len(ls), linkBatch, func(rows int) string {
		return s.d.rebind(insertSQL("link_minutes ("+linkCols+")", cols, rows, suffix))
	}, func(start, end int) []any {
		args = args[:0]
		for _, l := range ls[start:end] {
			args = append(args, micros(l.Start), l.Port, l.Channel, l.Direction, stored(l.Bytes), stored(l.Packets))
		}
		return args
	})
}

// batches runs the statement query(rows) over n rows, batch rows at a time,
// with the arguments of rows [start, end) from args. The statement for a
// full batch is prepared once.
func (s *sqlStore) batches(ctx context.Context, tx *sql.Tx, n, batch int, query func(rows int) string, args func(start, end int) []any) error {
	var full *sql.Stmt
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		if end-start < batch {
			if _, err := tx.ExecContext(ctx, query(end-start), args(start, end)...); err != nil {
				return err
			}
			continue
		}
		if full == nil {
			var err error
			if full, err = tx.PrepareContext(ctx, query(batch)); err != nil {
				return err
			}
			defer full.Close()
		}
		if _, err := full.ExecContext(ctx, args(start, end)...); err != nil {
			return err
		}
	}
	return nil
}

// flowWhere returns the WHERE clause and its arguments for f.
func flowWhere(f FlowFilter) (string, []any) {
	where := "minute >= ?"
	args := []any{micros(f.From)}
	if !f.To.IsZero() {
		where += " AND minute < ?"
		args = append(args, micros(f.To))
	}
	if f.VM != "" {
		where += " AND (src_vm = ? OR dst_vm = ?)"
		args = append(args, f.VM, f.VM)
	}
	if f.App != "" {
		// A superset (LIKE ignores case on SQLite); hasApp decides.
		like := "%" + likeEscaper.Replace(f.App) + "%"
		where += ` AND (src_app LIKE ? ESCAPE '\' OR dst_app LIKE ? ESCAPE '\')`
		args = append(args, like, like)
	}
	return where, args
}

// likeEscaper escapes the LIKE wildcards and the escape character itself.
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// hasApp reports whether the comma-separated applications of an endpoint
// include app.
func hasApp(apps, app string) bool {
	for a := range strings.SplitSeq(apps, ",") {
		if a == app {
			return true
		}
	}
	return false
}

// selects reports whether m passes f's application condition (the rest is
// decided by the query).
func (f FlowFilter) selects(m *flow.Minute) bool {
	return f.App == "" || hasApp(m.Src.App, f.App) || hasApp(m.Dst.App, f.App)
}

// FlowMinutes implements Store; rows of one minute come in key order.
func (s *sqlStore) FlowMinutes(ctx context.Context, f FlowFilter) ([]flow.Minute, error) {
	var ms []flow.Minute
	where, args := flowWhere(f)
	if err := s.scanFlows(ctx, "SELECT "+flowCols+" FROM flow_minutes WHERE "+where, args, f, func(m flow.Minute) { ms = append(ms, m) }); err != nil {
		return nil, err
	}
	slices.SortFunc(ms, compareFlows)
	return ms, nil
}

// flowKeyCols are the columns of a flow minute's key but the minute.
const flowKeyCols = "src_class, src_vm, src_app, src_addr, dst_class, dst_vm, dst_app, dst_addr, proto, dst_port"

// FlowTotals implements Store; keys of equal bytes come in key order. The
// database sums; when a sum overflows its integers (counters near the
// limit, from a hostile exporter) the rows are summed here instead,
// saturating.
func (s *sqlStore) FlowTotals(ctx context.Context, f FlowFilter) ([]flow.Minute, error) {
	where, args := flowWhere(f)
	var ms []flow.Minute
	err := s.scanFlows(ctx, "SELECT MIN(minute), "+flowKeyCols+
		", CAST(SUM(bytes) AS BIGINT), CAST(SUM(packets) AS BIGINT), CAST(SUM(flows) AS BIGINT) FROM flow_minutes WHERE "+
		where+" GROUP BY "+flowKeyCols, args, f, func(m flow.Minute) { ms = append(ms, m) })
	if err != nil {
		if ms, err = s.sumFlows(ctx, f); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(ms, func(a, b flow.Minute) int {
		return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), compareEndpoints(a.Src, b.Src), compareEndpoints(a.Dst, b.Dst),
			cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.DstPort, b.DstPort))
	})
	return ms, nil
}

// sumFlows is FlowTotals summing the rows here, saturating.
func (s *sqlStore) sumFlows(ctx context.Context, f FlowFilter) ([]flow.Minute, error) {
	idx := map[flowKey]int{}
	var ms []flow.Minute
	where, args := flowWhere(f)
	err := s.scanFlows(ctx, "SELECT "+flowCols+" FROM flow_minutes WHERE "+where, args, f, func(m flow.Minute) {
		k := flowKey{src: m.Src, dst: m.Dst, proto: m.Proto, dstPort: m.DstPort}
		j, ok := idx[k]
		if !ok {
			idx[k] = len(ms)
			ms = append(ms, m)
			return
		}
		t := &ms[j]
		if m.Start.Before(t.Start) {
			t.Start = m.Start
		}
		t.Bytes, t.Packets, t.Flows = satAdd(t.Bytes, m.Bytes), satAdd(t.Packets, m.Packets), satAdd(t.Flows, m.Flows)
	})
	return ms, err
}

// scanFlows runs query, which selects the columns flowCols names (or
// aggregates of them, in that order), and calls each for every row that
// passes f's application condition.
func (s *sqlStore) scanFlows(ctx context.Context, query string, args []any, f FlowFilter, each func(flow.Minute)) error {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return fmt.Errorf("store: read flow minutes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			m                      flow.Minute
			minute, proto, port    int64
			bytes, packets, nflows int64
		)
		if err := rows.Scan(&minute, &m.Src.Class, &m.Src.VM, &m.Src.App, &m.Src.Addr,
			&m.Dst.Class, &m.Dst.VM, &m.Dst.App, &m.Dst.Addr, &proto, &port, &bytes, &packets, &nflows); err != nil {
			return fmt.Errorf("store: read flow minutes: %w", err)
		}
		m.Start = fromMicros(minute)
		m.Proto, m.DstPort = uint8(proto), uint16(port)
		m.Bytes, m.Packets, m.Flows = uint64(bytes), uint64(packets), uint64(nflows)
		if f.selects(&m) {
			each(m)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read flow minutes: %w", err)
	}
	return nil
}

// LinkMinutes implements Store; rows of one minute come in port order.
func (s *sqlStore) LinkMinutes(ctx context.Context, from, to time.Time) ([]flow.LinkMinute, error) {
	var ls []flow.LinkMinute
	if err := s.scanLinks(ctx, from, to, func(l flow.LinkMinute) { ls = append(ls, l) }); err != nil {
		return nil, err
	}
	slices.SortFunc(ls, compareLinks)
	return ls, nil
}

// LinkTotals implements Store, summing here like FlowTotals.
func (s *sqlStore) LinkTotals(ctx context.Context, from, to time.Time) ([]flow.LinkMinute, error) {
	idx := map[linkKey]int{}
	var ls []flow.LinkMinute
	err := s.scanLinks(ctx, from, to, func(l flow.LinkMinute) {
		k := linkKey{port: l.Port, channel: l.Channel, direction: l.Direction}
		j, ok := idx[k]
		if !ok {
			idx[k] = len(ls)
			ls = append(ls, l)
			return
		}
		t := &ls[j]
		if l.Start.Before(t.Start) {
			t.Start = l.Start
		}
		t.Bytes, t.Packets = satAdd(t.Bytes, l.Bytes), satAdd(t.Packets, l.Packets)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ls, func(a, b flow.LinkMinute) int {
		return cmp.Or(strings.Compare(a.Port, b.Port), strings.Compare(a.Direction, b.Direction), strings.Compare(a.Channel, b.Channel))
	})
	return ls, nil
}

// scanLinks calls each for every link minute starting in [from, to) (a
// zero to is no upper bound).
func (s *sqlStore) scanLinks(ctx context.Context, from, to time.Time, each func(flow.LinkMinute)) error {
	where := "minute >= ?"
	args := []any{micros(from)}
	if !to.IsZero() {
		where += " AND minute < ?"
		args = append(args, micros(to))
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind("SELECT "+linkCols+" FROM link_minutes WHERE "+where), args...)
	if err != nil {
		return fmt.Errorf("store: read link minutes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			l                      flow.LinkMinute
			minute, bytes, packets int64
		)
		if err := rows.Scan(&minute, &l.Port, &l.Channel, &l.Direction, &bytes, &packets); err != nil {
			return fmt.Errorf("store: read link minutes: %w", err)
		}
		l.Start = fromMicros(minute)
		l.Bytes, l.Packets = uint64(bytes), uint64(packets)
		each(l)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read link minutes: %w", err)
	}
	return nil
}

// PruneFlows implements Store, in one transaction.
func (s *sqlStore) PruneFlows(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: prune flows: %w", err)
	}
	defer tx.Rollback()
	var n int64
	for _, table := range []string{"flow_minutes", "link_minutes", "port_counter_minutes"} {
		res, err := tx.ExecContext(ctx, s.d.rebind("DELETE FROM "+table+" WHERE minute < ?"), micros(before))
		if err != nil {
			return 0, fmt.Errorf("store: prune %s before %s: %w", table, before.UTC().Format(time.RFC3339), err)
		}
		d, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("store: prune %s: %w", table, err)
		}
		n += d
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: prune flows: %w", err)
	}
	return n, nil
}
