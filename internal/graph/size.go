package graph

import (
	"unsafe"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/model"
)

// The sizes Size counts with, in bytes (64-bit).
const (
	// mapEntry is what a map entry costs beyond its key and value: its
	// control byte, the slots left empty by the maps' load factor (7/8 at
	// most) and growth, and the allocator's rounding; calibrated against
	// the heap by TestSizeEstimate.
	mapEntry = 40
	// mapHeader is an empty map's own allocation.
	mapHeader   = 48
	strHeader   = int64(unsafe.Sizeof(""))
	sliceHeader = int64(unsafe.Sizeof([]Edge(nil)))
	ptrSize     = int64(unsafe.Sizeof((*Node)(nil)))
	nodeSize    = int64(unsafe.Sizeof(Node{}))
	edgeSize    = int64(unsafe.Sizeof(Edge{}))
	graphSize   = int64(unsafe.Sizeof(Graph{}))
	// conflictSize is a conflict's struct and, as a guess, its strings
	// and lists (a message, a few pieces of evidence and ports).
	conflictSize = int64(unsafe.Sizeof(correlate.Conflict{})) + 512
)

// Size estimates the memory the graph holds, in bytes: the bytes of every
// string it refers to (each counted once where the graph holds the only
// reference: a node's ID and name, an edge's ends and kind, attributes,
// the lower-cased keys of its indexes; the source names nodes share are
// not counted), the structs of its nodes and edges, its slices by capacity,
// and per map entry its key and value plus a fixed overhead (mapEntry). It
// is approximate — 0.9 to 0.95 of the heap the graph retains on the shapes
// of TestSizeEstimate, which bounds it to 0.67–1.5 — and costs one pass over the
// graph. The graph cache bounds the maps it keeps with it.
func (g *Graph) Size() int64 {
	n := graphSize + 7*mapHeader
	for id, nd := range g.nodes {
		n += strHeader + ptrSize + mapEntry + int64(len(id)) // the map's key is the node's ID
		n += nodeSize + int64(len(nd.Name)) + attrsSize(nd.Attrs) + int64(cap(nd.Sources))*strHeader
	}
	for _, es := range g.out {
		n += strHeader + sliceHeader + mapEntry + int64(cap(es))*edgeSize
		for _, e := range es {
			// An edge's strings and attributes are shared by its copy
			// in g.in: counted here only.
			n += int64(len(e.From)+len(e.To)+len(e.Rel)) + attrsSize(e.Attrs)
		}
	}
	for _, es := range g.in {
		n += strHeader + sliceHeader + mapEntry + int64(cap(es))*edgeSize
	}
	for k, ids := range g.byName {
		n += strHeader + int64(len(k)) + sliceHeader + mapEntry + int64(cap(ids))*strHeader
	}
	for k := range g.byUUID {
		n += 2*strHeader + int64(len(k)) + mapEntry
	}
	for k, ids := range g.byMAC {
		n += strHeader + int64(len(k)) + sliceHeader + mapEntry + int64(cap(ids))*strHeader
	}
	for _, byHost := range g.dvsUplinks {
		n += strHeader + ptrSize + mapEntry + mapHeader
		for h, es := range byHost {
			n += strHeader + int64(len(h)) + sliceHeader + mapEntry + int64(cap(es))*edgeSize
		}
	}
	n += int64(cap(g.Conflicts)) * conflictSize
	return n
}

// attrsSize is the size of a map of attributes.
func attrsSize(a model.Attrs) int64 {
	if a == nil {
		return 0
	}
	n := int64(mapHeader)
	for k, v := range a {
		n += 2*strHeader + mapEntry + int64(len(k)+len(v))
	}
	return n
}
