package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/query"
)

// TestPrintImpactByHost: the human impact answer lists the VMs down and
// degraded under their host, with the counts per state, the hosts with the
// most VMs down first (issue 19, item 14).
func TestPrintImpactByHost(t *testing.T) {
	a := &query.ImpactAnswer{At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ImpactResult: &graph.ImpactResult{
		Target: "switch:leaf1",
		Down: []graph.VMImpact{
			{VM: "vm:1", Name: "web02", Host: "esx02", Reasons: []string{"no uplink left"}},
			{VM: "vm:2", Name: "db01", Host: "esx01", Reasons: []string{"no uplink left"}},
			{VM: "vm:3", Name: "web01", Host: "esx02", Reasons: []string{"no uplink left"}},
		},
		Degraded: []graph.VMImpact{
			{VM: "vm:4", Name: "app01", Host: "esx01", Reasons: []string{"one uplink left"}},
			{VM: "vm:5", Name: "app02", Host: "esx03", Reasons: []string{"one uplink left"}},
			{VM: "vm:6", Name: "lost01", Reasons: []string{"one uplink left"}},
		},
	}}
	var b strings.Builder
	printImpact(&b, a)
	out := b.String()
	if !strings.Contains(out, "3 VM(s) DOWN, 3 DEGRADED") {
		t.Errorf("no totals:\n%s", out)
	}
	body := out[strings.Index(out, "\n")+1:]
	var got []string
	for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		got = append(got, strings.Join(strings.Fields(l), " "))
	}
	want := []string{
		"HOST esx02: 2 DOWN",
		"DOWN web01 no uplink left",
		"DOWN web02 no uplink left",
		"HOST esx01: 1 DOWN, 1 DEGRADED",
		"DOWN db01 no uplink left",
		"DEGRADED app01 one uplink left",
		"HOST esx03: 1 DEGRADED",
		"DEGRADED app02 one uplink left",
		"NO HOST KNOWN: 1 DEGRADED",
		"DEGRADED lost01 one uplink left",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("impact by host:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
