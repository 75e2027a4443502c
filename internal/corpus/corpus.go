// Package corpus finds the real-device corpus that tests and benchmarks read
// where it lies (../shared/corpus from the module root, third-party data
// never copied into the repository): SNMP recordings in snmprec/, flow
// captures in flows/.
//
// It is for tests only; nothing in the vnetmap binary imports it.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus folder sub ("snmprec", "flows"): under
// $VNETMAP_CORPUS (the corpus folder, or sub itself) when set, else
// ../shared/corpus/sub from the module root. A missing corpus fails the test
// in CI (CI=true) and skips it elsewhere, saying why.
func Dir(tb testing.TB, sub string) string {
	tb.Helper()
	missing := func(format string, args ...any) string {
		if os.Getenv("CI") == "true" {
			tb.Fatalf(format, args...)
		}
		tb.Skipf(format, args...)
		return ""
	}
	if d := os.Getenv("VNETMAP_CORPUS"); d != "" {
		if st, err := os.Stat(filepath.Join(d, sub)); err == nil && st.IsDir() {
			return filepath.Join(d, sub)
		}
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return missing("VNETMAP_CORPUS=%s is not a folder", d)
		}
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return missing("no go.mod above %s: cannot find the module root (set VNETMAP_CORPUS)", wd)
		}
		root = parent
	}
	d := filepath.Join(root, "..", "shared", "corpus", sub)
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		return missing("corpus %s not found at %s (set VNETMAP_CORPUS to the corpus folder)", sub, d)
	}
	return d
}
