package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/api"
	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// flowDB returns the DSN of a store with VMs web01 and db01 (application
// web by the default rules' custom attribute "app"), a switch with a
// two-member port-channel, and traffic in the minute at.
func flowDB(t *testing.T, at time.Time) string {
	t.Helper()
	ctx := context.Background()
	dsn := "sqlite:" + t.TempDir() + "/flows.db"
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var facts []model.Fact
	for _, name := range []string{"web01", "db01"} {
		vm := model.NewID(model.KindVM, "u-"+name)
		facts = append(facts, model.Entity(vm, vm, name, model.Attrs{"power": "poweredOn", "attr.app": "shop"}))
	}
	sw := model.NewID(model.KindSwitch, "leaf1")
	pc := model.NewID(model.KindPortChannel, "leaf1/Port-channel1")
	facts = append(facts, model.Entity(sw, sw, "leaf1", nil), model.Entity(sw, pc, "Port-channel1", nil),
		model.Relation(sw, sw, model.RelHasPort, pc, nil))
	for _, p := range []string{"Ethernet1/1", "Ethernet1/2"} {
		id := model.NewID(model.KindPort, "leaf1/"+p)
		facts = append(facts, model.Entity(sw, id, p, nil), model.Relation(sw, sw, model.RelHasPort, id, nil),
			model.Relation(sw, id, model.RelInLAG, pc, nil))
	}
	if _, err := st.Apply(ctx, model.Snapshot{Source: "vc1", Taken: at.Add(-time.Hour), Facts: facts}); err != nil {
		t.Fatal(err)
	}
	web := flow.Endpoint{Class: flow.ClassVM, VM: "vm:u-web01", App: "shop", Addr: "10.0.0.1"}
	db := flow.Endpoint{Class: flow.ClassVM, VM: "vm:u-db01", App: "shop", Addr: "10.0.0.2"}
	inet := flow.Endpoint{Class: flow.ClassExternal, Addr: "203.0.113.9"}
	if err := st.WriteFlows(ctx, []flow.Minute{
		{Start: at, Src: web, Dst: db, Proto: 6, DstPort: 5432, Bytes: 1500, Packets: 10, Flows: 1},
		{Start: at, Src: db, Dst: web, Proto: 6, DstPort: 40000, Bytes: 250000, Packets: 200, Flows: 1},
		{Start: at, Src: inet, Dst: web, Proto: 6, DstPort: 443, Bytes: 300, Packets: 3, Flows: 1},
	}, []flow.LinkMinute{
		{Start: at, Port: "port:leaf1/Ethernet1/1", Channel: string(pc), Direction: flow.LinkIn, Bytes: 9000, Packets: 9000},
		{Start: at, Port: "port:leaf1/Ethernet1/2", Channel: string(pc), Direction: flow.LinkIn, Bytes: 1000, Packets: 1000},
		{Start: at, Port: string(pc), Channel: string(pc), Direction: flow.LinkOut, Bytes: 4200, Packets: 42},
	}); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// restBody returns the body of GET path?params from the API over dsn.
func restBody(t *testing.T, dsn, path string, params url.Values) string {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(api.Handler(query.New(st, config.DefaultConfiguration().Applications), prometheus.NewRegistry(),
		slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	resp, err := http.Get(srv.URL + path + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s %v", path, resp.StatusCode, b, err)
	}
	return string(b)
}

func TestFlowsCommands(t *testing.T) {
	at := time.Now().UTC().Truncate(time.Minute).Add(-5 * time.Minute)
	db := flowDB(t, at)
	from, to := at.Format(time.RFC3339), at.Add(time.Minute).Format(time.RFC3339)

	for _, tt := range []struct {
		args []string
		path string
		rest url.Values
	}{
		{[]string{"flows", "deps"}, "/api/v1/flows/deps", url.Values{}},
		{[]string{"flows", "deps", "web01"}, "/api/v1/flows/deps", url.Values{"target": {"web01"}}},
		{[]string{"flows", "links", "leaf1"}, "/api/v1/flows/links", url.Values{"target": {"leaf1"}}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := vnetmap(t, append([]string{"--db", db}, append(tt.args, "--from", from, "--to", to, "--json")...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			tt.rest.Set("from", from)
			tt.rest.Set("to", to)
			if rest := restBody(t, db, tt.path, tt.rest); out != rest {
				t.Errorf("--json differs from REST:\n%s\nREST:\n%s", out, rest)
			}
		})
	}

	code, out, errOut := vnetmap(t, "--db", db, "flows", "deps", "--from", from, "--to", to)
	if code != 0 {
		t.Fatalf("flows deps: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"252 kB", "APPLICATION DEPENDENCIES", "shop  ", "(external)", "tcp/5432 1.5 kB",
		"TOP TALKERS", "web01", "203.0.113.9 300 B", "between VMs on both sides 99.9%"} {
		if !strings.Contains(out, want) {
			t.Errorf("flows deps output lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = vnetmap(t, "--db", db, "flows", "links", "leaf1/po1", "--since", "1h")
	if code != 0 {
		t.Fatalf("flows links: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"leaf1 Port-channel1", "IMBALANCED", "Ethernet1/1", "90%", "10%", "9,000", "(the port-channel itself)  0 B", "4.2 kB"} {
		if !strings.Contains(out, want) {
			t.Errorf("flows links output lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = vnetmap(t, "--db", db, "path", "web01", "db01", "--at", at.Add(time.Minute).Format(time.RFC3339), "--json")
	var p query.PathAnswer
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil {
		t.Fatalf("path: exit %d: %s %s", code, out, errOut)
	}
	if p.Flows == nil || p.Flows.AToB.Bytes != 1500 || p.Flows.BToA.Bytes != 250000 {
		t.Errorf("path flows = %+v; want 1500 bytes web01→db01, 250000 back", p.Flows)
	}
	code, out, _ = vnetmap(t, "--db", db, "path", "web01", "db01", "--at", at.Add(time.Minute).Format(time.RFC3339))
	if code != 0 || !strings.Contains(out, "A→B 1.5 kB (10 packets), B→A 250 kB (200 packets)") {
		t.Errorf("human path output lacks the traffic:\n%s", out)
	}

	for _, tt := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"since and from", []string{"flows", "deps", "--since", "1h", "--from", "2h"}, 2, "not both"},
		{"bad to", []string{"flows", "links", "--to", "whenever"}, 2, "to: "},
		{"two targets", []string{"flows", "deps", "a", "b"}, 2, "accepts at most 1 arg"},
		{"unknown target", []string{"flows", "deps", "nosuch", "--since", "1h"}, 1, `no VM or application named "nosuch"`},
		{"unknown switch", []string{"flows", "links", "leaf9"}, 1, `no switch named "leaf9"; did you mean "leaf1"?`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := vnetmap(t, append([]string{"--db", db}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want %d with %q", code, errOut, tt.code, tt.msg)
			}
		})
	}
}

func TestByteText(t *testing.T) {
	for _, tt := range []struct {
		n    uint64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {1000, "1.0 kB"}, {1500, "1.5 kB"}, {25_000, "25 kB"}, {999_999, "1000 kB"},
		{3_200_000, "3.2 MB"}, {1 << 62, "5 EB"}, {^uint64(0), "18 EB"}} {
		if got := byteText(tt.n); got != tt.want {
			t.Errorf("byteText(%d) = %q; want %q", tt.n, got, tt.want)
		}
	}
	if got := count(1234567); got != "1,234,567" {
		t.Errorf("count(1234567) = %q", got)
	}
}
