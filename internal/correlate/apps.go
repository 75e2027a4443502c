package correlate

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// AppRule says which VMs make up an application. A VM matches when any of
// the listed criteria matches; several rules may claim one VM, and a VM may
// belong to several applications.
type AppRule struct {
	// Name of the application. With FromAttribute or FromTagCategory it is
	// an optional prefix of the generated names.
	Name string `yaml:"name" json:"name,omitempty"`
	// Tags are vSphere tags as "category/name".
	Tags []string `yaml:"tags" json:"tags,omitempty"`
	// Attributes are custom attributes that must all have the given value.
	Attributes map[string]string `yaml:"attributes" json:"attributes,omitempty"`
	// Folders are inventory folder paths; a VM in a folder or below it matches.
	Folders []string `yaml:"folders" json:"folders,omitempty"`
	// Names are VM name patterns (path.Match syntax, case-insensitive).
	Names []string `yaml:"names" json:"names,omitempty"`
	// VMs are VM names, listed explicitly.
	VMs []string `yaml:"vms" json:"vms,omitempty"`
	// FromAttribute makes one application per value of this custom
	// attribute (every VM with the attribute set belongs to it).
	FromAttribute string `yaml:"from_attribute" json:"from_attribute,omitempty"`
	// FromTagCategory makes one application per tag of this category.
	FromTagCategory string `yaml:"from_tag_category" json:"from_tag_category,omitempty"`
}

// Validate checks a rule and names the bad field.
func (r AppRule) Validate() error {
	generated := r.FromAttribute != "" || r.FromTagCategory != ""
	if r.Name == "" && !generated {
		return fmt.Errorf("name: empty (required unless from_attribute or from_tag_category is set)")
	}
	if !generated && len(r.Tags)+len(r.Attributes)+len(r.Folders)+len(r.Names)+len(r.VMs) == 0 {
		return fmt.Errorf("application %q: no criteria (tags, attributes, folders, names or vms)", r.Name)
	}
	for _, p := range r.Names {
		if _, err := path.Match(strings.ToLower(p), ""); err != nil {
			return fmt.Errorf("names: bad pattern %q: %w", p, err)
		}
	}
	return nil
}

// Applications returns the application entities and their `contains`
// relations to VMs at moment at, per rules.
func Applications(at time.Time, versions []model.Version, rules []AppRule) []model.Version {
	if len(rules) == 0 {
		return nil
	}
	members := map[string]map[model.ID]bool{}
	add := func(app string, vm model.ID) {
		if members[app] == nil {
			members[app] = map[model.ID]bool{}
		}
		members[app][vm] = true
	}
	for _, v := range versions {
		if v.Kind != model.KindVM || v.IsRelation() || !v.ValidAt(at) || v.Source == Source {
			continue
		}
		for _, r := range rules {
			for _, app := range r.apps(v) {
				add(app, v.Subject)
			}
		}
	}
	var out []model.Version
	apps := make([]string, 0, len(members))
	for a := range members {
		apps = append(apps, a)
	}
	sort.Strings(apps)
	for _, a := range apps {
		id := model.NewID(model.KindApplication, a)
		out = append(out, model.Version{Fact: model.Entity(id, id, a, model.Attrs{"vms": fmt.Sprint(len(members[a]))}), Source: Source, From: at})
		vms := make([]model.ID, 0, len(members[a]))
		for vm := range members[a] {
			vms = append(vms, vm)
		}
		sort.Slice(vms, func(i, j int) bool { return vms[i] < vms[j] })
		for _, vm := range vms {
			out = append(out, model.Version{Fact: model.Relation(id, id, model.RelContains, vm, nil), Source: Source, From: at})
		}
	}
	return out
}

// apps returns the applications vm belongs to under rule r.
func (r AppRule) apps(vm model.Version) []string {
	var out []string
	prefix := func(s string) string {
		if r.Name == "" {
			return s
		}
		return r.Name + "-" + s
	}
	if r.FromAttribute != "" {
		if val := strings.TrimSpace(vm.Attrs["attr."+r.FromAttribute]); val != "" {
			out = append(out, prefix(val))
		}
	}
	tags := model.SplitList(vm.Attrs["tags"])
	if r.FromTagCategory != "" {
		for _, t := range tags {
			if cat, name, ok := strings.Cut(t, "/"); ok && cat == r.FromTagCategory && name != "" {
				out = append(out, prefix(name))
			}
		}
	}
	if r.FromAttribute != "" || r.FromTagCategory != "" || !r.matches(vm, tags) {
		return out
	}
	return append(out, r.Name)
}

func (r AppRule) matches(vm model.Version, tags []string) bool {
	for _, t := range r.Tags {
		for _, have := range tags {
			if strings.EqualFold(t, have) {
				return true
			}
		}
	}
	if len(r.Attributes) > 0 {
		all := true
		for k, want := range r.Attributes {
			all = all && vm.Attrs["attr."+k] == want
		}
		if all {
			return true
		}
	}
	folder := vm.Attrs["folder"]
	for _, f := range r.Folders {
		f = strings.TrimSuffix(f, "/")
		if folder == f || strings.HasPrefix(folder, f+"/") {
			return true
		}
	}
	name := strings.ToLower(vm.Name)
	for _, p := range r.Names {
		if ok, _ := path.Match(strings.ToLower(p), name); ok {
			return true
		}
	}
	for _, n := range r.VMs {
		if strings.EqualFold(n, vm.Name) {
			return true
		}
	}
	return false
}
