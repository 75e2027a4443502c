package aggregate

import (
	"math/bits"
	"net/netip"
	"unsafe"
)

// table is an open-addressing hash table (linear probing) from keys to
// counters, for the hot path of Add: its hash mixes a few words with two
// multiplications, where a Go map hashes the whole key (72 bytes for a
// flow key) with a generic hasher; BenchmarkAdd measures the difference.
// Emptying it keeps its storage.
type table[K hashable] struct {
	slots []slot // len is a power of two, or 0
	keys  []K
	vals  []counters
}

// hashable is a key of a table.
type hashable interface {
	comparable
	hash() uint64
}

// slot is a key's place: its index in keys plus one (0: empty) and the
// high bits of its hash, compared before the key.
type slot struct {
	idx  uint32
	hash uint32
}

// minSlots is the size of a table's first allocation.
const minSlots = 64

// get returns the counters of k, whose hash is h, or nil.
func (t *table[K]) get(k K, h uint64) *counters {
	if len(t.slots) == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	hi := uint32(h >> 32)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s.idx == 0 {
			return nil
		}
		if s.hash == hi && t.keys[s.idx-1] == k {
			return &t.vals[s.idx-1]
		}
	}
}

// put adds k (absent; its hash is h) with counters c.
func (t *table[K]) put(k K, h uint64, c counters) {
	if 2*(len(t.keys)+1) > len(t.slots) {
		t.grow()
	}
	t.keys = append(t.keys, k)
	t.vals = append(t.vals, c)
	t.place(uint32(len(t.keys)), h)
}

func (t *table[K]) place(idx uint32, h uint64) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].idx != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = slot{idx, uint32(h >> 32)}
}

// grow doubles the slots and places the keys again; it needs their
// hashes, which the keys recompute.
func (t *table[K]) grow() {
	n := max(minSlots, 2*len(t.slots))
	t.slots = make([]slot, n)
	for i := range t.keys {
		t.place(uint32(i+1), t.keys[i].hash())
	}
}

// reset empties the table and keeps its storage.
func (t *table[K]) reset() {
	clear(t.slots)
	t.keys, t.vals = t.keys[:0], t.vals[:0]
}

func (t *table[K]) len() int { return len(t.keys) }

// mix is a 64-bit multiply-fold mixer (wyhash's).
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^0xa0761d6478bd642f, b^0xe7037ed1a0b428db)
	return hi ^ lo
}

// addr returns the identity of a shared endpoint or port as a number: they
// are compared by pointer, and heap objects do not move in Go.
func addr[T any](p *T) uint64 { return uint64(uintptr(unsafe.Pointer(p))) }

func (k key) hash() uint64 {
	s0, s1 := addrWords(&k.srcAddr)
	d0, d1 := addrWords(&k.dstAddr)
	h := mix(addr(k.src)^s0, addr(k.dst)^s1)
	h = mix(h^d0, d1^k.pp)
	return mix(h^addr(k.in), addr(k.out))
}

// addrWords returns the first 16 bytes of an address's representation
// (netip keeps the 128-bit address there), for hashing only: As16 costs
// ten times more. Keys are compared with ==, so a change of netip's layout
// could make the hash worse, never a lookup wrong; reading 16 of the
// value's 24 bytes stays within it.
func addrWords(a *netip.Addr) (uint64, uint64) {
	w := (*[2]uint64)(unsafe.Pointer(a))
	return w[0], w[1]
}

func (k linkKey) hash() uint64 { return mix(addr(k.port), uint64(k.dir)) }
