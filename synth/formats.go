package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/phenorag/phenorag"
)

// admissionsOf gives each distinct date of a patient's notes and facts a
// MIMIC-IV hadm_id, in date order.
func (w *cohortWriter) admissionsOf(p Patient) ([]time.Time, map[time.Time]string) {
	var dates []time.Time
	ids := map[time.Time]string{}
	add := func(d time.Time) {
		if _, ok := ids[d]; ok {
			return
		}
		ids[d] = strconv.FormatInt(w.nextAdmission, 10)
		w.nextAdmission++
		dates = append(dates, d)
	}
	// Notes and facts are each in date order; merge them.
	i, j := 0, 0
	for i < len(p.Notes) || j < len(p.Facts) {
		if j == len(p.Facts) || i < len(p.Notes) && !p.Facts[j].Date.Before(p.Notes[i].Date) {
			add(p.Notes[i].Date)
			i++
			continue
		}
		add(p.Facts[j].Date)
		j++
	}
	return dates, ids
}

// mimic writes the MIMIC-IV-Note and MIMIC-IV hosp tables: an admission on
// each date of care, diagnoses and prescriptions dated through it.
func (w *cohortWriter) mimic(p Patient) error {
	dates, hadm := w.visitDates, w.visits
	for _, d := range dates {
		if err := w.admissions.row(p.ID, hadm[d], isoDateTime(d),
			isoDateTime(d.AddDate(0, 0, 1))); err != nil {
			return err
		}
	}
	for seq, n := range p.Notes {
		out, typ := w.radiology, n.Type
		switch n.Type {
		case TypeDischarge:
			out, typ = w.discharge, "DS"
		case TypeRadiology:
			typ = "RR"
		}
		t := isoDateTime(n.Date)
		if err := out.row(n.ID, p.ID, hadm[n.Date], typ, strconv.Itoa(seq+1), t, t,
			n.Text); err != nil {
			return err
		}
	}
	seqs := map[string]int{}
	for _, f := range p.Facts {
		var err error
		switch f.Kind {
		case phenorag.FactDiagnosis:
			h := hadm[f.Date]
			seqs[h]++
			version := "10"
			if f.System == "ICD9" {
				version = "9"
			}
			err = w.diagnosesICD.row(p.ID, h, strconv.Itoa(seqs[h]),
				strings.ReplaceAll(f.Code, ".", ""), version)
		case phenorag.FactDrug:
			err = w.prescriptions.row(p.ID, hadm[f.Date], isoDateTime(f.Date),
				isoDateTime(f.Date.AddDate(0, 0, 30)), f.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// OMOP concept ids the cohort uses.
const (
	conceptEHR     = "32817"   // type concept: EHR
	conceptUTF8    = "32678"   // encoding: UTF-8
	conceptEnglish = "4180186" // language: English
	conceptNone    = "0"       // no matching standard concept
)

// omop writes the OMOP CDM tables; visit_occurrence_id is the admission id.
func (w *cohortWriter) omop(p Patient) error {
	visits := w.visits
	for _, n := range p.Notes {
		t := isoDateTime(n.Date)
		if err := w.omopNote.row(n.ID, p.ID, isoDate(n.Date), t, conceptEHR, conceptNone,
			n.Type, n.Text, conceptUTF8, conceptEnglish, "", visits[n.Date], "", n.Type,
			"", ""); err != nil {
			return err
		}
		noteID, _ := strconv.ParseInt(n.ID, 10, 64)
		personID, _ := strconv.ParseInt(p.ID, 10, 64)
		visit, _ := strconv.ParseInt(visits[n.Date], 10, 64)
		if err := w.omopNotePq.row(noteID, personID, date(n.Date), dateTime(n.Date),
			int64(32817), int64(0), n.Type, n.Text, int64(32678), int64(4180186), nil, visit,
			nil, n.Type, nil, nil); err != nil {
			return err
		}
	}
	for _, f := range p.Facts {
		if err := w.omopFact(f); err != nil {
			return err
		}
	}
	return nil
}

func (w *cohortWriter) omopFact(f phenorag.Fact) error {
	d := isoDate(f.Date)
	switch f.Kind {
	case phenorag.FactDiagnosis:
		id := strconv.FormatInt(w.nextCondition, 10)
		w.nextCondition++
		return w.condition.row(id, f.PatientID, conceptNone, d, isoDateTime(f.Date), "",
			conceptEHR, f.Code, conceptNone)
	case phenorag.FactMeasurement:
		id := strconv.FormatInt(w.nextMeasurement, 10)
		w.nextMeasurement++
		return w.measurement.row(id, f.PatientID, conceptNone, d, formatValue(f.Value),
			f.Unit, f.Name)
	case phenorag.FactDrug:
		id := strconv.FormatInt(w.nextDrug, 10)
		w.nextDrug++
		return w.drugExposure.row(id, f.PatientID, conceptNone, d, f.Name)
	}
	return nil
}

// txt writes one file per note under txt/PATIENT_ID/ and the index.
func (w *cohortWriter) txt(p Patient) error {
	if w.txtIndex == nil {
		return nil
	}
	dir := filepath.Join(w.dir, "txt", p.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, n := range p.Notes {
		if err := os.WriteFile(filepath.Join(dir, n.ID+".txt"), []byte(n.Text),
			0o644); err != nil {
			return err
		}
		if err := w.txtIndex.row(n.ID, isoDate(n.Date), n.Type); err != nil {
			return err
		}
	}
	return nil
}

// gold writes the label and the evidence spans.
func (w *cohortWriter) gold(p Patient) error {
	if err := w.labels.row(p.ID, string(p.Gold.Label), p.Gold.Reason,
		strings.Join(p.Cases, ";")); err != nil {
		return err
	}
	for i, sp := range p.Gold.Evidence {
		if err := w.evidence.row(p.ID, sp.NoteID, strconv.Itoa(sp.Start),
			strconv.Itoa(sp.End), p.EvidenceCases[i]); err != nil {
			return fmt.Errorf("write evidence: %w", err)
		}
	}
	return nil
}
