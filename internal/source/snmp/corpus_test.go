package snmp

// The real-device corpus: every recording of ../shared/corpus/snmprec is
// served by snmpsimd, collected by the real Collector, and what vnetmap
// keeps (ports, LLDP and CDP neighbours, FDB entries) is compared with what
// the recording holds, read by the independent reader of snmprec_test.go.
// The recordings are read where they lie (copied to a temporary directory
// only for snmpsimd, which runs as nobody) and never into the repository.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/corpus"

	"github.com/vnetmap/vnetmap/internal/model"
)

// recording is one corpus file: its name, bytes and truth.
type recording struct {
	name  string
	data  []byte
	truth recTruth
}

// loadCorpus reads and parses every recording of the corpus, in name order.
func loadCorpus(t testing.TB) []recording {
	t.Helper()
	dir := corpus.Dir(t, "snmprec")
	paths, err := filepath.Glob(filepath.Join(dir, "*.snmprec"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no .snmprec file in %s", dir)
	}
	slices.Sort(paths)
	out := make([]recording, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parseSnmprec(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, recording{name: strings.TrimSuffix(filepath.Base(p), ".snmprec"), data: b, truth: truthOf(f)})
	}
	return out
}

// corpusEndpoint is the loopback address recording i is served on.
func corpusEndpoint(i int) string { return fmt.Sprintf("127.0.%d.%d", 3+i/250, 1+i%250) }

// corpusSims serves the recordings with snmpsimd under community "public",
// one endpoint each, split over procs processes (snmpsimd answers one
// request at a time). It returns each recording's endpoint and port.
func corpusSims(t testing.TB, recs []recording, procs int) (addrs []string, ports []uint16) {
	t.Helper()
	addrs, ports = make([]string, len(recs)), make([]uint16, len(recs))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	for p := range procs {
		var endpoints []string
		files := map[string]map[string][]byte{}
		var mine []int
		for i := p; i < len(recs); i += procs {
			ep := corpusEndpoint(i)
			endpoints = append(endpoints, ep)
			files[ep] = map[string][]byte{"public": recs[i].data}
			mine = append(mine, i)
		}
		if len(endpoints) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// startSim fails the test through t, which must not happen off
			// the test goroutine: collect the failure instead.
			sim, err := startSimSafe(t, endpoints, files)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err.Error())
				return
			}
			for _, i := range mine {
				addrs[i], ports[i] = corpusEndpoint(i), sim.port
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("snmpsimd: %s", strings.Join(errs, "; "))
	}
	return addrs, ports
}

// startSimSafe runs startSim on a goroutine of its own test-like recorder so
// that several snmpsimd processes index their files at once.
func startSimSafe(t testing.TB, endpoints []string, files map[string]map[string][]byte) (sim simAgent, err error) {
	r := &simRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r.failed != "" {
				err = errors.New(r.failed)
			}
		}()
		sim = startSim(r, endpoints, files, nil)
	}()
	<-done
	return sim, err
}

// simRecorder lets startSim run off the test goroutine: a failure is
// recorded and ends that goroutine; cleanups go to the test.
type simRecorder struct {
	testing.TB
	failed string
}

func (r *simRecorder) Helper() {}
func (r *simRecorder) Fatal(args ...any) {
	r.failed = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *simRecorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// kept is what vnetmap kept of one recording.
type kept struct {
	ports, lldp, cdp, fdb int
	ifIndexes             []int
	failed                []string // tables that failed (or groups, when no table names it)
	failures              []string // the snapshot's failure lines
	skipped               int      // rows skipped, all tables
	reasons               []string // table: reason × n, one example
	err                   error    // the whole device failed
}

// keptOf counts what a snapshot of one device holds.
func keptOf(snap model.Snapshot, err error) kept {
	var k kept
	if err != nil {
		k.err = err
		return k
	}
	ifx := map[int]bool{}
	for _, f := range snap.Facts {
		switch {
		case f.Rel == "" && (f.Kind == model.KindPort || f.Kind == model.KindPortChannel):
			if i, err := strconv.Atoi(f.Attrs["ifindex"]); err == nil {
				ifx[i] = true
			}
			if n, err := strconv.Atoi(f.Attrs["lldp_count"]); err == nil {
				k.lldp += n
			} else if f.Attrs["lldp_chassis"] != "" || f.Attrs["lldp_port"] != "" || f.Attrs["lldp_system"] != "" || f.Attrs["lldp_port_desc"] != "" {
				k.lldp++
			}
			if n, err := strconv.Atoi(f.Attrs["cdp_count"]); err == nil {
				k.cdp += n
			} else if f.Attrs["cdp_device"] != "" || f.Attrs["cdp_port"] != "" || f.Attrs["cdp_address"] != "" || f.Attrs["cdp_platform"] != "" {
				k.cdp++
			}
		case f.Rel == model.RelLearned:
			k.fdb++
		}
	}
	for i := range ifx {
		k.ifIndexes = append(k.ifIndexes, i)
	}
	slices.Sort(k.ifIndexes)
	k.ports = len(k.ifIndexes)
	for _, h := range snap.Health {
		if h.Error != "" {
			k.failed = append(k.failed, h.Table)
		}
		k.skipped += h.Skipped
		if h.Skipped > 0 {
			k.reasons = append(k.reasons, fmt.Sprintf("%s: %d skipped (%s)", h.Table, h.Skipped, h.Example))
		}
	}
	k.failures = snap.Failures
	if len(k.failed) == 0 {
		for _, f := range snap.Failures { // no table counters: name the group
			if _, rest, ok := strings.Cut(f, ") "); ok {
				g, _, _ := strings.Cut(rest, ":")
				k.failed = append(k.failed, g)
			}
		}
	}
	return k
}

// corpusResult is one recording's truth and what was kept.
type corpusResult struct {
	rec  recording
	kept kept
	dur  time.Duration // the Collect call
	req  Requests
}

// collectCorpus collects every recording as its own seed in its own
// Collector run (many recordings share one anonymised sysName), at most
// parallel at once.
func collectCorpus(t testing.TB, recs []recording, addrs []string, ports []uint16, parallel int) []corpusResult {
	t.Helper()
	t.Setenv("VNETMAP_TEST_COMMUNITY", "public")
	out := make([]corpusResult, len(recs))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range recs {
		cfg := DefaultConfiguration()
		cfg.Name = "corpus"
		cfg.Seeds = []string{addrs[i]}
		cfg.Port = ports[i]
		cfg.CommunityEnv = "VNETMAP_TEST_COMMUNITY"
		cfg.Timeout = 3 * time.Second
		cfg.Retries = 1
		cfg.Discovery.Enabled = false
		cfg.MaxRepetitions = corpusRepetitions(recs[i].truth)
		c, err := New(cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			start := time.Now()
			snap, err := c.Collect(ctx)
			out[i] = corpusResult{rec: recs[i], kept: keptOf(snap, err), dur: time.Since(start), req: c.Requests()}
		}()
	}
	wg.Wait()
	return out
}

// corpusRepetitions is the GETBULK max-repetitions a recording is collected
// with: the default, unless its longest value repeated that often would not
// fit the 64 KiB of a UDP datagram. A real agent then answers tooBig (and the
// collector walks on with GETNEXT), but snmpsimd dies ("Message too long"),
// taking every endpoint it serves with it. Only vrp_ac6605-26 needs it: its
// dot1qVlanCurrentEgressPorts are PortLists of 12,156 octets.
func corpusRepetitions(t recTruth) int {
	reps := DefaultConfiguration().MaxRepetitions
	if per := t.maxValue + 64; per*reps > 60000 {
		reps = max(1, 60000/per)
	}
	return reps
}

// corpusDiff is a difference between truth and kept that is understood:
// kept is the count vnetmap keeps, reason why it differs.
type corpusDiff struct {
	kept   int
	reason string
}

// corpusKnown lists, per recording and measure (ports, lldp, cdp, fdb), the
// differences between the recording and vnetmap that are expected.
// differences between the recording and vnetmap that are expected. Each
// reason names the rows of the recording that vnetmap cannot keep.
var corpusKnown = map[string]map[string]corpusDiff{
	// LLDP neighbours whose local port names no interface: nothing to attach them to.
	"arubaos-cx_10.06":  {"lldp": {43, "lldpRemTable 612926.4000.511: local port 4000 is lldpLocPortId \"mgmt\", the out-of-band port, which is in neither ifTable nor ifXTable"}},
	"arubaos-cx_8360":   {"lldp": {2, "lldpRemTable 6735.4000.1: local port 4000 is lldpLocPortId \"mgmt\", the out-of-band port, which is in neither ifTable nor ifXTable"}},
	"ciena-waveserver":  {"lldp": {2, "lldpRemTable 5943.112.1: local port 112 is lldpLocPortId \"1/7\"; no ifName, ifDescr or ifAlias is \"1/7\" (ifNames are 1.1, 5, 12.2…; the port is ifDescr \"slot 1, sub-slot 0, port 7, …\") and 112 is no ifIndex"}},
	"jetstream_vlans":   {"lldp": {0, "lldpRemTable rows 18.1-18.5 have two sub-identifiers (localPort.remIndex, no timeMark); neither 18 nor 1 is an ifIndex (ports are 49153-49170) and lldpLocPortId holds the recording's mangled text (\"“GigabitEthern\\n65 74 31…\")"}},
	"pmp":               {"lldp": {0, "lldpRemTable row index \"1\" (one sub-identifier): no local port"}},
	"pmp_450":           {"lldp": {0, "lldpRemTable row index \"1\" (one sub-identifier): no local port"}},
	"pmp_450i":          {"lldp": {0, "lldpRemTable row index \"1\" (one sub-identifier): no local port"}},
	"pmp_450m":          {"lldp": {0, "lldpRemTable row index \"1\" (one sub-identifier): no local port"}},
	"routeros":          {"lldp": {0, "lldpRemTable rows 0.0.11, 0.0.12 are on local port 0 and rows 1-14 have one sub-identifier (RouterOS names the local interface only in its own MIB)"}},
	"routeros_rb760igs": {"lldp": {0, "lldpRemTable rows 0.0.1-0.0.9 are on local port 0 (RouterOS names the local interface only in its own MIB)"}},
	// Rows that hold no neighbour.
	"ruijie":        {"lldp": {0, "lldpRemTable rows hold only lldpRemChassisIdSubtype (column 4): no chassis ID, port ID or system name in the recording"}},
	"zynos_mgs3712": {"lldp": {4, "lldpRemTable row 120.3.0 is a placeholder: remIndex 0, subtypes 0, chassis ID, port ID and names empty"}},
}

// corpusRow is one line of the report.
func (r corpusResult) row() []string {
	t, k := r.rec.truth, r.kept
	pair := func(a, b int) string {
		if a == b {
			return strconv.Itoa(a)
		}
		return fmt.Sprintf("%d / %d", a, b)
	}
	failed := strings.Join(k.failed, ", ")
	if k.err != nil {
		failed = "device"
	}
	fdb := pair(t.fdb, k.fdb)
	if t.fdbTable == "dot1dTpFdbTable" {
		fdb += " (1d)"
	}
	return []string{r.rec.name, pair(len(t.ifIndexes), k.ports), pair(len(t.lldp), k.lldp), pair(len(t.cdp), k.cdp), fdb, failed, strconv.Itoa(k.skipped),
		fmt.Sprintf("%.1f s, %d req", r.dur.Seconds(), r.req.Get+r.req.GetBulk+r.req.GetNext)}
}

// corpusReport is the Markdown table of the results.
func corpusReport(results []corpusResult) string {
	var sb strings.Builder
	sb.WriteString("| recording | ports | LLDP | CDP | FDB | tables failed | rows skipped | collected in |\n|---|---|---|---|---|---|---|---|\n")
	var tt, kk [4]int
	for _, r := range results {
		sb.WriteString("| " + strings.Join(r.row(), " | ") + " |\n")
		t, k := r.rec.truth, r.kept
		for i, p := range [][2]int{{len(t.ifIndexes), k.ports}, {len(t.lldp), k.lldp}, {len(t.cdp), k.cdp}, {t.fdb, k.fdb}} {
			tt[i] += p[0]
			kk[i] += p[1]
		}
	}
	fmt.Fprintf(&sb, "| **total (%d)** | %d / %d | %d / %d | %d / %d | %d / %d | | | |\n", len(results), tt[0], kk[0], tt[1], kk[1], tt[2], kk[2], tt[3], kk[3])
	sb.WriteString("\nFailures and skips:\n")
	for _, r := range results {
		if r.kept.err != nil {
			fmt.Fprintf(&sb, "- %s: %v\n", r.rec.name, r.kept.err)
		}
		for _, f := range r.kept.failures {
			fmt.Fprintf(&sb, "- %s: %s\n", r.rec.name, f)
		}
		for _, f := range r.kept.reasons {
			fmt.Fprintf(&sb, "- %s: %s\n", r.rec.name, f)
		}
	}
	sb.WriteString("\nA single number: the recording and vnetmap agree; `a / b`: the recording holds a, vnetmap keeps b.\n" +
		"FDB counts distinct (port, MAC) of rows whose bridge port maps to an interface (ifTable or ifXTable); (1d): from dot1dTpFdbTable.\n")
	return sb.String()
}

// TestCorpus serves every corpus recording with snmpsimd, collects it and
// compares what vnetmap keeps with what the recording holds.
func TestCorpus(t *testing.T) {
	recs := loadCorpus(t)
	needSnmpsimd(t)
	start := time.Now()
	addrs, ports := corpusSims(t, recs, 4)
	t.Logf("snmpsimd serving %d recordings after %s", len(recs), time.Since(start).Round(time.Millisecond))
	start = time.Now()
	results := collectCorpus(t, recs, addrs, ports, 8)
	t.Logf("collected in %s", time.Since(start).Round(time.Millisecond))
	report := corpusReport(results)
	t.Log("\n" + report)
	if p := os.Getenv("VNETMAP_CORPUS_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(report), 0o644); err != nil {
			t.Error(err)
		}
	}
	for _, r := range results {
		t.Run(r.rec.name, func(t *testing.T) {
			tr, k := r.rec.truth, r.kept
			if k.err != nil {
				t.Fatalf("device not read: %v", k.err)
			}
			for _, m := range []struct {
				name        string
				truth, kept int
			}{
				{"ports", len(tr.ifIndexes), k.ports},
				{"lldp", len(tr.lldp), k.lldp},
				{"cdp", len(tr.cdp), k.cdp},
				{"fdb", tr.fdb, k.fdb},
			} {
				known, listed := corpusKnown[r.rec.name][m.name]
				switch {
				case listed && m.kept == known.kept && m.kept != m.truth:
					// an understood difference
				case m.truth > 0 && m.kept == 0:
					t.Errorf("%s: the recording holds %d, vnetmap keeps none (a whole table lost; failed: %v; skipped: %v)", m.name, m.truth, k.failed, k.reasons)
				case m.kept == m.truth && listed:
					t.Errorf("%s: vnetmap keeps %d as the recording holds; the listed difference (%q) is gone: remove it", m.name, m.kept, known.reason)
				case m.kept != m.truth && !listed:
					t.Errorf("%s: got %d; the recording holds %d (failed: %v; skipped: %v)", m.name, m.kept, m.truth, k.failed, k.reasons)
				case m.kept != m.truth && known.kept != m.kept:
					t.Errorf("%s: got %d; want %d as listed (%s), the recording holds %d", m.name, m.kept, known.kept, known.reason, m.truth)
				}
			}
			if missing := missingInts(r.rec.truth.ifIndexes, k.ifIndexes); len(missing) > 0 && len(missing) < 20 {
				t.Logf("ifIndexes not kept: %v", missing)
			}
		})
	}
}

// missingInts returns the values of want absent from got (both sorted).
func missingInts(want, got []int) []int {
	var out []int
	for _, v := range want {
		if _, ok := slices.BinarySearch(got, v); !ok {
			out = append(out, v)
		}
	}
	return out
}

// BenchmarkCorpusCollect collects all the corpus recordings (each its own
// seed, eight at a time as the collector's default concurrency would) from
// four snmpsimd processes; one op is the whole corpus. Most of the time is
// snmpsimd's: it is the bound of a test bench, not of the collector.
func BenchmarkCorpusCollect(b *testing.B) {
	recs := loadCorpus(b)
	needSnmpsimd(b)
	addrs, ports := corpusSims(b, recs, 4)
	collectCorpus(b, recs, addrs, ports, 8) // snmpsimd's first answers load its indexes
	b.ResetTimer()
	var devices, failed int
	var req Requests
	for b.Loop() {
		for _, r := range collectCorpus(b, recs, addrs, ports, 8) {
			devices++
			if r.kept.err != nil {
				failed++
			}
			req.Get, req.GetBulk, req.GetNext, req.Retries = req.Get+r.req.Get, req.GetBulk+r.req.GetBulk, req.GetNext+r.req.GetNext, req.Retries+r.req.Retries
		}
	}
	b.ReportMetric(float64(devices)/b.Elapsed().Seconds(), "devices/s")
	for name, n := range map[string]int64{"get": req.Get, "getbulk": req.GetBulk, "getnext": req.GetNext, "retries": req.Retries} {
		b.ReportMetric(float64(n)/float64(b.N), name+"/op")
	}
	if failed > 0 {
		b.Errorf("%d device reads failed", failed)
	}
}
