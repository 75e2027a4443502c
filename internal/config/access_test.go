package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/auth"
)

// TestExampleAccess: the example's auth: and tls: sections decode to what
// they say.
func TestExampleAccess(t *testing.T) {
	c, err := Load("../../vnetmap.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Auth.Anonymous != auth.Viewer || c.Auth.MaxFailuresPerMinute != 10 {
		t.Errorf("auth = %+v; want anonymous viewer, 10 failures a minute", c.Auth)
	}
	if !c.TLS.SelfSigned || c.TLS.CertFile != "" || len(c.TLS.Hosts) != 1 || c.TLS.Hosts[0] != "vnetmap.example.com" {
		t.Errorf("tls = %+v; want self-signed for vnetmap.example.com", c.TLS)
	}
}

// TestDecodeAccess: defaults without the sections, and every bad value
// named by key and line.
func TestDecodeAccess(t *testing.T) {
	c, err := Decode(strings.NewReader("db: sqlite:x.db\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Auth != auth.DefaultConfiguration() || c.TLS.Enabled() {
		t.Errorf("without the sections: auth %+v, tls %+v; want the defaults, plain HTTP", c.Auth, c.TLS)
	}
	for _, tc := range []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"good", "auth:\n  anonymous: none\n  max_failures_per_minute: 5\ntls:\n  cert_file: /etc/vnetmap/tls.crt\n  key_file: /etc/vnetmap/tls.key\n", 0, ""},
		{"anonymous operator", "db: sqlite:x.db\nauth:\n  anonymous: operator\n", 3, "auth.anonymous: operator: want viewer or none"},
		{"unknown role", "auth:\n  anonymous: everyone\n", 2, `auth.anonymous: unknown role "everyone"`},
		{"role as a list", "auth:\n  anonymous: [viewer]\n", 2, "auth.anonymous: unknown role"},
		{"no failures allowed", "auth:\n  max_failures_per_minute: 0\n", 2, "auth.max_failures_per_minute"},
		{"unknown auth key", "auth:\n  tokens: [abc]\n", 2, "field tokens not found"},
		{"certificate without key", "tls:\n  cert_file: /x.crt\n", 1, "tls.key_file: missing"},
		{"self-signed and files", "tls:\n  self_signed: true\n  cert_file: a\n  key_file: b\n", 2, "tls.self_signed"},
		{"bad host", "tls:\n  self_signed: true\n  hosts: [ok.example.com, \"not a host\"]\n", 3, "tls.hosts[1]"},
		{"hosts without self-signed", "tls:\n  hosts: [a.example.com]\n", 2, "tls.hosts: only with self_signed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.yaml))
			if tc.want == "" {
				if err != nil {
					t.Errorf("Decode = %v; want nil", err)
				}
				return
			}
			var le *LineError
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) || !errors.As(err, &le) || le.Line != tc.line {
				t.Errorf("Decode = %v; want an ErrInvalid on line %d with %q", err, tc.line, tc.want)
			}
		})
	}
}
