package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/snmpsim"
	"github.com/vnetmap/vnetmap/internal/source/snmp"
)

// serveSnmprec serves one .snmprec file with snmpsimd under community on
// 127.0.0.1 and returns the UDP port. snmpsimd missing fails in CI and
// skips elsewhere.
func serveSnmprec(t *testing.T, file, community string) uint16 {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return snmpsim.Start(t, snmpsim.Agent{Endpoints: []string{"127.0.0.1"},
		Files: map[string]map[string][]byte{"127.0.0.1": {community: b}}, Ready: snmpsim.V2cReady(community)})
}

const leaf1File = "../../internal/source/snmp/testdata/leaf1.snmprec"

func TestProbeSNMP(t *testing.T) {
	port := serveSnmprec(t, leaf1File, "s3cr3t-probe")
	t.Setenv("VNETMAP_TEST_COMMUNITY", "s3cr3t-probe")
	common := []string{"probe", "snmp", "127.0.0.1", "--port", fmt.Sprint(port), "--community-env", "VNETMAP_TEST_COMMUNITY", "--timeout", "2s"}

	t.Run("json", func(t *testing.T) {
		code, out, errOut := vnetmap(t, append(common, "--json")...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var r snmp.ProbeReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("not the report's JSON: %v\n%s", err, out)
		}
		if r.Name != "leaf1" || r.Address != "127.0.0.1" {
			t.Errorf("got device %q at %q; want leaf1 at 127.0.0.1", r.Name, r.Address)
		}
		tables := map[string]model.TableHealth{}
		for _, h := range r.Tables {
			tables[h.Table] = h
		}
		// The rows leaf1.snmprec holds, counted in the file.
		for _, want := range []struct {
			table      string
			rows, kept int
		}{
			{"ifTable", 8, 8},
			{"ifXTable", 8, 8},
			{"lldpRemTable", 5, 5},
			{"dot1qTpFdbTable", 5, 5},
		} {
			h, ok := tables[want.table]
			if !ok {
				t.Errorf("%s: not in the report (tables %v)", want.table, keysOf(tables))
				continue
			}
			if h.Rows != want.rows || h.Kept != want.kept || h.Skipped != 0 || h.Error != "" {
				t.Errorf("%s: got rows %d kept %d skipped %d error %q; want rows %d kept %d, none skipped, no error",
					want.table, h.Rows, h.Kept, h.Skipped, h.Error, want.rows, want.kept)
			}
		}
		if r.Ports != 8 || r.FDB != 5 || r.Neighbours != 5 {
			t.Errorf("got %d ports, %d FDB entries, %d neighbours; want 8, 5, 5", r.Ports, r.FDB, r.Neighbours)
		}
		if strings.Contains(out, "s3cr3t") {
			t.Error("the JSON report carries the community")
		}
	})
	t.Run("table", func(t *testing.T) {
		code, out, errOut := vnetmap(t, common...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{"leaf1 (127.0.0.1)", "TABLE", "ifTable", "lldpRemTable", "dot1qTpFdbTable", "8 ports"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out+errOut, "s3cr3t") {
			t.Error("the output carries the community")
		}
	})
	t.Run("config source", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "community"), []byte("s3cr3t-probe\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		conf := filepath.Join(dir, "vnetmap.yaml")
		yaml := fmt.Sprintf(`sources:
  - name: fabric
    type: snmp
    snmp:
      seeds: [10.0.0.1]
      port: %d
      community_file: %s
      discovery: {enabled: false}
`, port, filepath.Join(dir, "community"))
		if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := vnetmap(t, "--config", conf, "probe", "snmp", "127.0.0.1", "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var r snmp.ProbeReport
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Name != "leaf1" {
			t.Errorf("got %q (%v); want leaf1's report", r.Name, err)
		}
		if code, _, errOut := vnetmap(t, "--config", conf, "probe", "snmp", "127.0.0.1", "--source", "nope"); code != 2 || !strings.Contains(errOut, "fabric") {
			t.Errorf("--source nope: exit %d %q; want 2 naming the snmp sources", code, errOut)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		t.Setenv("VNETMAP_TEST_COMMUNITY", "s3cr3t-wrong")
		code, out, errOut := vnetmap(t, "probe", "snmp", "127.0.0.1", "--port", fmt.Sprint(port), "--community-env", "VNETMAP_TEST_COMMUNITY", "--timeout", "200ms", "--retries", "0")
		if code != 1 || !strings.Contains(errOut, "no response") {
			t.Errorf("wrong community: exit %d %q; want 1, no response", code, errOut)
		}
		if strings.Contains(out+errOut, "s3cr3t") {
			t.Errorf("output carries the community: %s%s", out, errOut)
		}
	})
	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"probe", "snmp"},
			{"probe", "snmp", "127.0.0.1"}, // no community
			{"probe", "snmp", "127.0.0.1", "--community-env", "X", "--version", "4"},
			{"probe", "snmp", "127.0.0.1", "--community-env", "X", "--source", "fabric"}, // --source without --config
		} {
			if code, _, errOut := vnetmap(t, args...); code != 2 {
				t.Errorf("%v: exit %d (%s); want 2", args, code, errOut)
			}
		}
	})
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
