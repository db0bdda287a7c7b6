package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/phenorag/phenorag"
)

// compilePatientPattern compiles Options.PatientPattern, which must have a
// group named patient.
func compilePatientPattern(p string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("patient pattern: %w", err)
	}
	if re.SubexpIndex("patient") < 0 {
		return nil, errors.New("patient pattern: no (?P<patient>...) group")
	}
	return re, nil
}

// txtIndexFields are the columns of the optional index.csv of a .txt folder.
var txtIndexFields = []field{
	{"note_id", []string{"note_id", "id"}, true},
	{"note_date", []string{"note_date", "date"}, false},
	{"note_type", []string{"note_type", "type"}, false},
	{"note_title", []string{"note_title", "title"}, false},
}

// txtMeta is what index.csv says about one note.
type txtMeta struct{ date, typ, title string }

// readTxt reads a folder of .txt notes, one note per file, walked in
// lexical order. Read counts the files.
func (r *noteReader) readTxt(ctx context.Context, dir string) (FileSummary, error) {
	fs := FileSummary{Path: dir, Format: formatTxt}
	index, err := readTxtIndex(ctx, filepath.Join(dir, "index.csv"))
	if err != nil {
		return fs, fmt.Errorf("read notes %s: %w", dir, err)
	}
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".txt") ||
			strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fs.Read++
		n, err := r.txtNote(dir, path, index)
		if err == nil {
			err = r.accept(n, &fs)
		}
		return r.count(&fs, path, pos{row: fs.Read}, err)
	})
	if err != nil {
		return fs, fmt.Errorf("read notes %s: %w", dir, err)
	}
	return fs, nil
}

// txtNote reads one .txt note and fills in what the index knows about it.
func (r *noteReader) txtNote(dir, path string, index map[string]txtMeta) (phenorag.Note, error) {
	var n phenorag.Note
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return n, err
	}
	rel = filepath.ToSlash(rel)
	n.ID = strings.TrimSuffix(filepath.Base(rel), filepath.Ext(rel))
	if d := filepath.Dir(rel); d != "." {
		n.PatientID = filepath.Base(d)
	}
	if r.pattern != nil {
		n.PatientID = ""
		if m := r.pattern.FindStringSubmatch(rel); m != nil {
			n.PatientID = m[r.pattern.SubexpIndex("patient")]
			if i := r.pattern.SubexpIndex("note"); i >= 0 && m[i] != "" {
				n.ID = m[i]
			}
		}
	}
	if n.PatientID == "" {
		return n, rowErr("patient_id", ErrMissingField, "no patient folder or pattern match")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return n, err
	}
	if !utf8.Valid(data) {
		return n, rowErr("text", ErrBadUTF8, "")
	}
	n.Text = string(data)
	return n, r.applyMeta(&n, index)
}

// applyMeta copies date, type and title from the index.
func (r *noteReader) applyMeta(n *phenorag.Note, index map[string]txtMeta) error {
	m, ok := index[n.ID]
	if !ok {
		return nil
	}
	date, valid := parseDate(m.date)
	if !valid {
		return rowErr("note_date", ErrBadDate, "index.csv: not a date")
	}
	n.Date, n.Type, n.Title = date, m.typ, m.title
	return nil
}

// readTxtIndex reads the optional index.csv of a .txt folder; a missing
// file gives an empty index.
func readTxtIndex(ctx context.Context, path string) (map[string]txtMeta, error) {
	index := make(map[string]txtMeta)
	t, _, err := openTable(path, formatCSV)
	if errors.Is(err, fs.ErrNotExist) {
		return index, nil
	}
	if err != nil {
		return nil, err
	}
	defer t.Close()
	cols, err := resolve(txtIndexFields, t.columns(), true, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := t.bind(ctx, cols); err != nil {
		return nil, err
	}
	vals, ok := make([]string, len(cols)), make([]bool, len(cols))
	for {
		p, err := t.next(vals, ok)
		if err == io.EOF {
			return index, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, p.line, err)
		}
		id := strings.TrimSpace(vals[0])
		index[id] = txtMeta{strings.TrimSpace(vals[1]), strings.TrimSpace(vals[2]),
			strings.TrimSpace(vals[3])}
	}
}
