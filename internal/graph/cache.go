package graph

import (
	"context"
	"sync"
	"time"
)

// Loader builds the graph of a moment: the facts valid then (the store's
// FactsAt), with what correlation derives from them.
type Loader func(ctx context.Context, at time.Time) (*Graph, error)

// Cache keeps the graph of "now" in memory and builds the graph of any
// other moment on demand. Invalidate marks "now" as out of date after the
// facts changed; the next Now rebuilds it. Safe for concurrent use.
type Cache struct {
	load Loader

	mu    sync.Mutex
	now   *Graph
	dirty bool
}

// NewCache returns a cache that builds graphs through load.
func NewCache(load Loader) *Cache { return &Cache{load: load, dirty: true} }

// Invalidate says the facts changed.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.dirty = true
	c.mu.Unlock()
}

// Now returns the graph of the current moment, rebuilding it when the facts
// changed since it was built.
func (c *Cache) Now(ctx context.Context) (*Graph, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty && c.now != nil {
		return c.now, nil
	}
	g, err := c.At(ctx, time.Now())
	if err != nil {
		return nil, err
	}
	c.now, c.dirty = g, false
	return g, nil
}

// At builds the graph of moment at; a zero at means now.
func (c *Cache) At(ctx context.Context, at time.Time) (*Graph, error) {
	if at.IsZero() {
		return c.Now(ctx)
	}
	return c.load(ctx, at)
}
