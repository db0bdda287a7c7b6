package ingest

// noteSet remembers the notes read so far: for each 64-bit hash of a note
// id, a 32-bit hash of its text. It is the one structure of a read that
// grows with the input, so it is an open-addressing table of 12 bytes a
// slot, at most three quarters full, holding no pointers for the garbage
// collector to scan. A repeated id whose text differs is taken for a
// duplicate only if two 32-bit text hashes collide (one chance in four
// billion per repeated id).
type noteSet struct {
	keys []uint64 // 0 marks an empty slot
	vals []uint32
	n    int
}

// lookup returns the text hash stored for id.
func (s *noteSet) lookup(id uint64) (uint32, bool) {
	if len(s.keys) == 0 {
		return 0, false
	}
	id = nonZero(id)
	mask := uint64(len(s.keys) - 1)
	for i := id & mask; ; i = (i + 1) & mask {
		switch s.keys[i] {
		case id:
			return s.vals[i], true
		case 0:
			return 0, false
		}
	}
}

// add stores the text hash of an id not in the set.
func (s *noteSet) add(id uint64, text uint32) {
	if (s.n+1)*4 > len(s.keys)*3 {
		s.grow()
	}
	s.insert(nonZero(id), text)
	s.n++
}

func (s *noteSet) insert(id uint64, text uint32) {
	mask := uint64(len(s.keys) - 1)
	i := id & mask
	for s.keys[i] != 0 {
		i = (i + 1) & mask
	}
	s.keys[i], s.vals[i] = id, text
}

// grow doubles the table.
func (s *noteSet) grow() {
	keys, vals := s.keys, s.vals
	size := max(1024, 2*len(keys))
	s.keys, s.vals = make([]uint64, size), make([]uint32, size)
	for i, k := range keys {
		if k != 0 {
			s.insert(k, vals[i])
		}
	}
}

// nonZero keeps 0 free to mark empty slots. Hashes are spread by maphash,
// so the low bits used for the slot are already well mixed.
func nonZero(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}
