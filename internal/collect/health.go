package collect

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// The health gauges say what each source's last full run found, per switch
// and table: rows skipped by reason, and tables failed. They are gauges of
// the last run rather than counters because a device that answers oddly
// usually does so at every run: the question is "is anything skipped now,
// and why", which a gauge answers with `> 0`, and a switch fixed (or gone)
// takes its series with it. Label values are bounded: a table read once per
// context (the per-VLAN forwarding tables, "dot1dTpFdbTable (vlan 110)")
// counts under its name, so a switch has a series per table it reads rather
// than per VLAN; reasons are capped per table (maxMetricReasons, the rest
// under "other"); texts are cut.

// maxMetricReasons is the most reason series per switch and table.
const maxMetricReasons = 16

// maxLabel bounds a label value, in bytes.
const maxLabel = 128

// healthSeries remembers the series of the health gauges each source set in
// its last full run, so that the next run removes those it does not set
// again. Runs of different sources record concurrently.
type healthSeries struct {
	mu   sync.Mutex
	last map[string]map[string]series // source → key → series
}

// series is one series of a health gauge: the gauge (skipped or failed) and
// its label values.
type series struct {
	skipped bool
	labels  []string
}

// recordHealth sets the health gauges of source from the health of its last
// full run and removes the series of the run before that it did not set.
func (m *metrics) recordHealth(source string, health []model.TableHealth) {
	skipped, failed := healthGauges(health)
	now := make(map[string]series, len(skipped)+len(failed))
	m.health.mu.Lock()
	defer m.health.mu.Unlock()
	for k, n := range skipped {
		s := series{skipped: true, labels: []string{source, k.sw, k.table, k.reason}}
		m.skipped.WithLabelValues(s.labels...).Set(float64(n))
		now["s\x00"+strings.Join(s.labels, "\x00")] = s
	}
	for sw, n := range failed {
		s := series{labels: []string{source, sw}}
		m.tablesFailed.WithLabelValues(s.labels...).Set(float64(n))
		now["f\x00"+strings.Join(s.labels, "\x00")] = s
	}
	for key, s := range m.health.last[source] {
		if _, ok := now[key]; ok {
			continue
		}
		if s.skipped {
			m.skipped.DeleteLabelValues(s.labels...)
		} else {
			m.tablesFailed.DeleteLabelValues(s.labels...)
		}
	}
	m.health.last[source] = now
}

// skipKey is a series of the skipped gauge within a source.
type skipKey struct{ sw, table, reason string }

// healthGauges returns the rows skipped per switch, table (per-context reads
// added up under the table's name) and reason, reasons capped, and the
// tables failed per switch (every switch read, 0 included).
func healthGauges(health []model.TableHealth) (map[skipKey]int, map[string]int) {
	type tableKey struct{ sw, table string }
	reasons := map[tableKey]map[string]int{}
	failed := map[string]int{}
	for _, h := range health {
		sw := labelValue(h.Device.Key())
		failed[sw] += 0
		if h.Error != "" {
			failed[sw]++
		}
		if h.Skipped <= 0 {
			continue
		}
		base, _, _ := strings.Cut(h.Table, " (")
		tk := tableKey{sw, labelValue(base)}
		r := reasons[tk]
		if r == nil {
			r = map[string]int{}
			reasons[tk] = r
		}
		counted := 0
		for name, n := range h.Reasons {
			r[labelValue(name)] += n
			counted += n
		}
		if h.Skipped > counted {
			r[store.OtherReason] += h.Skipped - counted
		}
	}
	out := make(map[skipKey]int, len(reasons))
	for tk, r := range reasons {
		for name, n := range store.CapReasons(r, maxMetricReasons) {
			out[skipKey{tk.sw, tk.table, name}] = n
		}
	}
	return out, failed
}

// labelValue returns s as a label value: valid UTF-8 (the client refuses
// anything else) of at most maxLabel bytes.
func labelValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxLabel {
		return s
	}
	cut := maxLabel
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
