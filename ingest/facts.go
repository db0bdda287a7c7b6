package ingest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/phenorag/phenorag"
)

// The fact fields, in the order rows are bound.
const (
	fPatient = iota
	fDate
	fSystem
	fCode
	fName
	fValue
	fUnit
	fHadm
	fDateTime
)

// factFields lists where each fact field is looked for: our simple tables,
// OMOP CONDITION_OCCURRENCE, MEASUREMENT and DRUG_EXPOSURE, and MIMIC-IV
// diagnoses_icd and prescriptions.
var factFields = []field{
	{"patient_id", []string{"patient_id", "person_id", "subject_id", "patient"}, true},
	{"date", []string{"date", "condition_start_date", "measurement_date",
		"drug_exposure_start_date", "starttime", "charttime", "condition_start_datetime",
		"measurement_datetime", "drug_exposure_start_datetime"}, false},
	{"system", []string{"system", "icd_version", "code_system", "vocabulary_id"}, false},
	{"code", []string{"code", "icd_code", "condition_source_value", "icd9_code"}, false},
	{"name", []string{"name", "measurement_source_value", "drug_source_value", "drug"},
		false},
	{"value", []string{"value", "value_as_number", "valuenum"}, false},
	{"unit", []string{"unit", "unit_source_value", "valueuom"}, false},
	{"hadm_id", []string{"hadm_id"}, false},
	// datetime dates a row whose date is empty (OMOP allows it).
	{"datetime", []string{"condition_start_datetime", "measurement_datetime",
		"drug_exposure_start_datetime", "charttime"}, false},
}

// factTables names the fact tables found by name in a folder, with the
// subfolders they may sit in.
var factTables = []string{
	"diagnoses", "measurements", "drugs",
	"condition_occurrence", "measurement", "drug_exposure",
	"diagnoses_icd", "prescriptions",
}

// ReadFacts reads the structured facts in paths (diagnosis codes,
// measurements, drugs) and calls fn with each, from one goroutine, in file
// order. A path is a table file or a folder (OMOP, MIMIC-IV or our simple
// CSV folder) in which the known tables are found by name. What a table
// holds is told by its columns: a code column makes diagnoses, else a value
// column measurements, else a name column drugs. MIMIC-IV diagnoses, which
// carry no date, are dated by the admittime of their hadm_id in the
// admissions table of the same folder. Errors are as for ReadNotes.
func ReadFacts(ctx context.Context, paths []string, opts Options,
	fn func(phenorag.Fact) error) (Summary, error) {
	var sum Summary
	s, err := newSession(opts)
	if err != nil {
		return sum, err
	}
	if err := checkColumns(opts.Columns); err != nil {
		return sum, err
	}
	for _, p := range paths {
		files, err := factSources(p)
		if err != nil {
			return sum, err
		}
		for _, f := range files {
			fs, err := s.readFacts(ctx, f, fn)
			sum.Files = append(sum.Files, fs)
			if err != nil {
				s.flush()
				return sum, err
			}
		}
	}
	return sum, s.flush()
}

// factSources expands a path into the fact tables it holds.
func factSources(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read facts: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	for _, base := range factTables {
		if p := findTable(path, base, "hosp"); p != "" {
			files = append(files, p)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("read facts %s: no known fact table in the folder", path)
	}
	return files, nil
}

// factTable is how the rows of one fact table become facts.
type factTable struct {
	kind  phenorag.FactKind
	dates map[string]string // hadm_id -> admittime, for MIMIC-IV diagnoses
}

func (s *session) readFacts(ctx context.Context, path string,
	fn func(phenorag.Fact) error) (FileSummary, error) {
	fs := FileSummary{Path: path}
	t, label, err := openTable(path, s.opts.Format)
	if err != nil {
		return fs, fmt.Errorf("read facts %s: %w", path, err)
	}
	defer t.Close()
	fs.Format = label
	switch {
	case hasAll(t.columns(), "person_id"):
		fs.Format = formatOMOP + "/" + label
	case hasAll(t.columns(), "subject_id"):
		fs.Format = formatMIMIC + "/" + label
	}

	cols, ft, err := s.factLayout(ctx, path, t, label)
	if err != nil {
		return fs, fmt.Errorf("read facts %s: %w", path, err)
	}
	if err := t.bind(ctx, cols); err != nil {
		return fs, fmt.Errorf("read facts %s: %w", path, err)
	}
	err = s.each(ctx, t, path, len(cols), &fs, func(vals []string, ok []bool) error {
		f, err := ft.build(vals, ok)
		if err != nil {
			return err
		}
		return fn(f)
	})
	return fs, err
}

// factLayout resolves the columns of a fact table and tells its kind.
func (s *session) factLayout(ctx context.Context, path string, t table, label string) (
	[]column, *factTable, error) {
	cols, err := resolve(factFields, t.columns(), label != formatJSONL, s.opts.Columns)
	if err != nil {
		return nil, nil, err
	}
	ft := &factTable{}
	switch {
	case cols[fCode].name != "":
		ft.kind = phenorag.FactDiagnosis
	case cols[fValue].name != "":
		ft.kind = phenorag.FactMeasurement
	case cols[fName].name != "":
		ft.kind = phenorag.FactDrug
	default:
		return nil, nil, fmt.Errorf("not a fact table: no code, value or name column")
	}
	if ft.kind == phenorag.FactDiagnosis && cols[fDate].name == "" && cols[fHadm].name != "" {
		adm := findTable(filepath.Dir(path), "admissions")
		if adm != "" {
			if ft.dates, err = readAdmissions(ctx, adm); err != nil {
				return nil, nil, err
			}
		}
	}
	return cols, ft, nil
}

// build checks one row and turns it into a fact.
func (ft *factTable) build(vals []string, ok []bool) (phenorag.Fact, error) {
	for i, v := range vals {
		if !utf8.ValidString(v) {
			return phenorag.Fact{}, rowErr(factFields[i].name, ErrBadUTF8, "")
		}
		vals[i] = strings.TrimSpace(v)
	}
	f := phenorag.Fact{PatientID: vals[fPatient], Kind: ft.kind}
	if f.PatientID == "" {
		return f, rowErr("patient_id", ErrMissingField, "")
	}
	date := vals[fDate]
	if date == "" {
		date = vals[fDateTime]
	}
	if date == "" && ft.dates != nil {
		date = ft.dates[vals[fHadm]]
	}
	d, valid := parseDate(date)
	if !valid {
		return f, rowErr("date", ErrBadDate, "not a date (want YYYY-MM-DD or a timestamp)")
	}
	f.Date = d
	switch ft.kind {
	case phenorag.FactDiagnosis:
		return f, diagnosisFields(&f, vals)
	case phenorag.FactMeasurement:
		return f, measurementFields(&f, vals)
	}
	f.Name = vals[fName]
	if f.Name == "" {
		return f, rowErr("name", ErrMissingField, "")
	}
	return f, nil
}

func diagnosisFields(f *phenorag.Fact, vals []string) error {
	if vals[fCode] == "" {
		return rowErr("code", ErrMissingField, "")
	}
	code, sys, err := NormalizeICD(vals[fCode], vals[fSystem])
	if err != nil {
		field := "code"
		if _, serr := icdSystem(vals[fSystem]); serr != nil {
			field = "system"
		}
		return rowErr(field, ErrBadValue, err.Error())
	}
	f.Code, f.System = code, sys
	return nil
}

func measurementFields(f *phenorag.Fact, vals []string) error {
	f.Name, f.Unit = vals[fName], vals[fUnit]
	if f.Name == "" {
		return rowErr("name", ErrMissingField, "")
	}
	if vals[fValue] == "" {
		return nil
	}
	v, err := strconv.ParseFloat(vals[fValue], 64)
	if err != nil {
		return rowErr("value", ErrBadValue, "not a number")
	}
	f.Value, f.HasValue = v, true
	return nil
}

// admissionFields are the columns of MIMIC-IV admissions used to date
// diagnoses.
var admissionFields = []field{
	{"hadm_id", []string{"hadm_id"}, true},
	{"admittime", []string{"admittime"}, true},
}

// readAdmissions maps each hadm_id to its admittime. It is the one table
// held in memory, and is far smaller than the notes.
func readAdmissions(ctx context.Context, path string) (map[string]string, error) {
	t, _, err := openTable(path, "")
	if err != nil {
		return nil, fmt.Errorf("admissions %s: %w", path, err)
	}
	defer t.Close()
	cols, err := resolve(admissionFields, t.columns(), true, nil)
	if err != nil {
		return nil, fmt.Errorf("admissions %s: %w", path, err)
	}
	if err := t.bind(ctx, cols); err != nil {
		return nil, fmt.Errorf("admissions %s: %w", path, err)
	}
	dates := make(map[string]string)
	vals, ok := make([]string, 2), make([]bool, 2)
	for {
		p, err := t.next(vals, ok)
		if err == io.EOF {
			return dates, nil
		}
		if err != nil {
			return nil, fmt.Errorf("admissions %s: row %d: %w", path, p.row, err)
		}
		dates[strings.TrimSpace(vals[0])] = strings.TrimSpace(vals[1])
	}
}
