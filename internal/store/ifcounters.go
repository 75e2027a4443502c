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

var _ flow.CounterSink = (Store)(nil)

// counterCols are the columns of a port_counter_minutes row, in the order
// they are written and read.
const counterCols = "minute, port, covered_us, in_octets, out_octets, in_packets, out_packets, in_errors, out_errors, " +
	"in_discards, out_discards, samples, speed, oper_up, last_sample"

// counterBatch is how many rows one INSERT carries (15 parameters a row).
const counterBatch = 500

// counterKey identifies a port_counter_minutes row.
type counterKey struct {
	minute int64
	port   string
}

// addPortCounters adds b's differences to a's, saturating, and takes b's
// speed and status when its last sample is the later.
func addPortCounters(a *flow.PortCounters, b flow.PortCounters) {
	a.Covered = time.Duration(satAdd(uint64(a.Covered), uint64(b.Covered)))
	a.InOctets, a.OutOctets = satAdd(a.InOctets, b.InOctets), satAdd(a.OutOctets, b.OutOctets)
	a.InPackets, a.OutPackets = satAdd(a.InPackets, b.InPackets), satAdd(a.OutPackets, b.OutPackets)
	a.InErrors, a.OutErrors = satAdd(a.InErrors, b.InErrors), satAdd(a.OutErrors, b.OutErrors)
	a.InDiscards, a.OutDiscards = satAdd(a.InDiscards, b.InDiscards), satAdd(a.OutDiscards, b.OutDiscards)
	a.Samples = satAdd(a.Samples, b.Samples)
	if !b.Last.Before(a.Last) {
		a.Speed, a.OperUp, a.Last = b.Speed, b.OperUp, b.Last
	}
}

// WriteCounters implements Store (and flow.CounterSink) like WriteFlows:
// one transaction, rows of one key added together first and written in key
// order. A zero Start, an empty Port or a negative Covered is rejected with
// an error wrapping ErrInvalidFlows, and nothing is recorded.
func (s *sqlStore) WriteCounters(ctx context.Context, counters []flow.PortCounters) error {
	idx := make(map[counterKey]int, len(counters))
	rows := make([]flow.PortCounters, 0, len(counters))
	for i, c := range counters {
		switch {
		case c.Start.IsZero():
			return fmt.Errorf("%w: port counters %d (%s): no start", ErrInvalidFlows, i, c.Port)
		case c.Port == "":
			return fmt.Errorf("%w: port counters %d: no port", ErrInvalidFlows, i)
		case c.Covered < 0:
			return fmt.Errorf("%w: port counters %d (%s): covered time %v is negative", ErrInvalidFlows, i, c.Port, c.Covered)
		}
		c.Start = c.Start.UTC().Truncate(time.Minute)
		k := counterKey{micros(c.Start), c.Port}
		if j, ok := idx[k]; ok {
			addPortCounters(&rows[j], c)
			continue
		}
		idx[k] = len(rows)
		rows = append(rows, c)
	}
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b flow.PortCounters) int {
		return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.Port, b.Port))
	})
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: write port counters: %w", err)
	}
	defer tx.Rollback()
	if err := s.insertCounters(ctx, tx, rows); err != nil {
		return fmt.Errorf("store: write %d port counter minutes: %w", len(rows), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: write port counters: %w", err)
	}
	return nil
}

// insertCounters upserts rows in batches of counterBatch rows a statement.
func (s *sqlStore) insertCounters(ctx context.Context, tx *sql.Tx, rows []flow.PortCounters) error {
	const cols = 15
	const t = "port_counter_minutes"
	latest := func(col string) string {
		return fmt.Sprintf("%[2]s = CASE WHEN excluded.last_sample >= %[1]s.last_sample THEN excluded.%[2]s ELSE %[1]s.%[2]s END", t, col)
	}
	suffix := " ON CONFLICT (minute, port) DO UPDATE SET " +
		addCounters(t, "covered_us", "in_octets", "out_octets", "in_packets", "out_packets", "in_errors", "out_errors",
			"in_discards", "out_discards", "samples") +
		", " + latest("speed") + ", " + latest("oper_up") + ", " + latest("last_sample")
	args := make([]any, 0, cols*min(len(rows), counterBatch))
	return s.batches(ctx, tx, len(rows), counterBatch, func(n int) string {
		return s.d.rebind(insertSQL(t+" ("+counterCols+")", cols, n, suffix))
	}, func(start, end int) []any {
		args = args[:0]
		for _, c := range rows[start:end] {
			up := 0
			if c.OperUp {
				up = 1
			}
			args = append(args, micros(c.Start), c.Port, stored(uint64(c.Covered/time.Microsecond)),
				stored(c.InOctets), stored(c.OutOctets), stored(c.InPackets), stored(c.OutPackets),
				stored(c.InErrors), stored(c.OutErrors), stored(c.InDiscards), stored(c.OutDiscards),
				stored(c.Samples), stored(c.Speed), up, micros(c.Last))
		}
		return args
	})
}

// PortCounterMinutes implements Store.
func (s *sqlStore) PortCounterMinutes(ctx context.Context, from, to time.Time) ([]flow.PortCounters, error) {
	where := "minute >= ?"
	args := []any{micros(from)}
	if !to.IsZero() {
		where += " AND minute < ?"
		args = append(args, micros(to))
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind("SELECT "+counterCols+" FROM port_counter_minutes WHERE "+where+
		" ORDER BY minute, port"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: read port counters: %w", err)
	}
	defer rows.Close()
	var out []flow.PortCounters
	for rows.Next() {
		var (
			c                                       flow.PortCounters
			minute, covered, last, up, speed, nsamp int64
			n                                       [8]int64
		)
		if err := rows.Scan(&minute, &c.Port, &covered, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7],
			&nsamp, &speed, &up, &last); err != nil {
			return nil, fmt.Errorf("store: read port counters: %w", err)
		}
		c.Start, c.Last = fromMicros(minute), fromMicros(last)
		c.Covered = time.Duration(min(covered, math.MaxInt64/1000)) * time.Microsecond
		c.InOctets, c.OutOctets, c.InPackets, c.OutPackets = uint64(n[0]), uint64(n[1]), uint64(n[2]), uint64(n[3])
		c.InErrors, c.OutErrors, c.InDiscards, c.OutDiscards = uint64(n[4]), uint64(n[5]), uint64(n[6]), uint64(n[7])
		c.Samples, c.Speed, c.OperUp = uint64(nsamp), uint64(speed), up != 0
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read port counters: %w", err)
	}
	return out, nil
}
