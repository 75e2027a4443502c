package doc

import (
	"context"
	_ "embed"
	"fmt"
	"html"
	"sort"
	"strings"
)

// Formats the documentation is rendered in.
const (
	FormatMarkdown = "md"
	FormatHTML     = "html"
)

// HTMLDir is the directory of the output the HTML site is written to; the
// Markdown pages are at the root, for a git repository or wiki.
const HTMLDir = "html"

//go:embed style.css
var styleCSS []byte

// Files is the rendered documentation: file contents by path relative to
// the output directory ('/'-separated).
type Files map[string][]byte

// Paths returns the files' paths, sorted.
func (f Files) Paths() []string {
	r := make([]string, 0, len(f))
	for p := range f {
		r = append(r, p)
	}
	sort.Strings(r)
	return r
}

// Render lays the site's diagrams out and renders its pages in each of
// formats (FormatMarkdown, FormatHTML). The result depends only on the
// site: rendering the same site twice gives the same bytes.
func Render(ctx context.Context, s *Site, formats []string) (Files, error) {
	md, htm := false, false
	for _, f := range formats {
		switch f {
		case FormatMarkdown:
			md = true
		case FormatHTML:
			htm = true
		default:
			return nil, fmt.Errorf("doc: unknown format %q (want %s or %s)", f, FormatMarkdown, FormatHTML)
		}
	}
	pages, diagrams := s.pagesAndDiagrams()
	if err := layout(ctx, diagrams); err != nil {
		return nil, err
	}
	out := Files{}
	for _, p := range pages {
		if md {
			out[p.path+".md"] = renderMarkdown(p)
		}
		if htm {
			out[HTMLDir+"/"+p.path+".html"] = renderHTML(p)
		}
	}
	if md {
		for _, d := range diagrams {
			out[d.path+".svg"] = d.svgFor(d.path, ".md", false)
		}
	}
	if htm {
		out[HTMLDir+"/style.css"] = styleCSS
	}
	return out, nil
}

// mdEscaper escapes what Markdown (CommonMark and GitHub's tables) would
// read as markup.
var mdEscaper = func() *strings.Replacer {
	var pairs []string
	for _, ch := range "\\`*_[]<>|~" {
		pairs = append(pairs, string(ch), "\\"+string(ch))
	}
	pairs = append(pairs, "\r", " ", "\n", " ", "&", "&amp;")
	return strings.NewReplacer(pairs...)
}()

func mdText(s string) string { return mdEscaper.Replace(strings.ToValidUTF8(s, "\uFFFD")) }

// mdSpans renders spans; from is the page they are on.
func mdSpans(from string, spans []span) string {
	var b strings.Builder
	for _, s := range spans {
		if s.br {
			b.WriteString("<br>")
		}
		if s.anchor != "" {
			fmt.Fprintf(&b, `<a id="%s"></a>`, s.anchor)
		}
		text := mdText(s.text)
		if s.code && s.text != "" {
			text = "`" + strings.ReplaceAll(strings.ReplaceAll(s.text, "`", "'"), "|", "\\|") + "`"
		}
		if s.mark == "gap" || s.mark == "critical" {
			text = "**" + text + "**"
		}
		if s.target != "" {
			fmt.Fprintf(&b, "[%s](%s)", text, mdTarget(from, s.target))
			continue
		}
		b.WriteString(text)
	}
	return b.String()
}

// mdTarget is the relative link from page from to target ("page#anchor").
func mdTarget(from, target string) string {
	pg, anchor, _ := strings.Cut(target, "#")
	r := relPath(from, pg+".md")
	if anchor != "" {
		r += "#" + anchor
	}
	return r
}

func renderMarkdown(p *page) []byte {
	var b strings.Builder
	for i, bl := range p.blocks {
		if i > 0 {
			b.WriteString("\n")
		}
		switch x := bl.(type) {
		case heading:
			if x.id != "" {
				fmt.Fprintf(&b, "<a id=\"%s\"></a>\n\n", x.id)
			}
			fmt.Fprintf(&b, "%s %s\n", strings.Repeat("#", x.level), mdText(x.text))
		case para:
			b.WriteString(mdSpans(p.path, x) + "\n")
		case list:
			for _, it := range x {
				b.WriteString("- " + mdSpans(p.path, it) + "\n")
			}
		case table:
			head := make([]string, len(x.head))
			for i, h := range x.head {
				head[i] = mdText(h)
			}
			b.WriteString("| " + strings.Join(head, " | ") + " |\n|" + strings.Repeat(" --- |", len(x.head)) + "\n")
			for _, row := range x.rows {
				cells := make([]string, len(row))
				for i, c := range row {
					cells[i] = mdSpans(p.path, c)
				}
				b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
			}
		case figure:
			file := relPath(p.path, x.d.path+".svg")
			fmt.Fprintf(&b, "[![%s](%s)](%s)\n", mdText(x.alt), file, file)
		}
	}
	return []byte(b.String())
}

func esc(s string) string { return html.EscapeString(strings.ToValidUTF8(s, "\uFFFD")) }

// htmlSpans renders spans; from is the page they are on.
func htmlSpans(from string, spans []span) string {
	var b strings.Builder
	for _, s := range spans {
		if s.br {
			b.WriteString("<br>")
		}
		text := esc(s.text)
		if s.code {
			text = "<code>" + text + "</code>"
		}
		if s.mark != "" {
			text = fmt.Sprintf(`<span class="mark %s">%s</span>`, esc(s.mark), text)
		}
		if s.anchor != "" {
			text = fmt.Sprintf(`<span id="%s">%s</span>`, esc(s.anchor), text)
		}
		if s.target != "" {
			pg, anchor, _ := strings.Cut(s.target, "#")
			href := relPath(from, pg+".html")
			if anchor != "" {
				href += "#" + anchor
			}
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, esc(href), text)
			continue
		}
		b.WriteString(text)
	}
	return b.String()
}

func renderHTML(p *page) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n<link rel=\"stylesheet\" href=\"%s\">\n</head>\n<body>\n",
		esc(p.title), esc(relPath(p.path, "style.css")))
	for i, bl := range p.blocks {
		switch x := bl.(type) {
		case heading:
			id := ""
			if x.id != "" {
				id = fmt.Sprintf(` id="%s"`, esc(x.id))
			}
			fmt.Fprintf(&b, "<h%d%s>%s</h%d>\n", x.level, id, esc(x.text), x.level)
		case para:
			class := ""
			if i == 0 {
				class = ` class="nav"`
				b.WriteString("<nav>")
			}
			fmt.Fprintf(&b, "<p%s>%s</p>\n", class, htmlSpans(p.path, x))
			if i == 0 {
				b.WriteString("</nav>\n<main>\n")
			}
		case list:
			b.WriteString("<ul>\n")
			for _, it := range x {
				b.WriteString("<li>" + htmlSpans(p.path, it) + "</li>\n")
			}
			b.WriteString("</ul>\n")
		case table:
			kv := len(x.head) == 2 && x.head[0] == "" && x.head[1] == ""
			if kv {
				b.WriteString("<table class=\"kv\">\n")
			} else {
				b.WriteString("<div class=\"scroll\"><table>\n<thead><tr>")
				for _, h := range x.head {
					b.WriteString("<th>" + esc(h) + "</th>")
				}
				b.WriteString("</tr></thead>\n")
			}
			b.WriteString("<tbody>\n")
			for _, row := range x.rows {
				b.WriteString("<tr>")
				for j, c := range row {
					tag := "td"
					if kv && j == 0 {
						tag = "th"
					}
					fmt.Fprintf(&b, "<%s>%s</%s>", tag, htmlSpans(p.path, c), tag)
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</tbody>\n</table>")
			if !kv {
				b.WriteString("</div>")
			}
			b.WriteString("\n")
		case figure:
			fmt.Fprintf(&b, "<figure class=\"diagram\" aria-label=\"%s\">\n", esc(x.alt))
			b.Write(x.d.svgFor(p.path, ".html", true))
			fmt.Fprintf(&b, "<figcaption>%s</figcaption>\n</figure>\n", esc(x.alt))
		}
	}
	b.WriteString("</main>\n<footer><p>Generated by vnetmap doc.</p></footer>\n</body>\n</html>\n")
	return []byte(b.String())
}
