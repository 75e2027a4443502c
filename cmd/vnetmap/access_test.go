package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/query"
)

// tlsSite is a `vnetmap serve` over HTTPS started by a test, and a client
// pinning its certificate.
type tlsSite struct {
	p      *process
	base   string // https://127.0.0.1:PORT
	client *http.Client
	bodies []string
}

// startTLSServe starts serve with conf and waits until it serves HTTPS;
// the client trusts only the certificate whose SHA-256 is fingerprint.
func startTLSServe(t *testing.T, dir, conf, fingerprint string) *tlsSite {
	t.Helper()
	p := startVnetmap(t, dir, nil, "serve", "--config", conf)
	serving := regexp.MustCompile(`ui=https://(127\.0\.0\.1:\d+)/`)
	var addr string
	for deadline := time.Now().Add(60 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, _ := os.ReadFile(p.log)
		if m := serving.FindSubmatch(b); m != nil {
			addr = string(m[1])
		} else if strings.Contains(string(b), "vnetmap: ") { // serve failed
			break
		}
	}
	if addr == "" {
		b, _ := os.ReadFile(p.log)
		t.Fatalf("serve did not start:\n%s", b)
	}
	return &tlsSite{p: p, base: "https://" + addr, client: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true, // verified below: the pinned fingerprint
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 || auth.Fingerprint(raw[0]) != fingerprint {
					return errors.New("certificate fingerprint is not the pinned one")
				}
				return nil
			},
		}}}}
}

func (s *tlsSite) call(t *testing.T, method, path, token, body string) (int, http.Header, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	s.bodies = append(s.bodies, string(b))
	return resp.StatusCode, resp.Header, string(b)
}

// stop ends serve with SIGTERM and waits for it.
func (s *tlsSite) stop(t *testing.T) {
	t.Helper()
	if err := s.p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = s.p.cmd.Wait()
}

// TestServeAccessOverTLS: a real `vnetmap serve` with a self-signed
// certificate (made at the first start, its fingerprint logged, pinned by
// the client, reused at the next start) and access control over the
// simulated data center: anonymous clients read, a viewer token may not
// act (403), an operator token runs a collection, applies the DRS rules
// (as drs-rules --apply would: applying again from the CLI changes
// nothing) and acknowledges a finding; with anonymous: none a request
// without a token gets 401. No token or hash is in the logs or answers.
func TestServeAccessOverTLS(t *testing.T) {
	s := startSimSite(t)
	dir := filepath.Dir(s.config)
	db := "sqlite:" + filepath.Join(dir, "site.db")
	tokens := map[string]string{}
	for _, tc := range []struct{ name, role string }{{"grafana", "viewer"}, {"ops", "operator"}, {"root", "admin"}} {
		code, out, errOut := vnetmap(t, "--db", db, "token", "create", "--name", tc.name, "--role", tc.role)
		if code != 0 {
			t.Fatalf("token create %s: exit %d: %s", tc.name, code, errOut)
		}
		tokens[tc.name] = strings.TrimSpace(out)
	}
	base, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	writeConf := func(anonymous string) string {
		conf := filepath.Join(dir, "serve-"+anonymous+".yaml")
		y := fmt.Sprintf("%slisten: 127.0.0.1:0\nflows:\n  listen: [\"127.0.0.1:%d\"]\nauth:\n  anonymous: %s\ntls:\n  self_signed: true\n", base, freeUDPPort(t), anonymous)
		if err := os.WriteFile(conf, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
		return conf
	}

	// The first start makes the certificate next to the database, before
	// it listens; the test pins what it finds there.
	var fingerprint string
	p := startVnetmap(t, dir, nil, "serve", "--config", writeConf("viewer"))
	certFile := filepath.Join(dir, auth.SelfSignedCert)
	waitUntil(t, "the self-signed certificate", 60*time.Second, func() bool {
		b, err := os.ReadFile(certFile)
		block, _ := pem.Decode(b)
		if err != nil || block == nil {
			return false
		}
		fingerprint = auth.Fingerprint(block.Bytes)
		return true
	})
	if st, err := os.Stat(filepath.Join(dir, auth.SelfSignedKey)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	// Stopped, not killed: a killed serve keeps the leases it may have taken
	// already until they expire, and the next start could not collect.
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait()
	site := startTLSServe(t, dir, writeConf("viewer"), fingerprint)
	if b, _ := os.ReadFile(site.p.log); !strings.Contains(string(b), "self-signed certificate reused") || !strings.Contains(string(b), "sha256="+fingerprint) {
		t.Errorf("the second start does not log the reused certificate's fingerprint %s:\n%s", fingerprint, b)
	}

	waitUntil(t, "ready", 60*time.Second, func() bool {
		code, _, _ := site.call(t, "GET", "/readyz", "", "")
		return code == 200
	})
	if code, _, _ := site.call(t, "GET", "/api/v1/summary", "", ""); code != 200 {
		t.Errorf("anonymous summary: %d; want 200 (anonymous viewer)", code)
	}
	if code, _, body := site.call(t, "POST", "/api/v1/collect", tokens["grafana"], `{"wait":true}`); code != 403 {
		t.Errorf("viewer collect: %d %s; want 403", code, body)
	}
	if code, hdr, _ := site.call(t, "POST", "/api/v1/collect", "", `{}`); code != 401 || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("anonymous collect: %d; want 401 with a challenge", code)
	}
	code, _, body := site.call(t, "POST", "/api/v1/collect", tokens["ops"], `{"wait":true}`)
	var collected struct {
		Results []struct {
			Source string
			Facts  int
			Error  string
		}
	}
	if err := json.Unmarshal([]byte(body), &collected); code != 200 || err != nil || len(collected.Results) != 2 {
		t.Fatalf("operator collect: %d %s", code, body)
	}
	for _, r := range collected.Results {
		if r.Error != "" || r.Facts == 0 {
			t.Errorf("collection of %s: %+v; want facts, no error", r.Source, r)
		}
	}

	code, _, body = site.call(t, "POST", "/api/v1/drs-rules/apply", tokens["ops"], `{"source":"vc-sim"}`)
	var applied drsApplied
	if err := json.Unmarshal([]byte(body), &applied); code != 200 || err != nil || applied.Source != "vc-sim" || len(applied.Result.Changes) != 3 {
		t.Errorf("operator drs-rules/apply: %d %s; want 3 changes by vc-sim", code, body)
	}
	if code, out, errOut := vnetmap(t, "--config", s.config, "drs-rules", "--apply"); code != 0 || !strings.Contains(out, "nothing changed") {
		t.Errorf("drs-rules --apply after the API's: exit %d %s %s; want nothing changed", code, out, errOut)
	}
	if code, _, body := site.call(t, "POST", "/api/v1/drs-rules/apply", tokens["ops"], `{"source":"nope"}`); code != 400 || !strings.Contains(body, "source nope: no vsphere source") {
		t.Errorf("apply to an unknown source: %d %s; want 400", code, body)
	}

	_, _, body = site.call(t, "GET", "/api/v1/findings", "", "")
	var findings query.FindingsAnswer
	if err := json.Unmarshal([]byte(body), &findings); err != nil || len(findings.Findings) == 0 {
		t.Fatalf("findings: %v %s", err, body)
	}
	id := findings.Findings[0].ID
	if code, _, body := site.call(t, "POST", "/api/v1/findings/"+id+"/ack", tokens["grafana"], `{"comment":"x"}`); code != 403 {
		t.Errorf("viewer ack: %d %s; want 403", code, body)
	}
	if code, _, body := site.call(t, "POST", "/api/v1/findings/"+id+"/ack", tokens["ops"], `{"comment":"known, CHG-7"}`); code != 200 {
		t.Errorf("operator ack: %d %s", code, body)
	}
	_, _, body = site.call(t, "GET", "/api/v1/findings", "", "")
	findings = query.FindingsAnswer{}
	if err := json.Unmarshal([]byte(body), &findings); err != nil || findings.Acknowledged[id].By != "ops" || findings.Acknowledged[id].Comment != "known, CHG-7" {
		t.Errorf("findings after ack: %v %+v", err, findings.Acknowledged)
	}

	// Failed attempts, for the logs to be searched: a token that is none,
	// a malformed header, a token given as a query parameter.
	forged, _ := auth.NewToken()
	site.call(t, "GET", "/api/v1/summary", forged, "")
	site.call(t, "GET", "/api/v1/summary?token="+tokens["root"], "nonsense-"+tokens["grafana"], "")

	// Plain HTTP and TLS 1.1 are refused on the port.
	if resp, err := http.Get("http://" + strings.TrimPrefix(site.base, "https://") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP answered 200 on the HTTPS port")
		}
	}
	if c, err := tls.Dial("tcp", strings.TrimPrefix(site.base, "https://"), &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}); err == nil {
		c.Close()
		t.Error("a TLS 1.1 client connected")
	}
	site.stop(t)

	// anonymous: none — every request but /healthz and /readyz needs a token.
	closed := startTLSServe(t, dir, writeConf("none"), fingerprint)
	for _, path := range []string{"/api/v1/summary", "/metrics", "/", "/api/v1/findings"} {
		code, hdr, body := closed.call(t, "GET", path, "", "")
		if code != 401 || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") || !json.Valid([]byte(body)) {
			t.Errorf("anonymous GET %s with anonymous none: %d %s; want a JSON 401", path, code, body)
		}
	}
	if code, _, _ := closed.call(t, "GET", "/healthz", "", ""); code != 200 {
		t.Errorf("healthz: %d; want 200", code)
	}
	if code, _, _ := closed.call(t, "GET", "/api/v1/summary", tokens["grafana"], ""); code != 200 {
		t.Errorf("viewer summary: %d; want 200", code)
	}
	closed.stop(t)

	var logs bytes.Buffer
	for _, l := range []string{p.log, site.p.log, closed.p.log} {
		b, _ := os.ReadFile(l)
		logs.Write(b)
	}
	if !strings.Contains(logs.String(), "authentication failed") {
		t.Errorf("failed authentications are not logged:\n%s", logs.String())
	}
	for name, tok := range tokens {
		for _, needle := range []string{tok, auth.Hash(tok), strings.TrimPrefix(tok, auth.TokenPrefix)} {
			if strings.Contains(logs.String(), needle) {
				t.Errorf("the logs show token %s or its hash", name)
			}
			for _, b := range append(site.bodies, closed.bodies...) {
				if strings.Contains(b, needle) {
					t.Errorf("an answer shows token %s or its hash: %s", name, b)
				}
			}
		}
	}
	if strings.Contains(logs.String(), forged) || strings.Contains(logs.String(), auth.Hash(forged)) {
		t.Error("the logs show the forged token or its hash")
	}
}
