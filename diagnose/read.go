package diagnose

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/phenorag/phenorag"
)

// ParseError is bad input at a position of a file.
type ParseError struct {
	File  string
	Line  int    // 1-based line (of a CSV record's start); 0 when unknown
	Field string // column or JSON field; "" when the whole row is bad
	Err   error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	return b.String() + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// ErrFormat marks a file whose kind cannot be told from its name.
var ErrFormat = errors.New("unknown file format")

// ReadDiagnoses reads diagnoses from a .jsonl, .csv or .parquet file as
// written by WriteDiagnoses (or rules.jsonl). Rows without a method keep
// an empty Method: the caller names them, e.g. after the file.
func ReadDiagnoses(path string) ([]phenorag.Diagnosis, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson", ".json":
		return readJSONL(path)
	case ".csv":
		return readDiagnosesCSV(path)
	case ".parquet":
		return readParquet(context.Background(), path)
	}
	return nil, fmt.Errorf("%s: %w: want .jsonl, .csv or .parquet", path, ErrFormat)
}

func readJSONL(path string) ([]phenorag.Diagnosis, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []phenorag.Diagnosis
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var d phenorag.Diagnosis
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, &ParseError{File: path, Line: line, Err: err}
		}
		if err := checkDiagnosis(d); err != nil {
			return nil, &ParseError{File: path, Line: line, Field: "label", Err: err}
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func checkDiagnosis(d phenorag.Diagnosis) error {
	if d.PatientID == "" {
		return errors.New("no patient_id")
	}
	if !d.Label.Valid() && !(d.Label == "" && d.Status == phenorag.StatusError) {
		return fmt.Errorf("label %q is not present, absent or uncertain", d.Label)
	}
	return nil
}

// csvTable reads a CSV file with a header row, giving each record's
// fields by column name.
type csvTable struct {
	path string
	r    *csv.Reader
	cols map[string]int
}

func openCSV(path string, f io.Reader, required ...string) (*csvTable, error) {
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, &ParseError{File: path, Line: 1, Err: fmt.Errorf("header: %w", err)}
	}
	t := &csvTable{path: path, r: r, cols: map[string]int{}}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		t.cols[h] = i
	}
	for _, need := range required {
		if _, ok := t.cols[need]; !ok {
			return nil, &ParseError{File: path, Line: 1, Field: need,
				Err: errors.New("column missing from the header")}
		}
	}
	return t, nil
}

// next returns the next record, its line, and a getter by column name.
func (t *csvTable) next() (line int, get func(string) string, err error) {
	rec, err := t.r.Read()
	if err != nil {
		return 0, nil, err
	}
	line, _ = t.r.FieldPos(0)
	return line, func(name string) string {
		i, ok := t.cols[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}, nil
}

func readDiagnosesCSV(path string) ([]phenorag.Diagnosis, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := openCSV(path, f, "patient_id", "label")
	if err != nil {
		return nil, err
	}
	var out []phenorag.Diagnosis
	for {
		line, get, err := t.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, &ParseError{File: path, Err: err}
		}
		d, field, err := diagnosisFromCSV(get)
		if err != nil {
			return nil, &ParseError{File: path, Line: line, Field: field, Err: err}
		}
		out = append(out, d)
	}
}

func diagnosisFromCSV(get func(string) string) (phenorag.Diagnosis, string, error) {
	d := phenorag.Diagnosis{PatientID: get("patient_id"), Method: get("method"),
		Label: phenorag.Label(get("label")), Status: phenorag.Status(get("status")),
		Error: get("error"), Rationale: get("rationale")}
	if err := checkDiagnosis(d); err != nil {
		return d, "label", err
	}
	var err error
	if s := get("confidence"); s != "" {
		if d.Confidence, err = strconv.ParseFloat(s, 64); err != nil {
			return d, "confidence", err
		}
	}
	if s := get("rules"); s != "" {
		d.Rules = strings.Split(s, ";")
	}
	if s := get("evidence"); s != "" && s != "[]" {
		if err := json.Unmarshal([]byte(s), &d.Evidence); err != nil {
			return d, "evidence", err
		}
	}
	c := &d.Counts
	for name, p := range map[string]*int{"notes": &c.Notes, "snippets": &c.Snippets,
		"calls": &c.Calls, "cache_hits": &c.CacheHits, "prompt_tokens": &c.PromptTokens,
		"output_tokens": &c.OutputTokens} {
		if s := get(name); s != "" {
			if *p, err = strconv.Atoi(s); err != nil {
				return d, name, err
			}
		}
	}
	return d, "", nil
}

// ReadGold reads chart-review labels from a CSV file with a header holding
// patient_id (or person_id, subject_id) and label, and optionally reason.
// Labels may be spelled as phenorag.ParseLabel accepts. A patient labelled
// twice is an error.
func ReadGold(path string) ([]phenorag.Gold, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := openCSV(path, f, "label")
	if err != nil {
		return nil, err
	}
	idCol := ""
	for _, c := range []string{"patient_id", "person_id", "subject_id"} {
		if _, ok := t.cols[c]; ok {
			idCol = c
			break
		}
	}
	if idCol == "" {
		return nil, &ParseError{File: path, Line: 1, Field: "patient_id",
			Err: errors.New("column missing from the header")}
	}
	return readGoldRows(t, idCol)
}

func readGoldRows(t *csvTable, idCol string) ([]phenorag.Gold, error) {
	var out []phenorag.Gold
	seen := map[string]int{}
	for {
		line, get, err := t.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, &ParseError{File: t.path, Err: err}
		}
		g := phenorag.Gold{PatientID: get(idCol), Reason: get("reason")}
		if g.PatientID == "" {
			return nil, &ParseError{File: t.path, Line: line, Field: idCol,
				Err: errors.New("empty")}
		}
		if first, dup := seen[g.PatientID]; dup {
			return nil, &ParseError{File: t.path, Line: line, Field: idCol,
				Err: fmt.Errorf("patient %q already labelled on line %d", g.PatientID, first)}
		}
		seen[g.PatientID] = line
		if g.Label, err = phenorag.ParseLabel(get("label")); err != nil {
			return nil, &ParseError{File: t.path, Line: line, Field: "label", Err: err}
		}
		out = append(out, g)
	}
}

// ReadGoldEvidence reads the spans reviewers cite for their labels, from a
// CSV file with a header holding patient_id, note_id, start and end (byte
// offsets, half open), into gold: each span joins its patient's Evidence. A
// span of a patient without a gold label is an error.
func ReadGoldEvidence(path string, gold []phenorag.Gold) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	t, err := openCSV(path, f, "patient_id", "note_id", "start", "end")
	if err != nil {
		return err
	}
	byID := make(map[string]*phenorag.Gold, len(gold))
	for i := range gold {
		byID[gold[i].PatientID] = &gold[i]
	}
	for {
		line, get, err := t.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &ParseError{File: path, Err: err}
		}
		sp, field, err := spanFromCSV(get)
		if err != nil {
			return &ParseError{File: path, Line: line, Field: field, Err: err}
		}
		g := byID[get("patient_id")]
		if g == nil {
			return &ParseError{File: path, Line: line, Field: "patient_id",
				Err: fmt.Errorf("patient %q has no gold label", get("patient_id"))}
		}
		g.Evidence = append(g.Evidence, sp)
	}
}

func spanFromCSV(get func(string) string) (phenorag.Span, string, error) {
	sp := phenorag.Span{NoteID: get("note_id")}
	if sp.NoteID == "" {
		return sp, "note_id", errors.New("empty")
	}
	var err error
	if sp.Start, err = strconv.Atoi(get("start")); err != nil {
		return sp, "start", err
	}
	if sp.End, err = strconv.Atoi(get("end")); err != nil {
		return sp, "end", err
	}
	if sp.Start < 0 || sp.End < sp.Start {
		return sp, "end", fmt.Errorf("span [%d:%d] is not a span", sp.Start, sp.End)
	}
	return sp, "", nil
}
