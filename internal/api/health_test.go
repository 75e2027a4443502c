package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// TestSwitchHealthAPI: GET /switch/{name} carries the switch's collection
// health with the JSON names openapi.json describes (every required field
// of SwitchHealth, HealthGroup and HealthTable is there), and the summary's
// sources count the skipped rows and failed tables.
func TestSwitchHealthAPI(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/h.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sw := model.NewID(model.KindSwitch, "leaf1")
	snap := model.Snapshot{Source: "fabric", Taken: time.Now().Add(-time.Minute),
		Facts: []model.Fact{model.Entity(sw, sw, "leaf1", model.Attrs{"address": "192.0.2.11"})},
		Health: []model.TableHealth{
			{Device: sw, Address: "192.0.2.11", Group: "if", Table: "ifXTable", Rows: 50, Kept: 48, Skipped: 2,
				Reasons: map[string]int{"no index": 2}, Example: "1.3.6.1.2.1.31.1.1.1.1: no index", Duration: time.Millisecond},
			{Device: sw, Address: "192.0.2.11", Group: "lldp", Table: "lldpRemTable", Rows: 6, Kept: 6},
			{Device: sw, Address: "192.0.2.11", Group: "fdb", Table: "dot1dTpFdbTable (vlan 110)", Error: "VLAN 110 context did not answer"},
		}}
	if _, err := st.Apply(ctx, snap); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(query.New(st, nil), prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)

	status, body := get(t, srv, "/api/v1/switch/leaf1", nil)
	if status != 200 {
		t.Fatalf("GET /switch/leaf1 = %d %s", status, body)
	}
	var raw struct {
		Health []map[string]json.RawMessage `json:"health"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Health) != 1 {
		t.Fatalf("GET /switch/leaf1: health %s, %v; want one source", body, err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	hasAll := func(what string, obj map[string]json.RawMessage) {
		t.Helper()
		for _, f := range doc.Components.Schemas[what].Required {
			if _, ok := obj[f]; !ok {
				t.Errorf("%s: no %q in %v", what, f, obj)
			}
		}
	}
	hasAll("SwitchHealth", raw.Health[0])
	var groups []map[string]json.RawMessage
	if err := json.Unmarshal(raw.Health[0]["groups"], &groups); err != nil || len(groups) != 3 {
		t.Fatalf("groups %s: %v; want 3", raw.Health[0]["groups"], err)
	}
	hasAll("HealthGroup", groups[0])
	var tables []map[string]json.RawMessage
	if err := json.Unmarshal(groups[0]["tables"], &tables); err != nil || len(tables) != 1 {
		t.Fatalf("tables %s: %v; want 1", groups[0]["tables"], err)
	}
	hasAll("HealthTable", tables[0])

	var a query.SwitchAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	want := "IF 48 rows, ifXTable: 2 rows skipped (no index) · LLDP 6 neighbours · FDB: dot1dTpFdbTable (vlan 110): VLAN 110 context did not answer"
	if h := a.Health[0]; h.Source != "fabric" || h.Summary != want || h.Groups[0].Tables[0].Example != "1.3.6.1.2.1.31.1.1.1.1: no index" {
		t.Errorf("health = %+v; want fabric, %q, the example", h, want)
	}

	status, body = get(t, srv, "/api/v1/summary", nil)
	var sum query.Summary
	if err := json.Unmarshal(body, &sum); status != 200 || err != nil {
		t.Fatalf("GET /summary = %d %s", status, body)
	}
	i := slices.IndexFunc(sum.Sources, func(s query.SourceSummary) bool { return s.Name == "fabric" })
	if i < 0 || sum.Sources[i].SkippedRows != 2 || sum.Sources[i].FailedTables != 1 || !strings.Contains(string(body), `"skipped_rows": 2`) {
		t.Errorf("summary sources = %s; want fabric with skipped_rows 2, failed_tables 1", body)
	}
}
