package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"golang.org/x/sync/errgroup"

	"github.com/phenorag/phenorag"
)

// WriteOptions sets what Write writes besides the formats it always writes.
type WriteOptions struct {
	// TXT also writes one .txt file per note under txt/PATIENT_ID/, with
	// txt/index.csv giving each note's date and type.
	TXT bool
	// Progress, when set, is called after each patient with the number of
	// patients written so far.
	Progress func(done int)
}

// Manifest describes a written cohort. It holds no time stamp, so that the
// same Config writes the same bytes.
type Manifest struct {
	Seed       uint64  `json:"seed"`
	Patients   int     `json:"patients"`
	Positives  int     `json:"positives"`
	Prevalence float64 `json:"prevalence"`
	NotesMin   int     `json:"notes_min"`
	NotesMax   int     `json:"notes_max"`
	Notes      int     `json:"notes"`
	NoteBytes  int64   `json:"note_bytes"`
	Facts      int     `json:"facts"`
	// Cases counts the patients that carry each hard-case tag.
	Cases map[string]int `json:"cases"`
	// Files lists every file written but the .txt notes, by path.
	Files []FileCount `json:"files"`
}

// FileCount is the number of data rows (header excluded) and bytes of one
// written file.
type FileCount struct {
	Path  string `json:"path"`
	Rows  int    `json:"rows"`
	Bytes int64  `json:"bytes"`
}

// Write generates the cohort cfg describes into dir in every input format,
// with the gold labels, evidence and MANIFEST.json, streaming patient by
// patient. Existing files of the same names are replaced.
func Write(ctx context.Context, cfg Config, dir string, opts WriteOptions) (Manifest, error) {
	if err := cfg.Validate(); err != nil {
		return Manifest{}, err
	}
	cfg = cfg.withDefaults()
	w, err := openCohort(dir, opts.TXT)
	if err != nil {
		return Manifest{}, err
	}
	m := Manifest{Seed: cfg.Seed, Patients: cfg.Patients, Prevalence: cfg.Prevalence,
		NotesMin: cfg.NotesMin, NotesMax: cfg.NotesMax, Cases: map[string]int{}}
	err = w.stream(ctx, cfg, func(p Patient, done int) {
		m.count(p)
		if opts.Progress != nil {
			opts.Progress(done)
		}
	})
	if cerr := w.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return m, err
	}
	if m.Files, err = w.counts(dir); err != nil {
		return m, err
	}
	return m, writeManifest(dir, m)
}

func (m *Manifest) count(p Patient) {
	if p.Gold.Label == phenorag.Present {
		m.Positives++
	}
	m.Notes += len(p.Notes)
	m.Facts += len(p.Facts)
	for _, n := range p.Notes {
		m.NoteBytes += int64(len(n.Text))
	}
	for _, c := range p.Cases {
		m.Cases[c]++
	}
}

func writeManifest(dir string, m Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "MANIFEST.json"), append(data, '\n'), 0o644)
}

// cohortWriter holds every output file open while patients stream through.
type cohortWriter struct {
	dir string
	all []output

	notesCSV, notesGz, diagnoses, measurements, drugs *csvOut
	jsonl                                             *fileOut
	notesPq, omopNotePq                               *parquetOut
	discharge, radiology, admissions, diagnosesICD    *csvOut
	prescriptions                                     *csvOut
	omopNote, condition, measurement, drugExposure    *csvOut
	txtIndex                                          *csvOut
	labels, evidence                                  *csvOut

	nextAdmission, nextCondition, nextMeasurement, nextDrug int64

	// The current patient's dates of care and their admission ids.
	visitDates []time.Time
	visits     map[time.Time]string
}

// notesHeader is the plain notes table's header.
var notesHeader = []string{"note_id", "patient_id", "note_date", "note_type", "note_title",
	"text"}

var mimicNoteHeader = []string{"note_id", "subject_id", "hadm_id", "note_type", "note_seq",
	"charttime", "storetime", "text"}

var omopNoteHeader = []string{"note_id", "person_id", "note_date", "note_datetime",
	"note_type_concept_id", "note_class_concept_id", "note_title", "note_text",
	"encoding_concept_id", "language_concept_id", "provider_id", "visit_occurrence_id",
	"visit_detail_id", "note_source_value", "note_event_id", "note_event_field_concept_id"}

// openCohort creates every output file under dir.
func openCohort(dir string, txt bool) (*cohortWriter, error) {
	w := &cohortWriter{dir: dir, nextAdmission: 30_000_001, nextCondition: 1,
		nextMeasurement: 1, nextDrug: 1}
	var errs []error
	mk := func(rel string, header ...string) *csvOut {
		c, err := createCSV(dir, rel, header...)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		w.all = append(w.all, c)
		return c
	}
	pq := func(rel string, s *arrow.Schema) *parquetOut {
		o, err := createParquet(dir, rel, s)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		w.all = append(w.all, o)
		return o
	}
	w.notesCSV = mk("csv/notes.csv", notesHeader...)
	w.notesGz = mk("csv/notes.csv.gz", notesHeader...)
	w.diagnoses = mk("csv/diagnoses.csv", "patient_id", "date", "system", "code")
	w.measurements = mk("csv/measurements.csv", "patient_id", "date", "name", "value", "unit")
	w.drugs = mk("csv/drugs.csv", "patient_id", "date", "name")
	if f, err := createFile(dir, "jsonl/notes.jsonl"); err != nil {
		errs = append(errs, err)
	} else {
		w.jsonl = f
		w.all = append(w.all, f)
	}
	w.notesPq = pq("parquet/notes.parquet", notesSchema)
	w.discharge = mk("mimic/note/discharge.csv.gz", mimicNoteHeader...)
	w.radiology = mk("mimic/note/radiology.csv.gz", mimicNoteHeader...)
	w.admissions = mk("mimic/hosp/admissions.csv.gz", "subject_id", "hadm_id", "admittime",
		"dischtime")
	w.diagnosesICD = mk("mimic/hosp/diagnoses_icd.csv.gz", "subject_id", "hadm_id",
		"seq_num", "icd_code", "icd_version")
	w.prescriptions = mk("mimic/hosp/prescriptions.csv.gz", "subject_id", "hadm_id",
		"starttime", "stoptime", "drug")
	w.omopNote = mk("omop/note.csv", omopNoteHeader...)
	w.omopNotePq = pq("omop/note.parquet", omopNoteSchema)
	w.condition = mk("omop/condition_occurrence.csv", "condition_occurrence_id", "person_id",
		"condition_concept_id", "condition_start_date", "condition_start_datetime",
		"condition_end_date", "condition_type_concept_id", "condition_source_value",
		"condition_source_concept_id")
	w.measurement = mk("omop/measurement.csv", "measurement_id", "person_id",
		"measurement_concept_id", "measurement_date", "value_as_number", "unit_source_value",
		"measurement_source_value")
	w.drugExposure = mk("omop/drug_exposure.csv", "drug_exposure_id", "person_id",
		"drug_concept_id", "drug_exposure_start_date", "drug_source_value")
	if txt {
		w.txtIndex = mk("txt/index.csv", "note_id", "note_date", "note_type")
	}
	w.labels = mk("gold/labels.csv", "patient_id", "label", "reason", "cases")
	w.evidence = mk("gold/evidence.csv", "patient_id", "note_id", "start", "end", "case")
	if len(errs) > 0 {
		w.close()
		return nil, fmt.Errorf("create cohort files: %w", errors.Join(errs...))
	}
	return w, nil
}

// close closes every file, reporting the first error.
func (w *cohortWriter) close() error {
	var first error
	for _, o := range w.all {
		if err := o.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// counts measures the written files, sorted by path.
func (w *cohortWriter) counts(dir string) ([]FileCount, error) {
	var out []FileCount
	for _, o := range w.all {
		st, err := os.Stat(filepath.Join(dir, o.path()))
		if err != nil {
			return nil, err
		}
		out = append(out, FileCount{Path: o.path(), Rows: o.rows(), Bytes: st.Size()})
	}
	slices.SortFunc(out, func(a, b FileCount) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// stream generates the patients and writes them with two writers running
// side by side, one for the plain note files and one for everything else;
// each file is still written by one goroutine, in patient order, so the
// bytes do not depend on scheduling. seen is called once per patient, in
// order, by the generating goroutine.
func (w *cohortWriter) stream(ctx context.Context, cfg Config,
	seen func(p Patient, done int)) error {
	g, ctx := errgroup.WithContext(ctx)
	chans := [2]chan Patient{make(chan Patient, 32), make(chan Patient, 32)}
	for i, write := range [2]func(Patient) error{w.notes, w.rest} {
		g.Go(func() error {
			for p := range chans[i] {
				if err := write(p); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(chans[0])
		defer close(chans[1])
		done := 0
		return Generate(ctx, cfg, func(p Patient) error {
			for _, c := range chans {
				select {
				case c <- p:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			done++
			seen(p, done)
			return nil
		})
	})
	return g.Wait()
}

// rest writes one patient to every file but the plain note files.
func (w *cohortWriter) rest(p Patient) error {
	w.visitDates, w.visits = w.admissionsOf(p)
	for _, step := range []func(Patient) error{w.facts, w.mimic, w.omop, w.txt, w.gold} {
		if err := step(p); err != nil {
			return err
		}
	}
	return nil
}

func isoDate(t time.Time) string { return t.Format(time.DateOnly) }

func isoDateTime(t time.Time) string { return t.Format(time.DateTime) }

func (w *cohortWriter) notes(p Patient) error {
	for _, n := range p.Notes {
		row := []string{n.ID, n.PatientID, isoDate(n.Date), n.Type, n.Title, n.Text}
		if err := errors.Join(w.notesCSV.row(row...), w.notesGz.row(row...)); err != nil {
			return err
		}
		if err := w.jsonLine(n); err != nil {
			return err
		}
		if err := w.notesPq.row(n.ID, n.PatientID, date(n.Date), n.Type, n.Title,
			n.Text); err != nil {
			return err
		}
	}
	return nil
}

// jsonNote is one line of notes.jsonl, with the date as YYYY-MM-DD.
type jsonNote struct {
	NoteID    string `json:"note_id"`
	PatientID string `json:"patient_id"`
	NoteDate  string `json:"note_date"`
	NoteType  string `json:"note_type"`
	NoteTitle string `json:"note_title"`
	Text      string `json:"text"`
}

func (w *cohortWriter) jsonLine(n phenorag.Note) error {
	data, err := json.Marshal(jsonNote{n.ID, n.PatientID, isoDate(n.Date), n.Type, n.Title,
		n.Text})
	if err != nil {
		return err
	}
	w.jsonl.n++
	if _, err := w.jsonl.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", w.jsonl.rel, err)
	}
	return nil
}

func (w *cohortWriter) facts(p Patient) error {
	for _, f := range p.Facts {
		var err error
		switch f.Kind {
		case phenorag.FactDiagnosis:
			err = w.diagnoses.row(f.PatientID, isoDate(f.Date), f.System, f.Code)
		case phenorag.FactMeasurement:
			err = w.measurements.row(f.PatientID, isoDate(f.Date), f.Name,
				formatValue(f.Value), f.Unit)
		case phenorag.FactDrug:
			err = w.drugs.row(f.PatientID, isoDate(f.Date), f.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func formatValue(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
