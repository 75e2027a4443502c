package decode

import (
	"container/heap"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// field is one field of a template. A length of varLength means the length
// is in the record (variable-length encoding of RFC 7011 §7).
type field struct {
	id     uint16
	length uint16
	// enterprise fields are skipped: their meaning is vendor-specific.
	enterprise bool
}

const varLength = 0xffff

// template is an immutable data or options template.
type template struct {
	fields []field
	// options tells an options template, whose records describe the
	// exporter rather than flows.
	options bool
	// scopes is the number of scope fields at the start (options
	// templates; it may be 0).
	scopes int
	// minLen is the shortest record the template allows: padding shorter
	// than it ends a set.
	minLen int
}

// exporterState is what options data said about an exporter and domain.
type exporterState struct {
	samplingRate uint32
	algorithm    uint8
	// sysInitMs is the exporter's boot time in Unix milliseconds (IPFIX
	// systemInitTimeMilliseconds), for flowStart/EndSysUpTime.
	sysInitMs uint64
}

// key identifies a template (id ≥ 256), the exporter state (id 0), or the
// state of one of the exporter's samplers (id 0, perSampler).
type key struct {
	exporter   netip.Addr
	domain     uint32
	id         uint16
	proto      Protocol
	perSampler bool
	sampler    uint64
}

// exporterKey is an exporter as the cache shares it out: an address, an
// observation domain (source id) and a protocol, whose template ids are one
// name space.
type exporterKey struct {
	addr   netip.Addr
	domain uint32
	proto  Protocol
}

func (k key) exporterKey() exporterKey {
	return exporterKey{addr: k.exporter, domain: k.domain, proto: k.proto}
}

type entry struct {
	tmpl  *template
	state exporterState // written under its shard's lock
	used  atomic.Uint64
	// probation is set until the entry is used (a data set decoded with it,
	// its state read) or refreshed (resent identical, updated): entries on
	// probation are evicted first.
	probation atomic.Bool

	// Under Templates.mu:
	key          key
	exp          *share // nil once removed
	size         int64
	pos          int    // index in exp.entries
	older, newer *entry // the probation list, while on probation
}

// share is one exporter's share of the cache. Under Templates.mu.
type share struct {
	key         exporterKey
	entries     []*entry
	bytes       int64 // its entries' sizes and exporterSize
	heapIdx     int
	bucket      *bucket
	established bool // one of its entries left probation
}

// bucket is what the metrics say of an exporter address (or of the others).
// Under Templates.mu.
type bucket struct {
	addr                        netip.Addr
	entries, bytes              int64
	evictedShare, evictedBudget uint64
	refused                     uint64
}

// Sizes counted per entry and per exporter: the structures, the map slot,
// the slice element; a template adds its fields.
var (
	entrySize    = int64(unsafe.Sizeof(entry{}) + unsafe.Sizeof(key{}) + 2*unsafe.Sizeof(uintptr(0)) + 16)
	templateSize = int64(unsafe.Sizeof(template{}))
	fieldSize    = int64(unsafe.Sizeof(field{}))
	exporterSize = int64(unsafe.Sizeof(share{}) + unsafe.Sizeof(exporterKey{}) + 3*unsafe.Sizeof(uintptr(0)) + 16)
)

// sizeOf is the bytes an entry holding tm (nil for a state) is counted for.
func sizeOf(tm *template) int64 {
	if tm == nil {
		return entrySize
	}
	return entrySize + templateSize + int64(cap(tm.fields))*fieldSize
}

// Limits bound a template cache. Every entry (a template, or what options
// data said of an exporter or sampler) is counted for the memory it holds.
type Limits struct {
	// Entries bounds the entries of every exporter together.
	Entries int
	// Bytes bounds their memory, estimated.
	Bytes int64
	// ExporterEntries and ExporterBytes bound the share of one exporter
	// (address, observation domain, protocol): past it, the exporter's own
	// least recently used entries make room. 0 means a sixteenth of Entries
	// and Bytes, at least MinExporterEntries and MinExporterBytes.
	ExporterEntries int
	ExporterBytes   int64
}

// Defaults and floors of the limits.
const (
	DefaultTemplateBytes = 16 << 20
	MinTemplateEntries   = 512
	MinTemplateBytes     = 1 << 20
	MinExporterEntries   = 256
	MinExporterBytes     = 256 << 10
)

// resolved returns l with its defaults and floors applied.
func (l Limits) resolved() Limits {
	if l.Entries <= 0 {
		l.Entries = DefaultTemplateCapacity
	}
	if l.Bytes <= 0 {
		l.Bytes = DefaultTemplateBytes
	}
	l.Entries = max(l.Entries, MinTemplateEntries)
	l.Bytes = max(l.Bytes, MinTemplateBytes)
	if l.ExporterEntries <= 0 {
		l.ExporterEntries = max(l.Entries/16, MinExporterEntries)
	}
	if l.ExporterBytes <= 0 {
		l.ExporterBytes = max(l.Bytes/16, MinExporterBytes)
	}
	l.ExporterEntries = min(l.ExporterEntries, l.Entries)
	l.ExporterBytes = min(l.ExporterBytes, l.Bytes)
	return l
}

// MaxLabelledExporters bounds the exporter addresses CacheStats reports one
// by one: the first ones whose templates are used or refreshed (real
// exporters, which send data for their templates, as a flood of templates
// does not); the others are summed in CacheStats.Other.
const MaxLabelledExporters = 64

const shards = 64

// Templates is the template cache of a Decoder: templates and sampling
// options keyed by (exporter, observation domain, template id), bounded in
// entries and in bytes (Limits), for the whole cache and for each exporter.
//
// A flood cannot evict what exporters keep using. An entry starts on
// probation and leaves it when a data set is decoded with it or it is
// refreshed (resent identical). An exporter past its share evicts its own
// least recently used entries. When the whole cache is full, the oldest
// entry on probation goes first, whoever's it is; only when none is left,
// the least recently used entry of the exporter holding the most bytes.
// So templates sent and never used (spoofed, from any number of addresses)
// only evict each other, and an exporter whose templates are in use keeps
// them unless it is the largest. A template too large for an exporter's
// share is refused.
//
// Safe for concurrent use: lookups take the read lock of one of several
// shards; changes take the cache's lock, once per new or changed entry.
type Templates struct {
	salt   uint64
	limits Limits
	shard  [shards]struct {
		mu sync.RWMutex
		m  map[key]*entry
		_  [32]byte
	}
	clock   atomic.Uint64
	evicted atomic.Uint64

	mu        sync.Mutex
	exporters map[exporterKey]*share
	largest   exporterHeap
	oldest    *entry // of the probation list
	newest    *entry
	entries   int
	bytes     int64
	refused   uint64
	buckets   map[netip.Addr]*bucket
	other     bucket
}

// NewTemplates returns a cache of at most capacity entries (at least
// MinTemplateEntries) within DefaultTemplateBytes.
func NewTemplates(capacity int) *Templates {
	return NewTemplatesLimits(Limits{Entries: capacity})
}

// NewTemplatesLimits returns a cache bounded by l (zero fields take their
// defaults, values below the floors are raised to them).
func NewTemplatesLimits(l Limits) *Templates {
	t := &Templates{salt: rand.Uint64(), limits: l.resolved(), exporters: make(map[exporterKey]*share),
		buckets: make(map[netip.Addr]*bucket)}
	for i := range t.shard {
		t.shard[i].m = make(map[key]*entry)
	}
	return t
}

// Limits returns the cache's limits, defaults and floors applied.
func (t *Templates) Limits() Limits { return t.limits }

// Len returns the number of cached entries.
func (t *Templates) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.entries
}

// Bytes returns the memory the cached entries hold, estimated.
func (t *Templates) Bytes() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bytes
}

// Evicted returns how many entries were evicted to make room.
func (t *Templates) Evicted() uint64 { return t.evicted.Load() }

// ExporterStats is what the cache holds of, and did to, the entries of one
// exporter address (all its observation domains and protocols), or of every
// address not reported one by one (Addr invalid).
type ExporterStats struct {
	Addr netip.Addr
	// Entries and Bytes are held now.
	Entries int64
	Bytes   int64
	// EvictedShare counts entries evicted for the exporter's own share,
	// EvictedBudget those evicted for the whole cache's.
	EvictedShare, EvictedBudget uint64
	// Refused counts templates refused: malformed (a record longer than a
	// datagram, more fields of no length than bytes, an id below 256) or
	// larger than an exporter's share.
	Refused uint64
}

// CacheStats is a snapshot of a template cache.
type CacheStats struct {
	Limits    Limits
	Entries   int
	Bytes     int64
	Exporters int
	Evicted   uint64
	Refused   uint64
	// PerExporter are the exporter addresses reported one by one (at most
	// MaxLabelledExporters), in no order; Other sums the rest.
	PerExporter []ExporterStats
	Other       ExporterStats
}

// Stats returns a snapshot of the cache.
func (t *Templates) Stats() CacheStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := CacheStats{Limits: t.limits, Entries: t.entries, Bytes: t.bytes, Exporters: len(t.exporters),
		Evicted: t.evicted.Load(), Refused: t.refused, Other: t.other.stats()}
	s.PerExporter = make([]ExporterStats, 0, len(t.buckets))
	for _, b := range t.buckets {
		s.PerExporter = append(s.PerExporter, b.stats())
	}
	return s
}

func (b *bucket) stats() ExporterStats {
	return ExporterStats{Addr: b.addr, Entries: b.entries, Bytes: b.bytes, EvictedShare: b.evictedShare,
		EvictedBudget: b.evictedBudget, Refused: b.refused}
}

func (t *Templates) shardOf(k key) int {
	a := k.exporter.As16()
	h := uint64(k.domain)<<32 ^ uint64(k.id)<<8 ^ uint64(k.proto) ^ t.salt ^ k.sampler*0xff51afd7ed558ccd
	for i := 0; i < 16; i += 8 {
		h ^= binary.BigEndian.Uint64(a[i:])
		h *= 0x9e3779b97f4a7c15
		h ^= h >> 29
	}
	return int(h % shards)
}

// get returns the entry for k, or nil; an entry found is used.
func (t *Templates) get(k key) *entry {
	s := &t.shard[t.shardOf(k)]
	s.mu.RLock()
	e := s.m[k]
	s.mu.RUnlock()
	if e != nil {
		t.touch(e)
	}
	return e
}

// touch marks e used now; the first use ends its probation.
func (t *Templates) touch(e *entry) {
	if c := t.clock.Load(); e.used.Load() != c {
		e.used.Store(c)
	}
	if e.probation.Load() {
		t.mu.Lock()
		t.promoteLocked(e)
		t.mu.Unlock()
	}
}

// promoteLocked ends e's probation.
func (t *Templates) promoteLocked(e *entry) {
	if e.exp == nil || !e.probation.Load() {
		return
	}
	t.unlinkLocked(e)
	e.probation.Store(false)
	x := e.exp
	if x.established {
		return
	}
	x.established = true
	if x.bucket != &t.other {
		return
	}
	b := t.buckets[x.key.addr]
	if b == nil && len(t.buckets) < MaxLabelledExporters {
		b = &bucket{addr: x.key.addr}
		t.buckets[x.key.addr] = b
	}
	if b != nil {
		t.other.entries -= int64(len(x.entries))
		t.other.bytes -= x.bytes
		b.entries += int64(len(x.entries))
		b.bytes += x.bytes
		x.bucket = b
	}
}

// bucketLocked is the bucket of an exporter address.
func (t *Templates) bucketLocked(addr netip.Addr) *bucket {
	if b := t.buckets[addr]; b != nil {
		return b
	}
	return &t.other
}

// refuse counts a template of addr refused.
func (t *Templates) refuse(addr netip.Addr) {
	t.mu.Lock()
	t.refuseLocked(addr)
	t.mu.Unlock()
}

func (t *Templates) refuseLocked(addr netip.Addr) {
	t.refused++
	t.bucketLocked(addr).refused++
}

// putTemplate stores a template unless an identical one is there already
// (exporters resend their templates often): only a new or changed template
// is copied to the heap. A resent template is refreshed. A template too
// large for an exporter's share is refused: it reports false.
func (t *Templates) putTemplate(k key, tm template) bool {
	s := &t.shard[t.shardOf(k)]
	same := func(e *entry) bool {
		return e != nil && e.tmpl != nil && e.tmpl.options == tm.options && e.tmpl.scopes == tm.scopes && slices.Equal(e.tmpl.fields, tm.fields)
	}
	s.mu.RLock()
	e := s.m[k]
	known := same(e)
	s.mu.RUnlock()
	if known {
		t.touch(e)
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	// Writers hold t.mu: the map may be read without the shard's lock.
	if e := s.m[k]; same(e) {
		t.promoteLocked(e)
		return true
	}
	stored := &template{fields: slices.Clone(tm.fields), options: tm.options, scopes: tm.scopes, minLen: tm.minLen}
	if !t.insertLocked(k, &entry{tmpl: stored}) {
		t.refuseLocked(k.exporter)
		return false
	}
	return true
}

// remove withdraws a template.
func (t *Templates) remove(k key) {
	s := &t.shard[t.shardOf(k)]
	t.mu.Lock()
	if e := s.m[k]; e != nil {
		t.removeLocked(e, true)
	}
	t.mu.Unlock()
}

// updateState applies f to the exporter state of k (created when missing;
// an update of an existing one refreshes it).
func (t *Templates) updateState(k key, f func(*exporterState)) {
	s := &t.shard[t.shardOf(k)]
	t.mu.Lock()
	defer t.mu.Unlock()
	e := s.m[k]
	if e == nil {
		e = &entry{}
		if !t.insertLocked(k, e) {
			return
		}
	} else {
		t.promoteLocked(e)
	}
	s.mu.Lock()
	f(&e.state)
	s.mu.Unlock()
}

// state returns the exporter state of k (zero when unknown); a state found
// is used.
func (t *Templates) state(k key) exporterState {
	s := &t.shard[t.shardOf(k)]
	s.mu.RLock()
	e := s.m[k]
	var st exporterState
	if e != nil {
		st = e.state
	}
	s.mu.RUnlock()
	if e != nil {
		t.touch(e)
	}
	return st
}

// insertLocked adds e under k, on probation, in place of k's entry if any,
// after making room: first within the exporter's share, then within the
// whole cache's. It reports false, storing nothing, when e alone is larger
// than a share.
func (t *Templates) insertLocked(k key, e *entry) bool {
	size := sizeOf(e.tmpl)
	l := &t.limits
	if size+exporterSize > l.ExporterBytes {
		return false
	}
	s := &t.shard[t.shardOf(k)]
	if old := s.m[k]; old != nil {
		// The exporter's share stays, even empty: a changed template
		// costs no new share.
		t.removeLocked(old, false)
	}
	xk := k.exporterKey()
	for x := t.exporters[xk]; x != nil && (len(x.entries) >= l.ExporterEntries || x.bytes+size > l.ExporterBytes); x = t.exporters[xk] {
		t.evictLocked(t.lruLocked(x), false)
	}
	for {
		need := size
		if t.exporters[xk] == nil {
			need += exporterSize
		}
		if t.entries < l.Entries && t.bytes+need <= l.Bytes {
			break
		}
		v := t.victimLocked()
		if v == nil {
			break
		}
		t.evictLocked(v, true)
	}
	x := t.exporters[xk]
	if x == nil {
		x = &share{key: xk, bytes: exporterSize, bucket: t.bucketLocked(xk.addr)}
		t.exporters[xk] = x
		heap.Push(&t.largest, x)
		t.bytes += exporterSize
		x.bucket.bytes += exporterSize
	}
	e.key, e.exp, e.size, e.pos = k, x, size, len(x.entries)
	x.entries = append(x.entries, e)
	x.bytes += size
	heap.Fix(&t.largest, x.heapIdx)
	t.entries++
	t.bytes += size
	x.bucket.entries++
	x.bucket.bytes += size
	e.probation.Store(true)
	e.older, e.newer = t.newest, nil
	if t.newest != nil {
		t.newest.newer = e
	} else {
		t.oldest = e
	}
	t.newest = e
	e.used.Store(t.clock.Add(1))
	s.mu.Lock()
	s.m[k] = e
	s.mu.Unlock()
	return true
}

// victimLocked is the entry the whole cache evicts next: the oldest on
// probation, else the least recently used of the exporter holding most;
// nil when the cache holds no entry.
func (t *Templates) victimLocked() *entry {
	if t.oldest != nil {
		return t.oldest
	}
	if len(t.largest) == 0 {
		return nil
	}
	return t.lruLocked(t.largest[0])
}

// lruLocked returns the least recently used of a few entries of x, drawn at
// random (all of them when few): an approximation of x's least recently
// used entry that costs the same whatever x holds; nil when x holds none.
func (t *Templates) lruLocked(x *share) *entry {
	const draws = 8
	var victim *entry
	oldest := ^uint64(0)
	n := len(x.entries)
	for i := range min(n, draws) {
		e := x.entries[i]
		if n > draws {
			e = x.entries[rand.IntN(n)]
		}
		if u := e.used.Load(); victim == nil || u < oldest {
			victim, oldest = e, u
		}
	}
	return victim
}

// evictLocked removes e to make room and counts it.
func (t *Templates) evictLocked(e *entry, budget bool) {
	b := e.exp.bucket
	t.removeLocked(e, true)
	t.evicted.Add(1)
	if budget {
		b.evictedBudget++
	} else {
		b.evictedShare++
	}
}

// removeLocked removes e from the cache and from its exporter's share; an
// exporter left with no entry is forgotten when forget is set.
func (t *Templates) removeLocked(e *entry, forget bool) {
	s := &t.shard[t.shardOf(e.key)]
	s.mu.Lock()
	if s.m[e.key] == e {
		delete(s.m, e.key)
	}
	s.mu.Unlock()
	if e.probation.Load() {
		t.unlinkLocked(e)
	}
	x := e.exp
	last := x.entries[len(x.entries)-1]
	x.entries[e.pos], last.pos = last, e.pos
	x.entries[len(x.entries)-1] = nil
	x.entries = x.entries[:len(x.entries)-1]
	x.bytes -= e.size
	t.entries--
	t.bytes -= e.size
	x.bucket.entries--
	x.bucket.bytes -= e.size
	e.exp = nil
	if len(x.entries) > 0 || !forget {
		heap.Fix(&t.largest, x.heapIdx)
		return
	}
	heap.Remove(&t.largest, x.heapIdx)
	delete(t.exporters, x.key)
	t.bytes -= x.bytes
	x.bucket.bytes -= x.bytes
}

// unlinkLocked takes e out of the probation list.
func (t *Templates) unlinkLocked(e *entry) {
	if e.older != nil {
		e.older.newer = e.newer
	} else if t.oldest == e {
		t.oldest = e.newer
	}
	if e.newer != nil {
		e.newer.older = e.older
	} else if t.newest == e {
		t.newest = e.older
	}
	e.older, e.newer = nil, nil
}

// exporterHeap orders exporters by the bytes they hold, the most first.
type exporterHeap []*share

func (h exporterHeap) Len() int           { return len(h) }
func (h exporterHeap) Less(i, j int) bool { return h[i].bytes > h[j].bytes }
func (h exporterHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *exporterHeap) Push(v any) {
	x := v.(*share)
	x.heapIdx = len(*h)
	*h = append(*h, x)
}
func (h *exporterHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}
