package auth

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
)

// Configuration is the access control of the HTTP port (the auth: section).
type Configuration struct {
	// Anonymous is the role of a request without a token: viewer (the
	// default: the API's GETs and the web UI are open to read) or none
	// (every request but /healthz and /readyz needs a token). Actions
	// always need an operator token.
	Anonymous Role `yaml:"anonymous"`
	// MaxFailuresPerMinute is how many failed authentications a client
	// address (an IPv6 /64) may make per minute, after a burst of as many;
	// beyond, its requests with a token get 429 until it slows down.
	MaxFailuresPerMinute int `yaml:"max_failures_per_minute"`
}

// DefaultConfiguration returns read-only anonymous access and 10 failed
// attempts a minute per client address.
func DefaultConfiguration() Configuration {
	return Configuration{Anonymous: Viewer, MaxFailuresPerMinute: 10}
}

// Validate checks the configuration; errors name the key.
func (c Configuration) Validate() error {
	if c.Anonymous != None && c.Anonymous != Viewer {
		return fmt.Errorf("anonymous: %s: want viewer or none (actions always need a token)", c.Anonymous)
	}
	if c.MaxFailuresPerMinute < 1 || c.MaxFailuresPerMinute > 10000 {
		return fmt.Errorf("max_failures_per_minute: %d: want 1 to 10000", c.MaxFailuresPerMinute)
	}
	return nil
}

// TLSConfiguration is the TLS of the HTTP port (the tls: section): a
// certificate and key given as PEM files, or a self-signed certificate
// made on first start and kept in Dir. Without either, the port serves
// plain HTTP.
type TLSConfiguration struct {
	// CertFile and KeyFile are PEM files of the certificate (chain first
	// leaf) and its private key; both or neither. They are read again
	// when they change, so a renewed certificate needs no restart.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// SelfSigned makes (once) and uses an ECDSA P-256 certificate signed
	// by itself for the listen address, the host's name, localhost and
	// Hosts.
	SelfSigned bool `yaml:"self_signed"`
	// Dir is where the self-signed certificate and key are kept (mode
	// 0600); default the directory of the SQLite database, else the
	// working directory.
	Dir string `yaml:"dir"`
	// Hosts are more DNS names or IP addresses for the self-signed
	// certificate (the names clients use to reach the port).
	Hosts []string `yaml:"hosts"`
}

// Enabled reports whether the port serves HTTPS.
func (c TLSConfiguration) Enabled() bool { return c.SelfSigned || c.CertFile != "" }

// dnsName is a host name a certificate may carry (a leading wildcard label
// allowed).
var dnsName = regexp.MustCompile(`^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// Validate checks the configuration; errors name the key. Whether the
// files can be read is checked when the port starts.
func (c TLSConfiguration) Validate() error {
	switch {
	case c.CertFile != "" && c.KeyFile == "":
		return errors.New("key_file: missing (cert_file is given)")
	case c.CertFile == "" && c.KeyFile != "":
		return errors.New("cert_file: missing (key_file is given)")
	case c.SelfSigned && c.CertFile != "":
		return errors.New("self_signed: not with cert_file and key_file")
	case !c.SelfSigned && c.Dir != "":
		return errors.New("dir: only with self_signed: true")
	case !c.SelfSigned && len(c.Hosts) > 0:
		return errors.New("hosts: only with self_signed: true")
	}
	for i, h := range c.Hosts {
		if _, err := netip.ParseAddr(h); err != nil && (len(h) > 253 || !dnsName.MatchString(h)) {
			return fmt.Errorf("hosts[%d]: %q is neither an IP address nor a DNS name", i, h)
		}
	}
	return nil
}

// clientKey is the rate-limiting key of a client: its IPv4 address, or the
// /64 of its IPv6 address (a host usually holds a whole /64).
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
