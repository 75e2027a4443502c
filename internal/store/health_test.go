package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vnetmap/vnetmap/internal/model"
)

func swID(name string) model.ID { return model.NewID(model.KindSwitch, name) }

// table is the health of one table of switch sw: read rows, kept, and
// skipped by reason ("reason=n"), or failed with err.
func table(sw, group, tbl string, read, kept int, err string, reasons ...string) model.TableHealth {
	h := model.TableHealth{Device: swID(sw), Address: "192.0.2.1", Group: group, Table: tbl, Rows: read, Kept: kept,
		Error: err, Duration: 1500 * time.Microsecond}
	for _, r := range reasons {
		name, n, _ := strings.Cut(r, "=")
		if h.Reasons == nil {
			h.Reasons = map[string]int{}
		}
		var count int
		fmt.Sscan(n, &count)
		h.Reasons[name] += count
		h.Skipped += count
		h.Example = "row 1: " + name
	}
	return h
}

// describeHealth renders stored health rows for comparisons: source,
// device, table, counts, reasons, error and taken in minutes after t0.
func describeHealth(hs []Health) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s/%s %d/%d/%d", h.Source, h.Device, h.Group, h.Table, h.Rows, h.Kept, h.Skipped)
		for _, k := range slices.Sorted(maps.Keys(h.Reasons)) {
			fmt.Fprintf(&b, " %s=%d", k, h.Reasons[k])
		}
		if h.Error != "" {
			fmt.Fprintf(&b, " error=%q", h.Error)
		}
		fmt.Fprintf(&b, " @%s", minutes(h.Taken))
		out[i] = b.String()
	}
	return out
}

// TestHealth: a full snapshot replaces its source's health rows in the
// order written, but a device it keeps without reading keeps its rows (and
// their older moment); a scoped snapshot replaces only the devices its
// health names; a failed run, another source's apply and a snapshot refused
// change nothing; the source's totals follow; reads by device and source.
func TestHealth(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		withHealth := func(snap model.Snapshot, hs ...model.TableHealth) model.Snapshot {
			snap.Health = hs
			return snap
		}
		steps := []struct {
			name    string
			do      func() error
			want    []string // Health of every source
			leaf1   []string // Health of switch leaf1
			sources []SourceState
		}{{
			name: "first run",
			do: func() error {
				_, err := s.Apply(ctx, withHealth(full("fabric", 1),
					table("leaf1", "if", "ifTable", 48, 48, ""),
					table("leaf1", "if", "ifXTable", 50, 48, "", "no index=2"),
					table("leaf1", "fdb", "dot1dTpFdbTable (vlan 110)", 0, 0, "VLAN 110 context did not answer"),
					table("leaf2", "lldp", "lldpRemTable", 6, 6, "")))
				return err
			},
			want: []string{
				"fabric switch:leaf1 if/ifTable 48/48/0 @1",
				"fabric switch:leaf1 if/ifXTable 50/48/2 no index=2 @1",
				`fabric switch:leaf1 fdb/dot1dTpFdbTable (vlan 110) 0/0/0 error="VLAN 110 context did not answer" @1`,
				"fabric switch:leaf2 lldp/lldpRemTable 6/6/0 @1",
			},
			leaf1: []string{
				"fabric switch:leaf1 if/ifTable 48/48/0 @1",
				"fabric switch:leaf1 if/ifXTable 50/48/2 no index=2 @1",
				`fabric switch:leaf1 fdb/dot1dTpFdbTable (vlan 110) 0/0/0 error="VLAN 110 context did not answer" @1`,
			},
			sources: []SourceState{{Name: "fabric", LastSuccess: at(1), LastAttempt: at(1), SkippedRows: 2, FailedTables: 1}},
		}, {
			name: "a second run that could not read leaf2 keeps its rows",
			do: func() error {
				snap := withHealth(full("fabric", 2), table("leaf1", "if", "ifTable", 48, 48, ""),
					table("leaf1", "lldp", "lldpRemTable", 7, 6, "", "bad index=1"))
				snap.Keep, snap.Failures = []model.ID{swID("leaf2"), "switch:leaf2#lldp"}, []string{"192.0.2.2: timeout"}
				_, err := s.Apply(ctx, snap)
				return err
			},
			want: []string{
				"fabric switch:leaf2 lldp/lldpRemTable 6/6/0 @1",
				"fabric switch:leaf1 if/ifTable 48/48/0 @2",
				"fabric switch:leaf1 lldp/lldpRemTable 7/6/1 bad index=1 @2",
			},
			leaf1: []string{
				"fabric switch:leaf1 if/ifTable 48/48/0 @2",
				"fabric switch:leaf1 lldp/lldpRemTable 7/6/1 bad index=1 @2",
			},
			sources: []SourceState{{Name: "fabric", LastSuccess: at(2), LastAttempt: at(2), Stale: true, LastError: "192.0.2.2: timeout", SkippedRows: 1}},
		}, {
			name: "another source's runs and a failed run change nothing",
			do: func() error {
				if _, err := s.Apply(ctx, full("vc1", 3, vm("a", "on"))); err != nil {
					return err
				}
				return s.MarkFailed(ctx, "fabric", at(3), errors.New("snmp: no device answered"))
			},
			want: []string{
				"fabric switch:leaf2 lldp/lldpRemTable 6/6/0 @1",
				"fabric switch:leaf1 if/ifTable 48/48/0 @2",
				"fabric switch:leaf1 lldp/lldpRemTable 7/6/1 bad index=1 @2",
			},
			leaf1: []string{
				"fabric switch:leaf1 if/ifTable 48/48/0 @2",
				"fabric switch:leaf1 lldp/lldpRemTable 7/6/1 bad index=1 @2",
			},
			sources: []SourceState{
				{Name: "fabric", LastSuccess: at(2), LastAttempt: at(3), Stale: true, LastError: "snmp: no device answered", SkippedRows: 1},
				{Name: "vc1", LastSuccess: at(3), LastAttempt: at(3)},
			},
		}, {
			name: "a scoped snapshot without health leaves it, one with health replaces its devices",
			do: func() error {
				if _, err := s.Apply(ctx, scoped("fabric", 4, []string{"x"})); err != nil {
					return err
				}
				snap := withHealth(scoped("fabric", 5, []string{"x"}), table("leaf2", "lldp", "lldpRemTable", 5, 5, ""))
				_, err := s.Apply(ctx, snap)
				return err
			},
			want: []string{
				"fabric switch:leaf1 if/ifTable 48/48/0 @2",
				"fabric switch:leaf1 lldp/lldpRemTable 7/6/1 bad index=1 @2",
				"fabric switch:leaf2 lldp/lldpRemTable 5/5/0 @5",
			},
			leaf1: []string{
				"fabric switch:leaf1 if/ifTable 48/48/0 @2",
				"fabric switch:leaf1 lldp/lldpRemTable 7/6/1 bad index=1 @2",
			},
			sources: []SourceState{
				{Name: "fabric", LastSuccess: at(5), LastAttempt: at(5), SkippedRows: 1},
				{Name: "vc1", LastSuccess: at(3), LastAttempt: at(3)},
			},
		}, {
			name: "a refused snapshot changes nothing",
			do: func() error {
				_, err := s.Apply(ctx, withHealth(full("fabric", 6), model.TableHealth{Table: "ifTable"}))
				if !errors.Is(err, ErrInvalidSnapshot) || !strings.Contains(err.Error(), "health 0") {
					return fmt.Errorf("health without a device: got %v; want ErrInvalidSnapshot naming it", err)
				}
				return nil
			},
			want: []string{
				"fabric switch:leaf1 if/ifTable 48/48/0 @2",
				"fabric switch:leaf1 lldp/lldpRemTable 7/6/1 bad index=1 @2",
				"fabric switch:leaf2 lldp/lldpRemTable 5/5/0 @5",
			},
			leaf1: []string{
				"fabric switch:leaf1 if/ifTable 48/48/0 @2",
				"fabric switch:leaf1 lldp/lldpRemTable 7/6/1 bad index=1 @2",
			},
			sources: []SourceState{
				{Name: "fabric", LastSuccess: at(5), LastAttempt: at(5), SkippedRows: 1},
				{Name: "vc1", LastSuccess: at(3), LastAttempt: at(3)},
			},
		}, {
			name: "a full snapshot without health clears it",
			do:   func() error { _, err := s.Apply(ctx, full("fabric", 7)); return err },
			sources: []SourceState{
				{Name: "fabric", LastSuccess: at(7), LastAttempt: at(7)},
				{Name: "vc1", LastSuccess: at(3), LastAttempt: at(3)},
			},
		}}
		for _, step := range steps {
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			all, err := s.Health(ctx, HealthFilter{})
			if err != nil {
				t.Fatalf("%s: Health: %v", step.name, err)
			}
			if got := describeHealth(all); !slices.Equal(got, step.want) {
				t.Errorf("%s: Health():\ngot  %q\nwant %q", step.name, got, step.want)
			}
			leaf1, err := s.Health(ctx, HealthFilter{Source: "fabric", Device: swID("leaf1")})
			if err != nil {
				t.Fatalf("%s: Health(leaf1): %v", step.name, err)
			}
			if got := describeHealth(leaf1); !slices.Equal(got, step.leaf1) {
				t.Errorf("%s: Health(fabric, leaf1):\ngot  %q\nwant %q", step.name, got, step.leaf1)
			}
			if other, err := s.Health(ctx, HealthFilter{Source: "vc1"}); err != nil || len(other) != 0 {
				t.Errorf("%s: Health(vc1) = %v, %v; want none", step.name, other, err)
			}
			srcs, err := s.Sources(ctx)
			if err != nil {
				t.Fatalf("%s: Sources: %v", step.name, err)
			}
			if !slices.Equal(srcs, step.sources) {
				t.Errorf("%s: Sources:\ngot  %+v\nwant %+v", step.name, srcs, step.sources)
			}
		}
	})
}

// TestHealthRoundTrip: every field of a table's health comes back as given.
func TestHealthRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		h := model.TableHealth{Device: swID("leaf1"), Address: "192.0.2.1:161", Group: "fdb", Table: "dot1dTpFdbTable (vlan 110)",
			Rows: 12, Kept: 9, Skipped: 3, Reasons: map[string]int{"not a MAC": 2, "unknown bridge port": 1},
			Example: "17.0.1.2.3.4: not a MAC", Error: "request timeout", Duration: 2*time.Second + 3*time.Microsecond}
		if _, err := s.Apply(ctx, model.Snapshot{Source: "fabric", Taken: at(1), Health: []model.TableHealth{h}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Health(ctx, HealthFilter{Device: swID("leaf1")})
		if err != nil {
			t.Fatal(err)
		}
		want := Health{TableHealth: h, Source: "fabric", Taken: at(1)}
		if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
			t.Errorf("Health = %+v; want [%+v]", got, want)
		}
	})
}

// TestHealthBounds: what a broken or hostile device sends is stored within
// bounds: rows past the cap of a source are dropped, reasons past
// MaxHealthReasons add up under "other", long texts are cut on a character
// boundary, and NUL bytes and invalid UTF-8 (which PostgreSQL refuses) are
// cleaned rather than failing the apply.
func TestHealthBounds(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		s.maxHealthRows = 5
		ctx := context.Background()

		var many []model.TableHealth
		for i := range 8 {
			many = append(many, table(fmt.Sprintf("sw%d", i), "if", "ifTable", 1, 1, ""))
		}
		reasons := map[string]int{}
		for i := range MaxHealthReasons + 4 {
			reasons[fmt.Sprintf("reason %02d", i)] = 100 - i
		}
		odd := model.TableHealth{Device: swID("odd"), Group: "lldp", Table: "lldpRemTable", Skipped: 1000, Reasons: reasons,
			Example: "sys\x00name \xff\xfe: " + strings.Repeat("é", 2000), Error: strings.Repeat("x", 5000)}
		snap := model.Snapshot{Source: "fabric", Taken: at(1), Health: append([]model.TableHealth{odd}, many...)}
		if _, err := s.Apply(ctx, snap); err != nil {
			t.Fatalf("Apply: %v", err)
		}
		got, err := s.Health(ctx, HealthFilter{Source: "fabric"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 || got[0].Device != swID("odd") || got[4].Device != swID("sw3") {
			t.Fatalf("Health: %d rows %q; want the first 5 written", len(got), describeHealth(got))
		}
		h := got[0]
		if len(h.Reasons) != MaxHealthReasons {
			t.Errorf("reasons: got %d; want %d", len(h.Reasons), MaxHealthReasons)
		}
		sum := 0
		for _, n := range h.Reasons {
			sum += n
		}
		wantOther, wantSum := 0, 0
		for i := range MaxHealthReasons + 4 {
			wantSum += 100 - i
			if i >= MaxHealthReasons-1 {
				wantOther += 100 - i
			}
		}
		if h.Reasons[OtherReason] != wantOther || h.Reasons["reason 00"] != 100 || sum != wantSum {
			t.Errorf("reasons = %v; want the %d largest and other=%d, %d rows in all", h.Reasons, MaxHealthReasons-1, wantOther, wantSum)
		}
		if !utf8.ValidString(h.Example) || strings.Contains(h.Example, "\x00") || len(h.Example) > 1000 || !strings.HasPrefix(h.Example, "sysname \uFFFD") {
			t.Errorf("example = %q (%d bytes); want valid UTF-8 without NUL, at most 1000 bytes", h.Example[:40], len(h.Example))
		}
		if len(h.Error) != 1000 {
			t.Errorf("error: %d bytes; want cut to 1000", len(h.Error))
		}

		// The cap counts the rows a run keeps for unread devices.
		snap = model.Snapshot{Source: "fabric", Taken: at(2), Keep: []model.ID{swID("sw0"), swID("sw1")}, Health: many[2:]}
		if _, err := s.Apply(ctx, snap); err != nil {
			t.Fatalf("Apply: %v", err)
		}
		if got, err = s.Health(ctx, HealthFilter{Source: "fabric"}); err != nil {
			t.Fatal(err)
		}
		var devices []string
		for _, h := range got {
			devices = append(devices, h.Device.Key())
		}
		if want := []string{"sw0", "sw1", "sw2", "sw3", "sw4"}; !slices.Equal(devices, want) {
			t.Errorf("after a run keeping sw0 and sw1: devices %q; want %q", devices, want)
		}
	})
}
