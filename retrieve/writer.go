package retrieve

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"
	"golang.org/x/sync/errgroup"

	"github.com/phenorag/phenorag"
)

// WriterOptions tune how a Writer batches notes. The zero value is sensible.
type WriterOptions struct {
	// BatchSize is the number of notes per bleve batch; 0 means 2000.
	// Measured on 10,000 synthetic notes (BenchmarkIndexBuild): 500 gave
	// 1,400 notes/s, 2,000 and 5,000 about 3,000.
	BatchSize int
	// InFlight is the number of batches indexed at once while the next one
	// fills; 0 means 1. bleve already analyses a batch on several
	// goroutines, and a second batch in flight gained nothing on two cores.
	InFlight int
}

// Outcome says what Add did with a note.
type Outcome int

// The outcomes of adding a note.
const (
	Added     Outcome = iota // newly indexed
	Duplicate                // already indexed with the same text; skipped
	Conflict                 // already indexed with a different text; rejected
)

// ErrConflict is returned by Add for a note whose id is already indexed with
// a different text.
var ErrConflict = errors.New("note id already indexed with a different text")

// Writer adds notes to an index in batches. It is not safe for concurrent
// use; call Close to flush the last batch and record the files.
type Writer struct {
	ix      *Index
	opts    WriterOptions
	checkIx bool              // the index held notes before: look each id up
	seen    map[string]uint64 // text digests of ids added by this writer
	batch   *bleve.Batch
	g       *errgroup.Group
	files   []FileEntry
}

// NewWriter returns a writer that adds notes to ix.
func (ix *Index) NewWriter(opts WriterOptions) *Writer {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2000
	}
	if opts.InFlight <= 0 {
		opts.InFlight = 1
	}
	g := new(errgroup.Group)
	g.SetLimit(opts.InFlight)
	n, _ := ix.idx.DocCount()
	return &Writer{
		ix: ix, opts: opts, checkIx: n > 0, seen: map[string]uint64{},
		batch: ix.idx.NewBatch(), g: g,
	}
}

// Add indexes n unless a note with its id is already indexed. It returns
// ErrConflict (with outcome Conflict) when that note has a different text.
func (w *Writer) Add(ctx context.Context, n phenorag.Note) (Outcome, error) {
	if err := ctx.Err(); err != nil {
		return Added, err
	}
	if n.ID == "" || n.PatientID == "" {
		return Added, errors.New("note without note id or patient id")
	}
	sum := digest(n.Text)
	out, err := w.lookup(n.ID, sum)
	if err != nil || out != Added {
		return out, err
	}
	w.seen[n.ID] = sum
	if err := w.batch.Index(n.ID, noteDoc(n, sum)); err != nil {
		return Added, fmt.Errorf("note %s: %w", n.ID, err)
	}
	w.count(n)
	if w.batch.Size() >= w.opts.BatchSize {
		return Added, w.flush(ctx)
	}
	return Added, nil
}

// lookup says whether id is new, a duplicate or a conflict.
func (w *Writer) lookup(id string, sum uint64) (Outcome, error) {
	old, ok := w.seen[id]
	if !ok && w.checkIx {
		var err error
		old, ok, err = w.storedDigest(id)
		if err != nil {
			return Added, err
		}
	}
	switch {
	case !ok:
		return Added, nil
	case old == sum:
		return Duplicate, nil
	default:
		return Conflict, fmt.Errorf("note %s: %w", id, ErrConflict)
	}
}

// storedDigest reads the text digest of an indexed note.
func (w *Writer) storedDigest(id string) (uint64, bool, error) {
	doc, err := w.ix.idx.Document(id)
	if err != nil {
		return 0, false, fmt.Errorf("look up note %s: %w", id, err)
	}
	if doc == nil {
		return 0, false, nil
	}
	var sum uint64
	var perr error
	doc.VisitFields(func(f index.Field) {
		if f.Name() == fieldHash {
			sum, perr = strconv.ParseUint(string(f.Value()), 16, 64)
		}
	})
	if perr != nil {
		return 0, false, fmt.Errorf("note %s: stored digest: %w", id, perr)
	}
	return sum, true, nil
}

// count adds n to the patient table and manifest.
func (w *Writer) count(n phenorag.Note) {
	ix := w.ix
	ix.mu.Lock()
	defer ix.mu.Unlock()
	p := ix.patients[n.PatientID]
	p.Notes++
	p.TextBytes += len(n.Text)
	ix.patients[n.PatientID] = p
	ix.manifest.Notes++
	ix.manifest.TextBytes += int64(len(n.Text))
}

// flush hands the current batch to a background indexer.
func (w *Writer) flush(ctx context.Context) error {
	if w.batch.Size() == 0 {
		return nil
	}
	b := w.batch
	w.batch = w.ix.idx.NewBatch()
	w.g.Go(func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.ix.idx.Batch(b); err != nil {
			return fmt.Errorf("index batch: %w", err)
		}
		return nil
	})
	return nil
}

// RecordFile adds a file's entry to the manifest when the writer closes.
func (w *Writer) RecordFile(f FileEntry) {
	if f.IndexedAt.IsZero() {
		f.IndexedAt = time.Now().UTC()
	}
	w.files = append(w.files, f)
}

// Close indexes the last batch, waits for every batch, and saves the
// manifest and patient table.
func (w *Writer) Close(ctx context.Context) error {
	flushErr := w.flush(ctx)
	if err := errors.Join(flushErr, w.g.Wait()); err != nil {
		return err
	}
	ix := w.ix
	ix.mu.Lock()
	ix.manifest.Files = append(ix.manifest.Files, w.files...)
	ix.manifest.Updated = time.Now().UTC()
	ix.mu.Unlock()
	w.files = nil
	return ix.save()
}

// digest is a fast fingerprint of a note text.
func digest(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// noteDoc is the document indexed for a note.
func noteDoc(n phenorag.Note, sum uint64) map[string]any {
	d := map[string]any{
		fieldPatient: n.PatientID,
		fieldText:    n.Text,
		fieldAbbr:    n.Text,
		fieldHash:    strconv.FormatUint(sum, 16),
	}
	if !n.Date.IsZero() {
		d[fieldDate] = n.Date
	}
	if n.Type != "" {
		d[fieldType] = n.Type
	}
	if n.Title != "" {
		d[fieldTitle] = n.Title
	}
	return d
}
