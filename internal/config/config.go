// Package config reads vnetmap's YAML configuration: the store, the API
// listener and the sources with their schedules. Secrets are never in the
// file itself: sources name a file or an environment variable that holds them.
//
// It is not for building components: main wires them from this.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/flow/aggregate"
	flowdecode "github.com/vnetmap/vnetmap/internal/flow/decode"
	"github.com/vnetmap/vnetmap/internal/flow/listen"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/hostport"
	"github.com/vnetmap/vnetmap/internal/source/inventory"
	"github.com/vnetmap/vnetmap/internal/source/snmp"
	"github.com/vnetmap/vnetmap/internal/source/vsphere"
)

// Configuration is the whole configuration file.
type Configuration struct {
	// DB is the store DSN (sqlite:PATH or postgres://…); the --db flag wins over it.
	DB string `yaml:"db"`
	// Listen is the address of the REST API for serve.
	Listen string `yaml:"listen"`
	// Sources are the fact sources to collect.
	Sources []Source `yaml:"sources"`
	// Applications say which VMs make up which application.
	Applications []correlate.AppRule `yaml:"applications"`
	// Webhooks receive the findings of the checks as they appear and
	// clear (serve).
	Webhooks []check.WebhookConfiguration `yaml:"webhooks"`
	// Flows configures the flow listener of serve and how long its
	// per-minute aggregates are kept.
	Flows Flows `yaml:"flows"`
	// Auth is the access control of serve's port: the anonymous role and
	// the limit on failed authentications (API tokens are in the store).
	Auth auth.Configuration `yaml:"auth"`
	// TLS makes serve's port HTTPS: certificate files, or self-signed.
	TLS auth.TLSConfiguration `yaml:"tls"`
	// Graph bounds serve's maps of past moments: the memory they keep
	// and how many are built at once (fewer for anonymous requests).
	Graph graph.CacheConfiguration `yaml:"graph"`
}

// Flows configures the NetFlow/IPFIX/sFlow listener and the retention of
// the per-minute aggregates it stores.
type Flows struct {
	// Listen are the UDP addresses the listener receives datagrams on
	// ("host:port", an empty host for every address); every address takes
	// every protocol.
	Listen []string `yaml:"listen"`
	// Retention is how long flow and link minutes are kept in the store.
	Retention time.Duration `yaml:"retention"`
	// MaxKeysPerMinute bounds the distinct (source, destination, protocol,
	// port) aggregates of one minute; records beyond it are counted in one
	// overflow aggregate.
	MaxKeysPerMinute int `yaml:"max_keys_per_minute"`
	// InternalNetworks are the organisation's own prefixes: an address in
	// one that no VM or device was seen with is "unknown" rather than
	// "external". They add to the /24s and /64s of the addresses the map
	// knows.
	InternalNetworks []netip.Prefix `yaml:"internal_networks"`
	// Exporters, when set, are the only source prefixes whose datagrams
	// are decoded (a single exporter is a /32 or /128); the others are
	// counted and dropped.
	Exporters []netip.Prefix `yaml:"exporters"`
	// TemplateCacheMiB bounds the memory of the NetFlow v9/IPFIX templates
	// kept; one exporter (address, observation domain) may hold a
	// sixteenth of it.
	TemplateCacheMiB int `yaml:"template_cache_mib"`
}

// MinFlowRetention is the shortest flow retention accepted: path answers
// show the last hour of traffic.
const MinFlowRetention = time.Hour

// DefaultFlows returns the flow defaults: the usual NetFlow (2055), IPFIX
// (4739) and sFlow (6343) ports on every address, 30 days of retention, and
// the aggregation's default key limit.
func DefaultFlows() Flows {
	return Flows{
		Listen:           listen.DefaultConfiguration().Listen,
		Retention:        30 * 24 * time.Hour,
		MaxKeysPerMinute: aggregate.DefaultConfiguration().MaxKeysPerMinute,
		TemplateCacheMiB: flowdecode.DefaultTemplateBytes >> 20,
	}
}

// MaxTemplateCacheMiB bounds flows.template_cache_mib.
const MaxTemplateCacheMiB = 64 << 10

// Validate checks the flow settings with the listener's and the
// aggregation's own rules.
func (f Flows) Validate() error {
	if f.Retention < MinFlowRetention {
		return fmt.Errorf("retention: %s is shorter than %s", f.Retention, MinFlowRetention)
	}
	if least := flowdecode.MinTemplateBytes >> 20; f.TemplateCacheMiB < least || f.TemplateCacheMiB > MaxTemplateCacheMiB {
		return fmt.Errorf("template_cache_mib: %d is not from %d to %d", f.TemplateCacheMiB, least, MaxTemplateCacheMiB)
	}
	lc := listen.DefaultConfiguration()
	lc.Listen, lc.Exporters = f.Listen, f.Exporters
	if err := lc.Validate(); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), listen.ErrConfig.Error()+": "))
	}
	ac := aggregate.DefaultConfiguration()
	ac.MaxKeysPerMinute = f.MaxKeysPerMinute
	return ac.Validate()
}

// Source is one configured fact source.
type Source struct {
	Name     string        `yaml:"name"`
	Type     string        `yaml:"type"`
	Interval time.Duration `yaml:"interval"`
	// VSphere configures a source of type "vsphere"; its name is Name.
	VSphere *vsphere.Configuration `yaml:"vsphere"`
	// SNMP configures a source of type "snmp"; its name is Name.
	SNMP *snmp.Configuration `yaml:"snmp"`
	// Inventory configures a source of type "inventory" (declared cabling).
	Inventory *inventory.Configuration `yaml:"inventory"`
}

// Source types.
const (
	TypeVSphere   = "vsphere"
	TypeSNMP      = "snmp"
	TypeInventory = "inventory"
)

// MinInterval is the shortest collection interval accepted.
const MinInterval = 10 * time.Second

// DefaultConfiguration returns the configuration used without a file.
func DefaultConfiguration() Configuration {
	return Configuration{DB: "sqlite:vnetmap.db", Listen: "127.0.0.1:8080", Flows: DefaultFlows(), Auth: auth.DefaultConfiguration(),
		Graph: graph.DefaultCacheConfiguration(),
		// The common conventions: a custom attribute or a tag category "app".
		Applications: []correlate.AppRule{{FromAttribute: "app"}, {FromTagCategory: "app"}}}
}

// DefaultInterval is the collection interval of a source that sets none.
const DefaultInterval = 5 * time.Minute

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("config: invalid")

// MaxFileSize is the largest configuration read, in bytes (1 MiB).
const MaxFileSize = 1 << 20

// ErrTooLarge is wrapped by the error for a configuration larger than
// MaxFileSize: it is refused rather than cut, since the keys past a cut
// (auth, tls) would silently take their defaults.
var ErrTooLarge = errors.New("config: too large")

// Load reads and validates the configuration file at path.
func Load(path string) (Configuration, error) {
	c, _, err := load(path)
	return c, err
}

// load is Load, also returning the file's content.
func load(path string) (Configuration, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return Configuration{}, nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := read(f)
	if err != nil {
		return Configuration{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	c, err := decode(data)
	var le *LineError
	if errors.As(err, &le) {
		return Configuration{}, data, fmt.Errorf("%s:%d: %w", path, le.Line, le.Err)
	}
	if err != nil {
		return Configuration{}, data, fmt.Errorf("%s: %w", path, err)
	}
	return c, data, nil
}

// read reads a whole configuration: at most MaxFileSize bytes.
func read(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: read: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes (1 MiB), the most read", ErrTooLarge, MaxFileSize)
	}
	return data, nil
}

// Decode reads and validates a configuration from r (at most MaxFileSize
// bytes). Unknown keys are errors; type errors name the line.
func Decode(r io.Reader) (Configuration, error) {
	data, err := read(r)
	if err != nil {
		return Configuration{}, err
	}
	return decode(data)
}

// decode decodes and validates the configuration data.
func decode(data []byte) (Configuration, error) {
	c := DefaultConfiguration()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Configuration{}, yamlError(data, err)
	}
	if err := applySourceDefaults(data, &c); err != nil {
		return Configuration{}, err
	}
	if err := c.Validate(); err != nil {
		return c, locate(data, err)
	}
	return c, nil
}

// applySourceDefaults re-reads each source's type-specific section over that
// type's defaults, so that a key left out takes its default value rather
// than the zero value. The strict first pass already rejected unknown keys.
func applySourceDefaults(data []byte, c *Configuration) error {
	var raw struct {
		Sources []struct {
			VSphere yaml.Node `yaml:"vsphere"`
			SNMP    yaml.Node `yaml:"snmp"`
		} `yaml:"sources"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Interval == 0 {
			s.Interval = DefaultInterval
		}
		if s.VSphere != nil {
			vs := vsphere.DefaultConfiguration()
			if err := raw.Sources[i].VSphere.Decode(&vs); err != nil {
				return fmt.Errorf("%w: sources[%d].vsphere: %w", ErrInvalid, i, err)
			}
			vs.Name = s.Name
			s.VSphere = &vs
		}
		if s.SNMP != nil {
			sc := snmp.DefaultConfiguration()
			if err := raw.Sources[i].SNMP.Decode(&sc); err != nil {
				return fmt.Errorf("%w: sources[%d].snmp: %w", ErrInvalid, i, err)
			}
			sc.Name = s.Name
			s.SNMP = &sc
		}
		if s.Inventory != nil {
			s.Inventory.Name = s.Name
		}
	}
	return nil
}

// Validate checks the configuration and names the first bad key.
func (c Configuration) Validate() error {
	if c.DB == "" {
		return fmt.Errorf("%w: db: empty", ErrInvalid)
	}
	if _, _, err := hostport.Listen(c.Listen); err != nil {
		return fmt.Errorf("%w: listen: %w", ErrInvalid, err)
	}
	if err := c.Flows.Validate(); err != nil {
		return fmt.Errorf("%w: flows.%w", ErrInvalid, err)
	}
	if err := c.Auth.Validate(); err != nil {
		return fmt.Errorf("%w: auth.%w", ErrInvalid, err)
	}
	if err := c.TLS.Validate(); err != nil {
		return fmt.Errorf("%w: tls.%w", ErrInvalid, err)
	}
	if err := c.Graph.Validate(); err != nil {
		return fmt.Errorf("%w: graph.%s", ErrInvalid, err)
	}
	for i, a := range c.Applications {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("%w: applications[%d]: %w", ErrInvalid, i, err)
		}
	}
	for i, w := range c.Webhooks {
		if err := w.Validate(); err != nil {
			return fmt.Errorf("%w: webhooks[%d]: %w", ErrInvalid, i, err)
		}
	}
	seen := map[string]bool{}
	for i, s := range c.Sources {
		where := fmt.Sprintf("sources[%d]", i)
		if s.Name == "" {
			return fmt.Errorf("%w: %s.name: empty", ErrInvalid, where)
		}
		where = fmt.Sprintf("sources[%d] (%s)", i, s.Name)
		if seen[s.Name] {
			return fmt.Errorf("%w: %s.name: duplicate source name", ErrInvalid, where)
		}
		seen[s.Name] = true
		if s.Interval < MinInterval {
			return fmt.Errorf("%w: %s.interval: %s is shorter than %s", ErrInvalid, where, s.Interval, MinInterval)
		}
		switch s.Type {
		case TypeVSphere:
			if s.VSphere == nil {
				return fmt.Errorf("%w: %s.vsphere: missing for a source of type vsphere", ErrInvalid, where)
			}
			if err := s.VSphere.Validate(); err != nil {
				return fmt.Errorf("%w: %s.vsphere: %w", ErrInvalid, where, err)
			}
		case TypeSNMP:
			if s.SNMP == nil {
				return fmt.Errorf("%w: %s.snmp: missing for a source of type snmp", ErrInvalid, where)
			}
			if err := s.SNMP.Validate(); err != nil {
				return fmt.Errorf("%w: %s.snmp: %w", ErrInvalid, where, err)
			}
		case TypeInventory:
			if s.Inventory == nil {
				return fmt.Errorf("%w: %s.inventory: missing for a source of type inventory", ErrInvalid, where)
			}
			if err := s.Inventory.Validate(); err != nil {
				return fmt.Errorf("%w: %s.inventory: %w", ErrInvalid, where, err)
			}
		case "":
			return fmt.Errorf("%w: %s.type: empty (known: vsphere, snmp, inventory)", ErrInvalid, where)
		default:
			return fmt.Errorf("%w: %s.type: unknown type %q (known: vsphere, snmp, inventory)", ErrInvalid, where, s.Type)
		}
	}
	return nil
}

// CheckSecrets reads every secret the configuration names (vCenter
// passwords, SNMP communities and keys, webhook signing keys) as the
// components would, and returns one error per secret that cannot be read,
// each naming the key (never the secret). The secrets are dropped.
func (c Configuration) CheckSecrets() []error {
	var errs []error
	for i, s := range c.Sources {
		where := fmt.Sprintf("sources[%d] (%s)", i, s.Name)
		switch {
		case s.VSphere != nil:
			if err := s.VSphere.CheckSecrets(); err != nil {
				errs = append(errs, fmt.Errorf("%s.vsphere: %w", where, err))
			}
		case s.SNMP != nil:
			if err := s.SNMP.CheckSecrets(); err != nil {
				errs = append(errs, fmt.Errorf("%s.snmp: %w", where, err))
			}
		}
	}
	for i, w := range c.Webhooks {
		if err := w.CheckSecrets(); err != nil {
			errs = append(errs, fmt.Errorf("webhooks[%d]: %w", i, err))
		}
	}
	return errs
}
