// Package check evaluates rules over the map of one moment and reports
// findings: misconfigurations (a VLAN not carried upstream, teaming that does
// not match the switch's port-channels, native VLAN and MTU mismatches),
// single points of failure, and disagreements between sources. Each finding
// names its rule, severity, the entities involved, the evidence and a
// one-line fix. Run is a pure function of a graph, so the findings of any
// past moment are the same code on that moment's graph. Watch re-evaluates
// the rules when the facts change and a Notifier posts the findings that
// appear and clear to webhooks.
//
// It is not for collecting or correlating facts (sources and correlate do
// that) nor for rendering: the CLI and the REST API print its findings.
// docs/checks.md describes every rule.
package check

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// Severity says how bad a finding is.
type Severity string

// Severities, from the worst.
const (
	// Critical: traffic is or will be lost (a VLAN missing on an active
	// uplink's trunk, a host LAG the switch does not bundle).
	Critical Severity = "critical"
	// Warning: redundancy is lost, or something breaks on failover or
	// migration.
	Warning Severity = "warning"
	// Info: something is unknown or unusual and worth a look.
	Info Severity = "info"
)

// rank orders severities: higher is worse; 0 for an unknown one.
func (s Severity) rank() int {
	switch s {
	case Critical:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// AtLeast reports whether s is as bad as min or worse.
func (s Severity) AtLeast(min Severity) bool { return s.rank() >= min.rank() }

// ParseSeverity reads a severity name (case-insensitive).
func ParseSeverity(s string) (Severity, error) {
	sev := Severity(strings.ToLower(strings.TrimSpace(s)))
	if sev.rank() == 0 {
		return "", fmt.Errorf("%w: severity %q: want critical, warning or info", ErrBadOptions, s)
	}
	return sev, nil
}

// Finding is one problem the map shows.
type Finding struct {
	// ID identifies the finding across evaluations: the same rule about the
	// same entities (and VLAN or MAC where the rule is about one) has the
	// same ID, so a finding can be followed as it appears and clears.
	ID       string   `json:"id"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Subjects are the entities involved, sorted.
	Subjects []model.ID `json:"subjects"`
	Message  string     `json:"message"`
	// Evidence is what the sources said that makes the finding, one fact
	// or inference a line.
	Evidence []string `json:"evidence,omitempty"`
	// Fix is a one-line hint at the remedy.
	Fix string `json:"fix"`
}

// Rule describes one rule.
type Rule struct {
	Name string `json:"name"`
	// Summary says what the rule finds, in one line.
	Summary string `json:"summary"`
	run     func(*index, *emitter)
	// graphOnly rules read the graph alone (ix.g), not the index, so they
	// start before it is built.
	graphOnly bool
}

// Rule names.
const (
	RuleVLANNotCarried          = "vlan-not-carried"
	RuleVLANClusterInconsistent = "vlan-cluster-inconsistent"
	RuleVLANOnNoSwitch          = "vlan-on-no-switch"
	RuleLAGNotOnSwitch          = "lag-not-on-switch"
	RuleLAGNotOnHost            = "lag-not-on-host"
	RuleLAGSplitNoMLAG          = "lag-split-no-mlag"
	RuleNativeVLANMismatch      = "native-vlan-mismatch"
	RuleMTUMismatch             = "mtu-mismatch"
	RuleSPOFHostOneSwitch       = "spof-host-one-switch"
	RuleSPOFSingleUplink        = "spof-single-uplink"
	RuleSPOFVMOneSwitch         = "spof-vm-one-switch"
	RuleEvidenceConflict        = "evidence-conflict"
	RuleDuplicateSysName        = "duplicate-sysname"
	RulePNICNoPort              = "pnic-no-port"
	RulePortNoNeighbour         = "port-no-neighbour"
	RuleVNICDisconnected        = "vnic-disconnected"
	RuleMACDuplicate            = "mac-duplicate"
	RuleVMUnsafeHost            = "vm-unsafe-host"
)

// rules is every rule, in evaluation order.
var rules = []Rule{
	{RuleVLANNotCarried, "a port group's VLAN is not allowed on the switch port of one of its host's active or standby uplinks", vlanNotCarried, false},
	{RuleVLANClusterInconsistent, "a VLAN the cluster's VMs use works on some hosts of the cluster and not on others", vlanClusterInconsistent, false},
	{RuleVLANOnNoSwitch, "a port group's VLAN exists on no switch", vlanOnNoSwitch, false},
	{RuleLAGNotOnSwitch, "a host bundles uplinks (LACP LAG or IP-hash teaming) whose switch ports are not one port-channel", lagNotOnSwitch, false},
	{RuleLAGNotOnHost, "a switch port-channel bundles ports whose host NICs are neither in a LAG nor in IP-hash teaming", lagNotOnHost, false},
	{RuleLAGSplitNoMLAG, "a host bundle spans port-channels of two switches that are not an MLAG/vPC pair", lagSplitNoMLAG, false},
	{RuleNativeVLANMismatch, "the two ends of a link have different native VLANs (CDP, or both ends' configuration)", nativeVLANMismatch, false},
	{RuleMTUMismatch, "a virtual switch's MTU is larger than the MTU of its uplinks' switch ports", mtuMismatch, false},
	{RuleSPOFHostOneSwitch, "every uplink of a host's virtual switch is cabled to one switch", spofHostOneSwitch, false},
	{RuleSPOFSingleUplink, "a port group has a single active uplink and no standby on a host", spofSingleUplink, false},
	{RuleSPOFVMOneSwitch, "a VM's teaming confines its network to one switch although its host is cabled to several", spofVMOneSwitch, false},
	{RuleEvidenceConflict, "sources disagree on the cabling (a pNIC on two ports, or on a port its switch does not have, a port with two pNICs, a MAC on unrelated ports)", evidenceConflict, true},
	{RuleDuplicateSysName, "several devices answer to one sysName", duplicateSysName, false},
	{RulePNICNoPort, "a host NIC with link up has no known switch port", pnicNoPort, false},
	{RulePortNoNeighbour, "a switch port with link up where a host is expected has no known neighbour", portNoNeighbour, false},
	{RuleVNICDisconnected, "a powered-on VM has a disconnected vNIC", vnicDisconnected, false},
	{RuleMACDuplicate, "several VMs have the same MAC address", macDuplicate, false},
	{RuleVMUnsafeHost, "a VM runs on a host where it does not keep its network (port group, VLAN upstream, MTU, teaming)", vmUnsafeHost, true},
}

// Rules returns every rule, in evaluation order.
func Rules() []Rule { return slices.Clone(rules) }

// ErrBadOptions is wrapped by the errors of Options.Validate and
// ParseSeverity.
var ErrBadOptions = errors.New("check: bad options")

// Options select findings. The zero value selects every finding.
type Options struct {
	// Rules keeps the findings of these rules only (every rule when empty).
	Rules []string
	// MinSeverity keeps the findings at least this bad (every one when
	// empty).
	MinSeverity Severity
}

// Validate checks that the options name known rules and a known severity.
func (o Options) Validate() error {
	if o.MinSeverity != "" && o.MinSeverity.rank() == 0 {
		return fmt.Errorf("%w: severity %q: want critical, warning or info", ErrBadOptions, o.MinSeverity)
	}
	for _, r := range o.Rules {
		if !slices.ContainsFunc(rules, func(x Rule) bool { return x.Name == r }) {
			names := make([]string, len(rules))
			for i, x := range rules {
				names[i] = x.Name
			}
			return fmt.Errorf("%w: unknown rule %q (known: %s)", ErrBadOptions, r, strings.Join(names, ", "))
		}
	}
	return nil
}

// Keep reports whether the options select f.
func (o Options) Keep(f Finding) bool {
	if o.MinSeverity != "" && !f.Severity.AtLeast(o.MinSeverity) {
		return false
	}
	return len(o.Rules) == 0 || slices.Contains(o.Rules, f.Rule)
}

// Run evaluates the rules selected by opts on g and returns the findings
// opts selects, sorted: worst severity first, then by rule, subjects and ID.
// Options that name an unknown rule select nothing of it (see Validate).
// The rules run concurrently (GOMAXPROCS at most) on an index of the map
// that is read-only once built; those that read the graph alone start
// while the index is being built.
func Run(g *graph.Graph, opts Options) []Finding {
	var early, late []int // indexes in rules of the selected rules
	for i, r := range rules {
		switch {
		case len(opts.Rules) > 0 && !slices.Contains(opts.Rules, r.Name):
		case r.graphOnly:
			early = append(early, i)
		default:
			late = append(late, i)
		}
	}
	results := make([][]Finding, len(rules))
	run := func(ix *index, i int) {
		e := &emitter{rule: rules[i].Name, seen: map[string]bool{}}
		rules[i].run(ix, e)
		results[i] = e.findings
	}
	var wg sync.WaitGroup
	for _, i := range early { // beside the index's construction
		wg.Go(func() { run(&index{g: g}, i) })
	}
	if len(late) > 0 {
		ix := newIndex(g)
		var next atomic.Int32
		for range min(runtime.GOMAXPROCS(0), len(late)) {
			wg.Go(func() {
				for n := int(next.Add(1)) - 1; n < len(late); n = int(next.Add(1)) - 1 {
					run(ix, late[n])
				}
			})
		}
	}
	wg.Wait()
	out := []Finding{}
	for _, fs := range results {
		for _, f := range fs {
			if opts.Keep(f) {
				out = append(out, f)
			}
		}
	}
	sortFindings(out)
	return out
}

// sortFindings orders findings: worst severity first, then by rule,
// subjects and ID.
func sortFindings(fs []Finding) {
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.rank() != b.Severity.rank() {
			return a.Severity.rank() > b.Severity.rank()
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if c := slices.Compare(a.Subjects, b.Subjects); c != 0 {
			return c < 0
		}
		return a.ID < b.ID
	})
}

// emitter collects the findings of the rule being evaluated, giving each
// its ID and keeping the first of two with the same ID.
type emitter struct {
	rule     string
	findings []Finding
	seen     map[string]bool
}

// emit records f for the current rule. qualifier is what the finding is
// about besides its subjects (a VLAN, a MAC, a conflict kind), part of its
// ID.
func (e *emitter) emit(f Finding, qualifier ...string) {
	f.Rule = e.rule
	f.Subjects = sortedUnique(f.Subjects)
	f.ID = findingID(f.Rule, f.Subjects, qualifier)
	if e.seen[f.ID] {
		return
	}
	e.seen[f.ID] = true
	e.findings = append(e.findings, f)
}

// findingID is the rule name and a digest of the subjects and qualifiers.
func findingID(rule string, subjects []model.ID, qualifier []string) string {
	h := sha256.New()
	h.Write([]byte(rule))
	for _, s := range subjects {
		h.Write([]byte{0})
		h.Write([]byte(s))
	}
	h.Write([]byte{1})
	for _, q := range qualifier {
		h.Write([]byte{0})
		h.Write([]byte(q))
	}
	return rule + "/" + hex.EncodeToString(h.Sum(nil)[:8])
}

func sortedUnique(ids []model.ID) []model.ID {
	out := slices.Clone(ids)
	out = slices.DeleteFunc(out, func(id model.ID) bool { return id == "" })
	slices.Sort(out)
	return slices.Compact(out)
}
