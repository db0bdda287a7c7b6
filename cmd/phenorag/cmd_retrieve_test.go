package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/phenorag/phenorag/retrieve"
)

// runRetrieveCLI runs phenorag with args and returns its exit code, stdout and stderr.
func runRetrieveCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := mainCode(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestIndexAndRetrieveCommands(t *testing.T) {
	dir := t.TempDir()
	cohort := filepath.Join("..", "..", "testdata", "cohort")
	notes := filepath.Join(cohort, "csv", "notes.csv")
	index := filepath.Join(dir, "index")

	code, _, stderr := runRetrieveCLI(t, "index", "--notes", notes, "--index", index)
	if code != exitOK {
		t.Fatalf("index: exit %d: %s", code, stderr)
	}
	// A second run over the same file adds nothing, and says so.
	code, _, stderr = runRetrieveCLI(t, "index", "--notes", notes, "--index", index)
	if code != exitOK || !strings.Contains(stderr, "accepted=0") {
		t.Fatalf("re-index: exit %d: %s", code, stderr)
	}
	ix, err := retrieve.Open(index)
	if err != nil {
		t.Fatal(err)
	}
	m := ix.Manifest()
	ix.Close()
	if m.Notes == 0 || len(m.Files) != 2 || m.Files[0].Accepted != m.Notes ||
		m.Files[1].Duplicates != m.Notes || m.Files[1].Accepted != 0 {
		t.Errorf("manifest after two runs: %d notes, %d patients, files %+v", m.Notes,
			m.Patients, m.Files)
	}

	// Without --notes, index says what the index holds.
	code, stdout, stderr := runRetrieveCLI(t, "index", "--index", index)
	want := fmt.Sprintf("%d notes of %d patients", m.Notes, m.Patients)
	if code != exitOK || !strings.Contains(stdout, want) ||
		strings.Count(stdout, filepath.Base(notes)) != 2 {
		t.Errorf("index --index: exit %d, want %q and both runs of %s:\n%s%s", code, want,
			notes, stdout, stderr)
	}

	out := filepath.Join(dir, "snippets.jsonl")
	code, stdout, stderr = runRetrieveCLI(t, "retrieve", "--index", index, "--out", out,
		"--eval", filepath.Join(cohort, "gold"))
	if code != exitOK {
		t.Fatalf("retrieve: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "evidence recall        1.0000") {
		t.Errorf("retrieve --eval printed:\n%s", stdout)
	}
	if strings.Contains(stderr, "hypertension") {
		t.Errorf("note text reached the log:\n%s", stderr)
	}
	ids := readPatients(t, out)
	if len(ids) != m.Patients || !slices.IsSorted(ids) {
		t.Errorf("snippets.jsonl holds %d patients, sorted %v", len(ids), slices.IsSorted(ids))
	}
}

func TestRetrieveUsage(t *testing.T) {
	for _, args := range [][]string{
		{"retrieve", "--out", "x"},
		{"retrieve", "--index", "x"},
		{"index", "--notes", "x"},
	} {
		if code, _, _ := runRetrieveCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
