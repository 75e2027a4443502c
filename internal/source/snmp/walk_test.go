package snmp

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/vnetmap/vnetmap/internal/model"
)

// serveFixtures serves testdata files (endpoint address → file name) with
// the community public and returns a configuration that reads them, with
// discovery off.
func serveFixtures(t testing.TB, files map[string]string) (Configuration, simAgent) {
	t.Helper()
	served := map[string]map[string][]byte{}
	var endpoints []string
	for ep, name := range files {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		served[ep] = map[string][]byte{"public": b}
		endpoints = append(endpoints, ep)
	}
	sim := startSim(t, endpoints, served, nil)
	cfg := testConfig(t, sim.port, endpoints...)
	cfg.Discovery.Enabled = false
	return cfg, sim
}

// logRecords is a slog handler that keeps every record.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Clone())
	return nil
}
func (h *logRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecords) WithGroup(string) slog.Handler      { return h }

// attr returns the value of a record's attribute.
func attr(r slog.Record, key string) string {
	var v string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

// collectLogged collects with cfg, keeping the Collector's log records.
func collectLogged(t testing.TB, cfg Configuration) (model.Snapshot, *logRecords) {
	t.Helper()
	h := &logRecords{}
	c, err := New(cfg, slog.New(h))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	snap, err := c.Collect(ctx)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return snap, h
}

// tableHealth returns the health of one table of one switch in snap.
func tableHealth(t testing.TB, snap model.Snapshot, sw model.ID, table string) model.TableHealth {
	t.Helper()
	for _, h := range snap.Health {
		if h.Device == sw && h.Table == table {
			return h
		}
	}
	t.Fatalf("no health for %s of %s in %v", table, sw, snap.Health)
	return model.TableHealth{}
}

// Cause 4: a walk that fails part way keeps what it read; the table is
// marked failed and the other tables are read.
func TestWalkFailsPartWay(t *testing.T) {
	t.Run("OID not increasing", func(t *testing.T) {
		a := startHostile(t, "loop")
		cfg := testConfig(t, a.port(), "127.0.0.1")
		cfg.Discovery.Enabled = false
		snap, _, err := collect(t, cfg)
		if err != nil {
			t.Fatalf("Collect: %v", err)
		}
		if _, ok := byKey(snap)["port:evil1/Ethernet1"]; !ok {
			t.Errorf("port read before the loop lost; facts %v", snap.Facts)
		}
		if len(snap.Keep) != 0 {
			t.Errorf("got keep %v; want none (the rows read are stated)", snap.Keep)
		}
		if f := strings.Join(snap.Failures, "; "); !strings.Contains(f, "not increasing") || !strings.Contains(f, "ifTable failed after 1 rows") {
			t.Errorf("got failures %q; want the loop in ifTable reported", f)
		}
		h := tableHealth(t, snap, "switch:evil1", "ifTable")
		if h.Rows != 1 || h.Kept != 1 || !strings.Contains(h.Error, "not increasing") {
			t.Errorf("got ifTable health %+v; want 1 row read and kept, and the error", h)
		}
		if h := tableHealth(t, snap, "switch:evil1", "lldpRemTable"); h.Error != "" {
			t.Errorf("lldpRemTable after the loop: got error %q; want it read", h.Error)
		}
	})
	t.Run("more than max_rows", func(t *testing.T) {
		cfg, _ := serveFixtures(t, map[string]string{"127.0.0.31": "cause-ifx.snmprec"})
		cfg.MaxRows = 10 // ifTable: 6 indexes, then 4 ifDescr before the cut
		snap, _, err := collect(t, cfg)
		if err != nil {
			t.Fatalf("Collect: %v", err)
		}
		facts := byKey(snap)
		for _, p := range []string{"Ethernet1", "Ethernet2", "Loopback0", "Loopback0 (ifIndex 4)", "Vlan10", "Vlan10 (ifIndex 6)"} {
			if _, ok := facts["port:sw-ifx/"+p]; !ok {
				t.Errorf("port %s lost to the row limit", p)
			}
		}
		if f := strings.Join(snap.Failures, "; "); !strings.Contains(f, "more than 10 rows") {
			t.Errorf("got failures %q; want the row limit reported", f)
		}
		if h := tableHealth(t, snap, "switch:sw-ifx", "ifTable"); h.Rows != 6 || !strings.Contains(h.Error, "table too large") {
			t.Errorf("got ifTable health %+v; want 6 rows and the error", h)
		}
		if h := tableHealth(t, snap, "switch:sw-ifx", "ifXTable"); h.Error != "" || h.Rows != 6 {
			t.Errorf("got ifXTable health %+v; want it read whole", h)
		}
	})
}

// Value-type mismatches drop the value (or the row with nothing else), not
// the table.
func TestDropBadTypes(t *testing.T) {
	tab := table{
		"1": {1: {Type: gosnmp.OctetString, Value: []byte("Et1")}, 15: {Type: gosnmp.Gauge32, Value: uint(1000)}},
		"2": {1: {Type: gosnmp.Counter64, Value: uint64(2)}, 15: {Type: gosnmp.Gauge32, Value: uint(1000)}},
		"3": {1: {Type: gosnmp.Integer, Value: 3}},
	}
	d := &device{}
	st := d.tab(groupIf, "ifXTable")
	dropBadTypes(st, tab, map[uint32]valueKind{1: text, 15: number})
	if _, ok := tab["1"][1]; !ok || len(tab["1"]) != 2 {
		t.Errorf("good row changed: %v", tab["1"])
	}
	if _, ok := tab["2"][1]; ok || len(tab["2"]) != 1 {
		t.Errorf("row 2: got %v; want ifName left out, speed kept", tab["2"])
	}
	if _, ok := tab["3"]; ok {
		t.Errorf("row 3 with no usable value kept: %v", tab["3"])
	}
	if st.h.Skipped != 2 || st.h.Example != "2: column 1 is Counter64, column left out" {
		t.Errorf("got %d skipped, example %q; want 2 and row 2's", st.h.Skipped, st.h.Example)
	}
	var nilStat *tstat // shared walking code counts for callers that do not
	nilStat.skip("no index", "1.3")
	nilStat.row(1)
	nilStat.keep(1)
	nilStat.failed(ErrLoop)
	nilStat.done()
}

// Probe reports what each table answered, a table cut part way included.
func TestProbePartWay(t *testing.T) {
	a := startHostile(t, "loop")
	cfg := testConfig(t, a.port())
	r, err := Probe(context.Background(), cfg, "127.0.0.1")
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if r.Name != "evil1" || r.Ports != 1 {
		t.Errorf("got %s with %d ports; want evil1 with the 1 port read before the loop", r.Name, r.Ports)
	}
	if f := strings.Join(r.Failures, "; "); !strings.Contains(f, "if: ifTable failed after 1 rows") {
		t.Errorf("got failures %q; want ifTable cut part way", f)
	}
	var ifTable *model.TableHealth
	for i := range r.Tables {
		if r.Tables[i].Table == "ifTable" {
			ifTable = &r.Tables[i]
		}
	}
	if ifTable == nil || ifTable.Rows != 1 || !strings.Contains(ifTable.Error, "not increasing") || ifTable.Device != "switch:evil1" {
		t.Errorf("got ifTable %+v; want 1 row and the loop", ifTable)
	}
}
