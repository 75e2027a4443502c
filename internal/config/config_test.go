package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigurationValidates(t *testing.T) {
	if err := DefaultConfiguration().Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestExampleDecodes(t *testing.T) {
	c, err := Load("../../vnetmap.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 3 {
		t.Fatalf("got %d sources; want 3", len(c.Sources))
	}
	if n := c.Sources[2]; n.Type != TypeInventory || n.Inventory.Name != "dcim" || n.Inventory.File != "/etc/vnetmap/cabling.csv" {
		t.Errorf("inventory = %s %+v", n.Type, n.Inventory)
	}
	if n := c.Sources[1]; n.Type != TypeSNMP || n.SNMP.Name != "fabric" || n.SNMP.Port != 161 || n.SNMP.Discovery.MaxDepth != 4 || n.SNMP.MaxRepetitions != 25 {
		t.Errorf("snmp = %s %+v", n.Type, n.SNMP)
	}
	s := c.Sources[0]
	if s.Name != "vc1" || s.Type != TypeVSphere || s.Interval != 5*time.Minute {
		t.Errorf("source = %s %s %s; want vc1 vsphere 5m", s.Name, s.Type, s.Interval)
	}
	if s.VSphere.Name != "vc1" || s.VSphere.PasswordFile != "/etc/vnetmap/vc1.password" || s.VSphere.PageSize != 500 {
		t.Errorf("vsphere = %+v", *s.VSphere)
	}
	if len(c.Applications) != 2 || c.Applications[0].FromAttribute != "app" || c.Applications[1].Names[0] != "shop-*" {
		t.Errorf("applications = %+v", c.Applications)
	}
}

func TestDecode(t *testing.T) {
	const good = "sources:\n  - name: vc1\n    type: vsphere\n    vsphere:\n      url: https://vc/sdk\n      username: u\n      password_env: VC_PW\n"
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"empty file is the defaults", "", ""},
		{"good source", good, ""},
		{"unknown top key", "dbx: sqlite:x.db\n", "field dbx not found"},
		{"unknown vsphere key names the line", good + "      passwd: secret\n", "line 8"},
		{"bad interval type", "sources:\n  - name: a\n    type: vsphere\n    interval: often\n", "line 4"},
		{"missing name", "sources:\n  - type: vsphere\n", "sources[0].name: empty"},
		{"unknown type", "sources:\n  - name: a\n    type: snmpx\n", `unknown type "snmpx"`},
		{"vsphere section missing", "sources:\n  - name: a\n    type: vsphere\n", "sources[0] (a).vsphere: missing"},
		{"short interval", strings.Replace(good, "type: vsphere", "type: vsphere\n    interval: 1s", 1), "interval: 1s is shorter"},
		{"duplicate names", good + strings.TrimPrefix(good, "sources:\n"), "duplicate source name"},
		{"application without criteria", "applications:\n  - name: shop\n", "applications[0]: application \"shop\": no criteria"},
		{"inventory without a file", "sources:\n  - name: dcim\n    type: inventory\n    inventory: {}\n", "sources[0] (dcim).inventory: file: empty"},
		{"vsphere validation", strings.Replace(good, "username: u", "username: \"\"", 1), "username"},
		{"snmp validation names the field", "sources:\n  - name: f\n    type: snmp\n    snmp:\n      seeds: [10.0.0.1]\n      community_env: C\n", "discovery.allowed_subnets"},
		{"snmp section missing", "sources:\n  - name: f\n    type: snmp\n", "sources[0] (f).snmp: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Decode(strings.NewReader(tt.yaml))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if c.DB != "sqlite:vnetmap.db" {
					t.Errorf("db = %q; want the default", c.DB)
				}
				for _, s := range c.Sources {
					if s.Interval != DefaultInterval || s.VSphere.Timeout == 0 {
						t.Errorf("source %s defaults not applied: interval %s timeout %s", s.Name, s.Interval, s.VSphere.Timeout)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Decode error = %v; want one containing %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(t.TempDir() + "/nope.yaml")
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load of a missing file: %v; want a not-exist error", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("sources:\n  - name: vc1\n    type: vsphere\n    vsphere:\n      url: https://vc/sdk\n      username: u\n      password_env: VC_PW\n"))
	f.Add([]byte("db: sqlite:x.db\nlisten: :8080\n"))
	f.Add([]byte("sources: [{name: a, type: vsphere, interval: 1h, vsphere: {url: 'https://u:p@vc/sdk'}}]"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Decode accepted a configuration that does not validate: %v", err)
		}
	})
}

// TestLoadRefusesTooLarge: a file over MaxFileSize is refused with an error
// naming the file and the limit, not cut (keys past the cut, such as tls,
// would silently take their defaults).
func TestLoadRefusesTooLarge(t *testing.T) {
	tail := "tls:\n  self_signed: true\n"
	pad := func(n int) string { // a comment line of n bytes with its newline
		return "#" + strings.Repeat("x", n-2) + "\n"
	}
	tests := []struct {
		name, content, wantErr string
	}{
		{"at the limit", pad(MaxFileSize-len(tail)) + tail, ""},
		{"one byte over", pad(MaxFileSize-len(tail)+1) + tail, "larger than 1048576 bytes (1 MiB)"},
		{"far over", pad(3*MaxFileSize) + tail, "larger than 1048576 bytes (1 MiB)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "vnetmap.yaml")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Load: %v; want no error", err)
				}
				if !c.TLS.SelfSigned {
					t.Errorf("tls.self_signed at the end of the file = false; want true")
				}
				return
			}
			if err == nil || !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), path+": ") || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Load: %v; want ErrTooLarge naming %s and %q", err, path, tt.wantErr)
			}
			if _, errs := Check(path, true); len(errs) != 1 || !errors.Is(errs[0], ErrTooLarge) {
				t.Errorf("Check: %v; want one ErrTooLarge", errs)
			}
			if _, err := Decode(strings.NewReader(tt.content)); !errors.Is(err, ErrTooLarge) {
				t.Errorf("Decode: %v; want ErrTooLarge", err)
			}
		})
	}
}

// TestAddressPorts: every address of the configuration (the API's listen,
// flows.listen, a vCenter URL, a webhook URL) has a port from 1 to 65535
// (0 for a listen address: the system picks a free port), and the error
// names the key and its line.
func TestAddressPorts(t *testing.T) {
	vc := func(url string) string {
		return "sources:\n  - name: vc1\n    type: vsphere\n    vsphere:\n      url: " + url + "\n      username: u\n      password_env: VC_PW\n"
	}
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"listen", "listen: 127.0.0.1:8443\n", ""},
		{"listen on a free port", "listen: 127.0.0.1:0\n", ""},
		{"listen on a name", "listen: localhost:8080\n", ""},
		{"listen port too large", "listen: 127.0.0.1:99999\n", `line 1: config: invalid: listen: "127.0.0.1:99999": port "99999" is not a number from 0 to 65535`},
		{"listen without port", "listen: 127.0.0.1\n", `listen: "127.0.0.1": not host:port`},
		{"listen named port", "db: sqlite:x.db\nlisten: :http\n", `line 2: config: invalid: listen: ":http": port "http" is not a number`},
		{"flows listen port too large", "flows:\n  listen: [\":70000\"]\n", `line 2: config: invalid: flows.listen[0]: ":70000": port "70000"`},
		{"vcenter port", vc("https://vc.example.com:8443/sdk"), ""},
		{"vcenter port too large", vc("https://vc.example.com:99999/sdk"), `line 5: config: invalid: sources[0] (vc1).vsphere: vsphere: invalid configuration: url: "vc.example.com:99999": port "99999" is not a number from 1 to 65535`},
		{"webhook port zero", "webhooks:\n  - url: https://hooks.example.com:0/x\n", `line 2: config: invalid: webhooks[0]: check: bad webhook: url: "hooks.example.com:0": port "0" is not a number from 1 to 65535`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.yaml))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Decode: %v; want no error", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Decode: %v; want ErrInvalid with %q", err, tt.wantErr)
			}
		})
	}
}
