package vsphere

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// readTags returns the "category/name" tags of each VM, read through the
// vAPI. fresh forgets the tag names learnt before (a full collection picks
// up renamed tags); otherwise only unknown tag IDs are looked up.
func (c *Collector) readTags(ctx context.Context, cn *conn, refs []types.ManagedObjectReference, fresh bool) (map[types.ManagedObjectReference][]string, error) {
	out := make(map[types.ManagedObjectReference][]string)
	if len(refs) == 0 {
		return out, nil
	}
	err := c.withREST(ctx, cn, func(m *tags.Manager) error {
		names := make(map[string]string)
		if !fresh {
			c.mu.Lock()
			for k, v := range c.tags {
				names[k] = v
			}
			c.mu.Unlock()
		}
		categories := make(map[string]string)
		for chunk := range slices.Chunk(refs, c.cfg.PageSize) {
			objs := make([]mo.Reference, len(chunk))
			for i, r := range chunk {
				objs[i] = r
			}
			attached, err := m.ListAttachedTagsOnObjects(ctx, objs)
			if err != nil {
				return fmt.Errorf("listing attached tags: %w", err)
			}
			for _, a := range attached {
				ref := a.ObjectID.Reference()
				for _, tid := range a.TagIDs {
					name, ok := names[tid]
					if !ok {
						if name, err = tagName(ctx, m, tid, categories); err != nil {
							return err
						}
						names[tid] = name
					}
					out[ref] = append(out[ref], name)
				}
			}
		}
		for ref := range out {
			slices.Sort(out[ref])
			out[ref] = slices.Compact(out[ref])
		}
		c.mu.Lock()
		c.tags = names
		c.mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// vmTags returns the tags of the VMs refs for a run: read now, or, when
// they cannot be read (no tagging endpoint, no permission, the endpoint
// failing), those of the last read, with the failure to report. The
// failure is logged once; the rest of the run goes on without it.
func (c *Collector) vmTags(ctx context.Context, cn *conn, refs []types.ManagedObjectReference, fresh bool) (map[types.ManagedObjectReference][]string, string, error) {
	tags, err := c.readTags(ctx, cn, refs, fresh)
	if err == nil {
		c.mu.Lock()
		maps.Copy(c.vmTagsRead, tags)
		for _, ref := range refs {
			if _, ok := tags[ref]; !ok {
				delete(c.vmTagsRead, ref)
			}
		}
		c.mu.Unlock()
		return tags, "", nil
	}
	if ctx.Err() != nil {
		return nil, "", err
	}
	c.warnOnce("tags", "VM tags cannot be read; collecting the rest, with the tags last read", "source", c.cfg.Name, "error", err)
	c.mu.Lock()
	defer c.mu.Unlock()
	last := make(map[types.ManagedObjectReference][]string, len(refs))
	for _, ref := range refs {
		if t, ok := c.vmTagsRead[ref]; ok {
			last[ref] = t
		}
	}
	return last, fmt.Sprintf("VM tags not read, the last read kept: %v", err), nil
}

// tagName looks a tag up and returns "category/name"; categories caches
// category names by ID.
func tagName(ctx context.Context, m *tags.Manager, id string, categories map[string]string) (string, error) {
	t, err := m.GetTag(ctx, id)
	if err != nil {
		return "", fmt.Errorf("reading tag %s: %w", id, err)
	}
	cat, ok := categories[t.CategoryID]
	if !ok {
		cc, err := m.GetCategory(ctx, t.CategoryID)
		if err != nil {
			return "", fmt.Errorf("reading tag category %s: %w", t.CategoryID, err)
		}
		cat = cc.Name
		categories[t.CategoryID] = cat
	}
	return cat + "/" + t.Name, nil
}

// withREST runs f with the vAPI session of cn, logging in on first use and
// once more if the vAPI session expired.
func (c *Collector) withREST(ctx context.Context, cn *conn, f func(*tags.Manager) error) error {
	for attempt := 0; ; attempt++ {
		rc, err := c.restSession(ctx, cn)
		if err != nil {
			return err
		}
		err = f(tags.NewManager(rc))
		if err == nil {
			return nil
		}
		if attempt == 0 && hasStatus(err, http.StatusUnauthorized) {
			c.mu.Lock()
			if cn.rest == rc {
				cn.rest = nil
			}
			c.mu.Unlock()
			continue
		}
		return c.classifyREST("vAPI tagging", err)
	}
}

// restSession returns the vAPI session of cn, logging in when needed.
func (c *Collector) restSession(ctx context.Context, cn *conn) (*rest.Client, error) {
	c.mu.Lock()
	rc := cn.rest
	c.mu.Unlock()
	if rc != nil {
		return rc, nil
	}
	password, err := c.cfg.password()
	if err != nil {
		return nil, err
	}
	rc = rest.NewClient(cn.vim)
	rc.Timeout = c.cfg.Timeout
	if err := rc.Login(ctx, url.UserPassword(c.cfg.Username, password)); err != nil {
		return nil, c.classifyREST(fmt.Sprintf("vAPI login as %q", c.cfg.Username), err)
	}
	c.mu.Lock()
	cn.rest = rc
	c.mu.Unlock()
	return rc, nil
}

// classifyREST is classify for vAPI errors, which are HTTP statuses rather
// than faults.
func (c *Collector) classifyREST(op string, err error) error {
	var s error
	switch {
	case hasStatus(err, http.StatusUnauthorized):
		s = ErrAuth
	case hasStatus(err, http.StatusForbidden):
		s = ErrPermission
	case hasStatus(err, http.StatusNotFound):
		return fmt.Errorf("%w: %s: %s (set tags: false for an ESXi host): %w", ErrNoTagging, c.url, op, err)
	default:
		return c.classify(op, err)
	}
	return fmt.Errorf("%w: %s: %s: %w", s, c.url, op, err)
}

// hasStatus reports whether err, or an error it wraps, is a vAPI reply
// with HTTP status code.
func hasStatus(err error, code int) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if rest.IsStatusError(err, code) {
			return true
		}
	}
	return false
}
