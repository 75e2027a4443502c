package check_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/check"
)

// TestRulesDocumented: docs/checks.md has a section and a table row for
// every rule, and documents no rule that does not exist.
func TestRulesDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/checks.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	var names []string
	for _, r := range check.Rules() {
		names = append(names, r.Name)
		if !strings.Contains(doc, "\n### "+r.Name+"\n") {
			t.Errorf("docs/checks.md has no section for rule %s", r.Name)
		}
		if !strings.Contains(doc, "| [`"+r.Name+"`](#"+r.Name+") |") {
			t.Errorf("docs/checks.md has no table row for rule %s", r.Name)
		}
		if r.Summary == "" {
			t.Errorf("rule %s has no summary", r.Name)
		}
	}
	for _, m := range regexp.MustCompile(`\n### ([a-z0-9-]+)\n`).FindAllStringSubmatch(doc, -1) {
		if !slices.Contains(names, m[1]) {
			t.Errorf("docs/checks.md documents %s, which is no rule", m[1])
		}
	}
}
