package query

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// SwitchHealth is what the latest run of one source read of a switch (the
// store's collection health), one line per table group in reading order,
// such as "LLDP 6 neighbours" or "FDB: dot1dTpFdbTable (vlan 110): no
// answer". It is the latest run's whatever moment the page is about.
type SwitchHealth struct {
	Source  string    `json:"source"`
	Address string    `json:"address,omitempty"`
	Taken   time.Time `json:"taken"`
	// Outdated says the source's later runs could not read the switch
	// (it did not answer): these lines are from Taken.
	Outdated bool `json:"outdated,omitempty"`
	// Summary is the groups' texts joined by " · ".
	Summary string `json:"summary"`
	// Skipped counts the rows skipped, Failed the tables that failed.
	Skipped int           `json:"skipped"`
	Failed  int           `json:"failed"`
	Groups  []HealthGroup `json:"groups"`
}

// HealthGroup is one table group of a switch (if, lldp, fdb…): what it
// yielded and what went wrong, and its tables.
type HealthGroup struct {
	Group string `json:"group"`
	Label string `json:"label"` // "LLDP"
	// Kept is what the group yielded, in Unit: the rows its main tables
	// kept (ifTable for if, lldpRemTable for lldp…), per-context reads of
	// a table (the per-VLAN forwarding tables) added up, the largest.
	Kept    int    `json:"kept"`
	Unit    string `json:"unit"` // "neighbours"
	Skipped int    `json:"skipped"`
	Failed  int    `json:"failed"`
	// Text is the line: "IF 48 ports, ifXTable: 2 rows skipped (no index)".
	Text   string        `json:"text"`
	Tables []HealthTable `json:"tables"`
}

// HealthTable is one table of a group as the source read it.
type HealthTable struct {
	Table    string         `json:"table"`
	Rows     int            `json:"rows"`
	Kept     int            `json:"kept"`
	Skipped  int            `json:"skipped"`
	Reasons  map[string]int `json:"reasons,omitempty"`
	Example  string         `json:"example,omitempty"`
	Error    string         `json:"error,omitempty"`
	Duration time.Duration  `json:"duration_ns"`
	// Text is "ifXTable: 2 rows skipped (no index)", "TABLE: ERROR" for a
	// table that failed, or "ifTable: 48 rows" for a clean one.
	Text string `json:"text"`
}

// groupInfo is how a table group of the SNMP source is shown: its label,
// the unit of its yield (one, several), and the tables whose kept rows
// are that yield (several describe the same things: the largest counts).
type groupInfo struct {
	label, one, several string
	tables              []string
}

// groupNames are the SNMP source's table groups. Another group, or one
// none of whose main tables was read, yields the largest rows kept by one
// of its tables.
var groupNames = map[string]groupInfo{
	"if":     {"IF", "port", "ports", []string{"ifTable"}},
	"entity": {"Entity", "component", "components", []string{"entPhysicalTable"}},
	"lldp":   {"LLDP", "neighbour", "neighbours", []string{"lldpRemTable"}},
	"cdp":    {"CDP", "neighbour", "neighbours", []string{"cdpCacheTable"}},
	"vlan":   {"VLAN", "VLAN", "VLANs", []string{"dot1qVlanStaticTable", "dot1qVlanCurrentTable", "vtpVlanTable"}},
	"fdb":    {"FDB", "entry", "entries", []string{"dot1qTpFdbTable", "dot1dTpFdbTable"}},
	"lag":    {"LAG", "port", "ports", []string{"dot3adAggPortAttachedAggID"}},
	"arp":    {"ARP", "entry", "entries", []string{"ipNetToPhysicalTable", "ipNetToMediaTable"}},
}

// maxProblems bounds the tables a group's line names; the others are
// counted ("and 3 more tables"), and all are in Tables.
const maxProblems = 3

// switchHealth returns the collection health of switch id, one entry per
// source that read it, by source name.
func (s *Service) switchHealth(ctx context.Context, id model.ID) ([]SwitchHealth, error) {
	rows, err := s.Store.Health(ctx, store.HealthFilter{Device: id})
	if err != nil {
		return nil, fmt.Errorf("query: health of %s: %w", id, err)
	}
	out := []SwitchHealth{}
	if len(rows) == 0 {
		return out, nil
	}
	srcs, err := s.Store.Sources(ctx)
	if err != nil {
		return nil, fmt.Errorf("query: source states: %w", err)
	}
	lastSuccess := map[string]time.Time{}
	for _, st := range srcs {
		lastSuccess[st.Name] = st.LastSuccess
	}
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Source == rows[i].Source {
			j++
		}
		h := healthLines(rows[i:j])
		h.Outdated = h.Taken.Before(lastSuccess[h.Source])
		out = append(out, h)
		i = j
	}
	return out, nil
}

// healthLines groups the health rows of one source and one device (in
// reading order) into lines.
func healthLines(rows []store.Health) SwitchHealth {
	h := SwitchHealth{Groups: []HealthGroup{}}
	if len(rows) == 0 {
		return h
	}
	h.Source, h.Address, h.Taken = rows[0].Source, rows[0].Address, rows[0].Taken
	byGroup := map[string]int{}
	for _, r := range rows {
		name := cmp.Or(r.Group, r.Table)
		i, ok := byGroup[name]
		if !ok {
			i = len(h.Groups)
			byGroup[name] = i
			h.Groups = append(h.Groups, HealthGroup{Group: name, Tables: []HealthTable{}})
		}
		g := &h.Groups[i]
		g.Tables = append(g.Tables, HealthTable{Table: r.Table, Rows: r.Rows, Kept: r.Kept, Skipped: r.Skipped, Reasons: r.Reasons,
			Example: r.Example, Error: r.Error, Duration: r.Duration, Text: tableText(r.TableHealth)})
		g.Skipped += r.Skipped
		if r.Error != "" {
			g.Failed++
		}
	}
	texts := make([]string, len(h.Groups))
	for i := range h.Groups {
		g := &h.Groups[i]
		g.Kept, g.Label, g.Unit = groupYield(g.Group, g.Tables)
		g.Text = groupText(g)
		h.Skipped += g.Skipped
		h.Failed += g.Failed
		texts[i] = g.Text
	}
	h.Summary = strings.Join(texts, " · ")
	return h
}

// groupYield returns what a group yielded and its label and unit: the rows
// kept per table, the reads of one table in several contexts
// ("dot1dTpFdbTable (vlan 110)") added up, the largest among the group's
// main tables (ifTable and ifXTable describe the same interfaces), or
// among all its tables, in rows, when none of its main tables was read.
func groupYield(group string, tables []HealthTable) (kept int, label, unit string) {
	info, known := groupNames[group]
	if !known {
		info = groupInfo{label: strings.ToUpper(group)}
	}
	byBase := map[string]int{}
	for _, t := range tables {
		base, _, _ := strings.Cut(t.Table, " (")
		byBase[base] += t.Kept
	}
	main := false
	for _, name := range info.tables {
		if n, ok := byBase[name]; ok {
			kept, main = max(kept, n), true
		}
	}
	if !main {
		info.one, info.several = "row", "rows"
		for _, n := range byBase {
			kept = max(kept, n)
		}
	}
	return kept, info.label, plural(kept, info.one, info.several)
}

// groupText is a group's line: its label and yield ("LLDP 6 neighbours"),
// then its tables that skipped rows or failed. A group whose tables all
// failed and kept nothing shows no yield ("FDB: TABLE: ERROR").
func groupText(g *HealthGroup) string {
	var problems []string
	for _, t := range g.Tables {
		if t.Error != "" || t.Skipped > 0 {
			problems = append(problems, t.Text)
		}
	}
	if len(problems) > maxProblems {
		problems = append(problems[:maxProblems], fmt.Sprintf("and %d more tables", len(problems)-maxProblems))
	}
	head := g.Label
	if g.Kept > 0 || g.Failed < len(g.Tables) {
		head = fmt.Sprintf("%s %d %s", g.Label, g.Kept, g.Unit)
		if len(problems) > 0 {
			return head + ", " + strings.Join(problems, "; ")
		}
		return head
	}
	return head + ": " + strings.Join(problems, "; ")
}

// tableText is a table's line: "ifXTable: 2 rows skipped (no index)",
// "TABLE: ERROR" (and the rows skipped before it failed), or "ifTable: 48
// rows" when nothing went wrong.
func tableText(t model.TableHealth) string {
	var parts []string
	if t.Error != "" {
		parts = append(parts, t.Error)
	}
	if t.Skipped > 0 {
		skip := fmt.Sprintf("%d %s skipped", t.Skipped, plural(t.Skipped, "row", "rows"))
		if r := reasonsText(t.Reasons); r != "" {
			skip += " (" + r + ")"
		}
		parts = append(parts, skip)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s: %d %s", t.Table, t.Rows, plural(t.Rows, "row", "rows"))
	}
	return t.Table + ": " + strings.Join(parts, ", ")
}

// plural returns one when n is 1, else several.
func plural(n int, one, several string) string {
	if n == 1 {
		return one
	}
	return several
}

// reasonsText lists skip reasons, the most frequent first: "no index" for
// one reason, "no index 2, not a MAC 1" for several.
func reasonsText(reasons map[string]int) string {
	if len(reasons) == 1 {
		for r := range reasons {
			return r
		}
	}
	names := slices.SortedFunc(maps.Keys(reasons), func(a, b string) int {
		return cmp.Or(cmp.Compare(reasons[b], reasons[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, reasons[n])
	}
	return strings.Join(parts, ", ")
}
