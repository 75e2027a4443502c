package listen

import "github.com/prometheus/client_golang/prometheus"

// collector exports the sockets' counters, summed per listener at scrape
// time, so that the readers only touch their own socket's counters.
type collector struct {
	c                                              *Component
	datagrams, bytes, drops, truncated, errs, rcvb *prometheus.Desc
	disallowed                                     *prometheus.Desc
}

func newCollector(c *Component) *collector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"listener"}, nil)
	}
	return &collector{
		c:         c,
		datagrams: desc("vnetmap_flow_datagrams_total", "Datagrams received and handed to the flow pipeline, by listening address."),
		bytes:     desc("vnetmap_flow_received_bytes_total", "UDP payload bytes of the datagrams handed to the flow pipeline."),
		drops: desc("vnetmap_flow_kernel_drops_total",
			"Datagrams the kernel dropped because a socket's receive queue was full (SO_RXQ_OVFL; known when the socket next receives)."),
		truncated: desc("vnetmap_flow_truncated_datagrams_total",
			"Datagrams larger than max_datagram_size, counted and not handled."),
		errs: desc("vnetmap_flow_read_errors_total", "Failed socket reads."),
		disallowed: desc("vnetmap_flow_disallowed_datagrams_total",
			"Datagrams from a source address outside flows.exporters, dropped before decoding."),
		rcvb: desc("vnetmap_flow_receive_buffer_bytes",
			"Receive buffer of each socket as the kernel reports it (twice the size set)."),
	}
}

// Describe implements prometheus.Collector.
func (m *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.datagrams, m.bytes, m.drops, m.truncated, m.errs, m.rcvb, m.disallowed} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *collector) Collect(ch chan<- prometheus.Metric) {
	m.c.mu.Lock()
	listeners := m.c.listeners
	m.c.mu.Unlock()
	for _, l := range listeners {
		var datagrams, bytes, drops, truncated, errs, disallowed uint64
		for _, s := range l.sockets {
			datagrams += s.stats.datagrams.Load()
			bytes += s.stats.bytes.Load()
			drops += s.stats.drops.Load()
			truncated += s.stats.truncated.Load()
			errs += s.stats.errors.Load()
			disallowed += s.stats.disallowed.Load()
		}
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l.label)
		}
		counter(m.datagrams, datagrams)
		counter(m.bytes, bytes)
		counter(m.drops, drops)
		counter(m.truncated, truncated)
		counter(m.errs, errs)
		counter(m.disallowed, disallowed)
		ch <- prometheus.MustNewConstMetric(m.rcvb, prometheus.GaugeValue, float64(l.rcvbuf), l.label)
	}
}
