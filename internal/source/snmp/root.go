// Package snmp is the switch source: from seed switches it discovers the
// fabric by following the management addresses their LLDP and CDP
// neighbours advertise (bounded by allowed subnets, depth and a device
// count), and reads from each switch over SNMP (gosnmp, v2c or v3 authPriv,
// GETBULK walks) its identity, interfaces, LLDP and CDP neighbours, VLANs,
// trunks, port-channels and MAC forwarding table, as docs/facts.md defines
// the facts.
//
// It is not for correlation: it states that port Ethernet1/7 of leaf1 sees
// chassis m port vmnic0 and learned MAC m2 in VLAN 110, and leaves the
// cabling conclusion to the correlate package.
package snmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/source"
)

var _ source.Source = (*Collector)(nil)

// Collector discovers and reads one fabric. Collect is not called
// concurrently; Requests may be called at any time.
type Collector struct {
	cfg     Configuration
	logger  *slog.Logger
	subnets []netip.Prefix
	cnt     counters

	mu    sync.Mutex
	names map[string]string // address → switch name at the last successful read
}

// New validates cfg and returns a Collector. It checks that the secrets can
// be read but does not contact any device.
func New(cfg Configuration, logger *slog.Logger) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, err := cfg.credentials(); err != nil {
		return nil, err
	}
	subnets, _ := cfg.subnets()
	if logger == nil {
		logger = slog.Default()
	}
	return &Collector{cfg: cfg, logger: logger, subnets: subnets, names: map[string]string{}}, nil
}

// Name returns the source name.
func (c *Collector) Name() string { return c.cfg.Name }

// Requests returns the requests sent since New, by PDU type.
func (c *Collector) Requests() Requests { return c.cnt.snapshot() }

// target is a device to poll.
type target struct {
	addr, from, hint string
	depth            int
}

// result is the outcome of polling one target.
type result struct {
	t   target
	d   *device
	err error
}

// Collect discovers the fabric breadth-first from the seeds and reads every
// device found. A device or table that fails is listed in the snapshot's
// Keep and Failures (its facts stay as they were); Collect returns an error
// only when no device could be read.
func (c *Collector) Collect(ctx context.Context) (model.Snapshot, error) {
	snap := model.Snapshot{Source: c.cfg.Name, Taken: time.Now().UTC()}
	cr, err := c.cfg.credentials()
	if err != nil {
		return snap, err
	}
	seenAddr := map[string]bool{}
	byName := map[string][]*device{} // devices read, by name from sysName
	var level []target
	for _, s := range c.cfg.Seeds {
		if !seenAddr[s] {
			seenAddr[s] = true
			level = append(level, target{addr: s, from: "seed"})
		}
	}
	var devices []*device
	var failed []result
	outside := map[string]string{} // neighbours not followed: name by address
	polled := 0
	for depth := 0; len(level) > 0; depth++ {
		if room := c.cfg.Discovery.MaxDevices - polled; len(level) > room {
			c.logger.Warn("device limit reached, not polling the rest", "max_devices", c.cfg.Discovery.MaxDevices, "left", len(level)-room)
			level = level[:room]
		}
		polled += len(level)
		var next []target
		for _, r := range c.pollLevel(ctx, cr, level) {
			if r.err != nil {
				failed = append(failed, r)
				continue
			}
			d := r.d
			if d.name == "" {
				d.name = r.t.addr
			}
			d.from = r.t.from
			if i := slices.IndexFunc(byName[d.name], func(o *device) bool { return sameDevice(o, d) }); i >= 0 {
				// One device at two addresses: the lower address stands for
				// it, whatever the order they were found in.
				o := byName[d.name][i]
				c.logger.Debug("device already read under another address", "switch", d.name, "address", d.addr, "other", o.addr)
				if compareAddr(d.addr, o.addr) < 0 {
					byName[d.name][i] = d
					devices[slices.Index(devices, o)] = d
				}
				continue
			}
			byName[d.name] = append(byName[d.name], d)
			devices = append(devices, d)
			if !c.cfg.Discovery.Enabled || depth >= c.cfg.Discovery.MaxDepth {
				continue
			}
			for _, n := range d.neighbours {
				a := n.addr.Unmap().String()
				if seenAddr[a] {
					continue
				}
				if u := n.addr.Unmap(); u.Is6() && u.IsLinkLocalUnicast() {
					// Only reachable on that link (fe80::/10 needs a zone):
					// never a management address to poll, nor news.
					c.logger.Debug("neighbour's management address is IPv6 link-local, not followed", "switch", d.name, "neighbour", n.name, "address", a)
					continue
				}
				if !c.allowed(n.addr) {
					c.logger.Debug("neighbour outside the allowed subnets, not followed", "switch", d.name, "neighbour", n.name, "address", a)
					if _, ok := outside[a]; !ok {
						outside[a] = n.name
					}
					continue
				}
				seenAddr[a] = true
				next = append(next, target{addr: a, from: d.name, hint: n.name, depth: depth + 1})
			}
		}
		level = next
	}
	c.logOutside(outside)
	seenName := map[string]bool{}
	for _, ds := range byName {
		distinctNames(ds)
		for _, d := range ds {
			seenName[d.name] = true
		}
	}
	c.mu.Lock()
	for _, d := range devices {
		c.names[d.addr] = d.name
	}
	c.mu.Unlock()
	if len(devices) == 0 {
		errs := make([]error, 0, len(failed))
		for _, r := range failed {
			errs = append(errs, r.err)
		}
		return snap, fmt.Errorf("%w (%d): %w", ErrAllFailed, len(failed), errors.Join(errs...))
	}
	slices.SortFunc(devices, func(a, b *device) int { return strings.Compare(a.name, b.name) })
	for _, r := range failed {
		c.logger.Warn("switch not read, keeping its facts", "address", r.t.addr, "error", r.err)
		snap.Failures = append(snap.Failures, r.err.Error())
		name := c.knownName(r.t)
		if name == "" || seenName[name] {
			continue
		}
		id := model.NewID(model.KindSwitch, name)
		snap.Keep = append(snap.Keep, id)
		for _, g := range groups {
			snap.Keep = append(snap.Keep, groupOwner(id, g))
		}
	}
	macs := map[string]bool{}
	for _, d := range devices {
		facts, keep, failures := d.facts(macs)
		for _, g := range groups {
			if e, ok := d.failed[g]; ok {
				c.logger.Warn("table not read, keeping its facts", "switch", d.name, "address", d.addr, "group", g, "error", e)
			}
		}
		for _, e := range d.partway {
			c.logger.Warn("table failed part way, keeping the rows read", "switch", d.name, "address", d.addr, "error", e)
		}
		snap.Facts = append(snap.Facts, facts...)
		snap.Keep = append(snap.Keep, keep...)
		snap.Failures = append(snap.Failures, failures...)
		health := d.health()
		for _, h := range health {
			if h.Skipped > 0 {
				c.logger.Warn("table rows skipped", "switch", d.name, "address", d.addr, "table", h.Table,
					"rows", h.Rows, "skipped", h.Skipped, "example", h.Example)
			}
		}
		snap.Health = append(snap.Health, health...)
	}
	return snap, nil
}

// sameDevice reports whether two devices that gave the same sysName are one
// device read at two addresses: the same LLDP chassis ID, else the same
// chassis serial number, else an interface MAC address in common. With
// none of these known on both sides they are taken as one, as before sysName
// duplicates were told apart.
func sameDevice(a, b *device) bool {
	if a.chassisID != "" && b.chassisID != "" {
		return a.chassisID == b.chassisID
	}
	if a.serial != "" && b.serial != "" {
		return a.serial == b.serial
	}
	macs := map[string]bool{}
	for _, p := range a.ports {
		if p.mac != "" && p.mac != "00:00:00:00:00:00" {
			macs[p.mac] = true
		}
	}
	known := false
	for _, p := range b.ports {
		if p.mac != "" && p.mac != "00:00:00:00:00:00" {
			if macs[p.mac] {
				return true
			}
			known = true
		}
	}
	return !known || len(macs) == 0
}

// distinctNames names apart devices that gave one sysName (a default name,
// or "<private>" in anonymised recordings) but are different devices: the
// one at the lowest address keeps the name, each other one is
// "<name>@<address>", whatever the order they were found in. Each records
// the others' names in dupOf, for the switch's duplicate_sysname_of
// attribute (docs/facts.md).
func distinctNames(ds []*device) {
	if len(ds) < 2 {
		return
	}
	slices.SortFunc(ds, func(a, b *device) int { return compareAddr(a.addr, b.addr) })
	for _, d := range ds[1:] {
		d.name += "@" + d.addr
	}
	for _, d := range ds {
		d.dupOf = nil
		for _, o := range ds {
			if o != d {
				d.dupOf = append(d.dupOf, o.name)
			}
		}
		slices.Sort(d.dupOf)
	}
}

// compareAddr orders addresses numerically when both are IP addresses, else
// as text.
func compareAddr(a, b string) int {
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	if err1 == nil && err2 == nil {
		return x.Compare(y)
	}
	return strings.Compare(a, b)
}

// knownName is the switch name a failed target had: from an earlier run,
// else from the neighbour that advertised it.
func (c *Collector) knownName(t target) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.names[t.addr]; ok {
		return n
	}
	if t.hint != "" {
		return switchName(t.hint)
	}
	return ""
}

// outsideExamples is how many neighbours outside the allowed subnets the
// line of a run names.
const outsideExamples = 3

// logOutside logs, in one line per run, the neighbours (name by address)
// not followed because they are outside the allowed subnets: how many,
// and the first few by address, so that a subnet missing from
// allowed_subnets shows without debug logging.
func (c *Collector) logOutside(outside map[string]string) {
	if len(outside) == 0 {
		return
	}
	addrs := slices.SortedFunc(maps.Keys(outside), compareAddr)
	examples := make([]string, 0, outsideExamples)
	for _, a := range addrs[:min(len(addrs), outsideExamples)] {
		if name := outside[a]; name != "" {
			a = name + " (" + a + ")"
		}
		examples = append(examples, a)
	}
	c.logger.Info("neighbours outside the allowed subnets, not followed", "count", len(outside),
		"examples", strings.Join(examples, ", "), "allowed_subnets", strings.Join(c.cfg.Discovery.AllowedSubnets, " "))
}

// allowed reports whether a neighbour address may be followed.
func (c *Collector) allowed(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range c.subnets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// pollLevel polls targets with at most Concurrency at once, each bounded by
// its own deadline, and returns the results in the targets' order.
func (c *Collector) pollLevel(ctx context.Context, cr credentials, level []target) []result {
	out := make([]result, len(level))
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, t := range level {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = result{t: t, err: fmt.Errorf("snmp %s: %w", t.addr, ctx.Err())}
				return
			}
			defer func() { <-sem }()
			start := time.Now()
			d, err := poll(ctx, c.cfg, cr, t.addr, &c.cnt)
			out[i] = result{t: t, d: d, err: err}
			if err == nil {
				c.logger.Debug("switch read", "address", t.addr, "switch", d.name, "ports", len(d.ports), "fdb", len(d.fdb), "duration", time.Since(start))
			}
		}()
	}
	wg.Wait()
	return out
}

// groupOwner is the owner of one table group's facts.
func groupOwner(sw model.ID, group string) model.ID {
	return model.ID(string(sw) + "#" + group)
}
