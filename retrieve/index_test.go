package retrieve

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/phenorag/phenorag"
)

func day(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }

// fixture is a tiny cohort that exercises the matchers and the index.
var fixture = []phenorag.Note{
	{ID: "n1", PatientID: "p1", Date: day(1), Type: "echo",
		Text: "TTE: RVSP was estimated at 62 mmHg. D-shaped septum.\n" +
			"Impression: severe pulmonary\nhypertension."},
	{ID: "n2", PatientID: "p1", Date: day(5), Type: "progress",
		Text: "Assessment: PH, WHO group 1. Continue sildenafil. " +
			"Impression: severe pulmonary\nhypertension."},
	{ID: "n3", PatientID: "p1", Date: day(9), Type: "progress", // copied forward
		Text: "Assessment: PH, WHO group 1. Continue sildenafil. " +
			"Impression: severe pulmonary\nhypertension."},
	{ID: "n4", PatientID: "p2", Date: day(2), Type: "lab",
		Text: "ABG: pH 7.31, pCO2 55. History of portal hypertension and essential hypertension."},
	{ID: "n5", PatientID: "p2", Date: day(3), Type: "progress",
		Text: "No evidence of pulmonary hypertension on echo. PH: negative."},
	{ID: "n6", PatientID: "p3", Date: day(4), Type: "cath",
		Text: "RHC: PA pressures 55/22, mean 35. PCWP 12 mmHg. PVR 5 WU. Consistent with PAH."},
	{ID: "n7", PatientID: "p4", Text: "Routine visit. Blood pressure 120/80. No complaints."},
}

func buildIndex(t testing.TB, notes []phenorag.Note) *Index {
	t.Helper()
	ix, err := Create(filepath.Join(t.TempDir(), "ix"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	w := ix.NewWriter(WriterOptions{BatchSize: 3})
	ctx := context.Background()
	for _, n := range notes {
		if _, err := w.Add(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	w.RecordFile(FileEntry{Path: "fixture", Read: len(notes), Accepted: len(notes)})
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestIndexReopenAndExtend(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	w := ix.NewWriter(WriterOptions{BatchSize: 2})
	for _, n := range fixture[:4] {
		if out, err := w.Add(ctx, n); err != nil || out != Added {
			t.Fatalf("add %s = %v, %v", n.ID, out, err)
		}
	}
	if out, _ := w.Add(ctx, fixture[0]); out != Duplicate {
		t.Errorf("same note again in one run = %v, want Duplicate", out)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	w = ix.NewWriter(WriterOptions{})
	for _, n := range fixture {
		out, err := w.Add(ctx, n)
		want := Added
		if n.ID <= "n4" {
			want = Duplicate
		}
		if out != want || err != nil {
			t.Errorf("reopened add %s = %v, %v; want %v", n.ID, out, err, want)
		}
	}
	changed := fixture[1]
	changed.Text += " Addendum."
	if out, err := w.Add(ctx, changed); out != Conflict || !errors.Is(err, ErrConflict) {
		t.Errorf("changed text = %v, %v; want Conflict, ErrConflict", out, err)
	}
	w.RecordFile(FileEntry{Path: "b.csv", Read: 8, Accepted: 3, Duplicates: 4, Rejected: 1})
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}

	m := ix.Manifest()
	if m.Notes != len(fixture) || m.Patients != 4 || len(m.Files) != 1 || m.Files[0].Path != "b.csv" {
		t.Errorf("manifest = %+v", m)
	}
	ids, _ := ix.Patients(ctx)
	if want := []string{"p1", "p2", "p3", "p4"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("patients = %v, want %v", ids, want)
	}
	n, err := ix.Note("n1")
	if err != nil || !reflect.DeepEqual(n, fixture[0]) {
		t.Errorf("note n1 = %+v, %v; want %+v", n, err, fixture[0])
	}
	if n, err := ix.Note("n7"); err != nil || !n.Date.IsZero() || n.Text != fixture[6].Text {
		t.Errorf("undated note n7 = %+v, %v", n, err)
	}
	if _, err := ix.Note("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing note: err = %v, want ErrNotFound", err)
	}
	notes, err := ix.PatientNotes(ctx, "p1")
	if err != nil || !reflect.DeepEqual(notes, fixture[:3]) {
		t.Errorf("p1 notes = %+v, %v", notes, err)
	}
}

func TestInterruptedWriteKeepsCountsTrue(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	w := ix.NewWriter(WriterOptions{BatchSize: 2})
	for _, n := range fixture[:5] { // two full batches and one pending
		if _, err := w.Add(bg, n); err != nil {
			t.Fatal(err)
		}
	}
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	if err := w.Close(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("close with a cancelled context = %v, want context.Canceled", err)
	}
	ix.Close()

	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	docs, _ := ix.idx.DocCount()
	if m := ix.Manifest(); m.Notes != int(docs) || m.Notes != 4 {
		t.Fatalf("manifest says %d notes, index holds %d, want 4", m.Notes, docs)
	}
	w = ix.NewWriter(WriterOptions{})
	added := 0
	for _, n := range fixture {
		if out, _ := w.Add(bg, n); out == Added {
			added++
		}
	}
	if err := w.Close(bg); err != nil {
		t.Fatal(err)
	}
	st, _ := ix.PatientStats("p2")
	if added != 3 || ix.Manifest().Notes != len(fixture) || st.Notes != 2 {
		t.Errorf("rerun added %d (want 3), manifest %d notes (want %d), p2 %d notes (want 2)",
			added, ix.Manifest().Notes, len(fixture), st.Notes)
	}
}
