package vsphere

import (
	"context"
	"strings"

	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// place is the name and parent of an inventory container or host, enough
// to place a VM (folder path, host name) and a host (datacenter, cluster).
type place struct {
	name   string
	parent types.ManagedObjectReference // zero at the top
}

// places indexes the containers and hosts by reference.
type places map[types.ManagedObjectReference]place

// add records the name and parent of a managed entity.
func (p places) add(e *mo.ManagedEntity) {
	var parent types.ManagedObjectReference
	if e.Parent != nil {
		parent = *e.Parent
	}
	p[e.Self] = place{name: e.Name, parent: parent}
}

// ancestor walks up from ref (included) to the first entity of type kind.
func (p places) ancestor(ref types.ManagedObjectReference, kind string) (types.ManagedObjectReference, bool) {
	for range 64 {
		if ref.Type == kind {
			_, ok := p[ref]
			return ref, ok
		}
		pl, ok := p[ref]
		if !ok || pl.parent.Value == "" {
			break
		}
		ref = pl.parent
	}
	return types.ManagedObjectReference{}, false
}

// datacenter returns the name of the datacenter that holds ref.
func (p places) datacenter(ref types.ManagedObjectReference) (string, bool) {
	dc, ok := p.ancestor(ref, "Datacenter")
	if !ok {
		return "", false
	}
	return p[dc].name, true
}

// path returns the inventory path of ref below root ("/DC0/vm/prod"). When
// a link of the chain is unknown, it returns that reference instead.
func (p places) path(ref, root types.ManagedObjectReference) (string, types.ManagedObjectReference, bool) {
	var names []string
	for range 64 {
		if ref == root || ref.Value == "" {
			break
		}
		pl, ok := p[ref]
		if !ok {
			return "", ref, false
		}
		names = append(names, pl.name)
		ref = pl.parent
	}
	var b strings.Builder
	for i := len(names) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(names[i])
	}
	return b.String(), types.ManagedObjectReference{}, true
}

// learn reads the name and parent of refs that c.places lacks, and of their
// ancestors, so that a VM re-read between two collections can be placed
// (it moved to a host, or a folder, created since the last Collect).
func (c *Collector) learn(ctx context.Context, cn *conn, refs ...types.ManagedObjectReference) error {
	root := cn.vim.ServiceContent.RootFolder
	for range 64 {
		var missing []types.ManagedObjectReference
		c.mu.Lock()
		for _, ref := range refs {
			if _, ok := c.places[ref]; !ok && ref.Value != "" && ref != root {
				missing = append(missing, ref)
			}
		}
		c.mu.Unlock()
		if len(missing) == 0 {
			return nil
		}
		spec := types.PropertyFilterSpec{}
		kinds := map[string]bool{}
		for _, ref := range missing {
			spec.ObjectSet = append(spec.ObjectSet, types.ObjectSpec{Obj: ref})
			if !kinds[ref.Type] {
				kinds[ref.Type] = true
				spec.PropSet = append(spec.PropSet, types.PropertySpec{Type: ref.Type, PathSet: placeProps})
			}
		}
		refs = nil
		err := c.retrieve(ctx, cn, spec, func(oc types.ObjectContent) error {
			v, err := c.load(oc)
			if err != nil {
				return err
			}
			e, ok := v.(interface{ Entity() *mo.ManagedEntity })
			if !ok {
				return nil
			}
			c.mu.Lock()
			c.places.add(e.Entity())
			c.mu.Unlock()
			if p := e.Entity().Parent; p != nil {
				refs = append(refs, *p)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
