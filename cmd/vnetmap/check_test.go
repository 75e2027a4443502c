package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
)

// TestCheckCommand runs `check` on the demo, whose trunk of esx05 vmnic1
// lacks VLAN 230 on purpose: the finding is there in JSON and for a person,
// the filters work, and --fail-on turns findings into exit status 1.
func TestCheckCommand(t *testing.T) {
	db := demoDB(t)
	findings := func(args ...string) query.FindingsAnswer {
		t.Helper()
		code, out, errOut := vnetmap(t, append([]string{"--db", db, "check", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("check --json %v: exit %d: %s", args, code, errOut)
		}
		var a query.FindingsAnswer
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatalf("check --json: %v\n%s", err, out)
		}
		return a
	}
	all := findings()
	var seeded *check.Finding
	counts := map[check.Severity]int{}
	for i, f := range all.Findings {
		counts[f.Severity]++
		if f.Rule == check.RuleVLANNotCarried && slices.Contains(f.Subjects, model.ID("pnic:esx05/vmnic1")) {
			seeded = &all.Findings[i]
		}
	}
	if seeded == nil {
		t.Fatalf("no vlan-not-carried finding for esx05/vmnic1 in %+v", all.Findings)
	}
	if seeded.Severity != check.Critical || !strings.Contains(seeded.Message, "VLAN 230") || !strings.Contains(seeded.Fix, "allow VLAN 230") {
		t.Errorf("seeded finding = %+v; want critical, about VLAN 230, with a fix", seeded)
	}
	for _, s := range []check.Severity{check.Critical, check.Warning, check.Info} {
		if all.Counts[s] != counts[s] {
			t.Errorf("counts[%s] = %d; the list has %d", s, all.Counts[s], counts[s])
		}
	}

	crit := findings("--severity", "critical")
	for _, f := range crit.Findings {
		if f.Severity != check.Critical {
			t.Errorf("--severity critical shows %s finding %s", f.Severity, f.ID)
		}
	}
	if len(crit.Findings) != counts[check.Critical] {
		t.Errorf("--severity critical: %d findings; want %d", len(crit.Findings), counts[check.Critical])
	}
	only := findings("--rule", check.RuleVLANNotCarried)
	if len(only.Findings) == 0 || slices.ContainsFunc(only.Findings, func(f check.Finding) bool { return f.Rule != check.RuleVLANNotCarried }) {
		t.Errorf("--rule vlan-not-carried = %+v", only.Findings)
	}

	code, out, _ := vnetmap(t, "--db", db, "check", "--evidence")
	if code != 0 || !strings.Contains(out, "CRITICAL  vlan-not-carried") || !strings.Contains(out, "fix: allow VLAN 230") || !strings.Contains(out, "- esx05/vmnic1 (active) → ") {
		t.Errorf("check exit %d, human output:\n%s", code, out)
	}
	tests := []struct {
		args    []string
		code    int
		wantErr string
	}{
		{[]string{"--fail-on", "critical"}, 1, "finding(s) critical or worse"},
		{[]string{"--fail-on", "critical", "--rule", check.RuleMACDuplicate}, 0, ""},
		{[]string{"--rule", "no-such-rule"}, 2, `unknown rule "no-such-rule"`},
		{[]string{"--severity", "fatal"}, 2, `severity "fatal"`},
		{[]string{"--fail-on", "sometimes"}, 2, "--fail-on"},
	}
	for _, tt := range tests {
		code, _, errOut := vnetmap(t, append([]string{"--db", db, "check"}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("check %v: exit %d, stderr %q; want %d with %q", tt.args, code, errOut, tt.code, tt.wantErr)
		}
	}
}
