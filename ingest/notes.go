package ingest

import (
	"context"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/phenorag/phenorag"
)

// The note fields, in the order rows are bound.
const (
	nID = iota
	nPatient
	nDate
	nType
	nTitle
	nText
	nDateTime
)

// noteFields lists where each note field is looked for: our own shape,
// OMOP NOTE, MIMIC-IV-Note and MIMIC-III NOTEEVENTS among others.
var noteFields = []field{
	{"note_id", []string{"note_id", "id", "row_id", "noteid"}, true},
	{"patient_id", []string{"patient_id", "person_id", "subject_id", "patient", "mrn"}, true},
	{"note_date", []string{"note_date", "date", "charttime", "note_datetime", "chartdate"}, false},
	{"note_type", []string{"note_type", "type", "category", "note_source_value",
		"note_title", "description"}, false},
	{"note_title", []string{"note_title", "title"}, false},
	{"text", []string{"text", "note_text", "body", "note"}, true},
	// note_datetime dates a row whose note_date is empty (OMOP allows it).
	{"note_datetime", []string{"note_datetime", "charttime", "chartdate"}, false},
}

// mimicNoteTypes spells out the MIMIC-IV-Note type codes; other values are
// kept as they are.
var mimicNoteTypes = map[string]string{
	"DS": "discharge summary",
	"RR": "radiology report",
}

// ReadNotes reads the notes in paths and calls fn with each accepted note,
// from one goroutine, in file order. A path is a file, a folder of .txt
// notes, or a MIMIC-IV or OMOP folder in which the note tables are found by
// name. A note whose id was seen before with the same text is skipped and
// counted as a duplicate; with different text it is rejected. The index.csv
// of a .txt folder, which dates and types its notes, is held in memory.
// Under Options.ReuseText a note's text is valid only until fn returns.
//
// The error is nil when every file was read to its end, even if rows were
// rejected (see the Summary); otherwise it names the file that could not be
// read, or is the first *RowError under Options.Strict, or fn's error.
func ReadNotes(ctx context.Context, paths []string, opts Options,
	fn func(phenorag.Note) error) (Summary, error) {
	var sum Summary
	s, err := newSession(opts)
	if err != nil {
		return sum, err
	}
	if err := checkColumns(opts.Columns); err != nil {
		return sum, err
	}
	r := &noteReader{session: s, fn: fn, seed: maphash.MakeSeed()}
	if opts.PatientPattern != "" {
		if r.pattern, err = compilePatientPattern(opts.PatientPattern); err != nil {
			return sum, err
		}
	}
	for _, p := range paths {
		srcs, err := noteSources(p, opts.Format)
		if err != nil {
			return sum, err
		}
		for _, src := range srcs {
			fs, err := r.read(ctx, src)
			sum.Files = append(sum.Files, fs)
			if err != nil {
				s.flush()
				return sum, err
			}
		}
	}
	return sum, s.flush()
}

// source is one input of a read: a table file, or a folder of .txt notes.
type source struct {
	path    string
	flavour string // mimic, omop or "" (from the header)
	txt     bool
}

// noteSources expands a path into the note inputs it holds.
func noteSources(path, format string) ([]source, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read notes: %w", err)
	}
	if !st.IsDir() {
		if strings.EqualFold(filepath.Ext(path), ".txt") || format == formatTxt {
			return nil, fmt.Errorf("read notes %s: .txt notes are read from their folder, "+
				"whose subfolders name the patients", path)
		}
		return []source{{path: path}}, nil
	}
	if format == formatTxt {
		return []source{{path: path, txt: true}}, nil
	}
	var srcs []source
	for _, base := range []string{"discharge", "radiology"} {
		if p := findTable(path, base, "note"); p != "" {
			srcs = append(srcs, source{path: p, flavour: formatMIMIC})
		}
	}
	if len(srcs) > 0 {
		return srcs, nil
	}
	if p := findTable(path, "note"); p != "" {
		return []source{{path: p, flavour: formatOMOP}}, nil
	}
	if p := findTable(path, "notes"); p != "" {
		return []source{{path: p}}, nil
	}
	return []source{{path: path, txt: true}}, nil
}

// noteReader carries the state of one ReadNotes call.
type noteReader struct {
	*session
	fn      func(phenorag.Note) error
	pattern *regexp.Regexp
	seed    maphash.Seed
	// seen holds a hash of each note id read and of its text. A collision
	// of two 64-bit id hashes, which would make two notes look like one, is
	// vanishingly unlikely below billions of notes.
	seen noteSet
}

func (r *noteReader) read(ctx context.Context, src source) (FileSummary, error) {
	if src.txt {
		return r.readTxt(ctx, src.path)
	}
	fs := FileSummary{Path: src.path}
	t, label, err := openTable(src.path, r.opts.Format)
	if err != nil {
		return fs, fmt.Errorf("read notes %s: %w", src.path, err)
	}
	defer t.Close()
	// buildNote copies the short fields, so only the text is borrowed.
	if b, ok := t.(borrower); ok && r.opts.ReuseText {
		b.borrowValues()
	}

	flavour := noteFlavour(t.columns(), src.flavour, r.opts.Format)
	fs.Format = label
	if flavour != "" {
		fs.Format = flavour + "/" + label
	}
	cols, err := resolve(noteFields, t.columns(), label != formatJSONL, r.opts.Columns)
	if err != nil {
		return fs, fmt.Errorf("read notes %s: %w", src.path, err)
	}
	if err := t.bind(ctx, cols); err != nil {
		return fs, fmt.Errorf("read notes %s: %w", src.path, err)
	}
	mimic := flavour == formatMIMIC
	err = r.each(ctx, t, src.path, len(cols), &fs, func(vals []string, ok []bool) error {
		n, err := buildNote(vals, ok, mimic)
		if err != nil {
			return err
		}
		return r.accept(n, &fs)
	})
	return fs, err
}

// noteFlavour tells the column layout: forced, known from the folder, or
// told by the header.
func noteFlavour(header []string, known, forced string) string {
	switch {
	case forced == formatMIMIC || forced == formatOMOP:
		return forced
	case known != "":
		return known
	case hasAll(header, "subject_id", "charttime", "note_type"):
		return formatMIMIC
	case hasAll(header, "person_id", "note_text"):
		return formatOMOP
	}
	return ""
}

// buildNote checks one row and turns it into a note.
func buildNote(vals []string, ok []bool, mimic bool) (phenorag.Note, error) {
	for i, v := range vals {
		if !utf8.ValidString(v) {
			return phenorag.Note{}, rowErr(noteFields[i].name, ErrBadUTF8, "")
		}
	}
	n := phenorag.Note{
		ID:        strings.TrimSpace(vals[nID]),
		PatientID: strings.TrimSpace(vals[nPatient]),
		Type:      strings.TrimSpace(vals[nType]),
		Title:     strings.TrimSpace(vals[nTitle]),
		Text:      vals[nText],
	}
	detach(&n.ID, &n.PatientID, &n.Type, &n.Title)
	switch {
	case n.ID == "":
		return n, rowErr("note_id", ErrMissingField, "")
	case n.PatientID == "":
		return n, rowErr("patient_id", ErrMissingField, "")
	case !ok[nText]:
		return n, rowErr("text", ErrMissingField, "")
	}
	date, valid := parseDate(vals[nDate])
	if valid && date.IsZero() {
		date, valid = parseDate(vals[nDateTime])
	}
	if !valid {
		return n, rowErr("note_date", ErrBadDate, "not a date (want YYYY-MM-DD or a timestamp)")
	}
	n.Date = date
	if t, found := mimicNoteTypes[n.Type]; mimic && found {
		n.Type = t
	}
	return n, nil
}

// detach copies short fields into one string of their own. The fields of a
// row may share the memory of the whole row, text included, so a caller
// that keeps a note's id (in a set of the ids it has seen, say) would
// otherwise keep every note's text alive.
func detach(fields ...*string) {
	size := 0
	for _, f := range fields {
		size += len(*f)
	}
	var b strings.Builder
	b.Grow(size)
	for _, f := range fields {
		b.WriteString(*f)
	}
	all, at := b.String(), 0
	for _, f := range fields {
		*f = all[at : at+len(*f)]
		at += len(*f)
	}
}

// accept checks a note against those seen before and passes it on.
func (r *noteReader) accept(n phenorag.Note, fs *FileSummary) error {
	id, text := maphash.String(r.seed, n.ID), uint32(maphash.String(r.seed, n.Text))
	if prev, seen := r.seen.lookup(id); seen {
		if prev == text {
			return errDuplicate
		}
		return rowErr("note_id", ErrConflictingNote, "")
	}
	r.seen.add(id, text)
	if strings.TrimSpace(n.Text) == "" {
		fs.Empty++
	}
	return r.fn(n)
}
