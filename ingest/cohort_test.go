package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phenorag/phenorag"
)

// cohortDir is the synthetic cohort committed by the synth package, written
// in every input shape.
const cohortDir = "../testdata/cohort"

func needCohort(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(cohortDir, "csv", "notes.csv")); err != nil {
		t.Skipf("no cohort at %s", cohortDir)
	}
}

// noteKey is what must agree across formats; notes are compared sorted by id.
func noteKeys(notes []phenorag.Note) []string {
	keys := make([]string, len(notes))
	for i, n := range notes {
		keys[i] = fmt.Sprintf("%s|%s|%s|%s|%q", n.ID, n.PatientID,
			n.Date.Format(time.DateOnly), n.Type, n.Text)
	}
	slices.Sort(keys)
	return keys
}

func TestCohortNotesAgreeAcrossFormats(t *testing.T) {
	needCohort(t)
	sources := map[string]string{
		"csv":          "csv/notes.csv",
		"csv.gz":       "csv/notes.csv.gz",
		"jsonl":        "jsonl/notes.jsonl",
		"parquet":      "parquet/notes.parquet",
		"mimic":        "mimic",
		"omop csv":     "omop/note.csv",
		"omop parquet": "omop/note.parquet",
		"txt":          "txt",
	}
	base, _, err := readNotes(t, []string{filepath.Join(cohortDir, sources["csv"])}, Options{})
	if err != nil || len(base) == 0 {
		t.Fatalf("csv: %d notes, %v", len(base), err)
	}
	want := noteKeys(base)
	for name, rel := range sources {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(cohortDir, rel)
			if _, err := os.Stat(path); name == "txt" && err != nil {
				t.Skip("cohort written without .txt notes")
			}
			notes, sum, err := readNotes(t, []string{path}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tot := sum.Totals(); tot.Rejected != 0 || tot.Duplicates != 0 {
				t.Errorf("totals %+v", tot)
			}
			got := noteKeys(notes)
			if name == "txt" && !hasTxtIndex(t) {
				got, want = withoutDateAndType(got), withoutDateAndType(want)
			}
			compareKeys(t, got, want)
		})
	}
}

func hasTxtIndex(t *testing.T) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(cohortDir, "txt", "index.csv"))
	return err == nil
}

// withoutDateAndType blanks the fields a .txt folder without index lacks.
func withoutDateAndType(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		f := strings.SplitN(k, "|", 5)
		out[i] = f[0] + "|" + f[1] + "|||" + f[4]
	}
	return out
}

func compareKeys(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d records, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("first difference at %d:\n got %.300s\nwant %.300s", i, got[i], want[i])
			return
		}
	}
}

// factKeys renders facts for comparison, sorted.
func factKeys(facts []phenorag.Fact, kinds ...phenorag.FactKind) []string {
	var keys []string
	for _, f := range facts {
		if !slices.Contains(kinds, f.Kind) {
			continue
		}
		keys = append(keys, fmt.Sprintf("%s|%s|%s|%s|%s|%s|%g|%v|%s", f.PatientID, f.Kind,
			f.Date.Format(time.DateOnly), f.System, f.Code, f.Name, f.Value, f.HasValue,
			f.Unit))
	}
	slices.Sort(keys)
	return keys
}

func TestCohortFactsAgreeAcrossFormats(t *testing.T) {
	needCohort(t)
	read := func(rel string) []phenorag.Fact {
		t.Helper()
		facts, sum, err := readFacts(t, []string{filepath.Join(cohortDir, rel)}, Options{})
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if tot := sum.Totals(); tot.Rejected != 0 || tot.Read == 0 {
			t.Errorf("%s: totals %+v", rel, tot)
		}
		return facts
	}
	csv, omop, mimic := read("csv"), read("omop"), read("mimic")
	all := []phenorag.FactKind{phenorag.FactDiagnosis, phenorag.FactMeasurement,
		phenorag.FactDrug}
	t.Run("omop", func(t *testing.T) { compareKeys(t, factKeys(omop, all...), factKeys(csv, all...)) })
	t.Run("mimic", func(t *testing.T) {
		// MIMIC-IV's hosp module as written holds no measurements.
		kinds := []phenorag.FactKind{phenorag.FactDiagnosis, phenorag.FactDrug}
		compareKeys(t, factKeys(mimic, kinds...), factKeys(csv, kinds...))
	})
}
