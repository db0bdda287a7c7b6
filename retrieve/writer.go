package retrieve

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
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
	counts  batchCounts // what batch adds to the patient table
	g       *errgroup.Group
	files   []FileEntry
}

// batchCounts is what one batch adds to the patient table and manifest; it
// is merged in only once the batch is indexed, so an interrupted run never
// records notes the index does not hold.
type batchCounts map[string]PatientStats

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
		batch: ix.idx.NewBatch(), counts: batchCounts{}, g: g,
	}
}

// Add indexes n unless a note with its id is already indexed. It returns
// ErrConflict (with outcome Conflict) when that note has a different text.
// It keeps copies of what it needs of n, so n's strings may be reused once
// it returns.
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
	// The maps and the batch outlive the note: copy the ids, which may
	// share the memory of a larger string, such as the row they were read
	// from. Bleve copies the text into its document.
	n.ID = strings.Clone(n.ID)
	w.seen[n.ID] = sum
	if err := w.batch.Index(n.ID, noteDoc(n, sum)); err != nil {
		return Added, fmt.Errorf("note %s: %w", n.ID, err)
	}
	p, ok := w.counts[n.PatientID]
	p.Notes++
	p.TextBytes += len(n.Text)
	if !ok {
		n.PatientID = strings.Clone(n.PatientID)
	}
	w.counts[n.PatientID] = p
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

// merge adds an indexed batch's counts to the patient table and manifest.
func (ix *Index) merge(c batchCounts) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for id, d := range c {
		p := ix.patients[id]
		p.Notes += d.Notes
		p.TextBytes += d.TextBytes
		ix.patients[id] = p
		ix.manifest.Notes += d.Notes
		ix.manifest.TextBytes += int64(d.TextBytes)
	}
}

// flush hands the current batch to a background indexer.
func (w *Writer) flush(ctx context.Context) error {
	if w.batch.Size() == 0 {
		return nil
	}
	b, counts := w.batch, w.counts
	w.batch, w.counts = w.ix.idx.NewBatch(), batchCounts{}
	w.g.Go(func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.ix.idx.Batch(b); err != nil {
			return fmt.Errorf("index batch: %w", err)
		}
		w.ix.merge(counts)
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
// manifest and patient table. After a failed batch or a cancelled ctx it
// still saves the counts of the batches that were indexed, so that a rerun
// adds the rest, but records no files.
func (w *Writer) Close(ctx context.Context) error {
	flushErr := w.flush(ctx)
	if err := errors.Join(flushErr, w.g.Wait()); err != nil {
		return errors.Join(err, w.ix.save())
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
