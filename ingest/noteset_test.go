package ingest

import (
	"math/rand/v2"
	"testing"
)

func TestNoteSet(t *testing.T) {
	var s noteSet
	want := make(map[uint64]uint32)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 5000 {
		id := r.Uint64()
		if i%500 == 0 {
			id = uint64(i/500) * 7 // small ids, 0 among them (stored as 1)
		}
		if _, found := s.lookup(id); found {
			t.Fatalf("id %d found before it was added", id)
		}
		v := r.Uint32()
		s.add(id, v)
		want[id] = v
	}
	for id, v := range want {
		if got, found := s.lookup(id); !found || got != v {
			t.Fatalf("lookup(%d) = %d, %v; want %d", id, got, found, v)
		}
	}
	if s.n != len(want) || s.n*4 > len(s.keys)*3 {
		t.Errorf("%d entries in %d slots", s.n, len(s.keys))
	}
}
