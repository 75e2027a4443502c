package migrate

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// HostSet is a VM's candidate hosts split into safe and unsafe ones.
type HostSet struct {
	VM       model.ID `json:"vm"`
	Name     string   `json:"name"`
	Host     model.ID `json:"host,omitempty"`
	HostName string   `json:"host_name,omitempty"`
	// Cluster is the name of the VM's cluster ("" on a standalone host).
	Cluster string `json:"cluster,omitempty"`
	// Scope is which hosts were candidates: "cluster" (the hosts of the
	// VM's cluster), "standalone" (the standalone hosts of its datacenter),
	// or "datacenter" (every host of its datacenter).
	Scope  string    `json:"scope"`
	Safe   []Verdict `json:"safe"`
	Unsafe []Verdict `json:"unsafe"`
}

// Scopes of HostSet.
const (
	ScopeCluster    = "cluster"
	ScopeStandalone = "standalone"
	ScopeDatacenter = "datacenter"
)

// Hosts evaluates vm on every host of its cluster, its current host
// included: the hosts DRS, HA and a vMotion within the cluster choose
// from, and the ones DRS rules can name. A VM on a standalone host gets
// the standalone hosts of its datacenter. A VM that runs on no known host
// has no candidates.
func Hosts(g *graph.Graph, vm model.ID) HostSet {
	return newEvaluator(g).hosts(vm, false)
}

// HostsInDatacenter is Hosts over every host of the VM's datacenter, for a
// vMotion across clusters (which an operator starts by hand; DRS does not).
func HostsInDatacenter(g *graph.Graph, vm model.ID) HostSet {
	return newEvaluator(g).hosts(vm, true)
}

func (e *evaluator) hosts(vm model.ID, datacenter bool) HostSet {
	g := e.g
	s := HostSet{VM: vm, Name: name(g, vm), Safe: []Verdict{}, Unsafe: []Verdict{}}
	s.Host = currentHost(g, vm)
	if s.Host == "" {
		s.Scope = ScopeCluster
		return s
	}
	s.HostName = name(g, s.Host)
	cl, dc := placeOf(g, s.Host)
	if cl != "" {
		s.Cluster = name(g, cl)
	}
	var candidates []model.ID
	switch {
	case datacenter && dc != "":
		s.Scope, candidates = ScopeDatacenter, datacenterHosts(g, dc)
	case cl != "":
		s.Scope, candidates = ScopeCluster, contained(g, cl, model.KindHost)
	case dc != "":
		s.Scope, candidates = ScopeStandalone, contained(g, dc, model.KindHost)
	default:
		s.Scope, candidates = ScopeStandalone, []model.ID{s.Host}
	}
	if !contains(candidates, s.Host) {
		candidates = append(candidates, s.Host)
	}
	vi := e.vmInfo(vm)
	for _, h := range candidates {
		v := e.verdictOf(vi, h)
		if v.Safe {
			s.Safe = append(s.Safe, v)
		} else {
			s.Unsafe = append(s.Unsafe, v)
		}
	}
	for _, l := range [][]Verdict{s.Safe, s.Unsafe} {
		sort.Slice(l, func(i, j int) bool { return l[i].HostName < l[j].HostName })
	}
	return s
}

// placeOf returns the cluster and datacenter of a host ("" when none).
func placeOf(g *graph.Graph, host model.ID) (cluster, dc model.ID) {
	for _, e := range g.In(host, model.RelContains) {
		switch e.From.Kind() {
		case model.KindCluster:
			cluster = e.From
			for _, d := range g.In(e.From, model.RelContains) {
				if d.From.Kind() == model.KindDatacenter {
					dc = d.From
				}
			}
		case model.KindDatacenter:
			dc = e.From
		}
	}
	return cluster, dc
}

// contained returns the entities of kind k that parent contains, sorted.
func contained(g *graph.Graph, parent model.ID, k model.Kind) []model.ID {
	var out []model.ID
	for _, e := range g.Out(parent, model.RelContains) {
		if e.To.Kind() == k {
			out = append(out, e.To)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// datacenterHosts returns every host of a datacenter: its clusters' and
// its standalone ones.
func datacenterHosts(g *graph.Graph, dc model.ID) []model.ID {
	out := contained(g, dc, model.KindHost)
	for _, cl := range contained(g, dc, model.KindCluster) {
		out = append(out, contained(g, cl, model.KindHost)...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func contains(ids []model.ID, id model.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Answer is the answer to `migrate-check`: the verdict for one target host
// (Verdict, with --to), or the VM's safe and unsafe hosts.
type Answer struct {
	Query string    `json:"query"`
	At    time.Time `json:"at"`
	// Verdict is set when a target host was given.
	Verdict *Verdict `json:"verdict,omitempty"`
	// Hosts is set when no target host was given.
	Hosts *HostSet `json:"hosts,omitempty"`
}

// Options of Check.
type Options struct {
	// To is the target host's name; empty lists the candidate hosts.
	To string
	// Datacenter widens the candidates to every host of the VM's
	// datacenter (see HostsInDatacenter).
	Datacenter bool
}

// Check answers migrate-check for the VM named by q (name, UUID, MAC or IP,
// as graph.FindVM resolves it). Errors wrap graph.ErrNotFound or
// graph.ErrAmbiguous for a VM or host that does not resolve to one.
func Check(g *graph.Graph, q string, o Options) (*Answer, error) {
	vm, _, err := g.FindVM(q)
	if err != nil {
		return nil, err
	}
	a := &Answer{Query: q, At: g.At.UTC()}
	if strings.TrimSpace(o.To) == "" {
		var s HostSet
		if o.Datacenter {
			s = HostsInDatacenter(g, vm)
		} else {
			s = Hosts(g, vm)
		}
		a.Hosts = &s
		return a, nil
	}
	host, err := FindHost(g, o.To)
	if err != nil {
		return nil, err
	}
	v := Evaluate(g, vm, host)
	a.Verdict = &v
	return a, nil
}

// FindHost resolves a host by name (as vCenter names it), case-insensitively.
func FindHost(g *graph.Graph, q string) (model.ID, error) {
	q = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(q), "host:"))
	if q == "" {
		return "", fmt.Errorf("%w: empty host name", graph.ErrNotFound)
	}
	if id := model.NewID(model.KindHost, q); g.Node(id) != nil {
		return id, nil
	}
	var found []model.ID
	for _, n := range g.Nodes(model.KindHost) {
		if strings.EqualFold(n.ID.Key(), q) || strings.EqualFold(n.Name, q) {
			found = append(found, n.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w: no host %q", graph.ErrNotFound, q)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%w: %d hosts are named %q", graph.ErrAmbiguous, len(found), q)
}
