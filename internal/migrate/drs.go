package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
)

// DRSPrefix starts the name of every DRS group and rule vnetmap makes;
// vnetmap never touches the others.
const DRSPrefix = "vnetmap-"

// DRSOptions select and shape the DRS rules.
type DRSOptions struct {
	// Cluster limits the plan to one cluster, by name or ID key; empty
	// means every cluster.
	Cluster string
	// Must makes the rules mandatory ("must run on"): DRS and HA never
	// place the VMs elsewhere, even when no safe host is left. Without it
	// they are preferential ("should run on"): DRS keeps to them but may
	// break them to restart VMs or to honour maintenance mode.
	Must bool
}

// DRSPlan is the DRS configuration that keeps VMs on hosts where they keep
// their network: per cluster, one VM group per set of safe hosts, the host
// group of that set, and a VM-host affinity rule between them.
type DRSPlan struct {
	At        time.Time    `json:"at"`
	Mandatory bool         `json:"mandatory"`
	Clusters  []DRSCluster `json:"clusters"`
}

// DRSCluster is what vnetmap wants on one cluster. A cluster without
// groups is listed too: applying the plan removes vnetmap's groups and
// rules that are no longer needed.
type DRSCluster struct {
	ID         model.ID `json:"id"`
	Name       string   `json:"name"`
	Datacenter string   `json:"datacenter"`
	// Source is the vSphere source (vCenter) the cluster was collected from.
	Source     string     `json:"source"`
	DRSEnabled bool       `json:"drs_enabled"`
	Hosts      int        `json:"hosts"`
	VMGroups   []DRSGroup `json:"vm_groups"`
	HostGroups []DRSGroup `json:"host_groups"`
	Rules      []DRSRule  `json:"rules"`
	// NoSafeHost are the VMs unsafe on every host of the cluster: no rule
	// can help them (a rule on an empty host group would stop them).
	NoSafeHost []DRSMember `json:"no_safe_host,omitempty"`
}

// DRSGroup is a DRS VM group or host group.
type DRSGroup struct {
	Name    string      `json:"name"`
	Members []DRSMember `json:"members"`
}

// DRSMember is a VM (ID vm:<instance uuid>) or a host (ID host:<name>).
type DRSMember struct {
	ID   model.ID `json:"id"`
	Name string   `json:"name"`
}

// DRSRule is a VM-host affinity rule: the VMs of VMGroup run on the hosts
// of HostGroup.
type DRSRule struct {
	Name      string `json:"name"`
	VMGroup   string `json:"vm_group"`
	HostGroup string `json:"host_group"`
	Mandatory bool   `json:"mandatory"`
	// Avoided are the cluster's hosts the rule keeps the VMs off, each
	// with the reasons of the group's first VM.
	Avoided []AvoidedHost `json:"avoided"`
}

// AvoidedHost is an unsafe host and why.
type AvoidedHost struct {
	Host    string   `json:"host"`
	Reasons []Reason `json:"reasons"`
}

// DRSRules plans the DRS groups and rules from the safe-host sets of the
// VMs of every cluster (Hosts): VMs of a cluster that share the same set
// of safe hosts form one VM group; VMs safe on every host of their
// cluster need no rule and are left out. Names are deterministic:
// vnetmap-safe-not-<unsafe hosts> (or vnetmap-safe-h<hash> when that is
// long) for the rule, with -vms and -hosts for its groups, so that
// applying the plan again changes nothing and a changed set edits the
// same groups. An unknown opts.Cluster is an error wrapping
// graph.ErrNotFound.
func DRSRules(g *graph.Graph, opts DRSOptions) (*DRSPlan, error) {
	e := newEvaluator(g)
	plan := &DRSPlan{At: g.At.UTC(), Mandatory: opts.Must, Clusters: []DRSCluster{}}
	want := strings.TrimSpace(opts.Cluster)
	for _, cl := range g.Nodes(model.KindCluster) {
		if want != "" && !strings.EqualFold(cl.Name, want) && !strings.EqualFold(cl.ID.Key(), want) {
			continue
		}
		plan.Clusters = append(plan.Clusters, e.drsCluster(cl, opts.Must))
	}
	if want != "" && len(plan.Clusters) == 0 {
		return nil, fmt.Errorf("%w: no cluster %q", graph.ErrNotFound, want)
	}
	return plan, nil
}

// safeSet is the VMs of a cluster that share a set of safe hosts.
type safeSet struct {
	safe, unsafe []model.ID // hosts
	vms          []DRSMember
}

func (e *evaluator) drsCluster(cl *graph.Node, must bool) DRSCluster {
	g := e.g
	source, _, _ := strings.Cut(cl.ID.Key(), "/")
	c := DRSCluster{ID: cl.ID, Name: cl.Name, Source: source, DRSEnabled: cl.Attr("drs") == "true",
		VMGroups: []DRSGroup{}, HostGroups: []DRSGroup{}, Rules: []DRSRule{}}
	if c.Name == "" {
		c.Name = cl.ID.Key()
	}
	for _, d := range g.In(cl.ID, model.RelContains) {
		if d.From.Kind() == model.KindDatacenter {
			c.Datacenter = name(g, d.From)
		}
	}
	hosts := contained(g, cl.ID, model.KindHost)
	c.Hosts = len(hosts)
	sets := map[string]*safeSet{}  // by the safe hosts
	bySig := map[string]*safeSet{} // by what the VMs use (vmInfo.signature)
	for _, h := range hosts {
		for _, r := range g.In(h, model.RelRunsOn) {
			vm := r.From
			vi := e.vmInfo(vm)
			sig := vi.signature()
			s, ok := bySig[sig]
			if !ok {
				s = &safeSet{}
				for _, cand := range hosts {
					if e.safe(vi, cand) {
						s.safe = append(s.safe, cand)
					} else {
						s.unsafe = append(s.unsafe, cand)
					}
				}
				if k := joinIDs(s.safe); sets[k] != nil {
					s = sets[k]
				} else if len(s.safe) > 0 && len(s.unsafe) > 0 {
					sets[k] = s
				}
				bySig[sig] = s
			}
			m := DRSMember{ID: vm, Name: vi.name}
			switch {
			case len(s.unsafe) == 0:
			case len(s.safe) == 0:
				c.NoSafeHost = append(c.NoSafeHost, m)
			default:
				s.vms = append(s.vms, m)
			}
		}
	}
	for _, s := range sets {
		label := drsLabel(g, cl.ID, s.unsafe)
		vmGroup, hostGroup := DRSPrefix+"safe-"+label+"-vms", DRSPrefix+"safe-"+label+"-hosts"
		sort.Slice(s.vms, func(i, j int) bool {
			return s.vms[i].Name < s.vms[j].Name || s.vms[i].Name == s.vms[j].Name && s.vms[i].ID < s.vms[j].ID
		})
		c.VMGroups = append(c.VMGroups, DRSGroup{Name: vmGroup, Members: s.vms})
		var hm []DRSMember
		for _, h := range s.safe {
			hm = append(hm, DRSMember{ID: h, Name: name(g, h)})
		}
		c.HostGroups = append(c.HostGroups, DRSGroup{Name: hostGroup, Members: hm})
		r := DRSRule{Name: DRSPrefix + "safe-" + label, VMGroup: vmGroup, HostGroup: hostGroup, Mandatory: must}
		// The reasons shown are those of the group's first VM by name.
		first := s.vms[0].ID
		for _, h := range s.unsafe {
			r.Avoided = append(r.Avoided, AvoidedHost{Host: name(g, h), Reasons: e.verdict(first, h).Reasons})
		}
		c.Rules = append(c.Rules, r)
	}
	sort.Slice(c.VMGroups, func(i, j int) bool { return c.VMGroups[i].Name < c.VMGroups[j].Name })
	sort.Slice(c.HostGroups, func(i, j int) bool { return c.HostGroups[i].Name < c.HostGroups[j].Name })
	sort.Slice(c.Rules, func(i, j int) bool { return c.Rules[i].Name < c.Rules[j].Name })
	sort.Slice(c.NoSafeHost, func(i, j int) bool { return c.NoSafeHost[i].Name < c.NoSafeHost[j].Name })
	return c
}

// maxLabel bounds the readable part of a group name: vSphere names have at
// most 80 characters, and the prefix and suffix take 19.
const maxLabel = 48

// drsLabel names a safe-host set by the hosts it leaves out
// ("not-esx05"), or by a hash of the cluster and those hosts when that
// would be long.
func drsLabel(g *graph.Graph, cluster model.ID, unsafe []model.ID) string {
	names := make([]string, len(unsafe))
	for i, h := range unsafe {
		names[i] = sanitize(name(g, h))
	}
	sort.Strings(names)
	if l := "not-" + strings.Join(names, "-"); len(l) <= maxLabel {
		return l
	}
	sum := sha256.Sum256([]byte(string(cluster) + "\x00" + strings.Join(names, "\x00")))
	return "h" + hex.EncodeToString(sum[:5])
}

// sanitize keeps letters, digits, '.', '_' and '-' of a host name.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}

func joinIDs(ids []model.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, "\x00")
}
