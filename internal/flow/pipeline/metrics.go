package pipeline

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/flow/decode"
)

// errorKinds names the decoder's error kinds in metrics. A missing
// template is not among them: it is counted apart, as it is normal until an
// exporter sends its templates.
var errorKinds = []struct {
	err   error
	label string
}{
	{decode.ErrTruncated, "truncated"},
	{decode.ErrBadLength, "bad_length"},
	{decode.ErrUnknownVersion, "unknown_version"},
	{decode.ErrFieldLength, "field_length"},
	{decode.ErrCountOverflow, "count_overflow"},
	{decode.ErrTemplateTooLarge, "template_too_large"},
}

// protocols are the export protocols, indexed by decode.Protocol.
var protocols = []decode.Protocol{decode.NetFlowV5, decode.NetFlowV9, decode.IPFIX, decode.SFlowV5}

// classes are the endpoint classes counted as unattributed, in the order
// of the counters.
var classes = []string{flow.ClassKnown, flow.ClassExternal, flow.ClassUnknown}

type metrics struct {
	records        [decode.SFlowV5 + 1]prometheus.Counter
	templateMisses [decode.SFlowV5 + 1]prometheus.Counter
	decodeErrors   []prometheus.Counter // by errorKinds
	unattributed   [2][3]prometheus.Counter
	skewed         prometheus.Counter
	// implausible are sFlow samples not summed, by implausibleReasons.
	implausible [nImplausible]prometheus.Counter
	// counterSamples are by result (counterResults).
	counterSamples    [nResults]prometheus.Counter
	counterEvictions  prometheus.Counter
	counterInterfaces prometheus.Gauge
	counterRows       prometheus.Counter
	counterDropped    prometheus.Counter
	refreshes         *prometheus.CounterVec
	refreshSeconds    prometheus.Histogram
	indexKeys         *prometheus.GaugeVec
	// held are the records held before the first index, by holdOutcomes;
	// holding is how many are held now.
	held    [nHoldOutcomes]prometheus.Counter
	holding prometheus.Gauge
}

// Outcomes of the records held before the first index (HoldConfiguration).
const (
	holdAttributed = iota // attributed once an index that knows something came
	holdOverflow          // beyond hold.records: attributed at once with the index in use
	holdExpired           // hold.max passed (or Stop) first: attributed with the index in use
	nHoldOutcomes
)

var holdOutcomes = [nHoldOutcomes]string{"attributed", "overflow", "expired"}

func newMetrics(reg prometheus.Registerer, templates *decode.Templates) (*metrics, error) {
	records := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vnetmap_flow_records_total", Help: "Flow records decoded, by export protocol.",
	}, []string{"protocol"})
	misses := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vnetmap_flow_template_misses_total",
		Help: "NetFlow v9/IPFIX data sets skipped because their template was not (yet) known, by protocol.",
	}, []string{"protocol"})
	decodeErrors := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vnetmap_flow_decode_errors_total", Help: "Malformed datagrams, by kind of error.",
	}, []string{"kind"})
	unattributed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vnetmap_flow_unattributed_records_total",
		Help: "Flow records whose source or destination is no VM, by side and by what it is (known, external, unknown).",
	}, []string{"side", "class"})
	m := &metrics{
		skewed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_flow_clock_skew_records_total",
			Help: "Flow records whose time was further than max_clock_skew from their reception, taken at the reception time.",
		}),
		counterEvictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_flow_counter_evictions_total",
			Help: "Interfaces whose previous counter sample was forgotten to stay within counters.interfaces.",
		}),
		counterInterfaces: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vnetmap_flow_counter_interfaces", Help: "Interfaces whose previous counter sample is kept.",
		}),
		counterRows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_flow_counter_minutes_written_total", Help: "Port counter minutes written to the store.",
		}),
		counterDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vnetmap_flow_counter_minutes_dropped_total",
			Help: "Port counter minutes dropped because the store refused them for too long.",
		}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vnetmap_flow_index_refreshes_total", Help: "Rebuilds of the attribution index by result (success, error).",
		}, []string{"result"}),
		refreshSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vnetmap_flow_index_refresh_seconds", Help: "Duration of a rebuild of the attribution index.",
			Buckets: prometheus.ExponentialBuckets(0.005, 3, 9),
		}),
		indexKeys: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vnetmap_flow_index_keys", Help: "Keys of the attribution index by kind (macs, addresses, exporters, ports).",
		}, []string{"kind"}),
	}
	counterSamples := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vnetmap_flow_counter_samples_total",
		Help: "sFlow interface counter samples by result: stored (a difference kept), baseline, reset, out_of_order, " +
			"unknown_exporter, unknown_port, no_interface_counters, no_sink.",
	}, []string{"result"})
	for r, label := range counterResults {
		m.counterSamples[r] = counterSamples.WithLabelValues(label)
	}
	implausible := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vnetmap_flow_implausible_samples_total",
		Help: "sFlow flow samples not summed: their sampling rate times their frame length is absurd (over 2^40 bytes) " +
			"or more than their interface's speed (from its counter samples) carries in a minute, by reason.",
	}, []string{"reason"})
	for r, label := range implausibleReasons {
		m.implausible[r] = implausible.WithLabelValues(label)
	}
	held := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vnetmap_flow_held_records_total",
		Help: "Flow records received before the first attribution index that knows anything, by outcome: attributed " +
			"(once such an index came), overflow (beyond hold.records: attributed at once, unattributed), expired " +
			"(hold.max passed or the pipeline stopped first: attributed with the index in use).",
	}, []string{"outcome"})
	for o, label := range holdOutcomes {
		m.held[o] = held.WithLabelValues(label)
	}
	m.holding = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "vnetmap_flow_held_records", Help: "Flow records held until the first attribution index that knows anything.",
	})
	for _, p := range protocols {
		m.records[p] = records.WithLabelValues(p.String())
		m.templateMisses[p] = misses.WithLabelValues(p.String())
	}
	for _, k := range errorKinds {
		m.decodeErrors = append(m.decodeErrors, decodeErrors.WithLabelValues(k.label))
	}
	for side, name := range []string{"src", "dst"} {
		for i, class := range classes {
			m.unattributed[side][i] = unattributed.WithLabelValues(name, class)
		}
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{records, misses, decodeErrors, unattributed, m.skewed, implausible, counterSamples,
			m.counterEvictions, m.counterInterfaces, m.counterRows, m.counterDropped, m.refreshes, m.refreshSeconds, m.indexKeys, held, m.holding} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("flow pipeline: register metrics: %w", err)
			}
		}
		if err := reg.Register(newTemplateCollector(templates)); err != nil {
			return nil, fmt.Errorf("flow pipeline: register metrics: %w", err)
		}
	}
	return m, nil
}

// templateCollector exports the template cache's figures, read at scrape
// time. The exporter label is an exporter address, for the first
// decode.MaxLabelledExporters whose templates were used (real exporters:
// a flood of templates from spoofed addresses is never used), or "other"
// for the rest: a bounded set of series, each kept once it appears, so the
// counters only grow.
type templateCollector struct {
	t                                   *decode.Templates
	bytes, budget, entries, exporters   *prometheus.Desc
	held, heldBytes, evictions, refused *prometheus.Desc
}

func newTemplateCollector(t *decode.Templates) *templateCollector {
	return &templateCollector{
		t: t,
		bytes: prometheus.NewDesc("vnetmap_flow_template_cache_bytes",
			"Memory the NetFlow v9/IPFIX template cache holds, estimated (at most template_bytes).", nil, nil),
		budget: prometheus.NewDesc("vnetmap_flow_template_cache_budget_bytes",
			"The template cache's byte budget (template_bytes).", nil, nil),
		entries: prometheus.NewDesc("vnetmap_flow_template_cache_entries",
			"Templates and exporter options states the template cache holds.", nil, nil),
		exporters: prometheus.NewDesc("vnetmap_flow_template_cache_exporters",
			"Exporters (address, observation domain, protocol) with something in the template cache.", nil, nil),
		held: prometheus.NewDesc("vnetmap_flow_templates",
			"Templates and options states held, by exporter address (\"other\": the addresses not reported one by one).",
			[]string{"exporter"}, nil),
		heldBytes: prometheus.NewDesc("vnetmap_flow_template_bytes",
			"Memory of the templates held, by exporter address.", []string{"exporter"}, nil),
		evictions: prometheus.NewDesc("vnetmap_flow_template_evictions_total",
			"Templates evicted to make room, by exporter address and reason: exporter_share (the exporter's own share "+
				"was full), budget (the whole cache was).", []string{"exporter", "reason"}, nil),
		refused: prometheus.NewDesc("vnetmap_flow_templates_refused_total",
			"Templates refused (a record longer than a datagram, more fields of length 0 than bytes, an id below 256, "+
				"larger than an exporter's share), by exporter address.", []string{"exporter"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *templateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.bytes, c.budget, c.entries, c.exporters, c.held, c.heldBytes, c.evictions, c.refused} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *templateCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.t.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(c.bytes, float64(s.Bytes))
	gauge(c.budget, float64(s.Limits.Bytes))
	gauge(c.entries, float64(s.Entries))
	gauge(c.exporters, float64(s.Exporters))
	for _, e := range append(s.PerExporter, s.Other) {
		label := "other"
		if e.Addr.IsValid() {
			label = e.Addr.String()
		}
		gauge(c.held, float64(e.Entries), label)
		gauge(c.heldBytes, float64(e.Bytes), label)
		counter(c.evictions, e.EvictedShare, label, "exporter_share")
		counter(c.evictions, e.EvictedBudget, label, "budget")
		counter(c.refused, e.Refused, label)
	}
}

// decodeError counts err; it reports whether the datagram was malformed
// (anything but a missing template).
func (m *metrics) decodeError(err error) bool {
	var de *decode.Error
	if errors.As(err, &de) && de.Kind == decode.ErrTemplateMissing {
		if de.Protocol <= decode.SFlowV5 && m.templateMisses[de.Protocol] != nil {
			m.templateMisses[de.Protocol].Inc()
		}
		return false
	}
	for i, k := range errorKinds {
		if errors.Is(err, k.err) {
			m.decodeErrors[i].Inc()
			return true
		}
	}
	return true
}
