package vsphere

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator" // vAPI endpoints (tags) in the simulator
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vnetmap/vnetmap/internal/model"
)

// The account the simulators accept. The password is checked against error
// strings and logs: it must never appear in them.
const (
	testUser     = "vnetmap@vsphere.local"
	testPassword = "Pa55-never-in-logs-7f3c"
)

// vcsim is an in-process vCenter simulator served over TLS.
type vcsim struct {
	model  *simulator.Model
	server *simulator.Server
	url    string // SDK URL, without credentials
	addr   string // host:port, to start another simulator at the same place
	caFile string
}

// startSim creates model m (VPX when nil) and serves it on addr
// ("127.0.0.1:0" for any port) with the test account; opts change the
// service before it starts (withoutVAPI).
func startSim(t testing.TB, m *simulator.Model, addr string, opts ...func(*simulator.Service)) *vcsim {
	t.Helper()
	if m == nil {
		m = simulator.VPX()
	}
	if m.Service == nil {
		if err := m.Create(); err != nil {
			t.Fatalf("simulator: %v", err)
		}
	}
	m.Service.TLS = new(tls.Config)
	m.Service.RegisterEndpoints = true
	m.Service.Listen = &url.URL{Host: addr, User: url.UserPassword(testUser, testPassword)}
	for _, o := range opts {
		o(m.Service)
	}
	srv := m.Service.NewServer()
	// A copy of the certificate: the server removes its file when it stops,
	// and a collector logging in again after that reads the CA file again.
	certFile, err := srv.CertificateFile()
	if err != nil {
		t.Fatalf("simulator certificate: %v", err)
	}
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	u := *srv.URL
	u.User = nil
	s := &vcsim{model: m, server: srv, url: u.String(), addr: u.Host, caFile: caFile}
	t.Cleanup(func() {
		s.stop()
		m.Remove()
	})
	return s
}

// withoutVAPI serves no vAPI endpoint (tags): /rest and /api answer 404,
// as on an ESXi host or a vCenter without the tagging service.
func withoutVAPI(s *simulator.Service) { s.RegisterEndpoints = false }

// stop closes the server and every connection to it, at once.
func (s *vcsim) stop() {
	s.server.CloseClientConnections()
	s.server.Close()
}

// client is an administrator connection to the simulator, for test setup.
func (s *vcsim) client(t testing.TB) *govmomi.Client {
	t.Helper()
	ctx := context.Background()
	u, _ := url.Parse(s.url)
	u.User = url.UserPassword(testUser, testPassword)
	c, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		t.Fatalf("admin client: %v", err)
	}
	t.Cleanup(func() { _ = c.Logout(context.Background()) })
	return c
}

// ctx is the simulator's own context, for direct changes to its objects.
func (s *vcsim) ctx() *simulator.Context { return s.model.Service.Context }

// edit changes a simulator object under its lock.
func (s *vcsim) edit(ref types.ManagedObjectReference, f func(obj mo.Reference)) {
	ctx := s.ctx()
	obj := ctx.Map.Get(ref)
	ctx.WithLock(obj, func() { f(obj) })
}

// setGuestIPs sets the guest IPs of the first vNIC of a VM, as VMware Tools
// would report them. The guest.net list is replaced, never changed in
// place: the simulator may still be encoding the previous one for a watch.
func (s *vcsim) setGuestIPs(ref types.ManagedObjectReference, ips ...string) {
	s.edit(ref, func(obj mo.Reference) {
		vm := obj.(*simulator.VirtualMachine)
		nets := slices.Clone(vm.Guest.Net)
		nets[0].IpAddress = ips
		s.ctx().Update(vm, []types.PropertyChange{{Name: "guest.net", Val: nets}})
	})
}

// passwordFile writes the password to a file in a test directory.
func passwordFile(t testing.TB, password string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(p, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testConfig is a valid configuration for the simulator s.
func testConfig(t testing.TB, s *vcsim) Configuration {
	cfg := DefaultConfiguration()
	cfg.Name = "vc1"
	cfg.URL = s.url
	cfg.Username = testUser
	cfg.PasswordFile = passwordFile(t, testPassword)
	cfg.CAFile = s.caFile
	cfg.Timeout = 4 * time.Second
	cfg.PageSize = 7 // several pages even for the small inventory
	return cfg
}

// logBuffer collects log lines; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newCollector returns a Collector for cfg whose logs go to the returned
// buffer; it is closed when the test ends.
func newCollector(t testing.TB, cfg Configuration) (*Collector, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	c, err := New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, logs
}

// index finds facts by key (Fact.Key()).
type index map[string]model.Fact

func indexFacts(facts []model.Fact) index {
	ix := make(index, len(facts))
	for _, f := range facts {
		ix[f.Key()] = f
	}
	return ix
}

func (ix index) entity(id model.ID) (model.Fact, bool) {
	f, ok := ix[string(id)]
	return f, ok
}

func (ix index) relation(from model.ID, rel model.RelKind, to model.ID) (model.Fact, bool) {
	f, ok := ix[string(from)+"|"+string(rel)+"|"+string(to)]
	return f, ok
}

// related returns the objects of the relations rel from id.
func related(facts []model.Fact, from model.ID, rel model.RelKind) []model.ID {
	var out []model.ID
	for _, f := range facts {
		if f.Subject == from && f.Rel == rel {
			out = append(out, f.Object)
		}
	}
	return out
}

// finder returns a finder on the first datacenter.
func finder(t testing.TB, c *govmomi.Client) *find.Finder {
	t.Helper()
	f := find.NewFinder(c.Client, true)
	dc, err := f.DefaultDatacenter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.SetDatacenter(dc)
	return f
}

// vmByName returns a VM of the simulator.
func vmByName(t testing.TB, c *govmomi.Client, name string) *object.VirtualMachine {
	t.Helper()
	vm, err := finder(t, c).VirtualMachine(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}
