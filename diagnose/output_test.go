package diagnose

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/phenorag/phenorag"
)

const noteA = "Echo today. RVSP 62 mmHg. Assessment: pulmonary hypertension, \"group 2\"."

func sampleDiagnoses() []phenorag.Diagnosis {
	at := func(s string) time.Time { return day(s).Add(13*time.Hour + 5*time.Minute) }
	return []phenorag.Diagnosis{
		{PatientID: "p1", Method: "llm", Label: phenorag.Present, Confidence: 0.9,
			Status: phenorag.StatusOK, Rationale: "echo and diagnosis",
			Evidence: []phenorag.Evidence{
				{NoteID: "n2", NoteDate: at("2021-05-01"), Start: 38, End: 61,
					Quote: noteA[38:61], Verified: true},
				{NoteID: "n1", NoteDate: at("2021-01-02"), Start: 12, End: 24,
					Quote: noteA[12:24], Verified: true},
				{NoteID: "n9", NoteDate: at("2020-01-01"), Quote: "made up", Verified: false},
			},
			Counts: phenorag.Counts{Notes: 3, Snippets: 2, Calls: 3, CacheHits: 1,
				PromptTokens: 900, OutputTokens: 80}},
		{PatientID: "p2", Method: "llm", Label: phenorag.Absent, Confidence: 0.7,
			Status: phenorag.StatusOK, Counts: phenorag.Counts{Notes: 1}},
		{PatientID: "p3", Method: "llm", Status: phenorag.StatusError,
			Error: "model timed out", Label: phenorag.Uncertain},
		{PatientID: "p4", Method: "rules", Label: phenorag.Present, Confidence: 1,
			Status: phenorag.StatusOK, Rules: []string{"a", "b"}, Rationale: "a; b"},
		{PatientID: "p5", Method: "llm", Status: phenorag.StatusError,
			Error: "no answer fits the schema"},
	}
}

var sampleProv = phenorag.Provenance{Tool: "phenorag", Version: "0.1.0", Model: "m:1b",
	ModelDigest: "sha256:abc", PromptHash: "ph1", Definition: "ph", DefinitionHash: "dh"}

func TestWriteDiagnosesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := sampleDiagnoses()
	sum, err := WriteDiagnoses(dir, want, WriteOptions{Provenance: sampleProv, CohortID: 7})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 5 || sum.Present != 2 || sum.Cohort != 1 ||
		!reflect.DeepEqual(sum.Undated, []string{"p4"}) {
		t.Errorf("summary %+v", sum)
	}
	for _, name := range []string{DiagnosesJSONL, DiagnosesCSV, DiagnosesParquet} {
		got, err := ReadDiagnoses(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back\n%+v\nwant\n%+v", name, got, want)
		}
	}
	cohort, err := os.ReadFile(filepath.Join(dir, CohortCSV))
	if err != nil {
		t.Fatal(err)
	}
	// Verified evidence only: the unverified 2020 quote does not start the era.
	wantCohort := "cohort_definition_id,subject_id,cohort_start_date,cohort_end_date\n" +
		"7,p1,2021-01-02,2021-05-01\n"
	if string(cohort) != wantCohort {
		t.Errorf("cohort.csv:\n%s\nwant\n%s", cohort, wantCohort)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("dir holds %d entries, want 4 (no temporary files left)", len(entries))
	}
}

func TestWriteDiagnosesDatesEvidenceFromNotes(t *testing.T) {
	ds := []phenorag.Diagnosis{{PatientID: "p", Label: phenorag.Present, Method: "llm",
		Status: phenorag.StatusOK, Evidence: []phenorag.Evidence{{NoteID: "n1",
			Quote: "x", Start: 0, End: 1, Verified: true}}}}
	dates := func(id string) (time.Time, bool) { return day("2022-02-03"), id == "n1" }
	sum, err := WriteDiagnoses(t.TempDir(), ds, WriteOptions{NoteDate: dates})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Cohort != 1 || !ds[0].Evidence[0].NoteDate.IsZero() {
		t.Errorf("summary %+v; input changed: %v", sum, ds[0].Evidence[0].NoteDate)
	}
}

func TestParquetReleasesMemory(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	var buf bytes.Buffer
	if err := encodeParquet(&buf, sampleDiagnoses(), sampleProv, mem); err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0)
	if !bytes.HasPrefix(buf.Bytes(), []byte("PAR1")) {
		t.Error("output is not Parquet")
	}
}

func TestWriteEmpty(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteDiagnoses(dir, nil, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{DiagnosesJSONL, DiagnosesCSV, DiagnosesParquet} {
		got, err := ReadDiagnoses(filepath.Join(dir, name))
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %v %v", name, got, err)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadGold(t *testing.T) {
	path := writeFile(t, "labels.csv", "\ufeffpatient_id,label,reason\n"+
		"p1,present,cath mPAP 35\np2,0,\np3,uncertain,borderline\n")
	got, err := ReadGold(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []phenorag.Gold{{PatientID: "p1", Label: phenorag.Present, Reason: "cath mPAP 35"},
		{PatientID: "p2", Label: phenorag.Absent},
		{PatientID: "p3", Label: phenorag.Uncertain, Reason: "borderline"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestReadErrorsHavePositions(t *testing.T) {
	tests := []struct {
		name, file, content string
		read                func(string) error
		line                int
		field               string
	}{
		{"gold bad label", "g.csv", "patient_id,label\np1,present\np2,maybe\n", readGold,
			3, "label"},
		{"gold twice", "g.csv", "person_id,label\np1,present\np1,absent\n", readGold,
			3, "person_id"},
		{"gold no id column", "g.csv", "id,label\np1,present\n", readGold, 1, "patient_id"},
		{"csv bad confidence", "d.csv", "patient_id,label,confidence\np1,present,high\n",
			readDiag, 2, "confidence"},
		{"jsonl bad label", "d.jsonl", "{\"patient_id\":\"p\",\"label\":\"present\"}\n\n" +
			"{\"patient_id\":\"q\",\"label\":\"yes\"}\n", readDiag, 3, "label"},
		{"jsonl bad json", "d.jsonl", "{\"patient_id\":", readDiag, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read(writeFile(t, tt.file, tt.content))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a ParseError", err)
			}
			if pe.Line != tt.line || pe.Field != tt.field {
				t.Errorf("got line %d field %q, want %d %q (%v)", pe.Line, pe.Field, tt.line,
					tt.field, err)
			}
		})
	}
	if _, err := ReadDiagnoses("x.txt"); !errors.Is(err, ErrFormat) {
		t.Errorf("got %v, want ErrFormat", err)
	}
}

func readGold(p string) error { _, err := ReadGold(p); return err }
func readDiag(p string) error { _, err := ReadDiagnoses(p); return err }

func TestVerifyEvidence(t *testing.T) {
	notes := map[string]string{"n1": noteA, "n2": noteA}
	text := func(id string) (string, error) {
		if s, ok := notes[id]; ok {
			return s, nil
		}
		return "", os.ErrNotExist
	}
	if err := VerifyEvidence(sampleDiagnoses(), text); err != nil {
		t.Errorf("good evidence failed: %v", err)
	}
	bad := []phenorag.Diagnosis{{PatientID: "p", Evidence: []phenorag.Evidence{
		{NoteID: "n1", Start: 13, End: 24, Quote: noteA[12:24], Verified: true},
		{NoteID: "n1", Start: 60, End: 999, Quote: "x", Verified: true},
		{NoteID: "gone", Start: 0, End: 1, Quote: "x", Verified: true},
		{NoteID: "n1", Start: 13, End: 24, Quote: "unchecked", Verified: false},
	}}}
	err := VerifyEvidence(bad, text)
	var ee *EvidenceError
	if !errors.As(err, &ee) || !errors.Is(err, ErrQuoteMismatch) ||
		!errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
	if n := strings.Count(err.Error(), "patient p:"); n != 3 {
		t.Errorf("%d failures reported, want 3: %v", n, err)
	}
	if strings.Contains(err.Error(), "RVSP") {
		t.Errorf("error holds note text: %v", err)
	}
}

// TestWriteSampleRun writes the sample diagnoses (or those read from
// $PHENORAG_SAMPLE_FROM) into $PHENORAG_SAMPLE_DIR, for
// scripts/check-parquet.sh to open with other Parquet readers; it is skipped
// when PHENORAG_SAMPLE_DIR is unset.
func TestWriteSampleRun(t *testing.T) {
	dir := os.Getenv("PHENORAG_SAMPLE_DIR")
	if dir == "" {
		t.Skip("PHENORAG_SAMPLE_DIR not set")
	}
	ds := sampleDiagnoses()
	if from := os.Getenv("PHENORAG_SAMPLE_FROM"); from != "" {
		var err error
		if ds, err = ReadDiagnoses(from); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := WriteDiagnoses(dir, ds, WriteOptions{Provenance: sampleProv}); err != nil {
		t.Fatal(err)
	}
}

func TestReadGoldEvidence(t *testing.T) {
	gold := []phenorag.Gold{{PatientID: "p1", Label: phenorag.Present},
		{PatientID: "p2", Label: phenorag.Absent}}
	path := writeFile(t, "evidence.csv", "patient_id,note_id,start,end,case\n"+
		"p1,n1,10,20,explicit\np1,n2,0,5,abbreviation\n")
	if err := ReadGoldEvidence(path, gold); err != nil {
		t.Fatal(err)
	}
	want := []phenorag.Span{{NoteID: "n1", Start: 10, End: 20}, {NoteID: "n2", End: 5}}
	if !reflect.DeepEqual(gold[0].Evidence, want) || gold[1].Evidence != nil {
		t.Errorf("got %+v", gold)
	}
	for content, field := range map[string]string{
		"patient_id,note_id,start,end\np9,n1,1,2\n": "patient_id",
		"patient_id,note_id,start,end\np1,n1,5,2\n": "end",
		"patient_id,note_id,start,end\np1,n1,x,2\n": "start",
	} {
		err := ReadGoldEvidence(writeFile(t, "e.csv", content), gold)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 2 || pe.Field != field {
			t.Errorf("%q: got %v, want line 2 field %s", content, err, field)
		}
	}
}
