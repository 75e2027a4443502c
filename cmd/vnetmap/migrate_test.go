package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/migrate"
	"github.com/vnetmap/vnetmap/internal/sim"
)

// simSite is the default simulated data center with its switches, and a
// configuration file whose vsphere source (vc-sim) and snmp source read
// them into a SQLite store, collected once.
type simSite struct {
	dc     *sim.DataCenter
	config string
	// bad is the first host of the shop cluster, whose vmnic1 leaf port
	// misses VLAN 230; on230 are the VMs with a vNIC on shop-db-v230.
	bad   string
	on230 []string
}

func startSimSite(t *testing.T) *simSite {
	t.Helper()
	ctx := context.Background()
	cfg := sim.DefaultConfig()
	dc, err := sim.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	community := hex.EncodeToString(b[:])
	seeds, port, err := dc.StartSwitches(ctx, community)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("VNETMAP_TEST_CMD_VC_PW", dc.Password())
	t.Setenv("VNETMAP_TEST_CMD_COMMUNITY", community)
	dir := t.TempDir()
	conf := fmt.Sprintf(`db: sqlite:%s/site.db
sources:
  - name: vc-sim
    type: vsphere
    vsphere:
      url: %s
      username: %s
      password_env: VNETMAP_TEST_CMD_VC_PW
      insecure: true
      timeout: 30s
  - name: fabric-sim
    type: snmp
    snmp:
      seeds: [%s]
      port: %d
      community_env: VNETMAP_TEST_CMD_COMMUNITY
      discovery:
        allowed_subnets: [127.0.0.0/8]
`, dir, dc.URL(), dc.Username(), strings.Join(seeds, ", "), port)
	s := &simSite{dc: dc, config: filepath.Join(dir, "vnetmap.yaml")}
	if err := os.WriteFile(s.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	dvs := (cfg.Clusters + 1) / 2 // the distributed-switch clusters come first
	s.bad = dc.Hosts()[dvs*cfg.HostsPerCluster]
	for _, vm := range dc.VMs() {
		if slices.ContainsFunc(vm.NICs, func(n sim.VNIC) bool { return n.Portgroup == "shop-db-v230" }) {
			s.on230 = append(s.on230, vm.Name)
		}
	}
	if len(s.on230) == 0 {
		t.Fatal("no VM of the demo is on shop-db-v230")
	}
	if code, _, errOut := vnetmap(t, "--config", s.config, "collect"); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, errOut)
	}
	return s
}

func TestMigrateCheck(t *testing.T) {
	s := startSimSite(t)
	vm := s.on230[0]

	code, out, errOut := vnetmap(t, "--config", s.config, "migrate-check", vm, "--to", s.bad, "--json")
	if code != 1 || !strings.Contains(errOut, vm+" would lose its network on "+s.bad) {
		t.Errorf("migrate-check %s --to %s: exit %d, stderr %q; want 1 and why", vm, s.bad, code, errOut)
	}
	var a migrate.Answer
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if a.Verdict == nil || a.Verdict.Safe || a.Verdict.HostName != s.bad || len(a.Verdict.Reasons) == 0 || a.Verdict.Reasons[0].Code != migrate.CodeVLANNotCarried {
		t.Errorf("verdict = %+v; want unsafe, VLAN not carried", a.Verdict)
	}

	code, out, _ = vnetmap(t, "--config", s.config, "migrate-check", vm, "--to", s.dc.Hosts()[len(s.dc.Hosts())-1])
	if code != 0 || !strings.Contains(out, ": SAFE, as of") {
		t.Errorf("migrate-check to a good shop host: exit %d\n%s; want 0 and SAFE", code, out)
	}

	code, out, _ = vnetmap(t, "--config", s.config, "migrate-check", vm)
	if code != 0 || !strings.Contains(out, "UNSAFE\n    "+s.bad) || !strings.Contains(out, "- Network adapter") || !strings.Contains(out, "[vlan-not-carried]") {
		t.Errorf("migrate-check %s: exit %d\n%s; want 0 and %s unsafe with its reason", vm, code, out, s.bad)
	}
	code, out, _ = vnetmap(t, "--config", s.config, "migrate-check", vm, "--datacenter", "--json")
	a = migrate.Answer{}
	if err := json.Unmarshal([]byte(out), &a); err != nil || code != 0 || a.Hosts == nil || a.Hosts.Scope != migrate.ScopeDatacenter ||
		len(a.Hosts.Safe)+len(a.Hosts.Unsafe) != len(s.dc.Hosts()) {
		t.Errorf("migrate-check --datacenter: exit %d, %v: %+v; want every host", code, err, a.Hosts)
	}

	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"migrate-check", "no-such-vm"}, 1, `no VM named "no-such-vm"`},
		{[]string{"migrate-check", vm, "--to", "esx99"}, 1, `no host "esx99"`},
		{[]string{"migrate-check"}, 2, "accepts 1 arg"},
		{[]string{"migrate-check", vm, "--at", "yesterday-ish"}, 2, "--at"},
	} {
		code, _, errOut := vnetmap(t, append([]string{"--config", s.config}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tt.args, code, errOut, tt.code, tt.msg)
		}
	}
}
