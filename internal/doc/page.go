package doc

import (
	"fmt"
	"strconv"
	"strings"
)

// page is one page of the documentation in a form both renderers read: a
// path (relative to the output root, '/'-separated, without extension), a
// title and blocks.
type page struct {
	path   string
	title  string
	blocks []block
}

// block is one of heading, para, table, list or figure.
type block any

type heading struct {
	level int
	text  string
	id    string
}

// para is a paragraph of spans.
type para []span

// table is a table; each cell is spans.
type table struct {
	head []string
	rows [][]cell
}

type cell []span

// list is a bulleted list.
type list [][]span

// figure shows a diagram.
type figure struct {
	d   *diagram
	alt string
}

// span is a piece of inline text: plain, a link to another page (target is
// its page path, with "#anchor" when it points into it), a mark (a state
// the renderers style: ok, gap, unknown, critical, warning, info), code, or
// a line break before it.
type span struct {
	text   string
	target string
	mark   string
	code   bool
	br     bool
	anchor string // an anchor defined here (an id the page can be linked to at)
}

func txt(s string) span          { return span{text: s} }
func link(s, target string) span { return span{text: s, target: target} }
func mark(m, s string) span      { return span{text: s, mark: m} }
func code(s string) span         { return span{text: s, code: true} }
func brk(s span) span            { s.br = true; return s }
func c(spans ...span) cell       { return cell(spans) }
func ct(s string) cell           { return cell{txt(s)} }
func cn(n int) cell              { return cell{txt(strconv.Itoa(n))} }
func anchorTo(target, a string) string {
	if target == "" {
		return ""
	}
	return target + "#" + a
}

// dash is shown for an empty value.
const dash = "—"

func or(s string) string {
	if s == "" {
		return dash
	}
	return s
}

// speed formats a speed in Mb/s.
func speed(mbps string) string {
	n, err := strconv.Atoi(mbps)
	switch {
	case mbps == "":
		return dash
	case err != nil || n <= 0:
		return mbps
	case n%1000 == 0:
		return strconv.Itoa(n/1000) + " Gb/s"
	}
	return strconv.Itoa(n) + " Mb/s"
}

// bytesText formats a byte count with a binary-free SI unit.
func bytesText(n uint64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	f, i := float64(n), 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}

// joinSpans joins span groups with sep.
func joinSpans(groups [][]span, sep string) []span {
	var r []span
	for i, g := range groups {
		if i > 0 && sep != "" {
			r = append(r, txt(sep))
		}
		r = append(r, g...)
	}
	return r
}

// limited lists at most max items of names and says how many more.
func limited(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(", … (%d more)", len(names)-max)
}
