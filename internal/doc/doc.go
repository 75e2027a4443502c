// Package doc generates the documentation of the virtualized network at one
// moment: per cluster and host the uplinks, virtual switches and port groups;
// per switch its ports and what is behind them; the link aggregates and the
// port-channels and MLAG pairs they land on; a VLAN matrix with its gaps;
// per application its VMs, the switch ports and VLANs they depend on and
// their traffic; the open findings; and a change log. Build makes the
// content from a map (graph.Graph) and what the checks, the flow store and
// the diff say of it; Render lays the cabling and dependency diagrams out
// with Graphviz (compiled to WebAssembly, run in process by
// github.com/goccy/go-graphviz) and renders Markdown pages with relative
// links, for a git repository or wiki, and a self-contained static HTML
// site; Write puts the files into a directory without ever writing outside
// it. Everything is deterministic: the same input gives the same bytes.
//
// It is not for collecting, correlating or checking: callers hand it a built
// graph and its findings (cmd/vnetmap's doc command does, from the store).
// docs/doc.md describes the output.
package doc
