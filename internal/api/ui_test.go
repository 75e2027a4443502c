package api

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// uiServer serves the API over a store with host esx01 (vmnic0 cabled to
// leaf1 Ethernet1/1 by the switch's LLDP table) running VM web01.
func uiServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/ui.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	host := model.NewID(model.KindHost, "esx01")
	pnic := model.NewID(model.KindPNIC, "esx01/vmnic0")
	vm := model.NewID(model.KindVM, "u-web01")
	sw := model.NewID(model.KindSwitch, "leaf1")
	port := model.NewID(model.KindPort, "leaf1/Ethernet1/1")
	facts := []model.Fact{
		model.Entity(host, host, "esx01", model.Attrs{"connection": "connected"}),
		model.Entity(host, pnic, "vmnic0", model.Attrs{"device": "vmnic0", "mac": "00:25:b5:00:00:01", "link": "up"}),
		model.Relation(host, host, model.RelHasPNIC, pnic, nil),
		model.Entity(vm, vm, "web01", model.Attrs{"power": "poweredOn"}),
		model.Relation(vm, vm, model.RelRunsOn, host, nil),
		model.Entity(sw, sw, "leaf1", nil),
		model.Entity(sw, port, "Ethernet1/1", model.Attrs{"lldp_system": "esx01", "lldp_port": "vmnic0", "mode": "trunk", "allowed_vlans": "110"}),
		model.Relation(sw, sw, model.RelHasPort, port, nil),
	}
	if _, err := st.Apply(ctx, model.Snapshot{Source: "vc1", Taken: time.Now().Add(-time.Hour), Facts: facts}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(query.New(st, nil), prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	return srv
}

func TestUIAPI(t *testing.T) {
	srv := uiServer(t)
	tests := []struct {
		path   string
		params url.Values
		status int
		want   string
	}{
		{"/api/v1/search", url.Values{"q": {"web"}}, 200, `"key": "web01"`},
		{"/api/v1/search", url.Values{"q": {"leaf1 eth1/1"}}, 200, `"port": "Ethernet1/1"`},
		{"/api/v1/search", url.Values{"q": {""}}, 200, `"matches": []`},
		{"/api/v1/search", nil, 400, `search needs ?q=TEXT`},
		{"/api/v1/search", url.Values{"q": {"web"}, "limit": {"0"}}, 400, `limit: want a number from 1 to 100`},
		{"/api/v1/search", url.Values{"q": {"web"}, "limit": {"101"}}, 400, `limit 101 out of 1-100`},
		{"/api/v1/search", url.Values{"q": {strings.Repeat("a", 201)}}, 400, `longer than 200 bytes`},
		{"/api/v1/search", url.Values{"q": {"web"}, "at": {"someday"}}, 400, `"status": 400`},
		{"/api/v1/topology", nil, 200, `"id": "switch:leaf1"`},
		{"/api/v1/topology", url.Values{"group": {"switch"}, "expand": {"grp:rack/leaf1"}}, 200, `"id": "host:esx01"`},
		{"/api/v1/topology", url.Values{"group": {"rack"}}, 400, `group \"rack\": want cluster, application or switch`},
		{"/api/v1/host/esx01", nil, 200, `"port": "Ethernet1/1"`},
		{"/api/v1/host/esx99", nil, 404, `no host named \"esx99\"`},
		{"/api/v1/switch/leaf1", nil, 200, `"host": "esx01"`},
		{"/api/v1/switch/spine9", nil, 404, `no switch named \"spine9\"`},
		{"/api/v1/application/shop", nil, 404, `no application named \"shop\"`},
		{"/api/v1/placements/web01", nil, 200, `"host_name": "esx01"`},
		{"/api/v1/placements/nosuch", nil, 404, `no VM named \"nosuch\"`},
	}
	for _, tt := range tests {
		t.Run(tt.path+"?"+tt.params.Encode(), func(t *testing.T) {
			status, body := get(t, srv, tt.path, tt.params)
			if status != tt.status || !strings.Contains(string(body), tt.want) {
				t.Errorf("GET %s?%s = %d %s; want %d with %s", tt.path, tt.params.Encode(), status, body, tt.status, tt.want)
			}
		})
	}
}
