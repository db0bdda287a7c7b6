// Package ingest reads clinical notes and structured facts from the shapes
// research data comes in: CSV and TSV (plain or gzip), JSONL, Parquet,
// MIMIC-IV (note and hosp modules), OMOP CDM tables and folders of .txt
// files.
//
// Everything is streamed: a reader holds one row (or one Parquet record
// batch) at a time, plus, for notes, a compact set of the note ids seen so
// far (8 bytes of id hash and 4 bytes of text hash per note, in a table at
// most three quarters full) to find duplicates. Note text is passed on byte for byte as stored; derived,
// normalised views are separate functions that map back to the original
// offsets.
//
// Bad rows are rejected one by one with their position and a reason (see
// RowError) and the read goes on, unless Options.Strict is set. No error or
// reject row carries a value from the input, since values may identify a
// patient.
package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Options says how to read the input. The zero value detects everything.
type Options struct {
	// Format is "" to tell each file's format from its name, first bytes
	// and header, or one of csv, tsv, jsonl, parquet (the container; columns
	// are still found by name), mimic, omop (the column layout; the
	// container is told from the name), txt (a folder of .txt notes).
	Format string
	// Columns maps our field names (note_id, patient_id, note_date,
	// note_datetime, note_type, note_title, text for notes; patient_id,
	// date, datetime, system, code, name, value, unit, hadm_id for facts)
	// to the file's column names, overriding the names looked for by
	// default. Names match regardless of case.
	Columns map[string]string
	// Strict stops the read at the first rejected row and returns its
	// *RowError.
	Strict bool
	// Rejects, if not nil, receives one CSV row per rejected row:
	// file,line,row,field,reason (see RejectsHeader; no header is written).
	Rejects io.Writer
	// PatientPattern is a regular expression matched against the path of
	// each .txt note, relative to the folder given; its (?P<patient>...)
	// group is the patient id (and an optional (?P<note>...) group the note
	// id). Empty: the patient id is the name of the note's folder.
	PatientPattern string
	// ReuseText lets ReadNotes read each note's Text into memory that later
	// notes are read into: the text is then valid only until fn returns,
	// and a caller that keeps it must copy it (strings.Clone). It spares
	// copying every text out of the read buffer. Ids, types and titles are
	// always copies of their own.
	ReuseText bool
}

// RejectsHeader is the header of the CSV rows written to Options.Rejects.
var RejectsHeader = []string{"file", "line", "row", "field", "reason"}

// Summary tells what a read did with each file.
type Summary struct {
	Files []FileSummary
}

// FileSummary counts the rows of one file (or one folder of .txt notes).
// The counts reconcile: Read = Accepted + Rejected + Duplicates. Empty
// counts the accepted notes whose text is empty or blank.
type FileSummary struct {
	Path       string
	Format     string // such as "csv.gz", "omop/parquet", "mimic/csv.gz", "txt"
	Read       int    // data rows (or .txt files) read
	Accepted   int    // passed on to the caller
	Rejected   int    // malformed rows, reported as RowErrors
	Duplicates int    // notes seen before with identical text, skipped
	Empty      int    // accepted notes without text
}

// Reconciles reports whether Read = Accepted + Rejected + Duplicates.
func (f FileSummary) Reconciles() bool {
	return f.Read == f.Accepted+f.Rejected+f.Duplicates
}

// Totals returns the sums over all files, with Path "total".
func (s Summary) Totals() FileSummary {
	t := FileSummary{Path: "total"}
	for _, f := range s.Files {
		t.Read += f.Read
		t.Accepted += f.Accepted
		t.Rejected += f.Rejected
		t.Duplicates += f.Duplicates
		t.Empty += f.Empty
	}
	return t
}

// errDuplicate marks a row that is skipped but is not an error.
var errDuplicate = errors.New("duplicate")

// session holds what one ReadNotes or ReadFacts call shares across files.
type session struct {
	opts    Options
	rejects *csv.Writer
}

func newSession(opts Options) (*session, error) {
	if err := checkFormat(opts.Format); err != nil {
		return nil, err
	}
	s := &session{opts: opts}
	if opts.Rejects != nil {
		s.rejects = csv.NewWriter(opts.Rejects)
	}
	return s, nil
}

// rowFunc turns one row into a record for the caller. It returns a
// *RowError to reject the row, errDuplicate to skip it, or another error to
// stop the read.
type rowFunc func(vals []string, ok []bool) error

// each runs fn on every row of t, counting into fs. It returns nil at the
// end of the table, the first *RowError when Strict, or an error that
// stops the read.
func (s *session) each(ctx context.Context, t table, path string, n int, fs *FileSummary,
	fn rowFunc) error {
	vals, ok := make([]string, n), make([]bool, n)
	for {
		if fs.Read%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		p, err := t.next(vals, ok)
		if err == io.EOF {
			return nil
		}
		if err != nil && !isRowError(err) {
			return fmt.Errorf("%s: row %d: %w", path, p.row, err)
		}
		fs.Read++
		if err == nil {
			err = fn(vals, ok)
		}
		if err := s.count(fs, path, p, err); err != nil {
			return err
		}
	}
}

// isRowError reports whether err is a *RowError.
func isRowError(err error) bool {
	var re *RowError
	return errors.As(err, &re)
}

// count records the outcome of one row.
func (s *session) count(fs *FileSummary, path string, p pos, err error) error {
	if err == nil {
		fs.Accepted++ // the common case, kept clear of errors.As, whose target escapes
		return nil
	}
	var re *RowError
	switch {
	case errors.Is(err, errDuplicate):
		fs.Duplicates++
	case errors.As(err, &re):
		fs.Rejected++
		re.File, re.Line, re.Row = path, p.line, p.row
		if werr := s.reject(re); werr != nil {
			return werr
		}
		if s.opts.Strict {
			return re
		}
	default:
		return err
	}
	return nil
}

// reject writes one row to the rejects file.
func (s *session) reject(re *RowError) error {
	if s.rejects == nil {
		return nil
	}
	line := ""
	if re.Line > 0 {
		line = strconv.Itoa(re.Line)
	}
	rec := []string{re.File, line, strconv.Itoa(re.Row), re.Field, re.reason()}
	if err := s.rejects.Write(rec); err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	return nil
}

// flush writes out buffered reject rows.
func (s *session) flush() error {
	if s.rejects == nil {
		return nil
	}
	s.rejects.Flush()
	if err := s.rejects.Error(); err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	return nil
}
