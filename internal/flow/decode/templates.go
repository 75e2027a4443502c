package decode

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
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

type entry struct {
	tmpl  *template
	state exporterState
	used  atomic.Uint64
}

const shards = 64

// Templates is the template cache of a Decoder: templates and sampling
// options keyed by (exporter, observation domain, template id), at most
// Capacity entries; when full, an approximately least recently used entry is
// evicted, so a flood of templates or exporters cannot grow it. Safe for
// concurrent use: it is split into shards with their own lock.
type Templates struct {
	salt     uint64
	perShard int
	shard    [shards]struct {
		mu    sync.RWMutex
		m     map[key]*entry
		clock atomic.Uint64
		_     [40]byte
	}
	evicted atomic.Uint64
}

// minPerShard is the least room of a shard: with fewer, the templates of
// one exporter that hash to the same shard would evict each other.
const minPerShard = 8

// NewTemplates returns a cache of at most capacity entries, rounded up to
// at least minPerShard per shard.
func NewTemplates(capacity int) *Templates {
	t := &Templates{salt: rand.Uint64(), perShard: max(minPerShard, (capacity+shards-1)/shards)}
	for i := range t.shard {
		t.shard[i].m = make(map[key]*entry)
	}
	return t
}

// Len returns the number of cached entries.
func (t *Templates) Len() int {
	n := 0
	for i := range t.shard {
		s := &t.shard[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

// Evicted returns how many entries were evicted to make room.
func (t *Templates) Evicted() uint64 { return t.evicted.Load() }

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

// get returns the entry for k, or nil.
func (t *Templates) get(k key) *entry {
	s := &t.shard[t.shardOf(k)]
	s.mu.RLock()
	e := s.m[k]
	s.mu.RUnlock()
	if e != nil {
		if c := s.clock.Load(); e.used.Load() != c {
			e.used.Store(c)
		}
	}
	return e
}

// putTemplate stores a template unless an identical one is there already
// (exporters resend their templates often): only a new or changed template
// is copied to the heap.
func (t *Templates) putTemplate(k key, tm template) {
	s := &t.shard[t.shardOf(k)]
	same := func(e *entry) bool {
		return e != nil && e.tmpl != nil && e.tmpl.options == tm.options && e.tmpl.scopes == tm.scopes && slices.Equal(e.tmpl.fields, tm.fields)
	}
	s.mu.RLock()
	e := s.m[k]
	known := same(e)
	s.mu.RUnlock()
	if known {
		if c := s.clock.Load(); e.used.Load() != c {
			e.used.Store(c)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if same(s.m[k]) {
		return
	}
	stored := &template{fields: slices.Clone(tm.fields), options: tm.options, scopes: tm.scopes, minLen: tm.minLen}
	t.insertLocked(s.m, &s.clock, k, &entry{tmpl: stored})
}

// remove withdraws a template.
func (t *Templates) remove(k key) {
	s := &t.shard[t.shardOf(k)]
	s.mu.Lock()
	delete(s.m, k)
	s.mu.Unlock()
}

// updateState applies f to the exporter state of k (created when missing).
func (t *Templates) updateState(k key, f func(*exporterState)) {
	s := &t.shard[t.shardOf(k)]
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[k]
	if e == nil {
		e = &entry{}
		t.insertLocked(s.m, &s.clock, k, e)
	}
	f(&e.state)
}

// state returns the exporter state of k (zero when unknown).
func (t *Templates) state(k key) exporterState {
	s := &t.shard[t.shardOf(k)]
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.m[k]; e != nil {
		return e.state
	}
	return exporterState{}
}

// insertLocked adds e, evicting the least recently used of a few sampled
// entries when the shard is full (map iteration order is random).
func (t *Templates) insertLocked(m map[key]*entry, clock *atomic.Uint64, k key, e *entry) {
	if _, ok := m[k]; !ok && len(m) >= t.perShard {
		var victim key
		oldest, n := ^uint64(0), 0
		for vk, ve := range m {
			if u := ve.used.Load(); u < oldest {
				oldest, victim = u, vk
			}
			if n++; n == 8 {
				break
			}
		}
		delete(m, victim)
		t.evicted.Add(1)
	}
	e.used.Store(clock.Add(1))
	m[k] = e
}
