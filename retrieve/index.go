package retrieve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/phenorag/phenorag"
)

// Keys of the index's internal store.
var (
	keyManifest = []byte("phenorag.manifest")
	keyPatients = []byte("phenorag.patients")
)

// ErrNotFound is returned for a note or patient the index does not hold.
var ErrNotFound = errors.New("not found")

// Index is an on-disk bleve index of notes. It is safe for concurrent use;
// only one process may have it open at a time.
type Index struct {
	dir string
	idx bleve.Index

	mu       sync.Mutex // guards manifest and patients
	manifest Manifest
	patients map[string]PatientStats
}

// Manifest says what an index holds and which files it was built from.
type Manifest struct {
	Notes     int         `json:"notes"`
	Patients  int         `json:"patients"`
	TextBytes int64       `json:"text_bytes"`
	Files     []FileEntry `json:"files"`
	Created   time.Time   `json:"created"`
	Updated   time.Time   `json:"updated"`
}

// FileEntry records one ingested file and what became of its rows.
type FileEntry struct {
	Path     string `json:"path"`
	Format   string `json:"format,omitempty"`
	Read     int    `json:"read"`     // rows read
	Accepted int    `json:"accepted"` // notes newly indexed
	Rejected int    `json:"rejected"` // rows refused by the reader, or conflicting ids
	// Duplicates counts notes already in the index with the same id and text.
	Duplicates int       `json:"duplicates"`
	IndexedAt  time.Time `json:"indexed_at"`
}

// PatientStats counts one patient's notes in the index.
type PatientStats struct {
	Notes     int `json:"notes"`
	TextBytes int `json:"text_bytes"`
}

// Create makes a new, empty index in dir, which must not exist yet.
func Create(dir string) (*Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	idx, err := bleve.New(dir, m)
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", dir, err)
	}
	now := time.Now().UTC()
	ix := &Index{dir: dir, idx: idx, patients: map[string]PatientStats{}}
	ix.manifest = Manifest{Created: now, Updated: now}
	if err := ix.save(); err != nil {
		idx.Close()
		return nil, err
	}
	return ix, nil
}

// Open opens the index in dir.
func Open(dir string) (*Index, error) {
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	idx, err := bleve.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	ix := &Index{dir: dir, idx: idx}
	if err := ix.load(); err != nil {
		idx.Close()
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	return ix, nil
}

// OpenOrCreate opens the index in dir, creating it if dir does not exist.
func OpenOrCreate(dir string) (*Index, error) {
	_, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return Create(dir)
	}
	return Open(dir)
}

// Close closes the index.
func (ix *Index) Close() error { return ix.idx.Close() }

// Dir returns the directory the index lives in.
func (ix *Index) Dir() string { return ix.dir }

// Manifest returns what the index holds.
func (ix *Index) Manifest() Manifest {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	m := ix.manifest
	m.Files = slices.Clone(m.Files)
	return m
}

// Patients returns the ids of every patient with a note in the index, sorted.
func (ix *Index) Patients(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ids := make([]string, 0, len(ix.patients))
	for id := range ix.patients {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

// PatientStats returns how many notes and bytes of text a patient has.
func (ix *Index) PatientStats(id string) (PatientStats, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	s, ok := ix.patients[id]
	return s, ok
}

// storedFields are the stored fields read back for a note.
var storedFields = []string{fieldPatient, fieldDate, fieldType, fieldTitle, fieldText}

// Note returns the note with id as it was indexed.
func (ix *Index) Note(id string) (phenorag.Note, error) {
	req := bleve.NewSearchRequestOptions(query.NewDocIDQuery([]string{id}), 1, 0, false)
	req.Fields = storedFields
	res, err := ix.idx.Search(req)
	if err != nil {
		return phenorag.Note{}, fmt.Errorf("note %s: %w", id, err)
	}
	if len(res.Hits) == 0 {
		return phenorag.Note{}, fmt.Errorf("note %s: %w", id, ErrNotFound)
	}
	return noteFromFields(id, res.Hits[0].Fields)
}

// PatientNotes returns a patient's notes, ordered by date then note id.
func (ix *Index) PatientNotes(ctx context.Context, id string) ([]phenorag.Note, error) {
	st, ok := ix.PatientStats(id)
	if !ok {
		return nil, fmt.Errorf("patient %s: %w", id, ErrNotFound)
	}
	q := query.NewTermQuery(id)
	q.SetField(fieldPatient)
	req := bleve.NewSearchRequestOptions(q, st.Notes+1, 0, false)
	req.Fields = storedFields
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("patient %s notes: %w", id, err)
	}
	notes := make([]phenorag.Note, 0, len(res.Hits))
	for _, h := range res.Hits {
		n, err := noteFromFields(h.ID, h.Fields)
		if err != nil {
			return nil, err
		}
		notes = append(notes, n)
	}
	sortNotes(notes)
	return notes, nil
}

// sortNotes orders notes by date, then id.
func sortNotes(notes []phenorag.Note) {
	slices.SortFunc(notes, func(a, b phenorag.Note) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// noteFromFields rebuilds a note from its stored fields.
func noteFromFields(id string, f map[string]any) (phenorag.Note, error) {
	n := phenorag.Note{ID: id}
	n.PatientID, _ = f[fieldPatient].(string)
	n.Type, _ = f[fieldType].(string)
	n.Title, _ = f[fieldTitle].(string)
	n.Text, _ = f[fieldText].(string)
	if s, ok := f[fieldDate].(string); ok && s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return n, fmt.Errorf("note %s: field %s: %w", id, fieldDate, err)
		}
		n.Date = t
	}
	return n, nil
}

// load reads the manifest and patient table from the internal store.
func (ix *Index) load() error {
	ix.patients = map[string]PatientStats{}
	for _, kv := range []struct {
		key []byte
		v   any
	}{{keyManifest, &ix.manifest}, {keyPatients, &ix.patients}} {
		b, err := ix.idx.GetInternal(kv.key)
		if err != nil {
			return fmt.Errorf("read %s: %w", kv.key, err)
		}
		if b == nil {
			return fmt.Errorf("read %s: missing: not a phenorag index", kv.key)
		}
		if err := json.Unmarshal(b, kv.v); err != nil {
			return fmt.Errorf("read %s: %w", kv.key, err)
		}
	}
	return nil
}

// save writes the manifest and patient table to the internal store.
func (ix *Index) save() error {
	ix.mu.Lock()
	ix.manifest.Patients = len(ix.patients)
	m, err1 := json.Marshal(ix.manifest)
	p, err2 := json.Marshal(ix.patients)
	ix.mu.Unlock()
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	if err := ix.idx.SetInternal(keyPatients, p); err != nil {
		return fmt.Errorf("write patient table: %w", err)
	}
	if err := ix.idx.SetInternal(keyManifest, m); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}
