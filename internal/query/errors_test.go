package query

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
)

// TestNotFoundMessages: a name the map does not know is an error for the
// user who typed it — no package prefix, the closest names ("did you
// mean"), a host or switch given to where pointed to its page and impact,
// the valid kinds of an impact target — that still matches the graph's
// sentinels (404, 400, 409 in the API).
func TestNotFoundMessages(t *testing.T) {
	s := scenario(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		ask      func() error
		sentinel error
		want     []string
	}{
		{"where, a misspelt VM", func() error { _, err := s.Where(ctx, "ap1", time.Time{}); return err },
			graph.ErrNotFound, []string{`no VM named "ap1"; did you mean "app1"?`}},
		{"where, a host", func() error { _, err := s.Where(ctx, "esx01", time.Time{}); return err },
			graph.ErrNotFound, []string{`no VM named "esx01": esx01 is a host`, "/host/esx01", "impact host:esx01"}},
		{"where, a switch in capitals", func() error { _, err := s.Where(ctx, "LEAF1", time.Time{}); return err },
			graph.ErrNotFound, []string{`leaf1 is a switch`, "/switch/leaf1", "impact switch:leaf1"}},
		{"where, a MAC of nothing", func() error { _, err := s.Where(ctx, "02:00:00:00:00:99", time.Time{}); return err },
			graph.ErrNotFound, []string{`no VM has MAC 02:00:00:00:00:99`}},
		{"where, nothing close", func() error { _, err := s.Where(ctx, "mainframe", time.Time{}); return err },
			graph.ErrNotFound, []string{`no VM named "mainframe"`}},
		{"history", func() error { _, err := s.History(ctx, "db2", time.Time{}); return err },
			graph.ErrNotFound, []string{`no VM named "db2"; did you mean "db1"?`}},
		{"path, second end", func() error { _, err := s.Path(ctx, "app1", "edge2", time.Time{}); return err },
			graph.ErrNotFound, []string{`no VM or application named "edge2"; did you mean "edge1"?`}},
		{"impact, unknown kind", func() error { _, err := s.Impact(ctx, "rack:1", time.Time{}); return err },
			graph.ErrBadTarget, []string{`impact target "rack:1": unknown kind "rack"; want switch:NAME, port:SWITCH/IFNAME, lag:SWITCH/NAME, host:NAME, pnic:HOST/NIC or vlan:ID`}},
		{"impact, no kind", func() error { _, err := s.Impact(ctx, "leaf1", time.Time{}); return err },
			graph.ErrBadTarget, []string{`impact target "leaf1": not KIND:NAME; want switch:NAME`}},
		{"impact, misspelt host", func() error { _, err := s.Impact(ctx, "host:esx1", time.Time{}); return err },
			graph.ErrNotFound, []string{`no host named "esx1"; did you mean "esx01"`}},
		{"impact, misspelt switch", func() error { _, err := s.Impact(ctx, "switch:leaf3", time.Time{}); return err },
			graph.ErrNotFound, []string{`no switch named "leaf3"; did you mean "leaf1" or "leaf2"?`}},
		{"impact, port of a misspelt switch", func() error { _, err := s.Impact(ctx, "port:lef1/Ethernet1/1", time.Time{}); return err },
			graph.ErrNotFound, []string{`no switch named "lef1"; did you mean "leaf1"`}},
		{"impact, misspelt port", func() error { _, err := s.Impact(ctx, "port:leaf1/Ethernet1/9", time.Time{}); return err },
			graph.ErrNotFound, []string{`no port on leaf1 named "Ethernet1/9"; did you mean "Ethernet1/1"`}},
		{"impact, misspelt port, short spelling", func() error { _, err := s.Impact(ctx, "port:leaf1/Eth1/9", time.Time{}); return err },
			graph.ErrNotFound, []string{`no port on leaf1 named "Eth1/9"; did you mean "Ethernet1/1"`}},
		{"host page", func() error { _, err := s.Host(ctx, "esx04", time.Time{}); return err },
			graph.ErrNotFound, []string{`no host named "esx04"; did you mean "esx01", "esx02" or "esx03"?`}},
		{"switch page", func() error { _, err := s.Switch(ctx, "leaf", time.Time{}); return err },
			graph.ErrNotFound, []string{`no switch named "leaf"; did you mean "leaf1" or "leaf2"?`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ask()
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v does not match %v", err, tt.sentinel)
			}
			msg := err.Error()
			if strings.Contains(msg, "graph:") || strings.Contains(msg, "query:") {
				t.Errorf("error %q has a package prefix", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q; want it to contain %q", msg, w)
				}
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"web01", "web02", "web10", "db01", "Web01", "shop-app-16", "x"}
	tests := []struct {
		q    string
		want []string
	}{
		{"web1", []string{"web01", "web10"}},  // one edit for a short name
		{"WEB01", []string{"web02", "web10"}}, // itself is not suggested; a swap is one edit
		{"shop-app-61", []string{"shop-app-16"}},
		{"wbe01", []string{"web01"}},                 // a swap is one edit
		{"web", []string{"web01", "web02", "web10"}}, // completions
		{"zzzzzz", nil},
		{"", nil},
		{strings.Repeat("a", 100), nil},
	}
	for _, tt := range tests {
		if got := suggest(tt.q, names); !slices.Equal(got, tt.want) {
			t.Errorf("suggest(%q) = %q; want %q", tt.q, got, tt.want)
		}
	}
}

// BenchmarkSuggest: a misspelt name against 10,000 VM names.
func BenchmarkSuggest(b *testing.B) {
	names := make([]string, 10000)
	for i := range names {
		names[i] = "vm-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "-" + time.Duration(i).String()
	}
	b.ReportAllocs()
	for b.Loop() {
		suggest("vm-xxxq-4242ns", names)
	}
}
