package vsphere

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// validConfig is the defaults with what the user must set.
func validConfig() Configuration {
	c := DefaultConfiguration()
	c.Name = "vc1"
	c.URL = "https://vc1.example.com/sdk"
	c.Username = "vnetmap@vsphere.local"
	c.PasswordFile = "/etc/vnetmap/vc1.password"
	return c
}

func TestDefaultConfiguration(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("defaults with name, url, username, password_file: got %v; want valid", err)
	}
	if err := DefaultConfiguration().Validate(); !errors.Is(err, ErrConfig) {
		t.Errorf("bare defaults: got %v; want %v (name, url and username are required)", err, ErrConfig)
	}
}

func TestConfigurationYAML(t *testing.T) {
	const example = `
name: vc1
url: https://vc1.example.com/sdk
username: vnetmap@vsphere.local
password_env: VC1_PASSWORD
ca_file: /etc/vnetmap/vc1-ca.pem
timeout: 30s
page_size: 1000
tags: false
event_window: 2h
`
	got := DefaultConfiguration()
	if err := yaml.Unmarshal([]byte(example), &got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := Configuration{
		Name: "vc1", URL: "https://vc1.example.com/sdk", Username: "vnetmap@vsphere.local",
		PasswordEnv: "VC1_PASSWORD", CAFile: "/etc/vnetmap/vc1-ca.pem",
		Timeout: 30 * time.Second, PageSize: 1000, Tags: false, EventWindow: 2 * time.Hour,
	}
	if got != want {
		t.Errorf("got %+v; want %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("example: got %v; want valid", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Configuration)
		field  string // named in the error
	}{
		{"no name", func(c *Configuration) { c.Name = "" }, "name"},
		{"slash in name", func(c *Configuration) { c.Name = "vc/1" }, "name"},
		{"no url", func(c *Configuration) { c.URL = "" }, "url"},
		{"http url", func(c *Configuration) { c.URL = "http://vc1.example.com/sdk" }, "url"},
		{"no host", func(c *Configuration) { c.URL = "https:///sdk" }, "url"},
		{"unparsable url", func(c *Configuration) { c.URL = "https://vc1.example.com:port/sdk" }, "url"},
		{"user in url", func(c *Configuration) { c.URL = "https://admin@vc1.example.com/sdk" }, "url"},
		{"query in url", func(c *Configuration) { c.URL = "https://vc1.example.com/sdk?x=1" }, "url"},
		{"no username", func(c *Configuration) { c.Username = "" }, "username"},
		{"no password source", func(c *Configuration) { c.PasswordFile = "" }, "password_file"},
		{"two password sources", func(c *Configuration) { c.PasswordEnv = "VC1_PASSWORD" }, "password_env"},
		{"insecure with a CA", func(c *Configuration) { c.Insecure, c.CAFile = true, "/ca.pem" }, "ca_file"},
		{"short timeout", func(c *Configuration) { c.Timeout = time.Second }, "timeout"},
		{"zero page size", func(c *Configuration) { c.PageSize = 0 }, "page_size"},
		{"huge page size", func(c *Configuration) { c.PageSize = 100000 }, "page_size"},
		{"negative event window", func(c *Configuration) { c.EventWindow = -time.Minute }, "event_window"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.change(&c)
			err := c.Validate()
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("got %v; want %v", err, ErrConfig)
			}
			if !strings.Contains(err.Error(), ": "+tc.field+":") {
				t.Errorf("got %q; want it to name the field %s", err, tc.field)
			}
		})
	}
}
