package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCheckNamesKeyAndLine: every kind of mistake is reported with the file,
// the line of the key at fault and the key's path.
func TestCheckNamesKeyAndLine(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "vc.password")
	if err := os.WriteFile(secret, []byte("hunter2-very-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := `db: sqlite:x.db
sources:
  - name: vc
    type: vsphere
    vsphere:
      url: https://vc.example/sdk
      username: ro
      password_file: ` + secret + `
`
	cases := []struct {
		name, yaml string
		secrets    bool
		line       int
		want       string // in the error
	}{
		{"valid", base, true, 0, ""},
		{"unknown key", base + "bogus: 1\n", true, 9, "bogus"},
		{"wrong type", strings.Replace(base, "db: sqlite:x.db", "db: [1, 2]", 1), true, 1, "db"},
		{"bad interval", strings.Replace(base, "    type: vsphere\n", "    type: vsphere\n    interval: 1s\n", 1), true, 5, "sources[0] (vc).interval"},
		{"bad nested value", strings.Replace(base, "      username: ro\n", "      username: ro\n      timeout: -1s\n", 1), true, 8, "timeout"},
		{"unknown source type", strings.Replace(base, "type: vsphere", "type: vmware", 1), true, 4, `unknown type "vmware"`},
		{"bad flow listen", base + "flows:\n  listen: [\"nowhere\"]\n", true, 10, "flows.listen"},
		{"missing secret file", strings.Replace(base, secret, filepath.Join(dir, "absent"), 1), true, 8, "password_file"},
		{"missing secret file, not read", strings.Replace(base, secret, filepath.Join(dir, "absent"), 1), false, 0, ""},
		{"unset secret variable", strings.Replace(base, "password_file: "+secret, "password_env: VNETMAP_TEST_UNSET_VARIABLE", 1), true, 8, "VNETMAP_TEST_UNSET_VARIABLE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "vnetmap.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, errs := Check(path, tc.secrets)
			if tc.want == "" {
				if len(errs) != 0 {
					t.Fatalf("errors %v; want none", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("errors %v; want one", errs)
			}
			msg := errs[0].Error()
			prefix := path + ":" + strconv.Itoa(tc.line) + ": "
			if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q; want it to start with %q and name %q", msg, prefix, tc.want)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("error %q shows the secret", msg)
			}
		})
	}
}
