package store

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

func TestPutGetAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := Entry{Content: `{"label":"absent"}`, PromptTokens: i, OutputTokens: 2 * i}
			if err := s.Put(Key("k", string(rune('a'+i))), e); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.Len(); err != nil || n != 20 {
		t.Fatalf("Len = %d, %v; want 20", n, err)
	}
	e, ok, err := s.Get(Key("k", "c"))
	if err != nil || !ok || e.PromptTokens != 2 || e.OutputTokens != 4 {
		t.Fatalf("Get = %+v, %v, %v", e, ok, err)
	}
	if _, ok, err := s.Get(Key("missing")); ok || err != nil {
		t.Fatalf("Get(missing) = %v, %v", ok, err)
	}
}

func TestKeySeparatesParts(t *testing.T) {
	if Key("ab", "c") == Key("a", "bc") {
		t.Error("keys of different part lists collide")
	}
	if Key("a", "b") != Key("a", "b") {
		t.Error("key is not deterministic")
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// bbolt locks with flock, which is per open file description, so a
	// second Open in the same process sees the lock as another process would.
	_, err = Open(path)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
}
