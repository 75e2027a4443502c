package vsphere

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"time"

	"github.com/vnetmap/vnetmap/internal/hostport"
	"github.com/vnetmap/vnetmap/internal/secret"
)

// Configuration describes one vCenter (or ESXi host) to collect.
//
// The password is never part of the configuration: it is read from
// PasswordFile or from the environment variable PasswordEnv at each login,
// so that it can be rotated without a restart.
type Configuration struct {
	// Name is the source name ("vc1"); it prefixes datacenter and cluster IDs.
	Name string `yaml:"name"`
	// URL is the SDK endpoint, https://vc.example.com/sdk. It must not carry
	// credentials; the path defaults to /sdk.
	URL string `yaml:"url"`
	// Username is the vCenter account, e.g. vnetmap@vsphere.local.
	Username string `yaml:"username"`
	// PasswordFile is a file holding the password (a trailing newline is
	// ignored). Exactly one of PasswordFile and PasswordEnv is set.
	PasswordFile string `yaml:"password_file"`
	// PasswordEnv is the name of an environment variable holding the password.
	PasswordEnv string `yaml:"password_env"`
	// Insecure skips the verification of the vCenter TLS certificate.
	Insecure bool `yaml:"insecure"`
	// CAFile is a PEM file of the authorities trusted for the vCenter
	// certificate, instead of the system roots.
	CAFile string `yaml:"ca_file"`
	// Timeout bounds every API call (connect, login, one page of results).
	// Live watches poll with half of it.
	Timeout time.Duration `yaml:"timeout"`
	// PageSize is the number of objects per PropertyCollector page
	// (RetrieveOptions.MaxObjects, WaitOptions.MaxObjectUpdates).
	PageSize int `yaml:"page_size"`
	// Tags reads the VM tags through the vAPI (REST) endpoint. Turn it off
	// for an ESXi host, which has no vAPI.
	Tags bool `yaml:"tags"`
	// EventWindow is how far back each collection reads migration events;
	// 0 reads none. Collect more often than this to miss none.
	EventWindow time.Duration `yaml:"event_window"`
}

// DefaultConfiguration returns the defaults; Name, URL, Username and one of
// PasswordFile or PasswordEnv are left for the user to set.
func DefaultConfiguration() Configuration {
	return Configuration{
		Timeout:     time.Minute,
		PageSize:    500,
		Tags:        true,
		EventWindow: time.Hour,
	}
}

// namePattern is what a source name may contain: it is part of IDs, so no "/".
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Validate checks the configuration and returns an error wrapping ErrConfig
// that names the first bad field.
func (c Configuration) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrConfig, field, fmt.Sprintf(format, args...))
	}
	if !namePattern.MatchString(c.Name) {
		return bad("name", "%q must be letters, digits, '.', '_' or '-'", c.Name)
	}
	if _, err := parseURL(c.URL); err != nil {
		return err
	}
	if c.Username == "" {
		return bad("username", "required")
	}
	switch {
	case c.PasswordFile == "" && c.PasswordEnv == "":
		return bad("password_file", "one of password_file or password_env is required")
	case c.PasswordFile != "" && c.PasswordEnv != "":
		return bad("password_env", "password_file and password_env are exclusive")
	}
	if c.Insecure && c.CAFile != "" {
		return bad("ca_file", "ca_file and insecure are exclusive")
	}
	if c.Timeout < 2*time.Second {
		return bad("timeout", "%s is below the 2s minimum", c.Timeout)
	}
	if c.PageSize < 1 || c.PageSize > 10000 {
		return bad("page_size", "%d is outside 1..10000", c.PageSize)
	}
	if c.EventWindow < 0 {
		return bad("event_window", "%s is negative", c.EventWindow)
	}
	return nil
}

// parseURL checks the SDK URL and returns it with its path defaulted to
// /sdk. Errors never quote the URL: it may carry a password.
func parseURL(raw string) (*url.URL, error) {
	bad := func(reason string) error {
		return fmt.Errorf("%w: url: %s", ErrConfig, reason)
	}
	if raw == "" {
		return nil, bad("required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bad("not a valid URL")
	}
	if u.User != nil {
		return nil, bad("must not carry credentials; use username with password_file or password_env")
	}
	if u.Scheme != "https" {
		return nil, bad(fmt.Sprintf("scheme %q, want https", u.Scheme))
	}
	if u.Host == "" {
		return nil, bad("no host")
	}
	if err := hostport.URLPort(u); err != nil {
		return nil, bad(err.Error())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, bad("must not have a query or fragment")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/sdk"
	}
	return u, nil
}

// password reads the secret from the configured file or environment
// variable. The error names the file or variable, never the content.
func (c Configuration) password() (string, error) {
	if c.PasswordEnv != "" {
		p, ok := os.LookupEnv(c.PasswordEnv)
		if !ok || p == "" {
			return "", fmt.Errorf("%w: password_env: environment variable %s is unset or empty", ErrSecret, c.PasswordEnv)
		}
		return p, nil
	}
	p, err := secret.Line(c.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("%w: password_file: %w", ErrSecret, err)
	}
	return p, nil
}

// CheckSecrets reads the password as a login would and returns the error,
// if any (naming the file or variable, never the content); the password
// itself is dropped.
func (c Configuration) CheckSecrets() error {
	_, err := c.password()
	return err
}
