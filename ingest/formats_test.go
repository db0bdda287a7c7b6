package ingest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phenorag/phenorag"
)

func TestReadNotesMIMICFolder(t *testing.T) {
	dir := t.TempDir()
	head := "note_id,subject_id,hadm_id,note_type,note_seq,charttime,storetime,text\n"
	writeFile(t, dir, "note/discharge.csv.gz",
		head+"10-DS-1,10,20,DS,1,2150-03-04 00:00:00,,\"Discharge text.\nMore.\"\n")
	writeFile(t, dir, "note/radiology.csv.gz",
		head+"10-RR-1,10,20,RR,1,2150-03-05 10:11:12,,CXR.\n"+
			"10-EC-1,10,20,echocardiogram report,2,2150-03-06 00:00:00,,Echo.\n")
	notes, sum, err := readNotes(t, []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []phenorag.Note{
		{ID: "10-DS-1", PatientID: "10", Date: day("2150-03-04"), Type: "discharge summary",
			Text: "Discharge text.\nMore."},
		{ID: "10-RR-1", PatientID: "10", Date: day("2150-03-05").Add(10*3600e9 + 11*60e9 + 12e9),
			Type: "radiology report", Text: "CXR."},
		{ID: "10-EC-1", PatientID: "10", Date: day("2150-03-06"), Type: "echocardiogram report",
			Text: "Echo."},
	}
	checkNotes(t, notes, want)
	if len(sum.Files) != 2 || sum.Files[0].Format != "mimic/csv.gz" {
		t.Errorf("summary %+v", sum)
	}
}

func TestReadNotesOMOP(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "note.csv",
		"note_id,person_id,note_date,note_datetime,note_type_concept_id,"+
			"note_class_concept_id,note_title,note_text,encoding_concept_id,"+
			"language_concept_id,provider_id,visit_occurrence_id,visit_detail_id,"+
			"note_source_value,note_event_id,note_event_field_concept_id\n"+
			"5,42,2019-07-08,2019-07-08 09:00:00,32817,0,progress note,Stable.,0,"+
			"4180186,,,,progress note,,\n"+
			"6,42,,2019-07-09 09:00:00,32817,0,,Dated by note_datetime.,0,"+
			"4180186,,,,echo,,\n")
	want := []phenorag.Note{{ID: "5", PatientID: "42", Date: day("2019-07-08"),
		Type: "progress note", Title: "progress note", Text: "Stable."},
		{ID: "6", PatientID: "42", Date: day("2019-07-09").Add(9 * time.Hour),
			Type: "echo", Text: "Dated by note_datetime."}}
	for _, p := range []string{path, dir} {
		notes, sum, err := readNotes(t, []string{p}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkNotes(t, notes, want)
		if sum.Files[0].Format != "omop/csv" {
			t.Errorf("format %q, want omop/csv", sum.Files[0].Format)
		}
	}
}

func TestReadNotesTxt(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "p1/n1.txt", "First note.\r\nLine two.")
	writeFile(t, dir, "p1/n2.txt", "")
	writeFile(t, dir, "p2/n3.txt", "Bad \xff byte")
	writeFile(t, dir, "stray.txt", "no patient folder")
	writeFile(t, dir, "p2/n4.TXT", "Fourth.")
	writeFile(t, dir, "p2/readme.md", "not a note")
	writeFile(t, dir, "p2/._n4.txt", "hidden metadata file")
	writeFile(t, dir, "index.csv", "note_id,note_date,note_type\n"+
		"n1,2020-01-01,progress note\nn4,2020-02-02,echocardiogram report\n")
	notes, sum, err := readNotes(t, []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []phenorag.Note{
		{ID: "n1", PatientID: "p1", Date: day("2020-01-01"), Type: "progress note",
			Text: "First note.\r\nLine two."},
		{ID: "n2", PatientID: "p1"},
		{ID: "n4", PatientID: "p2", Date: day("2020-02-02"), Type: "echocardiogram report",
			Text: "Fourth."},
	}
	checkNotes(t, notes, want)
	wantSum := FileSummary{Path: dir, Format: "txt", Read: 5, Accepted: 3, Rejected: 2, Empty: 1}
	if sum.Files[0] != wantSum {
		t.Errorf("summary\n got %+v\nwant %+v", sum.Files[0], wantSum)
	}

	opts := Options{PatientPattern: `^(?P<patient>p\d)/(?P<note>n\d)`}
	notes, _, err = readNotes(t, []string{dir}, opts)
	if err != nil || len(notes) != 3 || notes[2].PatientID != "p2" {
		t.Errorf("with pattern: %v %+v", err, notes)
	}
	opts.PatientPattern = `(p\d)`
	if _, _, err := readNotes(t, []string{dir}, opts); err == nil {
		t.Error("pattern without a patient group accepted")
	}
}

func checkNotes(t *testing.T, got, want []phenorag.Note) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d notes, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if !got[i].Date.Equal(want[i].Date) {
			t.Errorf("note %d date %v, want %v", i, got[i].Date, want[i].Date)
		}
		got[i].Date = want[i].Date
		if got[i] != want[i] {
			t.Errorf("note %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// readFacts reads paths and returns the facts, the summary and the error.
func readFacts(t *testing.T, paths []string, opts Options) ([]phenorag.Fact, Summary, error) {
	t.Helper()
	var facts []phenorag.Fact
	sum, err := ReadFacts(context.Background(), paths, opts, func(f phenorag.Fact) error {
		facts = append(facts, f)
		return nil
	})
	for _, f := range sum.Files {
		if !f.Reconciles() {
			t.Errorf("%s does not reconcile: %+v", f.Path, f)
		}
	}
	return facts, sum, err
}

func TestReadFacts(t *testing.T) {
	d10 := phenorag.Fact{PatientID: "1", Kind: phenorag.FactDiagnosis, Date: day("2020-01-02"),
		System: ICD10, Code: "I27.20"}
	d9 := phenorag.Fact{PatientID: "1", Kind: phenorag.FactDiagnosis, Date: day("2020-01-02"),
		System: ICD9, Code: "416.0"}
	rvsp := phenorag.Fact{PatientID: "1", Kind: phenorag.FactMeasurement,
		Date: day("2020-01-03"), Name: "RVSP", Value: 55, HasValue: true, Unit: "mmHg"}
	drug := phenorag.Fact{PatientID: "1", Kind: phenorag.FactDrug, Date: day("2020-01-04"),
		Name: "sildenafil"}
	tests := []struct {
		name  string
		files map[string]string
		want  []phenorag.Fact
	}{
		{"simple csv", map[string]string{
			"diagnoses.csv": "patient_id,date,system,code\n" +
				"1,2020-01-02,ICD10,I27.20\n1,2020-01-02,ICD9,416.0\n",
			"measurements.csv": "patient_id,date,name,value,unit\n1,2020-01-03,RVSP,55,mmHg\n",
			"drugs.csv":        "patient_id,date,name\n1,2020-01-04,sildenafil\n",
		}, []phenorag.Fact{d10, d9, rvsp, drug}},
		{"omop", map[string]string{
			"condition_occurrence.csv": "condition_occurrence_id,person_id,condition_concept_id," +
				"condition_start_date,condition_start_datetime,condition_end_date," +
				"condition_type_concept_id,condition_source_value,condition_source_concept_id\n" +
				"1,1,0,2020-01-02,,,0,I27.20,0\n2,1,0,,2020-01-02 00:00:00,,0,416.0,0\n",
			"measurement.csv": "measurement_id,person_id,measurement_concept_id,measurement_date," +
				"value_as_number,unit_source_value,measurement_source_value\n" +
				"1,1,0,2020-01-03,55,mmHg,RVSP\n",
			"drug_exposure.csv": "drug_exposure_id,person_id,drug_concept_id," +
				"drug_exposure_start_date,drug_source_value\n1,1,0,2020-01-04,sildenafil\n",
		}, []phenorag.Fact{d10, d9, rvsp, drug}},
		{"mimic", map[string]string{
			"hosp/admissions.csv.gz": "subject_id,hadm_id,admittime,dischtime\n" +
				"1,7,2020-01-02 00:00:00,2020-01-05 00:00:00\n",
			"hosp/diagnoses_icd.csv.gz": "subject_id,hadm_id,seq_num,icd_code,icd_version\n" +
				"1,7,1,I2720,10\n1,7,2,4160,9\n",
			"hosp/prescriptions.csv.gz": "subject_id,hadm_id,starttime,stoptime,drug\n" +
				"1,7,2020-01-04 00:00:00,,sildenafil\n",
		}, []phenorag.Fact{d10, d9, drug}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				writeFile(t, dir, name, data)
			}
			facts, _, err := readFacts(t, []string{dir}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(facts) != len(tt.want) {
				t.Fatalf("got %d facts %+v, want %d", len(facts), facts, len(tt.want))
			}
			for i := range facts {
				if facts[i] != tt.want[i] {
					t.Errorf("fact %d\n got %+v\nwant %+v", i, facts[i], tt.want[i])
				}
			}
		})
	}
}

func TestReadFactsRejects(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "diagnoses.csv", "patient_id,date,system,code\n"+
		"1,2020-01-02,ICD10,I27.20\n"+
		",2020-01-02,ICD10,I27.20\n"+
		"1,2020-01-02,SNOMED,I27.20\n"+
		"1,2020-01-02,ICD10,27\n"+
		"1,2020-01-02,ICD10,\n"+
		"1,02/01/2020,ICD10,I27.20\n")
	m := writeFile(t, dir, "measurements.csv", "patient_id,date,name,value,unit\n"+
		"1,2020-01-03,RVSP,high,mmHg\n1,2020-01-03,RVSP,,mmHg\n")
	var rejects strings.Builder
	facts, sum, err := readFacts(t, []string{p, m}, Options{Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	if len(facts) != 2 || facts[1].HasValue {
		t.Errorf("facts %+v", facts)
	}
	if tot := sum.Totals(); tot.Read != 8 || tot.Accepted != 2 || tot.Rejected != 6 {
		t.Errorf("totals %+v", tot)
	}
	wantFields := []string{"patient_id", "system", "code", "code", "date", "value"}
	var fields []string
	for _, line := range strings.Split(strings.TrimSpace(rejects.String()), "\n") {
		fields = append(fields, strings.Split(line, ",")[3])
	}
	if strings.Join(fields, " ") != strings.Join(wantFields, " ") {
		t.Errorf("rejected fields %q, want %q", fields, wantFields)
	}
}

func TestNormalizeICD(t *testing.T) {
	tests := []struct {
		code, system  string
		want, wantSys string
		wantErr       bool
	}{
		{"I2720", "", "I27.20", ICD10, false},
		{"I27.20", "", "I27.20", ICD10, false},
		{"i27.2", "ICD-10-CM", "I27.2", ICD10, false},
		{"I27", "", "I27", ICD10, false},
		{"4160", "", "416.0", ICD9, false},
		{"416.8", "9", "416.8", ICD9, false},
		{"V1251", "9", "V12.51", ICD9, false},
		{"E8889", "", "E888.9", ICD9, false},
		{"E849.0", "", "E849.0", ICD9, false},
		{"E84.9", "", "E84.9", ICD10, false},
		{"E119", "", "E11.9", ICD10, false},
		{" 4280 ", "", "428.0", ICD9, false},
		{"I2720", "10", "I27.20", ICD10, false},
		{"4160", "10", "", "", true},
		{"I27.20", "SNOMED", "", "", true},
		{"27", "", "", "", true},
		{"I27-20", "", "", "", true},
		{"", "", "", "", true},
	}
	for _, tt := range tests {
		got, sys, err := NormalizeICD(tt.code, tt.system)
		if (err != nil) != tt.wantErr || got != tt.want || sys != tt.wantSys {
			t.Errorf("NormalizeICD(%q, %q) = %q, %q, %v; want %q, %q, error %v",
				tt.code, tt.system, got, sys, err, tt.want, tt.wantSys, tt.wantErr)
		}
	}
}

func TestDirectoryWithoutTables(t *testing.T) {
	if _, _, err := readFacts(t, []string{t.TempDir()}, Options{}); err == nil {
		t.Error("empty folder accepted as facts")
	}
	notes, sum, err := readNotes(t, []string{filepath.Join(t.TempDir())}, Options{})
	if err != nil || len(notes) != 0 || sum.Files[0].Format != "txt" {
		t.Errorf("empty folder of notes: %v %+v", err, sum)
	}
}
