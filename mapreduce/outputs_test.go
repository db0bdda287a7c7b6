package mapreduce

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
)

func TestOutputsCommitAndAbort(t *testing.T) {
	dir := t.TempDir()
	e := newEngine(t, &fakeLLM{slots: 2}, nil)
	cohort := []phenorag.PatientSnippets{
		patientWith("p1", "She has pulmonary hypertension."),
		{PatientID: "p2"},
	}

	// An aborted run leaves nothing behind.
	o, err := CreateOutputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(context.Background(), sliceSource(cohort...), o); err != nil {
		t.Fatal(err)
	}
	o.Abort()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("abort left %d files", len(entries))
	}

	o, err = CreateOutputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Run(context.Background(), sliceSource(cohort...), o); err != nil {
		t.Fatal(err)
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Fatalf("commit left %d files, want 3", len(entries))
	}

	snippets := readLines[phenorag.PatientSnippets](t, filepath.Join(dir, SnippetsFile))
	answers := readLines[map[string]any](t, filepath.Join(dir, AnswersFile))
	diagnoses := readLines[phenorag.Diagnosis](t, filepath.Join(dir, DiagnosesFile))
	if len(snippets) != 2 || len(diagnoses) != 2 || len(answers) != 1 {
		t.Fatalf("lines: %d snippets, %d answers, %d diagnoses", len(snippets), len(answers),
			len(diagnoses))
	}
	if answers[0]["kind"] != "map" || answers[0]["call"] != 0.0 ||
		answers[0]["patient_id"] != "p1" || answers[0]["verified"] != true {
		t.Errorf("answer line %v", answers[0])
	}
	if diagnoses[0].Label != phenorag.Present || diagnoses[1].Label != phenorag.Absent {
		t.Errorf("diagnoses %+v", diagnoses)
	}
}

func readLines[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, strings.TrimSpace(sc.Text()))
		}
		out = append(out, v)
	}
	return out
}
