package attribute

// intTable is a read-only open-addressing hash table (linear probing,
// Fibonacci hashing) from integer keys (MACs, IPv4 addresses, ifIndexes) to
// spans: one multiplication and, for a present key, usually one cache line,
// where a Go map hashes with a generic function and probes control bytes
// first. BenchmarkEndpoint measures lookups.
type intTable struct {
	slots []intSlot // len is a power of two
	shift uint8     // 64 - log2(len(slots))
}

// intSlot holds a key and its span; an empty slot has a span of length 0
// (every key has at least one segment).
type intSlot struct {
	key uint64
	sp  span
}

// newIntTable returns a table of the keys of m, at most half full.
func newIntTable[K uint32 | uint64](m map[K]span) intTable {
	n, bits := 8, uint8(3)
	for n < 2*len(m) {
		n, bits = n*2, bits+1
	}
	t := intTable{slots: make([]intSlot, n), shift: 64 - bits}
	mask := uint64(n - 1)
	for k, sp := range m {
		i := t.home(uint64(k))
		for t.slots[i].sp.n != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = intSlot{uint64(k), sp}
	}
	return t
}

func (t *intTable) home(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> t.shift }

// get returns the span of k.
func (t *intTable) get(k uint64) (span, bool) {
	if len(t.slots) == 0 {
		return span{}, false
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.sp.n == 0 {
			return span{}, false
		}
		if s.key == k {
			return s.sp, true
		}
	}
}
