package api

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

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// flowServer serves the API over a store with two VMs of application shop,
// a switch with a two-member port-channel, and known traffic in the minute
// at t.
func flowServer(t *testing.T, at time.Time) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/api.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var facts []model.Fact
	for _, name := range []string{"web01", "db01"} {
		vm := model.NewID(model.KindVM, "u-"+name)
		facts = append(facts, model.Entity(vm, vm, name, model.Attrs{"power": "poweredOn"}))
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
		{Start: at, Src: web, Dst: db, Proto: 6, DstPort: 5432, Bytes: 1000, Packets: 10, Flows: 1},
		{Start: at, Src: inet, Dst: web, Proto: 6, DstPort: 443, Bytes: 300, Packets: 3, Flows: 1},
	}, []flow.LinkMinute{
		{Start: at, Port: "port:leaf1/Ethernet1/1", Channel: string(pc), Direction: flow.LinkIn, Bytes: 9000, Packets: 9000},
		{Start: at, Port: "port:leaf1/Ethernet1/2", Channel: string(pc), Direction: flow.LinkIn, Bytes: 1000, Packets: 1000},
	}); err != nil {
		t.Fatal(err)
	}
	q := query.New(st, []correlate.AppRule{{Name: "shop", Names: []string{"web*", "db*"}}})
	srv := httptest.NewServer(Handler(q, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	return srv
}

// get requests path with the query params and returns the status and body.
func get(t *testing.T, srv *httptest.Server, path string, params url.Values) (int, []byte) {
	t.Helper()
	resp, err := http.Get(srv.URL + path + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
	return resp.StatusCode, body
}

func TestFlowsAPI(t *testing.T) {
	at := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	srv := flowServer(t, at)
	window := func(extra ...string) url.Values {
		v := url.Values{"from": {at.Format(time.RFC3339)}, "to": {at.Add(time.Minute).Format(time.RFC3339)}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}

	code, body := get(t, srv, "/api/v1/flows/deps", window())
	var deps query.DepsAnswer
	if code != http.StatusOK || json.Unmarshal(body, &deps) != nil {
		t.Fatalf("deps: %d %s", code, body)
	}
	if deps.TargetKind != "estate" || deps.Total.Bytes != 1300 || deps.Attributed.Bytes != 1000 || len(deps.Edges) != 2 ||
		len(deps.Unattributed) != 1 || deps.Unattributed[0].Class != flow.ClassExternal {
		t.Errorf("deps = %s", body)
	}

	code, body = get(t, srv, "/api/v1/flows/deps", url.Values{"target": {"web01"}, "since": {"1h"}})
	if code != http.StatusOK || json.Unmarshal(body, &deps) != nil || deps.VM != "vm:u-web01" || deps.Total.Bytes != 1300 {
		t.Errorf("deps of web01 since 1h: %d %s", code, body)
	}

	code, body = get(t, srv, "/api/v1/flows/links", window("target", "leaf1/Po1"))
	var links query.LinkAnswer
	if code != http.StatusOK || json.Unmarshal(body, &links) != nil {
		t.Fatalf("links: %d %s", code, body)
	}
	if len(links.Channels) != 1 || !links.Channels[0].Imbalanced || links.Total.InBytes != 10000 || len(links.Channels[0].Members) != 2 {
		t.Errorf("links = %s", body)
	}

	for _, tt := range []struct {
		name, path string
		params     url.Values
		code       int
		msg        string
	}{
		{"since and from", "/api/v1/flows/deps", url.Values{"since": {"1h"}, "from": {"2h"}}, http.StatusBadRequest, "not both"},
		{"bad from", "/api/v1/flows/deps", url.Values{"from": {"last tuesday"}}, http.StatusBadRequest, "from: "},
		{"reversed", "/api/v1/flows/links", url.Values{"from": {"1h"}, "to": {"2h"}}, http.StatusBadRequest, "is not before"},
		{"unknown target", "/api/v1/flows/deps", window("target", "nosuch"), http.StatusNotFound, `"nosuch"`},
		{"unknown switch", "/api/v1/flows/links", window("target", "leaf9"), http.StatusNotFound, `"leaf9"`},
		{"unknown port", "/api/v1/flows/links", window("target", "leaf1/Eth7/7"), http.StatusNotFound, `"Eth7/7"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, srv, tt.path, tt.params)
			var e Error
			if code != tt.code || json.Unmarshal(body, &e) != nil || e.Status != tt.code || !strings.Contains(e.Error, tt.msg) {
				t.Errorf("got %d %s; want %d with %q", code, body, tt.code, tt.msg)
			}
		})
	}
}
