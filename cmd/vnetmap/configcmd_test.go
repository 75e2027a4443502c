package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCheck: `vnetmap config check` accepts a valid configuration
// whose secrets are readable, reports each problem with file and line
// (exit 1), never prints a secret nor the store's password, and needs a
// file (exit 2).
func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	community := filepath.Join(dir, "community")
	if err := os.WriteFile(community, []byte("c0mmunity-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(`db: postgres://vnetmap:pg-pa55word@db.example:5432/vnetmap
sources:
  - name: fabric
    type: snmp
    snmp:
      seeds: [10.0.0.1]
      community_file: `+community+`
      discovery: {enabled: false}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := vnetmap(t, "config", "check", good)
	if code != 0 || !strings.Contains(out, "ok") || !strings.Contains(out, "fabric: snmp every 5m0s") {
		t.Errorf("check of a good file: exit %d, %q, %q", code, out, errOut)
	}
	code, out, _ = vnetmap(t, "config", "check", "--json", good)
	var sum configCheck
	if err := json.Unmarshal([]byte(out), &sum); err != nil || code != 0 || !sum.OK || len(sum.Sources) != 1 {
		t.Errorf("--json: exit %d, %+v, %v", code, sum, err)
	}
	for _, leak := range []string{"c0mmunity-s3cret", "pg-pa55word"} {
		if strings.Contains(out, leak) {
			t.Errorf("config check printed a secret: %q", out)
		}
	}

	if err := os.Remove(community); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	raw, _ := os.ReadFile(good)
	if err := os.WriteFile(bad, append(raw, []byte("flows:\n  retention: 1m\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = vnetmap(t, "config", "check", bad)
	if code != 1 || !strings.Contains(out, bad+":10: ") || !strings.Contains(out, "flows.retention") {
		t.Errorf("check of a bad value: exit %d, %q; want 1 and %s:10 naming flows.retention", code, out, bad)
	}
	code, out, _ = vnetmap(t, "config", "check", good)
	if code != 1 || !strings.Contains(out, good+":7: ") || !strings.Contains(out, "community_file") {
		t.Errorf("check with the secret file gone: exit %d, %q; want 1 and %s:7", code, out, good)
	}
	if code, _, _ := vnetmap(t, "config", "check"); code != 2 {
		t.Errorf("config check without a file: exit %d; want 2", code)
	}
}

// TestConfigCheckRefuses: `vnetmap config check` refuses a file over 1 MiB
// rather than checking what fits, a port out of range, and secret files
// that are no regular file or are over 64 KiB, each naming the file and
// never printing a secret.
func TestConfigCheckRefuses(t *testing.T) {
	dir := t.TempDir()
	large := filepath.Join(dir, "large.secret")
	if err := os.WriteFile(large, []byte(strings.Repeat("s3cret", 20000)), 0o600); err != nil {
		t.Fatal(err)
	}
	vsphere := func(passwordFile string) string {
		return "sources:\n  - name: vc1\n    type: vsphere\n    vsphere:\n      url: https://vc.example.com/sdk\n      username: u\n      password_file: " + passwordFile + "\n"
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"over 1 MiB", "#" + strings.Repeat("x", 1<<20) + "\ntls:\n  self_signed: true\n", "larger than 1048576 bytes (1 MiB)"},
		{"listen port out of range", "listen: 127.0.0.1:99999\n", `:1: config: invalid: listen: "127.0.0.1:99999": port "99999" is not a number from 0 to 65535`},
		{"password file a device", vsphere("/dev/zero"), ":7: sources[0] (vc1).vsphere: vsphere: cannot read password: password_file: secret: not a regular file: /dev/zero is a character device"},
		{"password file a directory", vsphere(dir), "is a directory"},
		{"password file over 64 KiB", vsphere(large), large + " is larger than 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "vnetmap.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := vnetmap(t, "config", "check", path)
			if code != 1 || !strings.Contains(out, path) || !strings.Contains(out, tt.want) {
				t.Errorf("config check: exit %d, %q, %q; want 1 naming %s with %q", code, out, errOut, path, tt.want)
			}
			if strings.Contains(out+errOut, "s3cret") {
				t.Errorf("config check printed a secret: %q %q", out, errOut)
			}
		})
	}
}
