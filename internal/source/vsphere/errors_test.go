package vsphere

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
)

// checkErr fails unless err wraps want, names url and does not carry the
// password.
func checkErr(t *testing.T, what string, err, want error, url string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: got no error; want %v", what, want)
	case !errors.Is(err, want):
		t.Errorf("%s: got %v; want %v", what, err, want)
	case !strings.Contains(err.Error(), url):
		t.Errorf("%s: got %q; want it to name %s", what, err, url)
	case containsSecret(err.Error()):
		t.Errorf("%s: got %q; the password must never appear", what, err)
	}
}

func containsSecret(s string) bool { return strings.Contains(s, testPassword) }

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func TestCollectErrors(t *testing.T) {
	s := startSim(t, nil, "127.0.0.1:0")
	down := "https://" + closedPort(t) + "/sdk"

	slow := simulator.VPX()
	if err := slow.Create(); err != nil {
		t.Fatal(err)
	}
	slow.DelayConfig.MethodDelay = map[string]int{"RetrievePropertiesEx": 3000}
	slowSim := startSim(t, slow, "127.0.0.1:0")

	denied := startSim(t, nil, "127.0.0.1:0")
	denied.model.Service.AddFaultRule(&simulator.FaultInjectionRule{
		MethodName: "CreateContainerView", ObjectType: "*", ObjectName: "*", Enabled: true, Probability: 1,
		FaultType: simulator.FaultTypeNoPermission,
	})

	tests := []struct {
		name   string
		sim    *vcsim
		config func(*Configuration)
		want   error // nil: the collection works
	}{
		{"valid", s, func(*Configuration) {}, nil},
		{"insecure without a CA", s, func(c *Configuration) { c.CAFile, c.Insecure = "", true }, nil},
		{"connection refused", s, func(c *Configuration) { c.URL = down }, ErrUnreachable},
		{"not the SDK path", s, func(c *Configuration) { c.URL = strings.TrimSuffix(c.URL, "/sdk") + "/nosdk" }, ErrUnreachable},
		{"untrusted certificate", s, func(c *Configuration) { c.CAFile = "" }, ErrTLS},
		{"wrong password", s, func(c *Configuration) { c.PasswordFile = passwordFile(t, "not-"+testPassword) }, ErrAuth},
		{"unknown user", s, func(c *Configuration) { c.Username = "intruder" }, ErrAuth},
		{"timeout", slowSim, func(c *Configuration) { c.Timeout = 2e9 }, ErrTimeout},
		{"no permission", denied, func(*Configuration) {}, ErrPermission},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, tc.sim)
			tc.config(&cfg)
			c, logs := newCollector(t, cfg)
			snap, err := c.Collect(context.Background())
			if containsSecret(logs.String()) {
				t.Errorf("the password appears in the logs")
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("got %v; want a snapshot", err)
				}
				if len(snap.Facts) == 0 {
					t.Errorf("got no facts")
				}
				return
			}
			checkErr(t, "Collect", err, tc.want, cfg.URL)
			t.Logf("%v", err)
			if tc.want != ErrAuth && errors.Is(err, ErrAuth) {
				t.Errorf("got %v; want it not to look like a credentials problem", err)
			}
		})
	}
}

// A session vCenter ended (idle timeout, restart of vpxd, an administrator)
// is re-established by the next Collect.
func TestSessionExpired(t *testing.T) {
	s := startSim(t, nil, "127.0.0.1:0")
	c, logs := newCollector(t, testConfig(t, s))
	ctx := context.Background()
	if _, err := c.Collect(ctx); err != nil {
		t.Fatalf("Collect: %v", err)
	}

	admin := s.client(t)
	var sm mo.SessionManager
	if err := admin.RetrieveOne(ctx, *admin.ServiceContent.SessionManager, []string{"sessionList", "currentSession"}, &sm); err != nil {
		t.Fatal(err)
	}
	var others []string
	for _, us := range sm.SessionList {
		if us.Key != sm.CurrentSession.Key {
			others = append(others, us.Key)
		}
	}
	if err := session.NewManager(admin.Client).TerminateSession(ctx, others); err != nil {
		t.Fatal(err)
	}

	if _, err := c.Collect(ctx); err != nil {
		t.Fatalf("Collect after the session ended: %v", err)
	}
	if !strings.Contains(logs.String(), "session expired, logging in again") {
		t.Errorf("got logs %q; want the new login", logs.String())
	}
}

func TestNewErrors(t *testing.T) {
	cfg := DefaultConfiguration()
	cfg.Name, cfg.URL, cfg.Username = "vc1", "https://vc.example.com/sdk", testUser
	tests := []struct {
		name   string
		config func(*Configuration)
		want   error
	}{
		{"unreadable password file", func(c *Configuration) { c.PasswordFile = t.TempDir() + "/missing" }, ErrSecret},
		{"empty password file", func(c *Configuration) { c.PasswordFile = passwordFile(t, "") }, ErrSecret},
		{"unset password variable", func(c *Configuration) { c.PasswordEnv = "VNETMAP_TEST_UNSET_PASSWORD" }, ErrSecret},
		{"credentials in the URL", func(c *Configuration) {
			c.PasswordFile = passwordFile(t, testPassword)
			c.URL = "https://" + testUser + ":" + testPassword + "@vc.example.com/sdk"
		}, ErrConfig},
		{"password in the URL, no user", func(c *Configuration) {
			c.PasswordFile = passwordFile(t, testPassword)
			c.URL = "https://:" + testPassword + "@vc.example.com/sdk"
		}, ErrConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			tc.config(&c)
			_, err := New(c, discard())
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v; want %v", err, tc.want)
			}
			if containsSecret(err.Error()) {
				t.Errorf("got %q; the password must never appear", err)
			}
		})
	}
	t.Run("password from the environment", func(t *testing.T) {
		t.Setenv("VNETMAP_TEST_PASSWORD", testPassword)
		c := cfg
		c.PasswordEnv = "VNETMAP_TEST_PASSWORD"
		if _, err := New(c, discard()); err != nil {
			t.Fatalf("got %v; want a collector", err)
		}
	})
}
