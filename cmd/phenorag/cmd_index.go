package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/ingest"
	"github.com/phenorag/phenorag/retrieve"
)

// indexFlags are the settings of the index command.
type indexFlags struct {
	notes          listFlag
	index, format  string
	rejects        string
	batch, flights int
}

func parseIndexFlags(args []string) (indexFlags, error) {
	var f indexFlags
	fs := flag.NewFlagSet("index", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(),
			"usage: phenorag index --notes PATH... --index DIR [--format F] [--rejects FILE]\n"+
				"       phenorag index --index DIR   (says what the index holds)")
		fs.PrintDefaults()
	}
	fs.Var(&f.notes, "notes", "notes `path` (file or folder; repeatable, or comma separated)")
	fs.StringVar(&f.index, "index", "", "index `dir`; created if missing, else extended")
	fs.StringVar(&f.format, "format", "", "input `format` (default: told from each file)")
	fs.StringVar(&f.rejects, "rejects", "", "CSV `file` of rejected rows (no note text)")
	fs.IntVar(&f.batch, "batch", 0, "notes per index batch (0: 2000)")
	fs.IntVar(&f.flights, "in-flight", 0, "batches indexed at once while the next fills (0: 1)")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	if f.index == "" {
		return f, usagef("--index is required")
	}
	return f, nil
}

// indexRejects is where index writes rejected rows: a CSV file with the
// header of ingest.RejectsHeader, shared by ingest and the index's own
// checks.
type indexRejects struct {
	file *os.File
	csv  *csv.Writer
}

func runIndex(ctx context.Context, e *env, args []string) error {
	f, err := parseIndexFlags(args)
	if err != nil {
		return err
	}
	if len(f.notes) == 0 {
		return showIndex(e, f.index)
	}
	rej, closeRejects, err := openIndexRejects(f.rejects)
	if err != nil {
		return err
	}
	ix, err := retrieve.OpenOrCreate(f.index)
	if err != nil {
		closeRejects()
		return err
	}
	w := ix.NewWriter(retrieve.WriterOptions{BatchSize: f.batch, InFlight: f.flights})

	var rejected int
	for _, path := range f.notes {
		entry, err := indexFile(ctx, e, w, path, f.format, rej)
		if err != nil {
			err = errors.Join(err, w.Close(ctx), ix.Close(), closeRejects())
			return err
		}
		w.RecordFile(entry)
		rejected += entry.Rejected
		e.log.Info("indexed file", "file", path, "format", entry.Format, "read", entry.Read,
			"accepted", entry.Accepted, "rejected", entry.Rejected, "duplicates", entry.Duplicates)
	}
	if err := errors.Join(w.Close(ctx), closeRejects()); err != nil {
		ix.Close()
		return err
	}
	m := ix.Manifest()
	if err := ix.Close(); err != nil {
		return err
	}
	e.log.Info("index ready", "index", f.index, "notes", m.Notes, "patients", m.Patients,
		"files", len(m.Files))
	if rejected > 0 {
		return fmt.Errorf("%d rows rejected (see the rejects file): %w", rejected, errPartial)
	}
	return nil
}

// indexFile reads one notes path into w and says what became of its rows.
// A note whose id the index holds with another text is rejected.
func indexFile(ctx context.Context, e *env, w *retrieve.Writer, path, format string,
	rej *indexRejects) (retrieve.FileEntry, error) {
	var dup, conflicts, n int
	progress, done := newCounter(e, "notes")
	defer done()
	// The writer copies what it keeps of a note: its ids, and the text into
	// bleve's document.
	opts := ingest.Options{Format: format, ReuseText: true}
	if rej != nil {
		opts.Rejects = rej.file
	}
	sum, err := ingest.ReadNotes(ctx, []string{path}, opts, func(note phenorag.Note) error {
		n++
		if n%1000 == 0 {
			progress(n)
		}
		out, err := w.Add(ctx, note)
		switch {
		case out == retrieve.Duplicate:
			dup++
		case out == retrieve.Conflict:
			conflicts++
		case err != nil:
			return err
		}
		return nil
	})
	if err != nil {
		return retrieve.FileEntry{}, fmt.Errorf("index %s: %w", path, err)
	}
	if rej != nil && conflicts > 0 { // after ingest has flushed its own rows
		rej.csv.Write([]string{path, "", "", "note_id",
			fmt.Sprintf("%d notes whose id is already indexed with another text", conflicts)})
		rej.csv.Flush()
	}
	t := sum.Totals()
	format = t.Format
	if len(sum.Files) > 0 {
		format = sum.Files[0].Format
	}
	return retrieve.FileEntry{
		Path: path, Format: format, Read: t.Read,
		Accepted:   t.Accepted - dup - conflicts,
		Rejected:   t.Rejected + conflicts,
		Duplicates: t.Duplicates + dup,
	}, nil
}

// openIndexRejects opens the rejects file with its header; closing flushes.
func openIndexRejects(path string) (*indexRejects, func() error, error) {
	if path == "" {
		return nil, func() error { return nil }, nil
	}
	file, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	r := &indexRejects{file: file, csv: csv.NewWriter(file)}
	r.csv.Write(ingest.RejectsHeader)
	r.csv.Flush()
	return r, func() error {
		r.csv.Flush()
		return errors.Join(r.csv.Error(), file.Close())
	}, nil
}

// showIndex prints what an index holds: its totals and, for each file it
// was built from, what became of the file's rows.
func showIndex(e *env, dir string) error {
	ix, err := retrieve.Open(dir)
	if err != nil {
		return err
	}
	m := ix.Manifest()
	if err := ix.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "index %s: %d notes of %d patients, %d bytes of text, from %d files\n",
		dir, m.Notes, m.Patients, m.TextBytes, len(m.Files))
	fmt.Fprintf(e.stdout, "created %s, updated %s\n\n", m.Created.Format(time.RFC3339),
		m.Updated.Format(time.RFC3339))
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "file\tformat\tread\taccepted\trejected\tduplicates\tindexed at")
	for _, fe := range m.Files {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", fe.Path, fe.Format, fe.Read,
			fe.Accepted, fe.Rejected, fe.Duplicates, fe.IndexedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}
