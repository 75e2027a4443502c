package attribute

// intTable is a read-only open-addressing hash table (linear probing,
// Fibonacci hashing) from integer keys (MACs, IPv4 addresses, ifIndexes) to
// runs of values (a key's segments), the first value inline in the slot: a
// lookup costs one multiplication and, for a key with one value (the usual
// case), one memory access, where a Go map hashes with a generic function,
// probes control bytes first and a run elsewhere would need a second
// access. BenchmarkEndpoint measures lookups.
type intTable[S any] struct {
	slots []intSlot[S] // len is a power of two
	rest  []S          // the values of each run after its first
	shift uint8        // 64 - log2(len(slots))
}

// intSlot holds a key and its values; n is 0 in an empty slot (every key
// has at least one value).
type intSlot[S any] struct {
	key   uint64
	n     uint32 // values of the key
	off   uint32 // where its values after the first are in rest
	first S
}

// newIntTable returns a table of m (whose runs are not empty), at most half
// full.
func newIntTable[K uint32 | uint64, S any](m map[K][]S) intTable[S] {
	n, bits := 8, uint8(3)
	for n < 2*len(m) {
		n, bits = n*2, bits+1
	}
	t := intTable[S]{slots: make([]intSlot[S], n), shift: 64 - bits}
	mask := uint64(n - 1)
	for k, vs := range m {
		i := t.home(uint64(k))
		for t.slots[i].n != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = intSlot[S]{key: uint64(k), n: uint32(len(vs)), off: uint32(len(t.rest)), first: vs[0]}
		t.rest = append(t.rest, vs[1:]...)
	}
	return t
}

func (t *intTable[S]) home(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> t.shift }

// get returns the slot of k, or nil.
func (t *intTable[S]) get(k uint64) *intSlot[S] {
	if len(t.slots) == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.n == 0 {
			return nil
		}
		if s.key == k {
			return s
		}
	}
}

// more returns the values of slot s after its first.
func (t *intTable[S]) more(s *intSlot[S]) []S { return t.rest[s.off : s.off+s.n-1] }
