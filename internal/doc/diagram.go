package doc

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-graphviz"

	"github.com/vnetmap/vnetmap/internal/query"
)

// diagram is a graph to lay out: its DOT source, whose nodes link to
// pages through placeholders ("vnm-link-N", N indexing links), and once
// laid out its SVG with the placeholders still in.
type diagram struct {
	// path is the SVG file's path without ".svg", next to the page that
	// shows it.
	path  string
	dot   string
	links []string
	svg   []byte
}

// dotWriter builds a DOT graph with quoted, escaped labels and numbered
// node IDs in the order nodes are added.
type dotWriter struct {
	b     strings.Builder
	links []string
	ids   map[string]string
	edge  string
}

func newDot(directed bool, attrs string) *dotWriter {
	w := &dotWriter{ids: map[string]string{}, edge: " -- "}
	kw := "graph"
	if directed {
		kw, w.edge = "digraph", " -> "
	}
	fmt.Fprintf(&w.b, "%s G {\n  graph [fontname=\"Helvetica\", fontsize=10, bgcolor=\"transparent\", %s];\n", kw, attrs)
	w.b.WriteString("  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", color=\"#4a6785\"];\n")
	w.b.WriteString("  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\"];\n")
	return w
}

// dotText quotes label lines for DOT: backslashes and quotes escaped,
// control characters and invalid UTF-8 replaced, lines joined by \n.
func dotText(lines ...string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, l := range lines {
		if i > 0 {
			b.WriteString(`\n`)
		}
		for _, r := range strings.ToValidUTF8(l, "\uFFFD") {
			switch {
			case r == '\\' || r == '"':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r < 0x20 || r == 0x7f:
				b.WriteByte(' ')
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// node adds the node known as key (once) and returns its DOT ID. target
// is the page it links to ("" for none); attrs are extra DOT attributes.
func (w *dotWriter) node(key string, label []string, target, attrs string) string {
	if id, ok := w.ids[key]; ok {
		return id
	}
	id := "n" + strconv.Itoa(len(w.ids)+1)
	w.ids[key] = id
	fmt.Fprintf(&w.b, "  %s [label=%s, tooltip=%s", id, dotText(label...), dotText(strings.Join(label, " ")))
	if target != "" {
		fmt.Fprintf(&w.b, ", URL=\"vnm-link-%d\", target=\"_top\"", len(w.links))
		w.links = append(w.links, target)
	}
	if attrs != "" {
		w.b.WriteString(", " + attrs)
	}
	w.b.WriteString("];\n")
	return id
}

func (w *dotWriter) connect(a, b string, label []string, attrs string) {
	fmt.Fprintf(&w.b, "  %s%s%s [label=%s", a, w.edge, b, dotText(label...))
	if attrs != "" {
		w.b.WriteString(", " + attrs)
	}
	w.b.WriteString("];\n")
}

func (w *dotWriter) done(path string) *diagram {
	w.b.WriteString("}\n")
	return &diagram{path: path, dot: w.b.String(), links: w.links}
}

const (
	hostStyle   = `fillcolor="#e6f0fa"`
	switchStyle = `shape=box3d, style=filled, fillcolor="#eeeeee"`
	bundleStyle = `penwidth=3, color="#2e7d32"`
	vlanStyle   = `shape=ellipse, style=filled, fillcolor="#fff4d6"`
	classStyle  = `shape=ellipse, style="dashed,filled", fillcolor="#f4f4f4"`
)

// cablingDiagram draws a cluster's hosts and the switches they are cabled
// to: a line per NIC (device and switch port), a thick line per host
// bundle and switch (its NICs and the port-channel), the peer link of an
// MLAG pair between its switches.
func cablingDiagram(s *Site, c *Cluster) *diagram {
	w := newDot(false, `rankdir=TB, nodesep=0.25, ranksep=1.1, splines=true`)
	bundled := map[*Uplink]*Bundle{}
	for _, bd := range s.Bundles {
		if bd.Host.Cluster == c {
			for _, u := range bd.Uplinks {
				bundled[u] = bd
			}
		}
	}
	shown := map[*Switch]bool{}
	for _, h := range c.Hosts {
		hid := w.node("h:"+string(h.ID), []string{h.Name}, h.page, hostStyle)
		type bkey struct {
			bd *Bundle
			sw *Switch
		}
		bundles := map[bkey][]string{}
		bchan := map[bkey][]string{}
		var order []bkey
		for _, u := range h.Uplinks {
			for _, cp := range u.Ports {
				sid := w.node("s:"+string(cp.Switch.ID), []string{cp.Switch.Name}, cp.Switch.page, switchStyle)
				shown[cp.Switch] = true
				if bd := bundled[u]; bd != nil {
					k := bkey{bd, cp.Switch}
					if _, ok := bundles[k]; !ok {
						order = append(order, k)
					}
					bundles[k] = append(bundles[k], u.Device)
					if cp.Channel != nil && !containsStr(bchan[k], cp.Channel.Name) {
						bchan[k] = append(bchan[k], cp.Channel.Name)
					}
					continue
				}
				attrs := ""
				if cp.Confidence == "conflict" {
					attrs = `style=dashed, color="#c62828", fontcolor="#c62828"`
				}
				w.connect(hid, sid, []string{u.Device, cp.Port.Name}, attrs)
			}
		}
		for _, k := range order {
			label := []string{k.bd.Name + ": " + strings.Join(bundles[k], "+")}
			if ch := bchan[k]; len(ch) > 0 {
				label = append(label, strings.Join(ch, ", "))
			} else {
				label = append(label, "no port-channel")
			}
			w.connect(hid, w.ids["s:"+string(k.sw.ID)], label, bundleStyle)
		}
	}
	for _, pr := range s.MLAGPairs {
		if shown[pr.A] && shown[pr.B] {
			w.connect(w.ids["s:"+string(pr.A.ID)], w.ids["s:"+string(pr.B.ID)], []string{"MLAG/vPC peers"},
				`style=dotted, penwidth=2, constraint=false, color="#6a1b9a", fontcolor="#6a1b9a"`)
		}
	}
	return w.done(c.page)
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// maxFlowEdges bounds the edges of a dependency diagram, largest first
// (the page's table lists them all).
const maxFlowEdges = 60

// flowNodeKey names a dependency node, and says what it is.
func flowNode(w *dotWriter, s *Site, n query.FlowNode) string {
	switch n.Kind {
	case query.LevelApplication:
		target := ""
		if a := appNamed(s, n.Name); a != nil {
			target = a.page
		}
		return w.node("a:"+n.Name, []string{n.Name}, target, "")
	case query.LevelVM:
		return w.node("v:"+n.VM, []string{n.Name}, "", `shape=box, style="filled", fillcolor="#ffffff"`)
	}
	return w.node("c:"+n.Kind, []string{n.Kind}, "", classStyle)
}

func appNamed(s *Site, name string) *App {
	for _, a := range s.Apps {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// penwidth scales a line with the log of its bytes.
func penwidth(b uint64) string {
	return strconv.FormatFloat(math.Min(6, 1+math.Log10(float64(b)+1)/3), 'f', 2, 64)
}

// appsDiagram draws the applications and the traffic between them (and
// the classes of what is no VM) over the flow window.
func appsDiagram(s *Site) *diagram {
	w := newDot(true, `rankdir=LR, nodesep=0.3, ranksep=0.8`)
	for _, a := range s.Apps {
		w.node("a:"+a.Name, []string{a.Name}, a.page, "")
	}
	if s.Flows != nil {
		for i, e := range s.Flows.Edges {
			if i == maxFlowEdges {
				break
			}
			src, dst := flowNode(w, s, e.Src), flowNode(w, s, e.Dst)
			w.connect(src, dst, []string{bytesText(e.Bytes)}, "penwidth="+penwidth(e.Bytes))
		}
	}
	return w.done("applications")
}

// appDiagram draws what one application depends on: the VLANs of its VMs,
// the switches whose ports carry them, and its traffic peers.
func appDiagram(s *Site, a *App) *diagram {
	w := newDot(true, `rankdir=LR, nodesep=0.25, ranksep=0.9`)
	self := w.node("a:"+a.Name, []string{a.Name}, a.page, `penwidth=2`)
	type vs struct {
		vlan string
		sw   *Switch
	}
	vmsOn := map[string]map[*VM]bool{}
	ports := map[vs]map[*SwitchPort]bool{}
	for _, vm := range a.VMs {
		for _, nic := range vm.NICs {
			if nic.VLAN == "" {
				continue
			}
			if vmsOn[nic.VLAN] == nil {
				vmsOn[nic.VLAN] = map[*VM]bool{}
			}
			vmsOn[nic.VLAN][vm] = true
			for _, u := range nic.Uplinks {
				for _, cp := range u.Uplink.Ports {
					k := vs{nic.VLAN, cp.Switch}
					if ports[k] == nil {
						ports[k] = map[*SwitchPort]bool{}
					}
					ports[k][cp.Port] = true
				}
			}
		}
	}
	vlans := sortedKeys(vmsOn)
	for _, v := range vlans {
		target := ""
		if x := vlanNamed(s, v); x != nil {
			target = x.page
		}
		vid := w.node("l:"+v, []string{"VLAN " + v}, target, vlanStyle)
		w.connect(self, vid, []string{fmt.Sprintf("%d VMs", len(vmsOn[v]))}, "")
	}
	keys := make([]vs, 0, len(ports))
	for k := range ports {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].vlan != keys[j].vlan {
			return naturalLess(keys[i].vlan, keys[j].vlan)
		}
		return naturalLess(keys[i].sw.Name, keys[j].sw.Name)
	})
	for _, k := range keys {
		sid := w.node("s:"+string(k.sw.ID), []string{k.sw.Name}, k.sw.page, switchStyle)
		w.connect(w.ids["l:"+k.vlan], sid, []string{fmt.Sprintf("%d ports", len(ports[k]))}, "")
	}
	for i, e := range a.Flows {
		if i == maxFlowEdges {
			break
		}
		src, dst := flowNode(w, s, e.Src), flowNode(w, s, e.Dst)
		w.connect(src, dst, []string{bytesText(e.Bytes)}, `style=dashed, color="#1565c0", fontcolor="#1565c0", constraint=false, penwidth=`+penwidth(e.Bytes))
	}
	return w.done(a.page)
}

func vlanNamed(s *Site, v string) *VLAN {
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil
	}
	for _, x := range s.VLANs {
		if x.VID == n {
			return x
		}
	}
	return nil
}

// layout lays every diagram out with Graphviz's dot (compiled to
// WebAssembly and run in process), one after the other.
func layout(ctx context.Context, ds []*diagram) error {
	if len(ds) == 0 {
		return nil
	}
	gv, err := graphviz.New(ctx)
	if err != nil {
		return fmt.Errorf("doc: start graphviz: %w", err)
	}
	defer gv.Close()
	for _, d := range ds {
		g, err := graphviz.ParseBytes([]byte(d.dot))
		if err != nil {
			return fmt.Errorf("doc: diagram %s: %w", d.path, err)
		}
		var buf bytes.Buffer
		err = gv.Render(ctx, g, graphviz.SVG, &buf)
		g.Close()
		if err != nil {
			return fmt.Errorf("doc: lay out diagram %s: %w", d.path, err)
		}
		d.svg = buf.Bytes()
	}
	return nil
}

var (
	placeholder = regexp.MustCompile(`vnm-link-([0-9]+)`)
	svgComment  = regexp.MustCompile(`(?s)<!--.*?-->\n?`)
)

// svgFor returns the diagram's SVG with its links made relative to the
// page at from, with extension ext; inline drops the XML prolog, doctype
// and comments, for an SVG inside an HTML page.
func (d *diagram) svgFor(from, ext string, inline bool) []byte {
	out := placeholder.ReplaceAllFunc(d.svg, func(m []byte) []byte {
		i, err := strconv.Atoi(string(m[len("vnm-link-"):]))
		if err != nil || i >= len(d.links) {
			return m
		}
		return []byte(relPath(from, d.links[i]+ext))
	})
	if inline {
		if i := bytes.Index(out, []byte("<svg")); i >= 0 {
			out = out[i:]
		}
		out = svgComment.ReplaceAll(out, nil)
	}
	return out
}
