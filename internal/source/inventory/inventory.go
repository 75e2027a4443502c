// Package inventory is the source of declared cabling: a CSV file, kept by
// the people who cable the data center (or exported from a DCIM such as
// NetBox), that says which switch port each host NIC is cabled to.
// Correlation weighs it as evidence like any other and reports where the
// devices contradict it.
//
// It is not for discovering anything: it states what the file declares.
package inventory

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/ifname"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/source"
)

// ErrFormat is wrapped by every error about the file's content.
var ErrFormat = errors.New("inventory: bad cabling file")

// Configuration of an inventory source.
type Configuration struct {
	// Name is the source name.
	Name string `yaml:"name"`
	// File is the CSV file: a header naming the columns host, pnic, switch
	// and port (any order, other columns ignored), then one row per cable.
	File string `yaml:"file"`
}

// DefaultConfiguration returns an empty configuration.
func DefaultConfiguration() Configuration { return Configuration{} }

// Validate checks the configuration.
func (c Configuration) Validate() error {
	if c.File == "" {
		return errors.New("file: empty")
	}
	return nil
}

// maxRows bounds the rows read from one file.
const maxRows = 200000

// Collector reads the cabling file at every collection.
type Collector struct{ cfg Configuration }

var _ source.Source = (*Collector)(nil)

// New returns a collector for cfg.
func New(cfg Configuration) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("inventory %s: %w", cfg.Name, err)
	}
	return &Collector{cfg: cfg}, nil
}

// Name returns the source name.
func (c *Collector) Name() string { return c.cfg.Name }

// Collect reads the file. Each cable is a pnic entity fact owned by the
// source with the attributes declared_switch and declared_port (the port
// name normalized).
func (c *Collector) Collect(ctx context.Context) (model.Snapshot, error) {
	f, err := os.Open(c.cfg.File)
	if err != nil {
		return model.Snapshot{}, fmt.Errorf("inventory %s: %w", c.cfg.Name, err)
	}
	defer f.Close()
	cables, err := Parse(f)
	if err != nil {
		return model.Snapshot{}, fmt.Errorf("inventory %s: %s: %w", c.cfg.Name, c.cfg.File, err)
	}
	owner := model.ID("inventory:" + c.cfg.Name)
	snap := model.Snapshot{Source: c.cfg.Name, Taken: time.Now()}
	for _, cb := range cables {
		snap.Facts = append(snap.Facts, model.Entity(owner, model.NewID(model.KindPNIC, cb.Host+"/"+cb.PNIC), cb.PNIC,
			model.Attrs{"declared_switch": cb.Switch, "declared_port": cb.Port}))
	}
	return snap, nil
}

// Cable is one declared cable.
type Cable struct {
	Host, PNIC, Switch, Port string
}

// Parse reads a cabling CSV. Errors name the line and the column.
func Parse(r io.Reader) ([]Cable, error) {
	cr := csv.NewReader(io.LimitReader(r, 64<<20))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrFormat, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, want := range []string{"host", "pnic", "switch", "port"} {
		if _, ok := col[want]; !ok {
			return nil, fmt.Errorf("%w: header: no %q column (want host, pnic, switch, port)", ErrFormat, want)
		}
	}
	var out []Cable
	seen := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrFormat, err)
		}
		if len(out) >= maxRows {
			return nil, fmt.Errorf("%w: more than %d cables", ErrFormat, maxRows)
		}
		get := func(name string) (string, error) {
			i := col[name]
			if i >= len(rec) || strings.TrimSpace(rec[i]) == "" {
				return "", fmt.Errorf("%w: line %d: %s: empty", ErrFormat, line, name)
			}
			return strings.TrimSpace(rec[i]), nil
		}
		var c Cable
		for _, fld := range []struct {
			name string
			dst  *string
		}{{"host", &c.Host}, {"pnic", &c.PNIC}, {"switch", &c.Switch}, {"port", &c.Port}} {
			v, err := get(fld.name)
			if err != nil {
				return nil, err
			}
			if strings.ContainsAny(v, "/") && fld.name != "port" {
				return nil, fmt.Errorf("%w: line %d: %s: %q has a '/'", ErrFormat, line, fld.name, v)
			}
			*fld.dst = v
		}
		c.Port = ifname.Normalize(c.Port)
		key := c.Host + "/" + c.PNIC
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("%w: line %d: %s is already cabled on line %d", ErrFormat, line, key, prev)
		}
		seen[key] = line
		out = append(out, c)
	}
}
