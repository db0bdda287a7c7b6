package diagnose

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/phenorag/phenorag"
)

// The files WriteDiagnoses writes into a run directory.
const (
	DiagnosesJSONL   = "diagnoses.jsonl"
	DiagnosesCSV     = "diagnoses.csv"
	DiagnosesParquet = "diagnoses.parquet"
	CohortCSV        = "cohort.csv"
)

// WriteOptions say what goes into the diagnoses files beside the diagnoses.
type WriteOptions struct {
	// Provenance is written into every row of the CSV and Parquet files.
	Provenance phenorag.Provenance
	// CohortID is the cohort_definition_id of cohort.csv; 0 means 1.
	CohortID int
	// NoteDate, if set, dates evidence whose NoteDate is zero.
	NoteDate func(noteID string) (time.Time, bool)
}

// WriteSummary tells what WriteDiagnoses wrote.
type WriteSummary struct {
	Rows    int // diagnoses written
	Present int // diagnoses labelled present
	Cohort  int // rows of cohort.csv
	// Undated lists present patients left out of cohort.csv because no
	// supporting note has a date (the COHORT table requires one).
	Undated []string
}

// WriteDiagnoses writes diagnoses.jsonl, diagnoses.csv, diagnoses.parquet
// and cohort.csv into dir. Each file is written to a temporary name and
// renamed, so a reader never sees half a file.
func WriteDiagnoses(dir string, ds []phenorag.Diagnosis, opts WriteOptions) (WriteSummary,
	error) {
	ds = datedEvidence(ds, opts.NoteDate)
	sum := WriteSummary{Rows: len(ds)}
	if err := WriteJSONL(filepath.Join(dir, DiagnosesJSONL), ds); err != nil {
		return sum, err
	}
	if err := WriteCSV(filepath.Join(dir, DiagnosesCSV), ds, opts.Provenance); err != nil {
		return sum, err
	}
	if err := WriteParquet(filepath.Join(dir, DiagnosesParquet), ds,
		opts.Provenance); err != nil {
		return sum, err
	}
	rows, undated := CohortRows(ds, opts.CohortID)
	for _, d := range ds {
		if d.Label == phenorag.Present {
			sum.Present++
		}
	}
	sum.Cohort, sum.Undated = len(rows), undated
	return sum, WriteCohort(filepath.Join(dir, CohortCSV), rows)
}

// datedEvidence returns ds with evidence dates filled in by noteDate, copying
// only the diagnoses it changes.
func datedEvidence(ds []phenorag.Diagnosis, noteDate func(string) (time.Time,
	bool)) []phenorag.Diagnosis {
	if noteDate == nil {
		return ds
	}
	out := make([]phenorag.Diagnosis, len(ds))
	for i, d := range ds {
		out[i] = d
		copied := false
		for j, e := range d.Evidence {
			t, ok := time.Time{}, false
			if e.NoteDate.IsZero() {
				t, ok = noteDate(e.NoteID)
			}
			if !ok {
				continue
			}
			if !copied {
				out[i].Evidence = append([]phenorag.Evidence(nil), d.Evidence...)
				copied = true
			}
			out[i].Evidence[j].NoteDate = t
		}
	}
	return out
}

// writeAtomic writes path through fn into a temporary file in the same
// folder, then renames it into place.
func writeAtomic(path string, fn func(w io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err = fn(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteJSONL writes one diagnosis per line, atomically.
func WriteJSONL(path string, ds []phenorag.Diagnosis) error {
	return writeAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, d := range ds {
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		return nil
	})
}

// csvHeader is the header of diagnoses.csv.
var csvHeader = []string{"patient_id", "method", "label", "confidence", "status", "error",
	"n_evidence", "first_quote", "evidence", "rules", "rationale", "notes", "snippets", "calls",
	"cache_hits", "prompt_tokens", "output_tokens", "model", "model_digest", "prompt_hash",
	"definition", "definition_hash", "tool_version"}

// WriteCSV writes the diagnoses flat, atomically: evidence as a JSON array
// in one column (and its first quote in another), the rules that fired
// separated by ";", and the provenance repeated on every row.
func WriteCSV(path string, ds []phenorag.Diagnosis, prov phenorag.Provenance) error {
	return writeAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return err
		}
		for _, d := range ds {
			row, err := csvRow(d, prov)
			if err != nil {
				return err
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

func csvRow(d phenorag.Diagnosis, prov phenorag.Provenance) ([]string, error) {
	ev, first := "[]", ""
	if len(d.Evidence) > 0 {
		b, err := json.Marshal(d.Evidence)
		if err != nil {
			return nil, fmt.Errorf("patient %s: %w", d.PatientID, err)
		}
		ev, first = string(b), d.Evidence[0].Quote
	}
	c := d.Counts
	itoa := strconv.Itoa
	return []string{d.PatientID, d.Method, string(d.Label),
		strconv.FormatFloat(d.Confidence, 'g', -1, 64), string(d.Status), d.Error,
		itoa(len(d.Evidence)), first, ev, strings.Join(d.Rules, ";"), d.Rationale,
		itoa(c.Notes), itoa(c.Snippets), itoa(c.Calls), itoa(c.CacheHits),
		itoa(c.PromptTokens), itoa(c.OutputTokens), prov.Model, prov.ModelDigest,
		prov.PromptHash, prov.Definition, prov.DefinitionHash, prov.Version}, nil
}

// CohortRow is one row of the OMOP CDM COHORT table.
type CohortRow struct {
	CohortDefinitionID int
	SubjectID          string
	Start, End         time.Time
}

// CohortRows returns the COHORT rows of the present patients: the period
// from the date of the first supporting note to that of the last. Verified
// evidence is preferred; when a patient has none, all evidence is used.
// Patients with no dated evidence are returned apart, as undated.
func CohortRows(ds []phenorag.Diagnosis, cohortID int) (rows []CohortRow, undated []string) {
	if cohortID == 0 {
		cohortID = 1
	}
	for _, d := range ds {
		if d.Label != phenorag.Present {
			continue
		}
		start, end, ok := evidencePeriod(d.Evidence, true)
		if !ok {
			start, end, ok = evidencePeriod(d.Evidence, false)
		}
		if !ok {
			undated = append(undated, d.PatientID)
			continue
		}
		rows = append(rows, CohortRow{cohortID, d.PatientID, start, end})
	}
	return rows, undated
}

func evidencePeriod(ev []phenorag.Evidence, verifiedOnly bool) (start, end time.Time,
	ok bool) {
	for _, e := range ev {
		if e.NoteDate.IsZero() || (verifiedOnly && !e.Verified) {
			continue
		}
		if !ok || e.NoteDate.Before(start) {
			start = e.NoteDate
		}
		if !ok || e.NoteDate.After(end) {
			end = e.NoteDate
		}
		ok = true
	}
	return start, end, ok
}

// WriteCohort writes rows as the OMOP CDM COHORT table, atomically, with
// dates as YYYY-MM-DD.
func WriteCohort(path string, rows []CohortRow) error {
	return writeAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write([]string{"cohort_definition_id", "subject_id",
			"cohort_start_date", "cohort_end_date"}); err != nil {
			return err
		}
		for _, r := range rows {
			if err := cw.Write([]string{strconv.Itoa(r.CohortDefinitionID), r.SubjectID,
				r.Start.Format(dateLayout), r.End.Format(dateLayout)}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}
