package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// vnetmap runs the command line in process and returns exit code, stdout and stderr.
func vnetmap(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// demoDB runs `demo --once` into a fresh SQLite file and returns its DSN.
func demoDB(t *testing.T) string {
	t.Helper()
	db := "sqlite:" + t.TempDir() + "/demo.db"
	code, out, errOut := vnetmap(t, "--db", db, "demo", "--once", "--seed", "3", "--history", "48h")
	if code != 0 {
		t.Fatalf("demo --once exit %d: %s", code, errOut)
	}
	var sum query.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("demo --once output is not the summary JSON: %v\n%s", err, out)
	}
	for kind, min := range map[model.Kind]int{model.KindVM: 100, model.KindHost: 8, model.KindCluster: 2, model.KindDVSwitch: 1,
		model.KindPortgroup: 10, model.KindHostLAG: 1, model.KindVSwitch: 8, model.KindPNIC: 16,
		model.KindSwitch: 6, model.KindPort: 200, model.KindPortChannel: 6, model.KindVLAN: 10} {
		if sum.Counts[kind] < min {
			t.Errorf("demo summary: %d %s; want at least %d", sum.Counts[kind], kind, min)
		}
	}
	return db
}

// movedVM returns the name of a VM of the store with more than one placement.
func movedVM(t *testing.T, db string) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now, err := st.FactsAt(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range now {
		if v.Kind != model.KindVM {
			continue
		}
		hist, err := st.History(ctx, v.Subject)
		if err != nil {
			t.Fatal(err)
		}
		placements := 0
		for _, h := range hist {
			if h.Subject == v.Subject && h.Rel == model.RelRunsOn {
				placements++
			}
		}
		if placements > 1 {
			return v.Name
		}
	}
	t.Fatal("no VM moved during the seeded history")
	return ""
}

func TestDemoThenQueries(t *testing.T) {
	t.Parallel()
	db := demoDB(t)

	code, out, errOut := vnetmap(t, "--db", db, "where", "web01", "--json")
	if code != 0 {
		t.Fatalf("where web01: exit %d: %s", code, errOut)
	}
	var w query.WhereAnswer
	if err := json.Unmarshal([]byte(out), &w); err != nil {
		t.Fatal(err)
	}
	if w.VM.Name != "web01" || w.Host == nil || w.Host.Cluster == "" || len(w.VNICs) == 0 {
		t.Fatalf("where web01 = %s", out)
	}
	nic := w.VNICs[0]
	if nic.MAC == "" || nic.Portgroup == nil || nic.Switch == nil || len(nic.Uplinks) == 0 || len(nic.IPs) == 0 {
		t.Fatalf("where web01 vNIC = %+v", nic)
	}
	hasNeighbor := false
	for _, u := range nic.Uplinks {
		hasNeighbor = hasNeighbor || len(u.Neighbors) > 0
	}
	if !hasNeighbor {
		t.Errorf("no uplink of web01 reports a CDP/LLDP neighbour: %+v", nic.Uplinks)
	}
	for _, u := range nic.Uplinks {
		if len(u.Ports) != 1 || u.Ports[0].Confidence != "high" || u.Ports[0].Carries != "yes" || u.Ports[0].PortChannel == "" {
			t.Errorf("web01 uplink %s: switch ports %+v; want one in a port-channel, confidence high, carrying the VLAN", u.Device, u.Ports)
		}
	}

	code, out, errOut = vnetmap(t, "--db", db, "impact", "switch:leaf1", "--json")
	if code != 0 {
		t.Fatalf("impact switch:leaf1: exit %d: %s", code, errOut)
	}
	var imp query.ImpactAnswer
	if err := json.Unmarshal([]byte(out), &imp); err != nil {
		t.Fatal(err)
	}
	if len(imp.Failed) < 2 || len(imp.Down)+len(imp.Degraded) == 0 {
		t.Errorf("impact switch:leaf1: %d failed, %d down, %d degraded; want the switch's ports and affected VMs", len(imp.Failed), len(imp.Down), len(imp.Degraded))
	}
	code, out, _ = vnetmap(t, "--db", db, "impact", "switch:leaf1")
	if code != 0 || !strings.Contains(out, "DEGRADED") {
		t.Errorf("human impact output:\n%s", out)
	}

	for _, q := range []string{nic.MAC, strings.ToUpper(nic.MAC), nic.IPs[0], string(w.VM.ID)} {
		code, out, _ := vnetmap(t, "--db", db, "where", q, "--json")
		var again query.WhereAnswer
		if code != 0 || json.Unmarshal([]byte(out), &again) != nil || again.VM.ID != w.VM.ID {
			t.Errorf("where %s: exit %d, VM %s; want %s", q, code, again.VM.ID, w.VM.ID)
		}
	}

	code, out, _ = vnetmap(t, "--db", db, "where", "web01")
	for _, want := range []string{"web01", "host", w.Host.Name, "port group", "uplinks", nic.MAC} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("human where output lacks %q:\n%s", want, out)
		}
	}

	moved := movedVM(t, db)
	code, out, errOut = vnetmap(t, "--db", db, "history", moved, "--json")
	if code != 0 {
		t.Fatalf("history %s: exit %d: %s", moved, code, errOut)
	}
	var h query.HistoryAnswer
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Placements) < 2 {
		t.Fatalf("history %s has %d placements; want at least 2", moved, len(h.Placements))
	}
	first := h.Placements[0]
	code, out, _ = vnetmap(t, "--db", db, "where", moved, "--json", "--at", first.From.Add(time.Second).Format(time.RFC3339Nano))
	var then query.WhereAnswer
	if code != 0 || json.Unmarshal([]byte(out), &then) != nil || then.Host == nil || then.Host.Name != first.HostName {
		t.Errorf("where %s --at its first placement: exit %d host %+v; want %s", moved, code, then.Host, first.HostName)
	}
	code, out, errOut = vnetmap(t, "--db", db, "diff", first.From.Add(time.Second).Format(time.RFC3339Nano), "--json")
	var d struct {
		Migrations []struct{ Name, FromHost, ToHost string } `json:"migrations"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil {
		t.Fatalf("diff: exit %d: %s", code, errOut)
	}
	seen := false
	for _, m := range d.Migrations {
		seen = seen || m.Name == moved
	}
	if !seen {
		t.Errorf("diff since %s's first placement lists no migration of it: %+v", moved, d.Migrations)
	}
	code, out, _ = vnetmap(t, "--db", db, "history", moved)
	if code != 0 || !strings.Contains(out, first.HostName) || !strings.Contains(out, "now") {
		t.Errorf("human history output:\n%s", out)
	}
}

func TestExitCodes(t *testing.T) {
	db := factsDB(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"unknown VM", []string{"--db", db, "where", "nosuchvm"}, 1, `no VM named "nosuchvm"`},
		{"unknown VM history", []string{"--db", db, "history", "nosuchvm"}, 1, `no VM named "nosuchvm"`},
		{"bad --at", []string{"--db", db, "where", "x", "--at", "someday"}, 2, "--at"},
		{"zero --at", []string{"--db", db, "where", "x", "--at", "0001-01-01T00:00:00Z"}, 2, "before 1970"},
		{"future --at", []string{"--db", db, "where", "x", "--at", "9999-12-31"}, 2, "in the future"},
		{"missing argument", []string{"--db", db, "where"}, 2, "accepts 1 arg"},
		{"unknown command", []string{"wherever"}, 2, "unknown command"},
		{"bad impact target", []string{"--db", db, "impact", "rack:1"}, 2, `impact target "rack:1": unknown kind "rack"; want switch:NAME, port:SWITCH/IFNAME, lag:SWITCH/NAME, host:NAME, pnic:HOST/NIC or vlan:ID`},
		{"impact target without kind", []string{"--db", db, "impact", "esx01"}, 2, `impact target "esx01": not KIND:NAME; want switch:NAME`},
		{"unknown impact target", []string{"--db", db, "impact", "switch:leaf9"}, 1, `no switch named "leaf9"`},
		{"misspelt impact host", []string{"--db", db, "impact", "host:esx1"}, 1, `no host named "esx1"; did you mean "esx01"?`},
		{"where a host", []string{"--db", db, "where", "esx01"}, 1, `no VM named "esx01": esx01 is a host: see its page (/host/esx01) or what its failure takes down (vnetmap impact host:esx01)`},
		{"--at before the first data", []string{"--db", db, "where", "esx01", "--at", "3h"}, 1, "vnetmap: --at 20"},
		{"check --at before the first data", []string{"--db", db, "check", "--at", "2d"}, 1, `: before the first data: the store's first fact is from `},
		{"bad diff T1", []string{"--db", db, "diff", "someday"}, 2, `T1: "someday": not a time`},
		{"bad diff T2", []string{"--db", db, "diff", "30m", "soon"}, 2, `T2: "soon": not a time`},
		{"bad DSN", []string{"--db", "mysql://x", "where", "x"}, 1, "unknown DSN scheme"},
		{"collect without sources", []string{"--db", db, "collect"}, 2, "no sources configured"},
		{"missing config", []string{"--config", "/nonexistent/v.yaml", "collect"}, 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := vnetmap(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tt.wantCode, tt.wantErr)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
				t.Errorf("stderr holds a stack trace: %s", errOut)
			}
			for _, prefix := range []string{"graph:", "timeparse:", "query:"} {
				if strings.Contains(errOut, prefix) {
					t.Errorf("stderr %q holds the internal prefix %q", errOut, prefix)
				}
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDemoServesAPI(t *testing.T) {
	t.Parallel()
	db := "sqlite:" + t.TempDir() + "/serve.db"
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--db", db, "demo", "--history", "0", "--migrate-every", "0", "--listen", "127.0.0.1:0"}, io.Discard, &errb)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("demo exit %d after interrupt: %s", code, errb.String())
		}
	}()
	addrRE := regexp.MustCompile(`REST API on http://([0-9.:]+)/api/v1`)
	var base string
	deadline := time.Now().Add(60 * time.Second)
	for base == "" && time.Now().Before(deadline) {
		if m := addrRE.FindStringSubmatch(errb.String()); m != nil {
			base = "http://" + m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if base == "" {
		t.Fatalf("demo did not announce its API: %s", errb.String())
	}
	get := func(path string) (int, []byte) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	for { // the first collection (vCenter, then the switches) runs after the API is up
		vc, _ := get("/api/v1/where/web01")
		sw, _ := get("/api/v1/where/10.10.255.250") // the printer: known from the switches only
		if vc == http.StatusOK && sw == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("web01 and the switches not collected in time")
		}
		time.Sleep(100 * time.Millisecond)
	}
	tests := []struct {
		path       string
		wantStatus int
		want       string
	}{
		{"/api/v1/where/web01", 200, `"name": "web01"`},
		{"/api/v1/history/web01", 200, `"placements"`},
		{"/api/v1/summary", 200, `"vm": `},
		{"/api/v1/where/nosuchvm", 404, `"error": "no VM named \"nosuchvm\""`},
		{"/api/v1/where/web1", 404, `"error": "no VM named \"web1\"; did you mean \"web01\"`},
		{"/api/v1/where/esx01", 404, `esx01 is a host: see its page (/host/esx01)`},
		{"/api/v1/where/web01?at=someday", 400, `"error": "at: \"someday\": not a time`},
		{"/api/v1/nothing", 404, `no such endpoint`},
		{"/api/v1/impact/host:esx01", 200, `"reasons": [
        "host esx01 down"`},
		{"/api/v1/impact/pnic:esx05/vmnic0", 200, `left vmnic1 (standby)`},
		{"/api/v1/impact/rack:1", 400, `unknown kind \"rack\"; want switch:NAME`},
		{"/api/v1/diff?from=1h", 200, `"migrations": [`},
		{"/api/v1/diff", 400, `diff needs ?from=TIME`},
		{"/api/v1/diff?from=1h&to=someday", 400, `to: \"someday\": not a time`},
		{"/api/v1/where/web01?at=0001-01-01T00:00:00Z", 400, `before 1970; want \"now\"; a duration ago`},
		{"/api/v1/where/web01?at=NaNd", 400, `\"NaNd\": not a time; want \"now\"`},
		{"/api/v1/where/web01?at=9999-12-31T00:00:00Z", 400, `in the future; want`},
		{"/api/v1/diff?from=1e5w", 400, `from: \"1e5w\": not a time`},
		{"/api/v1/flows/deps?from=0001-01-01", 400, `from: \"0001-01-01\": before 1970`},
		{"/api/v1/openapi.json", 200, `"openapi": "3.0.3"`},
		{"/api/v1/findings?rule=vlan-not-carried", 200, `"pnic:esx05/vmnic1"`},
		{"/api/v1/findings?severity=fatal", 400, `severity \"fatal\"`},
		{"/api/v1/where/02:00:00:00:00:99", 404, `no VM has MAC`},
		{"/api/v1/where/10.10.255.250", 200, `"interface": "Vlan10"`}, // the demo's printer: ARP on leaf1
		{"/api/v1/where/02:00:00:00:02:50", 200, `"port": "Ethernet1/48"`},
		{"/api/v1/path/web01/web02", 200, `"vlan": "110"`},
		{"/api/v1/path/web01/nosuchvm", 404, `no VM or application named \"nosuchvm\"`},
		{"/healthz", 200, `"ok"`},
		{"/readyz", 200, `"status": "ready"`},
		{"/metrics", 200, `vnetmap_collect_runs_total{result="success",source="demo-vc"}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, body := get(tt.path)
			if status != tt.wantStatus || !strings.Contains(string(body), tt.want) {
				t.Errorf("GET %s = %d %s; want %d with %q", tt.path, status, body, tt.wantStatus, tt.want)
			}
			if strings.Contains(string(body), demoPasswordEnv) {
				t.Errorf("GET %s leaks a secret reference: %s", tt.path, body)
			}
		})
	}
}

func TestDemoIsDeterministic(t *testing.T) {
	t.Parallel()
	where := func() query.WhereAnswer {
		db := "sqlite:" + t.TempDir() + "/d.db"
		if code, _, errOut := vnetmap(t, "--db", db, "demo", "--once", "--seed", "5", "--history", "0"); code != 0 {
			t.Fatalf("demo: %s", errOut)
		}
		code, out, errOut := vnetmap(t, "--db", db, "where", "db01", "--json")
		if code != 0 {
			t.Fatalf("where: %s", errOut)
		}
		var a query.WhereAnswer
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatal(err)
		}
		a.At = time.Time{}
		return a
	}
	first, second := where(), where()
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(second)
	if !bytes.Equal(a, b) {
		t.Errorf("two demos with seed 5 differ:\n%s\n%s", a, b)
	}
	if first.VM.ID == "" || first.Host == nil {
		t.Errorf("where db01 = %s", a)
	}
}
