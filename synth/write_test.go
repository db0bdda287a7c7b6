package synth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/phenorag/phenorag"
)

// writeCohort writes a cohort into a temporary directory.
func writeCohort(t *testing.T, cfg Config, opts WriteOptions) (string, Manifest) {
	t.Helper()
	dir := t.TempDir()
	m, err := Write(context.Background(), cfg, dir, opts)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return dir, m
}

// readCSV reads a whole CSV file, gzip-compressed if its name says so.
func readCSV(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = gz
	}
	all, err := csv.NewReader(r).ReadAll()
	if err != nil || len(all) == 0 {
		t.Fatalf("%s: %d records, %v", path, len(all), err)
	}
	return all[0], all[1:]
}

// column returns the values of the named column.
func column(t *testing.T, header []string, rows [][]string, name string) []string {
	t.Helper()
	i := slices.Index(header, name)
	if i < 0 {
		t.Fatalf("no column %s in %v", name, header)
	}
	out := make([]string, len(rows))
	for k, r := range rows {
		out[k] = r[i]
	}
	return out
}

// readParquetColumn reads one utf8 column of a Parquet file.
func readParquetColumn(t *testing.T, path, name string) (vals []string, rowGroups int) {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1024},
		memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	idx := fr.Manifest.Fields
	col := -1
	for i, f := range idx {
		if f.Field.Name == name {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("%s: no column %s", path, name)
	}
	rr, err := fr.GetRecordReader(context.Background(), []int{col}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	for rr.Next() {
		a := rr.Record().Column(0).(*array.String)
		for i := range a.Len() {
			vals = append(vals, strings.Clone(a.Value(i)))
		}
	}
	return vals, pf.NumRowGroups()
}

func TestWriteFormats(t *testing.T) {
	cfg := Config{Patients: 25, Seed: 2, NotesMax: 10}
	ps := collect(t, cfg)
	dir, m := writeCohort(t, cfg, WriteOptions{TXT: true})
	var ids, texts []string
	for _, p := range ps {
		for _, n := range p.Notes {
			ids, texts = append(ids, n.ID), append(texts, n.Text)
		}
	}
	if m.Notes != len(ids) || m.Patients != 25 {
		t.Fatalf("manifest: %d notes, %d patients; want %d, 25", m.Notes, m.Patients, len(ids))
	}

	for _, rel := range []string{"csv/notes.csv", "csv/notes.csv.gz"} {
		h, rows := readCSV(t, filepath.Join(dir, rel))
		if !slices.Equal(h, notesHeader) || !slices.Equal(column(t, h, rows, "text"), texts) {
			t.Errorf("%s: header %v or texts differ from the generated notes", rel, h)
		}
	}
	h, rows := readCSV(t, filepath.Join(dir, "omop/note.csv"))
	if !slices.Equal(column(t, h, rows, "note_text"), texts) {
		t.Error("omop/note.csv texts differ")
	}
	if got, _ := readParquetColumn(t, filepath.Join(dir, "omop/note.parquet"),
		"note_text"); !slices.Equal(got, texts) {
		t.Error("omop/note.parquet texts differ")
	}
	got, groups := readParquetColumn(t, filepath.Join(dir, "parquet/notes.parquet"), "text")
	if !slices.Equal(got, texts) || groups != 1 {
		t.Errorf("parquet/notes.parquet: %d texts in %d row groups", len(got), groups)
	}
	checkJSONL(t, filepath.Join(dir, "jsonl/notes.jsonl"), ids, texts)
	checkMIMIC(t, dir, ids, texts)
	for i, id := range ids {
		data, err := os.ReadFile(filepath.Join(dir, "txt", patientOf(ps, id), id+".txt"))
		if err != nil || string(data) != texts[i] {
			t.Fatalf("txt note %s: %v", id, err)
		}
	}
}

func patientOf(ps []Patient, noteID string) string {
	for _, p := range ps {
		for _, n := range p.Notes {
			if n.ID == noteID {
				return p.ID
			}
		}
	}
	return ""
}

func checkJSONL(t *testing.T, path string, ids, texts []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	i := 0
	for ; sc.Scan(); i++ {
		var n jsonNote
		if err := json.Unmarshal(sc.Bytes(), &n); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if i >= len(ids) || n.NoteID != ids[i] || n.Text != texts[i] || len(n.NoteDate) != 10 {
			t.Fatalf("line %d: note %s does not match", i+1, n.NoteID)
		}
	}
	if i != len(ids) {
		t.Fatalf("%d lines, want %d", i, len(ids))
	}
}

// checkMIMIC checks that the two MIMIC note files hold every note once, and
// that every diagnosis is dated through an admission.
func checkMIMIC(t *testing.T, dir string, ids, texts []string) {
	t.Helper()
	byID := map[string]string{}
	for _, rel := range []string{"mimic/note/discharge.csv.gz", "mimic/note/radiology.csv.gz"} {
		h, rows := readCSV(t, filepath.Join(dir, rel))
		for i, id := range column(t, h, rows, "note_id") {
			byID[id] = rows[i][len(rows[i])-1]
		}
		for _, typ := range column(t, h, rows, "note_type") {
			if strings.Contains(rel, "discharge") != (typ == "DS") {
				t.Errorf("%s: note_type %s", rel, typ)
			}
		}
	}
	for i, id := range ids {
		if byID[id] != texts[i] {
			t.Fatalf("mimic note %s missing or different", id)
		}
	}
	h, rows := readCSV(t, filepath.Join(dir, "mimic/hosp/admissions.csv.gz"))
	hadm := map[string]bool{}
	for _, id := range column(t, h, rows, "hadm_id") {
		hadm[id] = true
	}
	h, rows = readCSV(t, filepath.Join(dir, "mimic/hosp/diagnoses_icd.csv.gz"))
	for i, id := range column(t, h, rows, "hadm_id") {
		if code := rows[i][3]; !hadm[id] || strings.Contains(code, ".") {
			t.Fatalf("diagnoses_icd row %d: hadm_id %s, code %s", i+1, id, code)
		}
	}
}

func TestWriteDeterministic(t *testing.T) {
	cfg := Config{Patients: 20, Seed: 8, NotesMax: 8}
	a, _ := writeCohort(t, cfg, WriteOptions{TXT: true})
	b, _ := writeCohort(t, cfg, WriteOptions{TXT: true})
	compareTrees(t, a, b)
}

// compareTrees fails unless the two directories hold the same files with
// the same bytes.
func compareTrees(t *testing.T, want, got string) {
	t.Helper()
	files := func(root string) map[string][]byte {
		out := map[string][]byte{}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			if rel == "README.md" {
				return nil
			}
			data, err := os.ReadFile(path)
			out[filepath.ToSlash(rel)] = data
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	w, g := files(want), files(got)
	if len(w) != len(g) {
		t.Errorf("%d files in %s, %d in %s", len(w), want, len(g), got)
	}
	var diff []string
	for rel, data := range w {
		if !bytes.Equal(data, g[rel]) {
			diff = append(diff, rel)
		}
	}
	if len(diff) > 0 {
		slices.Sort(diff)
		t.Errorf("%d files differ (after a deliberate change, rerun with -update), "+
			"first: %v", len(diff), diff[:min(5, len(diff))])
	}
}

var update = flag.Bool("update", false, "rewrite the committed cohort under testdata")

// cohortDir is the small cohort committed for the other stages' tests.
const cohortDir = "../testdata/cohort"

// cohortConfig is how the committed cohort was written; testdata/README.md
// gives the same as a command.
var cohortConfig = Config{Patients: 60, Seed: 1, NotesMax: 12}

// TestCommittedCohort regenerates the committed cohort and compares bytes,
// so that it can never drift from the generator. Run with -update to
// rewrite it after a deliberate change.
func TestCommittedCohort(t *testing.T) {
	if *update {
		if err := os.RemoveAll(cohortDir); err != nil {
			t.Fatal(err)
		}
		if _, err := Write(context.Background(), cohortConfig, cohortDir,
			WriteOptions{TXT: true}); err != nil {
			t.Fatal(err)
		}
	}
	dir, _ := writeCohort(t, cohortConfig, WriteOptions{TXT: true})
	compareTrees(t, dir, cohortDir)
	checkCohort(t, readPatients(t, cohortDir))
	err := filepath.WalkDir(cohortDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if st, _ := d.Info(); st.Size() > 2<<20 {
				t.Errorf("%s is %d bytes, over 2 MiB", path, st.Size())
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readPatients rebuilds patients from a written cohort's notes and gold
// files, so the case checks run on the files themselves.
func readPatients(t *testing.T, dir string) []Patient {
	t.Helper()
	byID := map[string]*Patient{}
	var order []string
	_, rows := readCSV(t, filepath.Join(dir, "gold/labels.csv"))
	for _, r := range rows {
		label, err := phenorag.ParseLabel(r[1])
		if err != nil {
			t.Fatal(err)
		}
		p := &Patient{ID: r[0], Gold: phenorag.Gold{PatientID: r[0], Label: label}}
		if r[3] != "" {
			p.Cases = strings.Split(r[3], ";")
		}
		byID[r[0]] = p
		order = append(order, r[0])
	}
	_, rows = readCSV(t, filepath.Join(dir, "csv/notes.csv"))
	for _, r := range rows {
		p := byID[r[1]]
		p.Notes = append(p.Notes, phenorag.Note{ID: r[0], PatientID: r[1], Type: r[3],
			Text: r[5]})
	}
	_, rows = readCSV(t, filepath.Join(dir, "gold/evidence.csv"))
	for _, r := range rows {
		start, err1 := strconv.Atoi(r[2])
		end, err2 := strconv.Atoi(r[3])
		if err1 != nil || err2 != nil {
			t.Fatalf("evidence row %v", r)
		}
		p := byID[r[0]]
		p.Gold.Evidence = append(p.Gold.Evidence, phenorag.Span{NoteID: r[1], Start: start,
			End: end})
		p.EvidenceCases = append(p.EvidenceCases, r[4])
	}
	_, rows = readCSV(t, filepath.Join(dir, "csv/diagnoses.csv"))
	for _, r := range rows {
		p := byID[r[0]]
		p.Facts = append(p.Facts, phenorag.Fact{PatientID: r[0],
			Kind: phenorag.FactDiagnosis, System: r[2], Code: r[3]})
	}
	out := make([]Patient, len(order))
	for i, id := range order {
		out[i] = *byID[id]
	}
	return out
}

func BenchmarkWrite(b *testing.B) {
	cfg := Config{Patients: 300, Seed: 1}
	var m Manifest
	for b.Loop() {
		var err error
		if m, err = Write(context.Background(), cfg, b.TempDir(), WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(cfg.Patients)/sec, "patients/s")
	b.ReportMetric(float64(m.NoteBytes)/sec/1e6, "note-MB/s")
}

// TestParquetRowGroups checks that every buffer is released and that rows
// are cut into row groups of the size asked for.
func TestParquetRowGroups(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	o, err := createParquetWith(dir, "notes.parquet", notesSchema, mem, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i := range batchRows + 10 {
		if err := o.row(strconv.Itoa(i), "p", date(time.Unix(0, 0)), "t", "t",
			"text"); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.close(); err != nil {
		t.Fatal(err)
	}
	got, groups := readParquetColumn(t, filepath.Join(dir, "notes.parquet"), "note_id")
	if len(got) != batchRows+10 || groups != (batchRows+10+999)/1000 {
		t.Fatalf("%d rows in %d row groups, want %d in groups of at most 1000",
			len(got), groups, batchRows+10)
	}
}

// TestParquetDeterministic writes a table whose text column would overflow
// a dictionary several times: the bytes must not change between runs.
func TestParquetDeterministic(t *testing.T) {
	var first []byte
	for run := range 4 {
		dir := t.TempDir()
		o, err := createParquet(dir, "notes.parquet", notesSchema)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3000 {
			text := strings.Repeat("note "+strconv.Itoa(i)+" ", 60)
			if err := o.row(strconv.Itoa(i), "p", date(time.Unix(0, 0)), "t", "t",
				text); err != nil {
				t.Fatal(err)
			}
		}
		if err := o.close(); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "notes.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		if run == 0 {
			first = data
		} else if !bytes.Equal(first, data) {
			t.Fatalf("run %d wrote different bytes", run)
		}
	}
}
