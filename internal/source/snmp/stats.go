package snmp

import (
	"context"
	"fmt"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// tstat counts what one table of one device answered in a run. Parsers call
// row for each row read, then keep or skip for it; a walk that fails part way
// calls failed and keeps what was read before. Every skip is counted by
// reason, and the first one is kept as an example (logged once per table and
// run, shown where the switch is shown).
type tstat struct {
	h     model.TableHealth
	start time.Time
}

// maxReasons bounds the distinct skip reasons kept per table (a hostile
// agent could make every row's reason different).
const maxReasons = 16

// tab returns the counters of a table of the device, creating them (in
// reading order) on first use. group is the table group its facts belong to.
func (d *device) tab(group, table string) *tstat {
	for _, t := range d.stats {
		if t.h.Table == table {
			return t
		}
	}
	t := &tstat{h: model.TableHealth{Group: group, Table: table}, start: time.Now()}
	d.stats = append(d.stats, t)
	return t
}

// The counting methods do nothing on a nil *tstat, so that shared walking
// code can count for callers that do not.

// row counts n rows read.
func (t *tstat) row(n int) {
	if t != nil {
		t.h.Rows += n
	}
}

// keep counts n rows kept.
func (t *tstat) keep(n int) {
	if t != nil {
		t.h.Kept += n
	}
}

// skip counts one row skipped for reason; example names the row (its index
// and what was wrong), the first one is kept.
func (t *tstat) skip(reason, example string) {
	if t == nil {
		return
	}
	t.h.Skipped++
	if t.h.Reasons == nil {
		t.h.Reasons = map[string]int{}
	}
	if _, ok := t.h.Reasons[reason]; ok || len(t.h.Reasons) < maxReasons {
		t.h.Reasons[reason]++
	} else {
		t.h.Reasons["other"]++
	}
	if t.h.Example == "" {
		t.h.Example = example + ": " + reason
	}
}

// failed records that the table failed (wholly or part way): the error is
// kept, the rows read before it stay counted (and kept by the parser).
func (t *tstat) failed(err error) {
	if t != nil && err != nil && t.h.Error == "" {
		t.h.Error = err.Error()
	}
}

// done sets the time spent on the table since it was first counted.
func (t *tstat) done() {
	if t != nil {
		t.h.Duration = time.Since(t.start)
	}
}

// health returns the device's table counters for the snapshot.
func (d *device) health() []model.TableHealth {
	sw := model.NewID(model.KindSwitch, d.name)
	out := make([]model.TableHealth, 0, len(d.stats))
	for _, t := range d.stats {
		h := t.h
		h.Device, h.Address = sw, d.addr
		if h.Duration == 0 {
			h.Duration = time.Since(t.start)
		}
		out = append(out, h)
	}
	return out
}

// ProbeReport is what `vnetmap probe snmp` shows of one device: its identity,
// what it yields, and per table the rows read, kept and skipped (why) and the
// time taken.
type ProbeReport struct {
	Address     string              `json:"address"`
	Name        string              `json:"name"`
	SysDescr    string              `json:"sysdescr,omitempty"`
	SysObjectID string              `json:"sysobjectid,omitempty"`
	Ports       int                 `json:"ports"`
	Neighbours  int                 `json:"neighbours"` // LLDP and CDP neighbours kept
	FDB         int                 `json:"fdb"`        // forwarding-table entries kept
	VLANs       int                 `json:"vlans"`
	Tables      []model.TableHealth `json:"tables"`
	Failures    []string            `json:"failures,omitempty"` // table groups that failed, tables that failed part way
	Duration    time.Duration       `json:"duration_ns"`
}

// Probe reads one device at addr with cfg's version, credentials, port and
// limits (its seeds and discovery are ignored) and reports what each table
// answered. It fails only when the device does not answer at all.
func Probe(ctx context.Context, cfg Configuration, addr string) (ProbeReport, error) {
	cfg.Seeds = []string{addr}
	if cfg.Name == "" {
		cfg.Name = "probe"
	}
	if err := cfg.Validate(); err != nil {
		return ProbeReport{}, err
	}
	cr, err := cfg.credentials()
	if err != nil {
		return ProbeReport{}, err
	}
	var cnt counters
	start := time.Now()
	d, err := poll(ctx, cfg, cr, addr, &cnt)
	if err != nil {
		return ProbeReport{Address: addr}, fmt.Errorf("probe %s: %w", addr, err)
	}
	if d.name == "" {
		d.name = addr
	}
	r := ProbeReport{Address: addr, Name: d.name, SysDescr: d.sysDescr, SysObjectID: d.sysObjectID,
		Ports: len(d.ports), FDB: len(d.fdb), VLANs: len(d.vlans), Tables: d.health(), Duration: time.Since(start)}
	for _, p := range d.ports {
		r.Neighbours += len(p.lldp) + len(p.cdp)
	}
	for _, g := range groups {
		if e, ok := d.failed[g]; ok {
			r.Failures = append(r.Failures, g+": "+e)
		}
	}
	r.Failures = append(r.Failures, d.partway...)
	return r, nil
}
