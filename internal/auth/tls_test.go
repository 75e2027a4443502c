package auth

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// handshake connects to a TLS server made of conf with client and returns
// the certificate the server showed.
func handshake(t *testing.T, conf *tls.Config, client *tls.Config) (*x509.Certificate, error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.(*tls.Conn).Handshake()
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), client)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0], nil
}

// pinned is a client that accepts exactly the certificate of fingerprint.
func pinned(fingerprint string) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, // verified below, by fingerprint
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || Fingerprint(raw[0]) != fingerprint {
				return errors.New("certificate fingerprint mismatch")
			}
			return nil
		},
	}
}

// TestSelfSigned: the first start makes a P-256 certificate for the listen
// host, the host name, localhost and the configured hosts, kept 0600 and
// logged with its fingerprint; the next start reuses it; it is made again
// when a host is added, when it nears its end or when the files are
// damaged. Clients verify it by fingerprint or as a trusted root, and TLS
// 1.1 is refused.
func TestSelfSigned(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	c := TLSConfiguration{SelfSigned: true, Dir: dir, Hosts: []string{"vnetmap.example.com"}}
	conf, err := ServerTLS(c, "127.0.0.1:8443", "/nonexistent", logger)
	if err != nil {
		t.Fatal(err)
	}
	if conf.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion = %x; want TLS 1.2", conf.MinVersion)
	}
	leaf := conf.Certificates[0].Leaf
	fp := Fingerprint(conf.Certificates[0].Certificate[0])
	if !strings.Contains(logs.String(), "self-signed certificate made") || !strings.Contains(logs.String(), fp) {
		t.Errorf("the fingerprint %s is not logged:\n%s", fp, logs.String())
	}
	if leaf.PublicKeyAlgorithm != x509.ECDSA || leaf.NotAfter.Sub(leaf.NotBefore) < 390*24*time.Hour {
		t.Errorf("certificate: %v key, valid %v to %v", leaf.PublicKeyAlgorithm, leaf.NotBefore, leaf.NotAfter)
	}
	host, _ := os.Hostname()
	for _, h := range []string{"127.0.0.1", "::1", "localhost", "vnetmap.example.com", host} {
		if !covers(leaf, h) {
			t.Errorf("the certificate does not name %s (DNS %v, IP %v)", h, leaf.DNSNames, leaf.IPAddresses)
		}
	}
	for _, f := range []string{SelfSignedCert, SelfSignedKey} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", f, err, st.Mode().Perm())
		}
	}

	// Pinned by fingerprint; and verified as a root for its names.
	if _, err := handshake(t, conf, pinned(fp)); err != nil {
		t.Errorf("pinned client: %v", err)
	}
	if _, err := handshake(t, conf, pinned(strings.Repeat("00:", 31)+"00")); err == nil {
		t.Error("a client pinning another fingerprint connected")
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, name := range []string{"localhost", "vnetmap.example.com", "127.0.0.1"} {
		if _, err := handshake(t, conf, &tls.Config{RootCAs: roots, ServerName: name}); err != nil {
			t.Errorf("client trusting the certificate, server name %s: %v", name, err)
		}
	}
	if _, err := handshake(t, conf, &tls.Config{RootCAs: roots, ServerName: "other.example.com"}); err == nil {
		t.Error("the certificate verified for a name it does not carry")
	}
	if _, err := handshake(t, conf, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("a TLS 1.1 client connected")
	}

	// Reused at the next start.
	again, err := ServerTLS(c, "127.0.0.1:8443", "/nonexistent", logger)
	if err != nil {
		t.Fatal(err)
	}
	if got := Fingerprint(again.Certificates[0].Certificate[0]); got != fp || !strings.Contains(logs.String(), "self-signed certificate reused") {
		t.Errorf("second start: fingerprint %s; want the kept %s", got, fp)
	}

	remade := func(what string, c TLSConfiguration, listen string, now time.Time) string {
		t.Helper()
		cert, err := selfSigned(c.Dir, hostsFor(listen, c.Hosts), now, logger)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		got := Fingerprint(cert.Certificate[0])
		if got == fp {
			t.Errorf("%s: the kept certificate was reused; want a new one", what)
		}
		fp = got
		return got
	}
	c.Hosts = append(c.Hosts, "10.1.2.3")
	remade("a host added", c, "127.0.0.1:8443", time.Now())
	remade("another listen host", c, "vnetmap.internal:8443", time.Now())
	remade("30 days before the end", c, "vnetmap.internal:8443", time.Now().Add(370*24*time.Hour))
	if err := os.WriteFile(filepath.Join(dir, SelfSignedCert), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	remade("damaged certificate file", c, "vnetmap.internal:8443", time.Now())
	if err := os.Remove(filepath.Join(dir, SelfSignedKey)); err != nil {
		t.Fatal(err)
	}
	remade("key removed", c, "vnetmap.internal:8443", time.Now())
	if strings.Contains(logs.String(), "PRIVATE KEY") {
		t.Error("the logs show a private key")
	}
}

// TestSelfSignedDefaultDir: without dir, the certificate is kept in the
// directory given by the caller (next to the SQLite database).
func TestSelfSignedDefaultDir(t *testing.T) {
	dir := t.TempDir()
	if _, err := ServerTLS(TLSConfiguration{SelfSigned: true}, ":8443", dir, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, SelfSignedCert)); err != nil {
		t.Error(err)
	}
	if conf, err := ServerTLS(TLSConfiguration{}, ":8080", dir, slog.New(slog.DiscardHandler)); conf != nil || err != nil {
		t.Errorf("TLS off: %v, %v; want nil, nil", conf, err)
	}
}

// TestCertFiles: given files are served, replaced files are served after
// the next check, and files that no longer load leave the last good
// certificate in place; errors name the files, never their content.
func TestCertFiles(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	write := func(hosts ...string) string {
		t.Helper()
		certPEM, keyPEM, err := makeSelfSigned(hosts, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyPath, keyPEM, 0o644); err != nil {
			t.Fatal(err)
		}
		cert, _ := tls.X509KeyPair(certPEM, keyPEM)
		return Fingerprint(cert.Certificate[0])
	}
	first := write("a.example.com")
	var logs syncBuffer
	// The key's mode is warned about by package secret, on the default logger.
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	conf, err := ServerTLS(TLSConfiguration{CertFile: certPath, KeyFile: keyPath}, ":8443", dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "readable by others") || !strings.Contains(logs.String(), first) {
		t.Errorf("log does not warn about the key's mode 0644 or lacks the fingerprint:\n%s", logs.String())
	}
	if cert, err := handshake(t, conf, pinned(first)); err != nil || Fingerprint(cert.Raw) != first {
		t.Fatalf("first certificate: %v", err)
	}
	// The reloading itself, on a fileCert of the same files.
	fc, err := newFileCert(certPath, keyPath, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	conf = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: fc.get}
	second := write("second.example.com") // another size: the files change even within one tick of the file clock
	fc.mu.Lock()
	fc.checked = time.Now().Add(-2 * reloadEvery)
	fc.mu.Unlock()
	if _, err := handshake(t, conf, pinned(second)); err != nil {
		t.Errorf("after replacing the files: %v; want the new certificate", err)
	}
	if err := os.WriteFile(certPath, []byte("-----BEGIN CERTIFICATE-----\nbroken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fc.mu.Lock()
	fc.checked = time.Now().Add(-2 * reloadEvery)
	fc.mu.Unlock()
	if _, err := handshake(t, conf, pinned(second)); err != nil {
		t.Errorf("after breaking the files: %v; want the last good certificate", err)
	}
	if !strings.Contains(logs.String(), "do not load") {
		t.Errorf("the failed reload is not logged:\n%s", logs.String())
	}

	for _, tc := range []struct{ cert, key string }{
		{filepath.Join(dir, "missing.crt"), keyPath},
		{certPath, filepath.Join(dir, "missing.key")},
	} {
		_, err := ServerTLS(TLSConfiguration{CertFile: tc.cert, KeyFile: tc.key}, ":8443", dir, slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), "missing.") {
			t.Errorf("ServerTLS(%s, %s) = %v; want an error naming the file", tc.cert, tc.key, err)
		}
	}
	_, keyPEM, _ := makeSelfSigned([]string{"x"}, time.Now())
	write("c.example.com")
	if err := os.WriteFile(certPath, keyPEM, 0o600); err != nil { // the key where the certificate goes
		t.Fatal(err)
	}
	_, err = ServerTLS(TLSConfiguration{CertFile: certPath, KeyFile: keyPath}, ":8443", dir, slog.New(slog.DiscardHandler))
	if err == nil || strings.Contains(err.Error(), string(keyPEM[40:80])) {
		t.Errorf("a key given as the certificate: %v; want an error not quoting the file", err)
	}
}

// TestKeyFileMustBeASecretFile: the private key is read as a secret file:
// a device, a directory or a file over 64 KiB is refused, naming the file.
func TestKeyFileMustBeASecretFile(t *testing.T) {
	dir := t.TempDir()
	certPath := filepath.Join(dir, "tls.crt")
	certPEM, keyPEM, err := makeSelfSigned([]string{"a.example.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.key")
	if err := os.WriteFile(huge, append(keyPEM, bytes.Repeat([]byte("\n"), 64<<10)...), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key, want string
	}{
		{"device", "/dev/zero", "/dev/zero is a character device"},
		{"directory", dir, dir + " is a directory"},
		{"too large", huge, huge + " is larger than 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ServerTLS(TLSConfiguration{CertFile: certPath, KeyFile: tt.key}, ":8443", dir, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ServerTLS with key_file %s: %v; want an error with %q", tt.key, err, tt.want)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("error %q shows the key", err)
			}
		})
	}
}
