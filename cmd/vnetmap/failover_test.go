package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/vnetmap/vnetmap/internal/sim"
)

// runMainEnv makes the test binary run vnetmap's main with its arguments,
// so tests can start vnetmap processes (and kill them) without building.
const runMainEnv = "VNETMAP_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// testPostgres returns a DSN of the test PostgreSQL with a schema of its
// own, dropped at the end of t. Unreachable, it skips t, or fails it when
// CI=true.
func testPostgres(t *testing.T) string {
	t.Helper()
	base := cmp.Or(os.Getenv("VNETMAP_TEST_PG"), "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL unreachable and CI=true requires it: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (set VNETMAP_TEST_PG): %v", err)
	}
	schema := "vnetmap_failover_" + strings.ToLower(rand.Text()[:10])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return base + "&search_path=" + schema
}

// process is a vnetmap started by a test.
type process struct {
	cmd *exec.Cmd
	log string
}

// startVnetmap starts vnetmap with args as its own process; it is killed
// when t ends.
func startVnetmap(t *testing.T, dir string, env []string, args ...string) *process {
	t.Helper()
	log := filepath.Join(dir, fmt.Sprintf("vnetmap-%d.log", time.Now().UnixNano()))
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), runMainEnv+"=1"), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(log)
			t.Logf("log of vnetmap %d:\n%s", cmd.Process.Pid, b)
		}
	})
	return &process{cmd: cmd, log: log}
}

// TestFailover: three `vnetmap serve` processes share one PostgreSQL and
// two sources (a vCenter and an inventory). Each source is polled by one
// process at a time; when the holder of the vCenter's lease is killed
// (SIGKILL, no chance to release), another process takes the source over
// within one polling interval, its first collection records nothing twice,
// and a migration made after the takeover is recorded once.
func TestFailover(t *testing.T) {
	t.Parallel()
	dsn := testPostgres(t)
	ctx := context.Background()
	cfg := sim.DefaultConfig()
	dc, err := sim.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() }) // after the processes are killed (cleanups run last first)
	dir := t.TempDir()
	csv := filepath.Join(dir, "cabling.csv")
	if err := os.WriteFile(csv, []byte("host,pnic,switch,port\nesx01,vmnic0,leaf1,Ethernet1/1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const interval = 10 * time.Second
	conf := filepath.Join(dir, "vnetmap.yaml")
	if err := os.WriteFile(conf, fmt.Appendf(nil, `db: %s
listen: 127.0.0.1:0
sources:
  - name: vc
    type: vsphere
    interval: %s
    vsphere:
      url: %s
      username: %s
      password_env: VNETMAP_FAILOVER_PW
      insecure: true
  - name: cabling
    type: inventory
    interval: %s
    inventory:
      file: %s
`, dsn, interval, dc.URL(), dc.Username(), interval, csv), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"VNETMAP_FAILOVER_PW=" + dc.Password()}
	procs := map[int]*process{}
	for range 3 {
		p := startVnetmap(t, dir, env, "serve", "--config", conf)
		procs[p.cmd.Process.Pid] = p
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	holderPID := func(source string) int {
		var holder string
		err := db.QueryRow(`SELECT holder FROM leases WHERE name = $1 AND expires >= $2`, "source:"+source, time.Now().UnixMicro()).Scan(&holder)
		if err != nil {
			return 0
		}
		parts := strings.Split(holder, "/")
		pid, _ := strconv.Atoi(parts[len(parts)-2])
		return pid
	}
	lastSuccess := func(source string) int64 {
		var t sql.NullInt64
		_ = db.QueryRow(`SELECT last_success FROM sources WHERE name = $1`, source).Scan(&t)
		return t.Int64
	}
	versions := func() (total, open int) {
		if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE valid_to = 9223372036854775807) FROM facts WHERE source = 'vc'`).Scan(&total, &open); err != nil {
			t.Fatal(err)
		}
		return total, open
	}
	eventually := func(what string, within time.Duration, cond func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for time.Since(start) < within {
			if cond() {
				return time.Since(start)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: not within %s", what, within)
		return 0
	}

	eventually("both sources collected", 60*time.Second, func() bool {
		return lastSuccess("vc") != 0 && lastSuccess("cabling") != 0 && holderPID("vc") != 0 && holderPID("cabling") != 0
	})
	victim := holderPID("vc")
	if procs[victim] == nil {
		t.Fatalf("lease holder pid %d is none of the started processes", victim)
	}
	// Every process but the holder stays away from the source: several
	// lease attempts (every 1.7 s) pass with the same holder.
	time.Sleep(interval / 2)
	if h := holderPID("vc"); h != victim {
		t.Fatalf("vc's lease moved from %d to %d while its holder was alive", victim, h)
	}
	totalBefore, openBefore := versions()

	if err := procs[victim].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	took := eventually("another process to collect vc", 3*interval, func() bool {
		h := holderPID("vc")
		return h != 0 && h != victim && lastSuccess("vc") > killed.UnixMicro()
	})
	t.Logf("vc taken over by pid %d %s after pid %d was killed (interval %s)", holderPID("vc"), took.Round(time.Millisecond), victim, interval)
	if took > interval {
		t.Errorf("takeover after %s; want within one polling interval (%s)", took, interval)
	}
	if total, open := versions(); total != totalBefore || open != openBefore {
		t.Errorf("after the takeover: %d versions (%d open); before: %d (%d open) — an unchanged vCenter must add none", total, open, totalBefore, openBefore)
	}

	// The new holder watches: a migration is recorded once.
	vm := dc.VMs()[0].Name
	var from string
	if err := db.QueryRow(`SELECT f.object FROM facts f WHERE f.source = 'vc' AND f.rel = 'runs_on' AND f.valid_to = 9223372036854775807 AND f.subject IN (SELECT subject FROM facts WHERE source = 'vc' AND kind = 'vm' AND name = $1)`, vm).Scan(&from); err != nil {
		t.Fatal(err)
	}
	if err := dc.Migrate(ctx, vm, pickSameCluster(t, dc, from)); err != nil {
		t.Fatal(err)
	}
	eventually("the migration recorded", 30*time.Second, func() bool {
		var n int
		_ = db.QueryRow(`SELECT count(*) FROM facts WHERE source = 'vc' AND rel = 'runs_on' AND subject IN (SELECT subject FROM facts WHERE source = 'vc' AND kind = 'vm' AND name = $1)`, vm).Scan(&n)
		return n == 2
	})
	moved := time.Now()
	eventually("a full run after the migration", 2*interval, func() bool { return lastSuccess("vc") > moved.UnixMicro() })
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM facts WHERE source = 'vc' AND rel = 'runs_on' AND subject IN (SELECT subject FROM facts WHERE source = 'vc' AND kind = 'vm' AND name = $1)`, vm).Scan(&n); err != nil || n != 2 {
		t.Errorf("placements of %s recorded: %d, %v; want 2 (before and after the move)", vm, n, err)
	}
}

// pickSameCluster returns a host of the cluster of host ID from (host:esxNN)
// other than it: the hosts of the default data center are listed cluster
// by cluster, four each.
func pickSameCluster(t *testing.T, dc *sim.DataCenter, from string) string {
	t.Helper()
	hosts := dc.Hosts()
	per := sim.DefaultConfig().HostsPerCluster
	for i, h := range hosts {
		if "host:"+h == from {
			base := i / per * per
			return hosts[base+(i-base+1)%per]
		}
	}
	t.Fatalf("host %s not in %v", from, hosts)
	return ""
}
