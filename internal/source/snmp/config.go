package snmp

import (
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/secret"
)

// Configuration describes one SNMP fabric to discover: seed switches, the
// credentials they all accept, and the limits of neighbour discovery.
//
// Secrets (the v2c community, the v3 keys) are never part of the
// configuration: each is read from a file or an environment variable at
// every collection, and never logged or put in an error.
type Configuration struct {
	// Name is the source name ("fabric"); config sets it from the source.
	Name string `yaml:"name"`
	// Seeds are the management addresses (IP or host name) polled first.
	Seeds []string `yaml:"seeds"`
	// Port is the agents' UDP port, the same for every device.
	Port uint16 `yaml:"port"`
	// Version is the SNMP version: "2c" or "3".
	Version string `yaml:"version"`
	// CommunityFile or CommunityEnv holds the v2c community (exactly one).
	CommunityFile string `yaml:"community_file"`
	CommunityEnv  string `yaml:"community_env"`
	// Username is the v3 USM user; v3 always uses authPriv.
	Username string `yaml:"username"`
	// AuthProtocol is the v3 authentication: MD5, SHA, SHA224, SHA256,
	// SHA384 or SHA512.
	AuthProtocol string `yaml:"auth_protocol"`
	// AuthKeyFile or AuthKeyEnv holds the v3 authentication passphrase.
	AuthKeyFile string `yaml:"auth_key_file"`
	AuthKeyEnv  string `yaml:"auth_key_env"`
	// PrivProtocol is the v3 privacy: DES, AES (AES128), AES192 or AES256.
	PrivProtocol string `yaml:"priv_protocol"`
	// PrivKeyFile or PrivKeyEnv holds the v3 privacy passphrase.
	PrivKeyFile string `yaml:"priv_key_file"`
	PrivKeyEnv  string `yaml:"priv_key_env"`
	// Timeout bounds one request; Retries is how many times it is resent.
	Timeout time.Duration `yaml:"timeout"`
	Retries int           `yaml:"retries"`
	// MaxRepetitions is the GETBULK max-repetitions.
	MaxRepetitions int `yaml:"max_repetitions"`
	// GetNext walks with GETNEXT instead of GETBULK (for agents that answer
	// GETBULK badly). A device whose GETBULK fails with an error status is
	// walked with GETNEXT anyway.
	GetNext bool `yaml:"get_next"`
	// Concurrency is how many devices are polled at once.
	Concurrency int `yaml:"concurrency"`
	// MaxRows caps the rows (variables) read from one table of one device;
	// a larger table is a failure of that table, so memory stays bounded.
	MaxRows int `yaml:"max_rows"`
	// Discovery follows LLDP/CDP neighbours from the seeds.
	Discovery Discovery `yaml:"discovery"`
}

// Discovery bounds the neighbour walk.
type Discovery struct {
	// Enabled follows neighbour management addresses; off polls the seeds only.
	Enabled bool `yaml:"enabled"`
	// MaxDepth is the number of hops from a seed (a seed is depth 0).
	MaxDepth int `yaml:"max_depth"`
	// MaxDevices caps the devices polled in one run, seeds included.
	MaxDevices int `yaml:"max_devices"`
	// AllowedSubnets are the CIDRs a neighbour's management address must be
	// in to be followed. Required when discovery is enabled.
	AllowedSubnets []string `yaml:"allowed_subnets"`
}

// DefaultConfiguration returns the defaults; Name, Seeds and the credentials
// are left for the user to set.
func DefaultConfiguration() Configuration {
	return Configuration{
		Port:           161,
		Version:        "2c",
		Timeout:        2 * time.Second,
		Retries:        1,
		MaxRepetitions: 25,
		Concurrency:    8,
		MaxRows:        100000,
		Discovery:      Discovery{Enabled: true, MaxDepth: 8, MaxDevices: 500},
	}
}

var (
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	authProtos  = []string{"MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"}
	privProtos  = []string{"DES", "AES", "AES128", "AES192", "AES256"}
)

// Validate checks the configuration and returns an error wrapping ErrConfig
// that names the first bad field. It does not read the secrets.
func (c Configuration) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrConfig, field, fmt.Sprintf(format, args...))
	}
	if !namePattern.MatchString(c.Name) {
		return bad("name", "%q must be letters, digits, '.', '_' or '-'", c.Name)
	}
	if len(c.Seeds) == 0 {
		return bad("seeds", "at least one seed is required")
	}
	for i, s := range c.Seeds {
		if s == "" || strings.ContainsAny(s, " /") {
			return bad(fmt.Sprintf("seeds[%d]", i), "%q is not an address", s)
		}
	}
	if c.Port == 0 {
		return bad("port", "0 is not a port")
	}
	exactlyOne := func(file, env, fileKey, envKey string) error {
		switch {
		case file == "" && env == "":
			return bad(fileKey, "one of %s or %s is required", fileKey, envKey)
		case file != "" && env != "":
			return bad(envKey, "%s and %s are exclusive", fileKey, envKey)
		}
		return nil
	}
	switch c.Version {
	case "2c":
		if err := exactlyOne(c.CommunityFile, c.CommunityEnv, "community_file", "community_env"); err != nil {
			return err
		}
	case "3":
		if c.Username == "" {
			return bad("username", "required for version 3")
		}
		if !contains(authProtos, c.AuthProtocol) {
			return bad("auth_protocol", "%q, want one of %s", c.AuthProtocol, strings.Join(authProtos, ", "))
		}
		if !contains(privProtos, c.PrivProtocol) {
			return bad("priv_protocol", "%q, want one of %s", c.PrivProtocol, strings.Join(privProtos, ", "))
		}
		if err := exactlyOne(c.AuthKeyFile, c.AuthKeyEnv, "auth_key_file", "auth_key_env"); err != nil {
			return err
		}
		if err := exactlyOne(c.PrivKeyFile, c.PrivKeyEnv, "priv_key_file", "priv_key_env"); err != nil {
			return err
		}
	default:
		return bad("version", "%q, want 2c or 3", c.Version)
	}
	if c.Timeout < 100*time.Millisecond || c.Timeout > time.Minute {
		return bad("timeout", "%s is outside 100ms..1m", c.Timeout)
	}
	if c.Retries < 0 || c.Retries > 10 {
		return bad("retries", "%d is outside 0..10", c.Retries)
	}
	if c.MaxRepetitions < 1 || c.MaxRepetitions > 200 {
		return bad("max_repetitions", "%d is outside 1..200", c.MaxRepetitions)
	}
	if c.Concurrency < 1 || c.Concurrency > 256 {
		return bad("concurrency", "%d is outside 1..256", c.Concurrency)
	}
	if c.MaxRows < 10 {
		return bad("max_rows", "%d is below 10", c.MaxRows)
	}
	d := c.Discovery
	if d.MaxDepth < 0 {
		return bad("discovery.max_depth", "%d is negative", d.MaxDepth)
	}
	if d.MaxDevices < 1 {
		return bad("discovery.max_devices", "%d is below 1", d.MaxDevices)
	}
	if _, err := c.subnets(); err != nil {
		return err
	}
	if d.Enabled && len(d.AllowedSubnets) == 0 {
		return bad("discovery.allowed_subnets", "required when discovery is enabled")
	}
	return nil
}

// subnets parses the allowed subnets.
func (c Configuration) subnets() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(c.Discovery.AllowedSubnets))
	for i, s := range c.Discovery.AllowedSubnets {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%w: discovery.allowed_subnets[%d]: %q is not a CIDR", ErrConfig, i, s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// readSecret reads a secret from a file or an environment variable. The error
// names the key (field_file or field_env) and the file or variable, never
// the content.
func readSecret(field, file, env string) (string, error) {
	if env != "" {
		field += "_env"
	} else {
		field += "_file"
	}
	if env != "" {
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("%w: %s: environment variable %s is unset or empty", ErrSecret, field, env)
		}
		return v, nil
	}
	v, err := secret.Line(file)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrSecret, field, err)
	}
	return v, nil
}

// credentials are the secrets of one run.
type credentials struct {
	community, authKey, privKey string
}

// credentials reads the secrets the version needs.
func (c Configuration) credentials() (credentials, error) {
	var cr credentials
	var err error
	if c.Version == "2c" {
		cr.community, err = readSecret("community", c.CommunityFile, c.CommunityEnv)
		return cr, err
	}
	if cr.authKey, err = readSecret("auth_key", c.AuthKeyFile, c.AuthKeyEnv); err != nil {
		return cr, err
	}
	cr.privKey, err = readSecret("priv_key", c.PrivKeyFile, c.PrivKeyEnv)
	return cr, err
}

// CheckSecrets reads the secrets the SNMP version needs, as a run would,
// and returns the error, if any (naming the field and the file or
// variable, never the content); the secrets themselves are dropped.
func (c Configuration) CheckSecrets() error {
	_, err := c.credentials()
	return err
}
