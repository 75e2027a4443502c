package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/migrate"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// migrateServer serves the API over a store holding cluster c1 of esx1 and
// esx2, each with vmnic0 as the only uplink of port group app (VLAN 110),
// cabled (by CDP) to leaf1 Ethernet1/1 and Ethernet1/2; only the first
// allows VLAN 110. VM web runs on esx1 on app.
func migrateServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/api.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dc, cl := model.NewID(model.KindDatacenter, "vc1/dc1"), model.NewID(model.KindCluster, "vc1/dc1/c1")
	vc := []model.Fact{
		model.Entity(dc, dc, "dc1", nil), model.Entity(cl, cl, "c1", model.Attrs{"drs": "true"}),
		model.Relation(dc, dc, model.RelContains, cl, nil),
	}
	sw := model.NewID(model.KindSwitch, "leaf1")
	fabric := []model.Fact{model.Entity(sw, sw, "leaf1", nil)}
	for i, h := range []string{"esx1", "esx2"} {
		host := model.NewID(model.KindHost, h)
		nic := model.NewID(model.KindPNIC, h+"/vmnic0")
		vs := model.NewID(model.KindVSwitch, h+"/vSwitch0")
		pg := model.NewID(model.KindPortgroup, h+"/app")
		port := "Ethernet1/" + string(rune('1'+i))
		vc = append(vc,
			model.Entity(host, host, h, model.Attrs{"connection": "connected"}),
			model.Relation(cl, cl, model.RelContains, host, nil),
			model.Entity(host, nic, "vmnic0", model.Attrs{"device": "vmnic0", "link": "up", "mac": "00:25:b5:00:00:0" + string(rune('1'+i)), "cdp_device": "leaf1", "cdp_port": port}),
			model.Relation(host, host, model.RelHasPNIC, nic, nil),
			model.Entity(host, vs, "vSwitch0", model.Attrs{"mtu": "1500"}),
			model.Relation(host, vs, model.RelUplink, nic, model.Attrs{"uplink": "vmnic0"}),
			model.Entity(host, pg, "app", model.Attrs{"type": "standard", "vlan": "110", "active": "vmnic0"}),
			model.Relation(host, pg, model.RelMemberOf, vs, nil),
		)
		allowed := map[int]string{0: "1,110", 1: "1"}[i]
		p := model.NewID(model.KindPort, "leaf1/"+port)
		fabric = append(fabric, model.Entity(sw, p, port, model.Attrs{"mode": "trunk", "allowed_vlans": allowed, "native_vlan": "1", "mtu": "9216"}),
			model.Relation(sw, sw, model.RelHasPort, p, nil))
	}
	vm, nic := model.NewID(model.KindVM, "u-web"), model.NewID(model.KindVNIC, "u-web/4000")
	vc = append(vc,
		model.Entity(vm, vm, "web", model.Attrs{"power": "poweredOn"}),
		model.Relation(vm, vm, model.RelRunsOn, model.NewID(model.KindHost, "esx1"), nil),
		model.Relation(vm, vm, model.RelHasVNIC, nic, nil),
		model.Entity(vm, nic, "", model.Attrs{"label": "Network adapter 1", "connected": "true", "mac": "00:50:56:00:00:01"}),
		model.Relation(vm, nic, model.RelAttached, model.NewID(model.KindPortgroup, "esx1/app"), nil),
	)
	taken := time.Now().Add(-time.Minute)
	for _, s := range []model.Snapshot{{Source: "vc1", Taken: taken, Facts: vc}, {Source: "fabric", Taken: taken, Facts: fabric}} {
		if _, err := st.Apply(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(Handler(query.New(st, nil), prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	return srv
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode
}

func TestMigrateCheckAPI(t *testing.T) {
	srv := migrateServer(t)
	var a migrate.Answer
	if code := getJSON(t, srv.URL+"/api/v1/migrate-check/web?to=esx2", &a); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if a.Verdict == nil || a.Verdict.Safe || a.Verdict.HostName != "esx2" || len(a.Verdict.Reasons) != 1 || a.Verdict.Reasons[0].Code != migrate.CodeVLANNotCarried {
		t.Errorf("verdict = %+v; want esx2 unsafe, VLAN 110 not carried", a.Verdict)
	}
	a = migrate.Answer{}
	getJSON(t, srv.URL+"/api/v1/migrate-check/web", &a)
	if a.Hosts == nil || len(a.Hosts.Safe) != 1 || a.Hosts.Safe[0].HostName != "esx1" || !a.Hosts.Safe[0].Current || len(a.Hosts.Unsafe) != 1 || a.Hosts.Unsafe[0].HostName != "esx2" {
		t.Errorf("hosts = %+v; want esx1 safe (current), esx2 unsafe", a.Hosts)
	}

	var plan migrate.DRSPlan
	getJSON(t, srv.URL+"/api/v1/drs-rules?must=true", &plan)
	if len(plan.Clusters) != 1 || !plan.Mandatory || len(plan.Clusters[0].Rules) != 1 || plan.Clusters[0].Rules[0].Name != "vnetmap-safe-not-esx2" || !plan.Clusters[0].Rules[0].Mandatory {
		t.Errorf("plan = %+v; want a mandatory rule keeping web off esx2", plan)
	}

	for _, tt := range []struct {
		path string
		code int
	}{
		{"/api/v1/migrate-check/nope", http.StatusNotFound},
		{"/api/v1/migrate-check/web?to=nope", http.StatusNotFound},
		{"/api/v1/migrate-check/web?datacenter=maybe", http.StatusBadRequest},
		{"/api/v1/migrate-check/web?at=not-a-time", http.StatusBadRequest},
		{"/api/v1/drs-rules?cluster=nope", http.StatusNotFound},
		{"/api/v1/drs-rules?must=perhaps", http.StatusBadRequest},
	} {
		var e Error
		if code := getJSON(t, srv.URL+tt.path, &e); code != tt.code || e.Status != tt.code || e.Error == "" {
			t.Errorf("GET %s: %d %+v; want %d with a message", tt.path, code, e, tt.code)
		}
	}
}
