// Package query answers the operators' questions against the store and the
// graph; the CLI and the REST API both call it, so they return the same JSON.
//
// It is not for HTTP or terminal formatting: callers render its answers.
package query

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/store"
)

// Service answers queries. Its zero value is not usable: set Store and
// Cache.
type Service struct {
	Store store.Store
	Cache *graph.Cache
	// Collector, when set, is the collector filling Store: the summary
	// lists its sources before their first run ends.
	Collector Collecting
}

// Option configures a Service.
type Option func(*options)

type options struct {
	cache []graph.CacheOption
}

// WithCache bounds the graph cache as conf says and exports its metrics
// on reg (nil: not exported).
func WithCache(conf graph.CacheConfiguration, reg prometheus.Registerer) Option {
	return func(o *options) {
		o.cache = append(o.cache, graph.WithConfiguration(conf))
		if reg != nil {
			o.cache = append(o.cache, graph.WithRegisterer(reg))
		}
	}
}

// New returns a service over st with a graph cache reading from it: the
// facts valid at a moment plus what correlation derives from them (cabling,
// and application membership per apps). When st says when its facts
// changed (the SQL store does), the cache shares one map between the
// moments of a quiet interval.
func New(st store.Store, apps []correlate.AppRule, opts ...Option) *Service {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if c, ok := st.(changer); ok {
		o.cache = append(o.cache, graph.WithChanges(c.Changes))
	}
	return &Service{Store: st, Cache: graph.NewCache(func(ctx context.Context, at time.Time) (*graph.Graph, error) {
		vs, err := st.FactsAt(ctx, at)
		if err != nil {
			return nil, err
		}
		r := correlate.Run(at, vs)
		derived := append(r.Links, correlate.Applications(at, vs, apps)...)
		g := graph.Build(at, append(vs, derived...))
		g.Conflicts = r.Conflicts
		return g, nil
	}, o.cache...)}
}

// changer is a store that says when its facts changed (graph.Changes).
type changer interface {
	Changes(ctx context.Context, t time.Time) (last, next time.Time, err error)
}

// WhereAnswer is the answer to `where`.
type WhereAnswer struct {
	Query string    `json:"query"`
	At    time.Time `json:"at"`
	*graph.Location
	// MAC is set instead of Location when the query is a MAC that belongs
	// to no VM: where the switches learned it.
	MAC *graph.MACLocation `json:"mac_location,omitempty"`
	// IP is set instead of Location when the query is an IP address that
	// belongs to no VM: the switches' ARP entries and where its MAC is.
	IP *graph.IPLocation `json:"ip_location,omitempty"`
	// Stale lists the sources behind the answer whose last run failed: what
	// they said is kept but may be out of date.
	Stale []store.SourceState `json:"stale_sources,omitempty"`
}

// Where locates the VM named by q (name, UUID, MAC or IP) at moment at
// (zero: now).
func (s *Service) Where(ctx context.Context, q string, at time.Time) (*WhereAnswer, error) {
	g, err := s.Cache.At(ctx, at)
	if err != nil {
		return nil, err
	}
	loc, err := g.Where(q)
	if errors.Is(err, graph.ErrNotFound) && model.NormalizeMAC(q) != "" {
		m := g.WhereMAC(q)
		if m == nil || len(m.Learned) == 0 {
			if last, lerr := s.lastLearned(ctx, q, at); lerr != nil {
				return nil, lerr
			} else if last != nil {
				m = last
			}
		}
		if m != nil {
			return &WhereAnswer{Query: q, At: moment(at), MAC: m}, nil
		}
	}
	if errors.Is(err, graph.ErrNotFound) {
		if ip := g.WhereIP(q); ip != nil {
			return &WhereAnswer{Query: q, At: moment(at), IP: ip}, nil
		}
	}
	if err != nil {
		return nil, vmError(g, "VM", q, err)
	}
	stale, err := s.stale(ctx, loc.VM.Sources)
	if err != nil {
		return nil, err
	}
	return &WhereAnswer{Query: q, At: moment(at), Location: loc, Stale: stale}, nil
}

// lastLearned finds where the switches last learned mac before at (zero:
// now), when no forwarding table has it any more: the map of the moment
// just before its last entry ended.
func (s *Service) lastLearned(ctx context.Context, mac string, at time.Time) (*graph.MACLocation, error) {
	id := model.NewID(model.KindMAC, model.NormalizeMAC(mac))
	versions, err := s.Store.History(ctx, id)
	if err != nil {
		return nil, err
	}
	var last time.Time
	for _, v := range versions {
		if v.Rel == model.RelLearned && v.Object == id && !v.To.IsZero() && v.To.After(last) && (at.IsZero() || !v.To.After(at)) {
			last = v.To
		}
	}
	if last.IsZero() {
		return nil, nil
	}
	then, err := s.Cache.At(ctx, last.Add(-time.Microsecond))
	if err != nil {
		return nil, err
	}
	m := then.WhereMAC(mac)
	if m != nil {
		m.Until = last
	}
	return m, nil
}

// HistoryAnswer is the answer to `history`.
type HistoryAnswer struct {
	Query string `json:"query"`
	graph.Timeline
}

// History returns every placement of the VM named by q. The VM is looked up
// as of at (zero: now), so a VM deleted since can still be found.
func (s *Service) History(ctx context.Context, q string, at time.Time) (*HistoryAnswer, error) {
	g, err := s.Cache.At(ctx, at)
	if err != nil {
		return nil, err
	}
	vm, _, err := g.FindVM(q)
	if err != nil {
		return nil, vmError(g, "VM", q, err)
	}
	versions, err := s.Store.History(ctx, vm)
	if err != nil {
		return nil, err
	}
	events, err := s.Store.Events(ctx, vm)
	if err != nil {
		return nil, err
	}
	tl := graph.History(vm, versions, events)
	// The attachment of each stay needs the map of its first moment; the
	// most recent stays are the ones operators ask about, so older ones
	// beyond the bound go without.
	for i := len(tl.Placements) - 1; i >= 0 && i >= len(tl.Placements)-maxAttachments; i-- {
		p := &tl.Placements[i]
		then, err := s.Cache.At(ctx, p.From)
		if err != nil {
			return nil, err
		}
		p.Attachment = then.Attachment(vm)
	}
	return &HistoryAnswer{Query: q, Timeline: tl}, nil
}

// maxAttachments bounds how many placements of a history get their
// physical attachment (one map built per placement).
const maxAttachments = 20

// ImpactAnswer is the answer to `impact`. Its lists are empty, never
// null, when nothing is in them (a VLAN takes no entity down with it).
type ImpactAnswer struct {
	At time.Time `json:"at"`
	*graph.ImpactResult
}

// Impact says which VMs go down and which lose redundancy when target
// (switch:NAME, port:SWITCH/IFNAME, lag:SWITCH/NAME, host:NAME,
// pnic:HOST/NIC, vlan:ID) fails, at moment at (zero: now).
func (s *Service) Impact(ctx context.Context, target string, at time.Time) (*ImpactAnswer, error) {
	g, err := s.Cache.At(ctx, at)
	if err != nil {
		return nil, err
	}
	r, err := g.Impact(target)
	if err != nil {
		return nil, impactError(g, target, err)
	}
	r.Failed = orEmpty(r.Failed)
	r.Down, r.Degraded, r.Applications = orEmpty(r.Down), orEmpty(r.Degraded), orEmpty(r.Applications)
	for _, l := range [][]graph.VMImpact{r.Down, r.Degraded} {
		for i := range l {
			l[i].Reasons = orEmpty(l[i].Reasons)
		}
	}
	return &ImpactAnswer{At: moment(at), ImpactResult: r}, nil
}

// PathAnswer is the answer to `path`: one path between two VMs, or, when
// A or B is an application, Paths between their VMs.
type PathAnswer struct {
	At time.Time `json:"at"`
	*graph.PathResult
	Paths []*graph.PathResult `json:"paths,omitempty"`
	// Truncated says that application pairs were left out (see Paths).
	Truncated bool `json:"truncated,omitempty"`
	// Flows is the traffic between A and B in the hour before At.
	Flows *PathFlows `json:"flows,omitempty"`
}

// Path says how traffic between a and b (VMs, or applications) travels at
// moment at (zero: now).
func (s *Service) Path(ctx context.Context, a, b string, at time.Time) (*PathAnswer, error) {
	g, err := s.Cache.At(ctx, at)
	if err != nil {
		return nil, err
	}
	if g.IsApplication(a) || g.IsApplication(b) {
		paths, truncated, err := g.AppPaths(a, b)
		if err != nil {
			return nil, pathError(g, a, b, err)
		}
		return s.withFlows(ctx, g, a, b, &PathAnswer{At: moment(at), Paths: paths, Truncated: truncated})
	}
	r, err := g.Path(a, b)
	if err != nil {
		return nil, pathError(g, a, b, err)
	}
	return s.withFlows(ctx, g, a, b, &PathAnswer{At: moment(at), PathResult: r})
}

// FindingsAnswer is the answer to `check`.
type FindingsAnswer struct {
	At time.Time `json:"at"`
	// Counts are the findings shown, by severity.
	Counts   map[check.Severity]int `json:"counts"`
	Findings []check.Finding        `json:"findings"`
	// Acknowledged are the acknowledgements of the findings shown, by
	// finding ID (a finding keeps its ID, and so its acknowledgement, as
	// long as it stays about the same things).
	Acknowledged map[string]store.Ack `json:"acknowledged,omitempty"`
	// Seen says when serve's checks first and last saw the findings shown,
	// by finding ID (a finding no check loop has seen yet is absent).
	Seen map[string]store.FindingSeen `json:"seen,omitempty"`
	// Names are the names of the findings' subjects, by ID (an entity
	// without a name is absent: show its ID).
	Names map[model.ID]string `json:"names,omitempty"`
}

// Findings evaluates the checks on the map of moment at (zero: now) and
// returns the findings opts selects (see check.Run and docs/checks.md),
// with the acknowledgements of those acknowledged.
// Options naming an unknown rule or severity are an error wrapping
// check.ErrBadOptions.
func (s *Service) Findings(ctx context.Context, at time.Time, opts check.Options) (*FindingsAnswer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	g, err := s.Cache.At(ctx, at)
	if err != nil {
		return nil, err
	}
	ans := &FindingsAnswer{At: moment(at), Counts: map[check.Severity]int{check.Critical: 0, check.Warning: 0, check.Info: 0},
		Findings: orEmpty(check.Run(g, opts))}
	for _, f := range ans.Findings {
		ans.Counts[f.Severity]++
	}
	acks, err := s.Store.Acks(ctx)
	if err != nil {
		return nil, err
	}
	shown := map[string]bool{}
	for _, f := range ans.Findings {
		shown[f.ID] = true
	}
	for _, a := range acks {
		if shown[a.Finding] {
			if ans.Acknowledged == nil {
				ans.Acknowledged = map[string]store.Ack{}
			}
			ans.Acknowledged[a.Finding] = a
		}
	}
	if err := s.findingsSeenAndNamed(ctx, g, ans); err != nil {
		return nil, err
	}
	return ans, nil
}

// Summary is what the store holds at a moment: entities by kind and the
// state of every source, the configured ones not collected yet included.
type Summary struct {
	At      time.Time          `json:"at"`
	Counts  map[model.Kind]int `json:"counts"`
	Sources []SourceSummary    `json:"sources"`
}

// The states of a source in the summary.
const (
	SourceOK         = "ok"
	SourceStale      = "stale"
	SourceCollecting = "collecting"
	SourceNever      = "never collected yet"
)

// SourceSummary is a source in the summary: what the store recorded of its
// runs (nothing for a source never collected yet) and its State.
type SourceSummary struct {
	store.SourceState
	// State is SourceCollecting while a full run is under way, else
	// SourceNever when the store recorded no run, else SourceStale or
	// SourceOK.
	State string `json:"state"`
}

// Collecting is what a running collector says of its sources
// (collect.Component is one). Its methods are safe for concurrent use.
type Collecting interface {
	// Sources returns the names of the sources it runs.
	Sources() []string
	// Collecting reports whether a full run of the source named name is
	// under way.
	Collecting(name string) bool
}

// Summary counts entities by kind at moment at (zero: now) and says how
// every source stands: those the store recorded and, with s.Collector, the
// collector's, so that a summary asked before the first collection ends
// lists them ("collecting", "never collected yet").
func (s *Service) Summary(ctx context.Context, at time.Time) (*Summary, error) {
	g, err := s.Cache.At(ctx, at)
	if err != nil {
		return nil, err
	}
	srcs, err := s.Store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	sum := &Summary{At: moment(at), Counts: g.CountByKind(), Sources: []SourceSummary{}}
	known := map[string]bool{}
	for _, st := range srcs {
		known[st.Name] = true
		sum.Sources = append(sum.Sources, SourceSummary{SourceState: st, State: s.sourceState(st.Name, st.Stale, true)})
	}
	if s.Collector != nil {
		for _, name := range s.Collector.Sources() {
			if !known[name] {
				known[name] = true
				sum.Sources = append(sum.Sources, SourceSummary{SourceState: store.SourceState{Name: name}, State: s.sourceState(name, false, false)})
			}
		}
	}
	sort.Slice(sum.Sources, func(i, j int) bool { return sum.Sources[i].Name < sum.Sources[j].Name })
	return sum, nil
}

// sourceState is the State of the source named name (see SourceSummary);
// recorded says the store recorded a run of it.
func (s *Service) sourceState(name string, stale, recorded bool) string {
	switch {
	case s.Collector != nil && s.Collector.Collecting(name):
		return SourceCollecting
	case !recorded:
		return SourceNever
	case stale:
		return SourceStale
	}
	return SourceOK
}

// orEmpty returns l, or an empty list for nil: an answer's lists are
// JSON arrays, never null, so that clients can read their length.
func orEmpty[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// moment is the moment an answer is about: at, or now when at is zero (the
// cached graph of now stays right until the facts change).
func moment(at time.Time) time.Time {
	if at.IsZero() {
		return time.Now().UTC()
	}
	return at.UTC()
}

// stale returns the states of the named sources that are stale.
func (s *Service) stale(ctx context.Context, names []string) ([]store.SourceState, error) {
	if len(names) == 0 {
		return nil, nil
	}
	all, err := s.Store.Sources(ctx)
	if err != nil {
		return nil, fmt.Errorf("query: source states: %w", err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var r []store.SourceState
	for _, st := range all {
		if st.Stale && want[st.Name] {
			r = append(r, st)
		}
	}
	sort.Slice(r, func(i, j int) bool { return r[i].Name < r[j].Name })
	return r, nil
}
