package query

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/ifname"
	"github.com/vnetmap/vnetmap/internal/model"
)

// NotFoundError is a query naming nothing the map knows. Its message is
// for the user who typed the name: what was looked for, the closest names
// the map has ("did you mean"), and, when the name is another kind of
// entity (a host given where a VM is asked for), where to look instead. It
// matches graph.ErrNotFound (errors.Is), so callers answer 404 or exit 1.
type NotFoundError struct {
	// What is the kind of entity looked for, as people say it: "VM",
	// "host", "switch", "port on leaf1", "VM or application".
	What string
	// Name is what was given.
	Name string
	// By is what Name is when it is not a name: "MAC", "IP", "UUID".
	By string
	// Suggestions are the closest names of that kind, best first (at most
	// maxSuggestions).
	Suggestions []string
	// Instead says what Name is when it is an entity of another kind:
	// "esx01 is a host: …"; empty otherwise.
	Instead string
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	if e.By != "" {
		fmt.Fprintf(&b, "no %s has %s %s", e.What, e.By, e.Name)
	} else {
		fmt.Fprintf(&b, "no %s named %q", e.What, e.Name)
	}
	if e.Instead != "" {
		b.WriteString(": " + e.Instead)
	} else if len(e.Suggestions) > 0 {
		b.WriteString("; did you mean " + quoteList(e.Suggestions) + "?")
	}
	return b.String()
}

// Unwrap makes a NotFoundError match graph.ErrNotFound.
func (e *NotFoundError) Unwrap() error { return graph.ErrNotFound }

// BadTargetError is an impact target that cannot be read: its message
// says why and lists the valid forms. It matches graph.ErrBadTarget.
type BadTargetError struct {
	Target string
	// Reason: "unknown kind \"rack\"", "VLAN must be 0-4095"…
	Reason string
}

// ImpactTargets are the forms of an impact target.
const ImpactTargets = "switch:NAME, port:SWITCH/IFNAME, lag:SWITCH/NAME, host:NAME, pnic:HOST/NIC or vlan:ID"

func (e *BadTargetError) Error() string {
	return fmt.Sprintf("impact target %q: %s; want %s", e.Target, e.Reason, ImpactTargets)
}

// Unwrap makes a BadTargetError match graph.ErrBadTarget.
func (e *BadTargetError) Unwrap() error { return graph.ErrBadTarget }

// Suggestion bounds: names compared are at most maxSuggestName bytes (a
// longer query suggests nothing), a suggestion is at most maxDistance
// edits away (fewer for short names), and at most maxSuggestions are given.
const (
	maxSuggestName = 64
	maxDistance    = 3
	maxSuggestions = 3
)

// suggest returns the names among names closest to q: those a few edits
// away (case-insensitive) or that start with q, best first; q itself
// (in any case) is not one. Work is
// bounded: each comparison is O(len(q)·len(name)) with both at most
// maxSuggestName, and names far longer or shorter than q are skipped.
func suggest(q string, names []string) []string {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || len(q) > maxSuggestName {
		return nil
	}
	limit := min(maxDistance, max(1, len(q)/3))
	type scored struct {
		name string
		d    int
	}
	var best []scored
	seen := map[string]bool{}
	for _, n := range names {
		l := strings.ToLower(n)
		if n == "" || l == q || seen[l] || len(l) > maxSuggestName {
			continue
		}
		d := -1
		switch {
		case strings.HasPrefix(l, q):
			d = limit // a completion ranks after close misspellings
		case abs(len(l)-len(q)) <= limit:
			if v := distance(q, l); v <= limit {
				d = v
			}
		}
		if d >= 0 {
			seen[l] = true
			best = append(best, scored{n, d})
		}
	}
	slices.SortFunc(best, func(a, b scored) int {
		return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.name, b.name))
	})
	var out []string
	for _, s := range best[:min(len(best), maxSuggestions)] {
		out = append(out, s.name)
	}
	return out
}

// distance is the edit distance between a and b (bytes): insertions,
// deletions, substitutions and swaps of two neighbours ("wbe02" is one
// edit from "web02"), each counting one.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// quoteList is "a", "b" or "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// namesOf returns the names (or ID keys, for entities without one) of the
// entities of kind k in g.
func namesOf(g *graph.Graph, k model.Kind) []string {
	var out []string
	for _, n := range g.Nodes(k) {
		out = append(out, cmp.Or(n.Name, n.ID.Key()))
	}
	return out
}

// entityNamed returns the host or switch named q in g (by name or ID key,
// case-insensitive), or nil.
func entityNamed(g *graph.Graph, q string) *graph.Node {
	q = strings.TrimSpace(q)
	for _, k := range []model.Kind{model.KindHost, model.KindSwitch} {
		if n := g.Node(model.NewID(k, q)); n != nil {
			return n
		}
		for _, n := range g.Nodes(k) {
			if strings.EqualFold(n.Name, q) || strings.EqualFold(n.ID.Key(), q) {
				return n
			}
		}
	}
	return nil
}

// vmNotFound is the error of a VM name (not a MAC, IP or UUID) that names
// no VM in g: the closest VM names, or what the name is instead when it
// is a host or a switch. what is "VM" or "VM or application".
func vmNotFound(g *graph.Graph, what, q string) *NotFoundError {
	e := &NotFoundError{What: what, Name: q}
	if n := entityNamed(g, q); n != nil {
		name := cmp.Or(n.Name, n.ID.Key())
		switch n.Kind {
		case model.KindHost:
			e.Instead = fmt.Sprintf("%s is a host: see its page (/host/%s) or what its failure takes down (vnetmap impact host:%s)", name, name, name)
		case model.KindSwitch:
			e.Instead = fmt.Sprintf("%s is a switch: see its page (/switch/%s) or what its failure takes down (vnetmap impact switch:%s)", name, name, name)
		}
		return e
	}
	cands := namesOf(g, model.KindVM)
	if what != "VM" {
		cands = append(cands, namesOf(g, model.KindApplication)...)
	}
	e.Suggestions = suggest(q, cands)
	return e
}

// by says what q is when it is not a name: "MAC", "IP" or "UUID" (these
// get no "did you mean"), "" for a name.
func by(q string) string {
	switch {
	case model.NormalizeMAC(q) != "":
		return "MAC"
	case looksLikeUUID(q):
		return "UUID"
	}
	if _, err := netip.ParseAddr(q); err == nil {
		return "IP"
	}
	return ""
}

func looksLikeUUID(q string) bool {
	q = strings.TrimPrefix(q, "vm:")
	return len(q) == 36 && strings.Count(q, "-") == 4 && strings.Trim(q, "0123456789abcdefABCDEF-") == ""
}

// AmbiguousError is a query naming several entities. It matches
// graph.ErrAmbiguous (answered 409).
type AmbiguousError struct {
	What, Name string
	// By is what Name is when it is not a name: "MAC", "IP".
	By string
	// Matches are the IDs of the entities it names, when known.
	Matches []model.ID
}

func (e *AmbiguousError) Error() string {
	s := fmt.Sprintf("several %ss are named %q", e.What, e.Name)
	if e.By != "" {
		s = fmt.Sprintf("several %ss have %s %s", e.What, e.By, e.Name)
	}
	if len(e.Matches) > 0 {
		ids := make([]string, len(e.Matches))
		for i, id := range e.Matches {
			ids[i] = string(id)
		}
		s += ": " + strings.Join(ids, ", ")
	}
	return s + "; give one's UUID"
}

// Unwrap makes an AmbiguousError match graph.ErrAmbiguous.
func (e *AmbiguousError) Unwrap() error { return graph.ErrAmbiguous }

// VMError is vmError for callers outside the package that look a VM up
// in g themselves (migrate-check): the user's message for the error err
// of g.FindVM(q).
func VMError(g *graph.Graph, q string, err error) error { return vmError(g, "VM", q, err) }

// vmError turns the error of looking up the VM q in g into a
// NotFoundError (with suggestions when q is a name) or an
// AmbiguousError; other errors are returned as they are.
func vmError(g *graph.Graph, what, q string, err error) error {
	q = strings.TrimSpace(q)
	switch {
	case errors.Is(err, graph.ErrNotFound) && by(q) == "":
		return vmNotFound(g, what, q)
	case errors.Is(err, graph.ErrNotFound):
		return &NotFoundError{What: what, Name: q, By: by(q)}
	case errors.Is(err, graph.ErrAmbiguous) && by(q) == "":
		var ids []model.ID
		for _, n := range g.Nodes(model.KindVM) {
			if strings.EqualFold(n.Name, q) {
				ids = append(ids, n.ID)
			}
		}
		return &AmbiguousError{What: "VM", Name: q, Matches: ids}
	case errors.Is(err, graph.ErrAmbiguous):
		return &AmbiguousError{What: "VM", Name: q, By: by(q)}
	}
	return err
}

// pathError names the end of a path that is no VM nor application (with
// suggestions) when err says one is not found; other errors are returned
// as they are.
func pathError(g *graph.Graph, a, b string, err error) error {
	if !errors.Is(err, graph.ErrNotFound) && !errors.Is(err, graph.ErrAmbiguous) {
		return err
	}
	for _, x := range []string{a, b} {
		if g.IsApplication(x) {
			continue
		}
		if _, _, ferr := g.FindVM(x); ferr != nil {
			return vmError(g, "VM or application", x, ferr)
		}
	}
	return err
}

// impactError turns the error of an impact target into a BadTargetError
// that lists the valid forms, or a NotFoundError with the closest names of
// the kind of entity the target names; other errors are returned as they
// are.
func impactError(g *graph.Graph, target string, err error) error {
	kind, key, ok := strings.Cut(strings.TrimSpace(target), ":")
	switch {
	case errors.Is(err, graph.ErrBadTarget):
		reason := "not KIND:NAME"
		switch {
		case !ok || key == "":
		case !slices.Contains(impactKinds, kind):
			reason = fmt.Sprintf("unknown kind %q", kind)
		case kind == "vlan":
			reason = "VLAN must be 0-4095"
		default:
			reason = "cannot be read"
		}
		return &BadTargetError{Target: target, Reason: reason}
	case !errors.Is(err, graph.ErrNotFound):
		return err
	}
	switch kind {
	case "host":
		return &NotFoundError{What: "host", Name: key, Suggestions: suggest(key, namesOf(g, model.KindHost))}
	case "switch":
		return &NotFoundError{What: "switch", Name: key, Suggestions: suggest(key, namesOf(g, model.KindSwitch))}
	case "pnic":
		host, nic, _ := strings.Cut(key, "/")
		if g.Node(model.NewID(model.KindHost, host)) == nil {
			return &NotFoundError{What: "host", Name: host, Suggestions: suggest(host, namesOf(g, model.KindHost))}
		}
		return &NotFoundError{What: "pNIC on " + host, Name: nic, Suggestions: suggest(nic, childNames(g, model.NewID(model.KindHost, host), model.RelHasPNIC))}
	case "port", "lag":
		sw, port, _ := strings.Cut(key, "/")
		n := entityNamed(g, sw)
		if n == nil || n.Kind != model.KindSwitch {
			return &NotFoundError{What: "switch", Name: sw, Suggestions: suggest(sw, namesOf(g, model.KindSwitch))}
		}
		return &NotFoundError{What: "port on " + cmp.Or(n.Name, n.ID.Key()), Name: port, Suggestions: suggestPort(port, childNames(g, n.ID, model.RelHasPort))}
	}
	return err
}

// impactKinds are the kinds of an impact target (ImpactTargets).
var impactKinds = []string{"switch", "port", "lag", "host", "pnic", "vlan"}

// childNames returns the names of the entities id has through rel: the
// part of their ID key after the parent's ("Ethernet1/7" of
// "leaf1/Ethernet1/7") when they have no name.
func childNames(g *graph.Graph, id model.ID, rel model.RelKind) []string {
	var out []string
	for _, e := range g.Out(id, rel) {
		_, short, ok := strings.Cut(e.To.Key(), "/")
		if !ok {
			short = e.To.Key()
		}
		out = append(out, short)
	}
	return out
}

// suggestPort is suggest for interface names, compared in their
// normalized spelling ("Eth1/9" is close to "Ethernet1/9").
func suggestPort(q string, ports []string) []string {
	byNorm := map[string]string{}
	norm := make([]string, 0, len(ports))
	for _, p := range ports {
		n := ifname.Normalize(p)
		byNorm[strings.ToLower(n)] = p
		norm = append(norm, n)
	}
	var out []string
	for _, n := range suggest(ifname.Normalize(q), norm) {
		out = append(out, byNorm[strings.ToLower(n)])
	}
	return out
}
