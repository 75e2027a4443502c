// Package vsphere is the vCenter source: it reads the inventory that matters
// to the network map (datacenters, clusters, hosts with their physical NICs,
// standard and distributed switches, port groups, VMs with their vNICs, IPs,
// tags and custom attributes, CDP/LLDP seen by the hosts) through the vSphere
// API, turns it into facts as docs/facts.md defines them, and follows VM
// changes (live migrations, vNIC changes) as they happen.
//
// It is not for correlation: it states what vCenter says, e.g. that vmnic0
// of esx01 sees switch leaf1 port Eth1/7 over CDP, and leaves the cabling
// conclusion to the correlate package.
package vsphere

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/session/keepalive"
	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vnetmap/vnetmap/internal/source"
)

var (
	_ source.Source  = (*Collector)(nil)
	_ source.Watcher = (*Collector)(nil)
)

// keepAliveIdle is how long a session may stay idle before a keep-alive
// call; vCenter ends idle sessions after 30 minutes by default.
const keepAliveIdle = 5 * time.Minute

// Collector reads one vCenter. Collect and Watch may run concurrently (a
// watch in one goroutine, scheduled collections in another); they share
// one session, re-established by whichever call finds it expired.
type Collector struct {
	cfg     Configuration
	logger  *slog.Logger
	url     *url.URL // SDK URL, never with credentials
	vcenter string   // host part of the URL, the `vcenter` attribute

	connMu sync.Mutex // serialises logins
	conn   *conn      // nil until the first login, and after a failure

	mu     sync.Mutex                               // guards what follows, and conn.rest
	places places                                   // names and parents from the last Collect, and learnt since
	seen   map[types.ManagedObjectReference]vmState // each VM's placement at the last Collect
	tags   map[string]string                        // tag ID → "category/name"
	warned map[string]bool                          // warnings already logged
	// vmTagsRead are the tags of each VM as last read, kept for the runs
	// that cannot read them.
	vmTagsRead map[types.ManagedObjectReference][]string
}

// conn is one logged-in session.
type conn struct {
	vim  *vim25.Client
	keep *keepalive.HandlerSOAP
	rest *rest.Client // vAPI session, nil until tags are first read
}

// New validates cfg and returns a Collector for it. It checks that the
// password can be read but does not connect: the first Collect does.
func New(cfg Configuration, logger *slog.Logger) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, err := parseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if _, err := cfg.password(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Collector{
		cfg:     cfg,
		logger:  logger,
		url:     u,
		vcenter: u.Hostname(),
		places:  places{},
		tags:    map[string]string{},
		warned:  map[string]bool{},

		vmTagsRead: map[types.ManagedObjectReference][]string{},
	}, nil
}

// Name returns the source name.
func (c *Collector) Name() string { return c.cfg.Name }

// Close logs out and stops the session keep-alive. The Collector can still
// be used afterwards: the next call logs in again.
func (c *Collector) Close() error {
	c.connMu.Lock()
	cn := c.conn
	c.conn = nil
	c.connMu.Unlock()
	if cn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	defer cancel()
	c.mu.Lock()
	rc := cn.rest
	c.mu.Unlock()
	if rc != nil {
		_ = rc.Logout(ctx)
	}
	err := session.NewManager(cn.vim).Logout(ctx)
	cn.keep.Stop()
	return c.classify("logout", err)
}

// session returns the current session, logging in when there is none.
func (c *Collector) session(ctx context.Context) (*conn, error) {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	if c.conn != nil {
		return c.conn, nil
	}
	cn, err := c.login(ctx)
	if err != nil {
		return nil, err
	}
	c.conn = cn
	return cn, nil
}

// drop forgets cn so that the next call logs in again. The session is not
// logged out: drop is for sessions that expired or lost their connection.
func (c *Collector) drop(cn *conn) {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	if c.conn == cn {
		c.conn = nil
		cn.keep.Stop()
	}
}

// login connects and opens a session. The password is read now, so that a
// rotated secret is picked up, and is never logged nor put in an error.
func (c *Collector) login(ctx context.Context) (*conn, error) {
	password, err := c.cfg.password()
	if err != nil {
		return nil, err
	}
	sc := soap.NewClient(c.url, c.cfg.Insecure)
	sc.Timeout = c.cfg.Timeout
	if c.cfg.CAFile != "" {
		if err := sc.SetRootCAs(c.cfg.CAFile); err != nil {
			return nil, fmt.Errorf("%w: ca_file %s: %w", ErrConfig, c.cfg.CAFile, err)
		}
	}
	vc, err := vim25.NewClient(ctx, sc)
	if err != nil {
		return nil, c.classify("connect", err)
	}
	keep := keepalive.NewHandlerSOAP(vc.RoundTripper, keepAliveIdle, nil)
	vc.RoundTripper = keep
	err = session.NewManager(vc).Login(ctx, url.UserPassword(c.cfg.Username, password))
	if err != nil {
		keep.Stop()
		return nil, c.classify(fmt.Sprintf("login as %q", c.cfg.Username), err)
	}
	c.logger.Debug("logged in", "url", c.url.String(), "user", c.cfg.Username)
	return &conn{vim: vc, keep: keep}, nil
}

// retry runs f with a session; when the session turns out to have expired
// (or the connection was lost and comes back), it logs in again once and
// reruns f.
func retry[T any](ctx context.Context, c *Collector, f func(*conn) (T, error)) (T, error) {
	var zero T
	cn, err := c.session(ctx)
	if err != nil {
		return zero, err
	}
	v, err := f(cn)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, ErrSessionExpired) {
		if errors.Is(err, ErrUnreachable) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrTLS) {
			c.drop(cn)
		}
		return zero, err
	}
	c.logger.Info("session expired, logging in again", "url", c.url.String())
	c.drop(cn)
	if cn, err = c.session(ctx); err != nil {
		return zero, err
	}
	v, err = f(cn)
	if errors.Is(err, ErrSessionExpired) {
		c.drop(cn)
		return zero, fmt.Errorf("%w: %s: session rejected right after login: %w", ErrAuth, c.url, err)
	}
	return v, err
}
