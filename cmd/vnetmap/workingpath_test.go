package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
)

// TestPrintWhereNoUplink: a vNIC whose port group has no uplink on its host
// says so.
func TestPrintWhereNoUplink(t *testing.T) {
	a := &query.WhereAnswer{At: time.Now(), Location: &graph.Location{
		VM: graph.VMView{ID: "vm:x", Name: "x"},
		VNICs: []graph.VNICView{{Label: "Network adapter 1", Connected: true,
			Portgroup: &graph.PortgroupView{Name: "Internal", VLAN: "50"},
			Switch:    &graph.SwitchView{Name: "vSwitch1", Kind: "vswitch"}}},
		WorkingPath: graph.PathVerdict{State: graph.PathNone, Reason: "Network adapter 1: port group Internal has no uplink on esx01: its traffic cannot leave the host"},
	}}
	var b bytes.Buffer
	printWhere(&b, a)
	for _, want := range []string{
		"NO WORKING PATH: Network adapter 1: port group Internal has no uplink on esx01",
		"uplinks     none on this host: its traffic cannot leave the host",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("where output lacks %q:\n%s", want, b.String())
		}
	}
}

// TestDemoNoWorkingPath: the demo's seeded fault (VLAN 230 not allowed on
// the leaf port of vmnic1 of esx05, the active uplink of shop-db-v230)
// cuts the VMs of shop-db-v230 on esx05 off now: where, path and check
// say so; a spine failure lists the leaves that lose an uplink.
func TestDemoNoWorkingPath(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	var cut, ok *query.WhereAnswer
	for i := 1; i <= 20 && (cut == nil || ok == nil); i++ {
		for _, name := range []string{fmt.Sprintf("shop-db-%02d", i), fmt.Sprintf("shop-app-%02d", i)} {
			code, out, _ := vnetmap(t, "--db", db, "where", name, "--json")
			var w query.WhereAnswer
			if code != 0 || json.Unmarshal([]byte(out), &w) != nil || w.Location == nil {
				continue
			}
			on230 := false
			for _, n := range w.VNICs {
				on230 = on230 || (n.Portgroup != nil && n.Portgroup.VLAN == "230")
			}
			switch {
			case w.WorkingPath.State == graph.PathNone && cut == nil:
				cut = &w
			case on230 && w.WorkingPath.State == graph.PathWorks && ok == nil:
				ok = &w
			}
		}
	}
	if cut == nil || ok == nil {
		t.Fatalf("no shop VM is cut off (%v) or none on VLAN 230 works (%v); the demo has both", cut != nil, ok != nil)
	}
	if cut.Host.Name != "esx05" || !strings.Contains(cut.WorkingPath.Reason, "VLAN 230 of shop-db-v230 is not allowed on vmnic1 (active)") || len(cut.WorkingPath.Drops) == 0 {
		t.Errorf("%s on %s: working path %+v; want none: VLAN 230 not allowed behind vmnic1 (active) of esx05", cut.VM.Name, cut.Host.Name, cut.WorkingPath)
	}
	_, out, _ := vnetmap(t, "--db", db, "where", cut.VM.Name)
	if !strings.Contains(out, "NO WORKING PATH: ") {
		t.Errorf("where %s lacks NO WORKING PATH:\n%s", cut.VM.Name, out)
	}
	_, out, _ = vnetmap(t, "--db", db, "where", ok.VM.Name)
	if strings.Contains(out, "NO WORKING PATH") {
		t.Errorf("where %s says NO WORKING PATH:\n%s", ok.VM.Name, out)
	}
	_, out, _ = vnetmap(t, "--db", db, "path", cut.VM.Name, ok.VM.Name)
	if !strings.Contains(out, "NO WORKING PATH from "+cut.VM.Name) {
		t.Errorf("path %s %s lacks NO WORKING PATH:\n%s", cut.VM.Name, ok.VM.Name, out)
	}
	_, out, _ = vnetmap(t, "--db", db, "check", "--json")
	var findings struct {
		Findings []check.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &findings); err != nil {
		t.Fatalf("check --json: %v\n%s", err, out)
	}
	critical := false
	for _, f := range findings.Findings {
		if f.Rule == check.RuleVMUnsafeHost && slices.Contains(f.Subjects, cut.VM.ID) {
			critical = f.Severity == check.Critical && strings.Contains(f.Message, "NO WORKING PATH")
		}
	}
	if !critical {
		t.Errorf("check: no critical vm-unsafe-host saying NO WORKING PATH for %s", cut.VM.Name)
	}
	code, out, errOut := vnetmap(t, "--db", db, "impact", "switch:spine1", "--json")
	var imp query.ImpactAnswer
	if code != 0 || json.Unmarshal([]byte(out), &imp) != nil {
		t.Fatalf("impact switch:spine1: exit %d: %s", code, errOut)
	}
	leaves := 0
	for _, sw := range imp.Fabric {
		if strings.HasPrefix(sw.Switch, "leaf") && sw.State == graph.FabricDegraded && len(sw.Lost) > 0 && sw.Lost[0].ToSwitch == "spine1" {
			leaves++
		}
	}
	if leaves < 2 {
		t.Errorf("impact switch:spine1: fabric %+v; want the leaves losing their spine1 uplink", imp.Fabric)
	}
	_, out, _ = vnetmap(t, "--db", db, "impact", "switch:spine1")
	if !strings.Contains(out, "FABRIC") || !strings.Contains(out, "loses Ethernet1/53 → spine1") {
		t.Errorf("human impact output lacks the fabric:\n%s", out)
	}
}
