package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/diagnose"
	"github.com/phenorag/phenorag/retrieve"
)

// explainNote is the one note of the index built for the explain tests.
const explainNote = "HPI: dyspnea.\nEcho: RVSP 61 mmHg.\nImpression: pulmonary hypertension.\n" +
	"Plan: cath.\n"

// explainIndex builds an index holding explainNote (id n1, patient p1) and
// a run directory whose diagnosis quotes it at [start, end).
func explainIndex(t *testing.T, quote string, start int) (index, run string) {
	t.Helper()
	dir := t.TempDir()
	index, run = filepath.Join(dir, "index"), filepath.Join(dir, "run")
	ix, err := retrieve.Create(index)
	if err != nil {
		t.Fatal(err)
	}
	w := ix.NewWriter(retrieve.WriterOptions{})
	ctx := context.Background()
	if _, err := w.Add(ctx, phenorag.Note{ID: "n1", PatientID: "p1", Text: explainNote,
		Date: mustDay(t, "2022-01-02")}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	s := strings.Index(explainNote, "Echo")
	e := strings.Index(explainNote, "Plan")
	snips := phenorag.PatientSnippets{PatientID: "p1", Notes: 1, Snippets: []phenorag.Snippet{{
		PatientID: "p1", NoteID: "n1", Start: s, End: e, Text: explainNote[s:e]}}}
	d := phenorag.Diagnosis{PatientID: "p1", Method: "llm", Label: phenorag.Present,
		Status: phenorag.StatusOK, Evidence: []phenorag.Evidence{{NoteID: "n1", Start: start,
			End: start + len(quote), Quote: quote, Verified: true}}}
	for name, v := range map[string]any{diagnose.SnippetsJSONL: snips,
		diagnose.DiagnosesJSONL: d} {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(run, name), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return index, run
}

func TestExplainCommandWithIndex(t *testing.T) {
	quote := "pulmonary hypertension"
	at := strings.Index(explainNote, quote)
	tests := []struct {
		name  string
		start int
		code  int
		want  string
	}{
		{"quote at its offsets", at, exitOK, "every verified quote sits at its offsets"},
		{"quote off by one", at + 1, exitFailure, "quote is not the note text at its offsets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			index, runDir := explainIndex(t, quote, tt.start)
			code, out, errs := run(t, "explain", "--run", runDir, "--patient", "p1",
				"--index", index, "--context", "1")
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Fatalf("exit %d, want %d and %q:\n%s%s", code, tt.code, tt.want, out, errs)
			}
			// One line of context each side of the snippet, from the note.
			if !strings.Contains(out, "| HPI: dyspnea.") ||
				!strings.Contains(out, "| Plan: cath.") {
				t.Errorf("no note context:\n%s", out)
			}
			if strings.Contains(errs, "pulmonary") {
				t.Errorf("note text reached stderr:\n%s", errs)
			}
		})
	}
}
