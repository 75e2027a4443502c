package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vnetmap/vnetmap/internal/secret"
)

// Self-signed certificate files, in TLSConfiguration.Dir.
const (
	SelfSignedCert = "vnetmap-tls.crt"
	SelfSignedKey  = "vnetmap-tls.key"
)

// selfSignedLifetime is how long a self-signed certificate is valid; it is
// made again on the first start less than selfSignedRenew before its end.
const (
	selfSignedLifetime = 397 * 24 * time.Hour
	selfSignedRenew    = 30 * 24 * time.Hour
)

// reloadEvery is how often given certificate files are checked for changes.
const reloadEvery = time.Minute

// ServerTLS returns the TLS configuration of the port listening on listen
// ("host:port") per c (TLS 1.2 and later), or nil when c is not enabled.
// A self-signed certificate is kept in c.Dir, else in defaultDir; it is
// made when missing, unreadable as a certificate, expiring within 30 days
// or not naming every host wanted. The certificate's SHA-256 fingerprint
// is logged, for clients to pin or compare.
func ServerTLS(c TLSConfiguration, listen, defaultDir string, logger *slog.Logger) (*tls.Config, error) {
	if !c.Enabled() {
		return nil, nil
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.SelfSigned {
		dir := c.Dir
		if dir == "" {
			dir = defaultDir
		}
		cert, err := selfSigned(dir, hostsFor(listen, c.Hosts), time.Now(), logger)
		if err != nil {
			return nil, err
		}
		conf.Certificates = []tls.Certificate{cert}
		return conf, nil
	}
	fc, err := newFileCert(c.CertFile, c.KeyFile, logger)
	if err != nil {
		return nil, err
	}
	conf.GetCertificate = fc.get
	return conf, nil
}

// Fingerprint returns the SHA-256 of a certificate's DER bytes as
// colon-separated upper-case hex, as browsers and openssl show it.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// hostsFor returns the names a self-signed certificate for listen carries:
// the listen host when it is one (not a wildcard address), the host's
// name, localhost and the loopback addresses, and extra.
func hostsFor(listen string, extra []string) []string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	var hosts []string
	if a, err := netip.ParseAddr(host); host != "" && (err != nil || !a.IsUnspecified()) {
		hosts = append(hosts, host)
	}
	if name, err := os.Hostname(); err == nil && name != "" {
		hosts = append(hosts, name)
	}
	hosts = append(hosts, "localhost", "127.0.0.1", "::1")
	hosts = append(hosts, extra...)
	out := hosts[:0]
	seen := map[string]bool{}
	for _, h := range hosts {
		if k := strings.ToLower(h); !seen[k] {
			seen[k] = true
			out = append(out, h)
		}
	}
	return out
}

// selfSigned loads the self-signed certificate kept in dir, or makes and
// keeps a new one when that one is missing, unusable, near its end or
// lacks one of hosts.
func selfSigned(dir string, hosts []string, now time.Time, logger *slog.Logger) (tls.Certificate, error) {
	certPath, keyPath := filepath.Join(dir, SelfSignedCert), filepath.Join(dir, SelfSignedKey)
	cert, why, err := loadSelfSigned(certPath, keyPath, hosts, now)
	if err != nil {
		return tls.Certificate{}, err
	}
	if why == "" {
		logger.Info("tls: self-signed certificate reused", "file", certPath, "sha256", Fingerprint(cert.Certificate[0]),
			"not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339), "hosts", strings.Join(hosts, ","))
		return cert, nil
	}
	certPEM, keyPEM, err := makeSelfSigned(hosts, now)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: self-signed certificate: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: self-signed certificate directory: %w", err)
	}
	// The key first: a crash between the two leaves a pair that does not
	// match, made again at the next start.
	if err := writeFileAtomic(keyPath, keyPEM); err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: write %s: %w", keyPath, err)
	}
	if err := writeFileAtomic(certPath, certPEM); err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: write %s: %w", certPath, err)
	}
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: self-signed certificate: %w", err)
	}
	logger.Info("tls: self-signed certificate made", "why", why, "file", certPath, "sha256", Fingerprint(cert.Certificate[0]),
		"not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339), "hosts", strings.Join(hosts, ","))
	return cert, nil
}

// loadSelfSigned loads the kept pair, or says why it cannot be used ("" when
// it can). Only an error other than the files' absence or content (a
// permission denied, say) is an error.
func loadSelfSigned(certPath, keyPath string, hosts []string, now time.Time) (tls.Certificate, string, error) {
	certPEM, err := os.ReadFile(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		return tls.Certificate{}, "none yet", nil
	}
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("tls: %w", err)
	}
	keyPEM, err := secret.ReadFile(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		return tls.Certificate{}, "key missing", nil
	}
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("tls: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, "kept files unusable: " + err.Error(), nil
	}
	leaf := cert.Leaf
	if now.Add(selfSignedRenew).After(leaf.NotAfter) {
		return tls.Certificate{}, "kept certificate expires " + leaf.NotAfter.UTC().Format(time.RFC3339), nil
	}
	for _, h := range hosts {
		if !covers(leaf, h) {
			return tls.Certificate{}, "kept certificate does not name " + h, nil
		}
	}
	return cert, "", nil
}

// covers reports whether leaf names host (an IP address or a DNS name).
func covers(leaf *x509.Certificate, host string) bool {
	if ip := net.ParseIP(host); ip != nil {
		return slices.ContainsFunc(leaf.IPAddresses, ip.Equal)
	}
	return slices.ContainsFunc(leaf.DNSNames, func(n string) bool { return strings.EqualFold(n, host) })
}

// makeSelfSigned returns a new ECDSA P-256 certificate for hosts, signed by
// its own key, and the key, both PEM.
func makeSelfSigned(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"vnetmap"}, CommonName: "vnetmap self-signed " + hosts[0]},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), nil
}

// writeFileAtomic writes data to path with mode 0600 through a temporary
// file renamed over it, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename, there is nothing to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// fileCert serves a certificate from given files and loads them again when
// they change (checked at most every reloadEvery), keeping the last good
// pair when the new one does not load.
type fileCert struct {
	certPath, keyPath string
	logger            *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // modification times and sizes of both files
	checked time.Time
}

func newFileCert(certPath, keyPath string, logger *slog.Logger) (*fileCert, error) {
	fc := &fileCert{certPath: certPath, keyPath: keyPath, logger: logger}
	if err := fc.load(time.Now()); err != nil {
		return nil, err
	}
	return fc, nil
}

// stampOf describes the files' versions; "" when one cannot be read.
func (fc *fileCert) stampOf() string {
	var b bytes.Buffer
	for _, p := range []string{fc.certPath, fc.keyPath} {
		st, err := os.Stat(p)
		if err != nil {
			return ""
		}
		fmt.Fprintf(&b, "%d/%d;", st.ModTime().UnixNano(), st.Size())
	}
	return b.String()
}

// load reads the files; the error names them, never their content.
func (fc *fileCert) load(now time.Time) error {
	stamp := fc.stampOf()
	certPEM, err := os.ReadFile(fc.certPath)
	if err != nil {
		return fmt.Errorf("tls: certificate: %w", err)
	}
	keyPEM, err := secret.ReadFile(fc.keyPath)
	if err != nil {
		return fmt.Errorf("tls: key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("tls: certificate %s with key %s: %w", fc.certPath, fc.keyPath, err)
	}
	fc.cert, fc.stamp, fc.checked = &cert, stamp, now
	leaf := cert.Leaf
	fc.logger.Info("tls: certificate loaded", "file", fc.certPath, "sha256", Fingerprint(cert.Certificate[0]),
		"subject", leaf.Subject.String(), "not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
	if now.After(leaf.NotAfter) {
		fc.logger.Warn("tls: the certificate has expired", "file", fc.certPath, "not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// get is tls.Config.GetCertificate.
func (fc *fileCert) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	now := time.Now()
	if now.Sub(fc.checked) >= reloadEvery {
		fc.checked = now
		if s := fc.stampOf(); s != "" && s != fc.stamp {
			if err := fc.load(now); err != nil {
				fc.logger.Error("tls: changed certificate files do not load; serving the previous certificate", "error", err)
				fc.stamp = s // not tried again until the files change again
			}
		}
	}
	return fc.cert, nil
}
