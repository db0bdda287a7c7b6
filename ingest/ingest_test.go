package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phenorag/phenorag"
)

// writeFile writes data to name under dir, gzipped when name ends in .gz.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	b := []byte(data)
	if strings.HasSuffix(name, ".gz") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		b = buf.Bytes()
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readNotes reads paths and returns the notes, the summary and the error.
func readNotes(t *testing.T, paths []string, opts Options) ([]phenorag.Note, Summary, error) {
	t.Helper()
	var notes []phenorag.Note
	sum, err := ReadNotes(context.Background(), paths, opts, func(n phenorag.Note) error {
		notes = append(notes, n)
		return nil
	})
	for _, f := range sum.Files {
		if !f.Reconciles() {
			t.Errorf("%s: read %d != accepted %d + rejected %d + duplicates %d",
				f.Path, f.Read, f.Accepted, f.Rejected, f.Duplicates)
		}
	}
	return notes, sum, err
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// badNotesCSV has one row of each kind a reader must handle; the comment
// column says what each is.
const badNotesCSV = "note_id,patient_id,note_date,note_type,text\r\n" +
	"1,p1,2020-01-02,progress note,\"Line one,\r\nline \"\"two\"\".\"\r\n" + // ok, CRLF kept
	"2,,2020-01-02,progress note,no patient\r\n" + // missing patient
	"3,p1,2020-13-40,progress note,bad date\r\n" + // bad date
	"4,p1,2020-01-02,progress note\r\n" + // too few fields
	"5,p1,2020-01-02,progress note,bad \xff byte\r\n" + // invalid UTF-8
	"1,p1,2020-01-02,progress note,\"Line one,\r\nline \"\"two\"\".\"\r\n" + // duplicate
	"1,p1,2020-01-02,progress note,other text\r\n" + // conflicting
	"6,p2,,echo,\r\n" + // empty note, no date
	"\r\n" + // blank line, skipped
	"7,p2,2021-05-06 13:14:15,echo,\"broken \"quote\"\r\n" + // malformed quoting
	"8,p3,2021-05-06T00:00:00Z,echo,last\r\n"

func TestReadNotesRejects(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "notes.csv", badNotesCSV)
	var rejects bytes.Buffer
	notes, sum, err := readNotes(t, []string{path}, Options{Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}

	want := []phenorag.Note{
		{ID: "1", PatientID: "p1", Date: day("2020-01-02"), Type: "progress note",
			Text: "Line one,\r\nline \"two\"."},
		{ID: "6", PatientID: "p2", Type: "echo"},
		{ID: "8", PatientID: "p3", Date: day("2021-05-06"), Type: "echo", Text: "last"},
	}
	if len(notes) != len(want) {
		t.Fatalf("got %d notes %+v, want %d", len(notes), notes, len(want))
	}
	for i := range want {
		if notes[i] != want[i] {
			t.Errorf("note %d:\n got %+v\nwant %+v", i, notes[i], want[i])
		}
	}

	got := sum.Files[0]
	wantSum := FileSummary{Path: path, Format: "csv", Read: 10, Accepted: 3, Rejected: 6,
		Duplicates: 1, Empty: 1}
	if got != wantSum {
		t.Errorf("summary\n got %+v\nwant %+v", got, wantSum)
	}

	rows, err := csv.NewReader(&rejects).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantRejects := [][]string{
		// Row 1 spans lines 2 and 3, as does row 6.
		{path, "4", "2", "patient_id", "missing value"},
		{path, "5", "3", "note_date", "not a date (want YYYY-MM-DD or a timestamp)"},
		{path, "6", "4", "", "4 fields, header has 5"},
		{path, "7", "5", "text", "invalid UTF-8"},
		{path, "10", "7", "note_id", "note id seen before with different text"},
		{path, "13", "9", "", "quote inside a quoted field is not doubled"},
	}
	if len(rows) != len(wantRejects) {
		t.Fatalf("rejects:\n got %q\nwant %q", rows, wantRejects)
	}
	for i := range rows {
		if strings.Join(rows[i], "|") != strings.Join(wantRejects[i], "|") {
			t.Errorf("reject %d:\n got %q\nwant %q", i, rows[i], wantRejects[i])
		}
	}
}

func TestReadNotesStrict(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "notes.csv", badNotesCSV)
	notes, sum, err := readNotes(t, []string{path}, Options{Strict: true})
	var re *RowError
	if !errors.As(err, &re) || !errors.Is(err, ErrMissingField) {
		t.Fatalf("error %v, want a RowError wrapping ErrMissingField", err)
	}
	if re.Line != 4 || re.Row != 2 || re.Field != "patient_id" {
		t.Errorf("error at line %d row %d field %q, want 4, 2, patient_id",
			re.Line, re.Row, re.Field)
	}
	wantMsg := path + ":4: row 2: field patient_id: missing value"
	if err.Error() != wantMsg {
		t.Errorf("message %q, want %q", err.Error(), wantMsg)
	}
	if len(notes) != 1 || sum.Files[0].Read != 2 || sum.Files[0].Rejected != 1 {
		t.Errorf("read on after the first bad row: %d notes, summary %+v", len(notes), sum)
	}
}

func TestRowErrorSentinels(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		row  string
		want error
	}{
		{"missing id", ",p1,2020-01-01,x,text", ErrMissingField},
		{"bad date", "1,p1,yesterday,x,text", ErrBadDate},
		{"field count", "1,p1,2020-01-01,x,text,extra", ErrFieldCount},
		{"bad utf8 in id", "\xc3,p1,2020-01-01,x,text", ErrBadUTF8},
		{"malformed", "1,p1,2020-01-01,x,\"unterminated", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, "n.csv", "note_id,patient_id,note_date,note_type,text\n"+tt.row)
			_, _, err := readNotes(t, []string{p}, Options{Strict: true})
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadNotesGzipAndTSV(t *testing.T) {
	dir := t.TempDir()
	csvText := "NOTE_ID,Patient_ID,note_date,text\n1,p1,2020-01-02,\"a\nb\"\n"
	tsvText := "note_id\tpatient_id\tnote_date\ttext\n1\tp1\t2020-01-02\tab\n"
	tests := []struct {
		name, file, data, format string
		want                     string
	}{
		{"csv.gz", "n.csv.gz", csvText, "csv.gz", "a\nb"},
		{"gzip without extension", "n.data", csvText, "csv.gz", "a\nb"},
		{"tsv", "n.tsv", tsvText, "tsv", "ab"},
		{"tsv sniffed", "n.dat.gz", tsvText, "tsv.gz", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.file
			if tt.name == "gzip without extension" {
				name += ".gz"
			}
			p := writeFile(t, dir, name, tt.data)
			if tt.name == "gzip without extension" {
				np := strings.TrimSuffix(p, ".gz")
				os.Rename(p, np)
				p = np
			}
			notes, sum, err := readNotes(t, []string{p}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(notes) != 1 || notes[0].Text != tt.want || notes[0].PatientID != "p1" {
				t.Errorf("notes %+v", notes)
			}
			if sum.Files[0].Format != tt.format {
				t.Errorf("format %q, want %q", sum.Files[0].Format, tt.format)
			}
		})
	}
}

func TestReadNotesColumns(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "n.csv", "id,person,body,when\n7,p9,hello,2020-02-03\n")
	opts := Options{Columns: map[string]string{"patient_id": "person", "note_date": "when"}}
	notes, _, err := readNotes(t, []string{p}, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := phenorag.Note{ID: "7", PatientID: "p9", Date: day("2020-02-03"), Text: "hello"}
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("got %+v, want %+v", notes, want)
	}

	opts.Columns["text"] = "nope"
	if _, _, err := readNotes(t, []string{p}, opts); err == nil ||
		!strings.Contains(err.Error(), `no column "nope" for field text`) {
		t.Errorf("error %v, want a missing column", err)
	}
	opts.Columns = map[string]string{"colour": "x"}
	if _, _, err := readNotes(t, []string{p}, opts); err == nil {
		t.Error("unknown field in Columns accepted")
	}
}

func TestReadNotesFileErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file, data string
		want             string
	}{
		{"missing", "", "", "no such file"},
		{"no text column", "a.csv", "note_id,patient_id\n1,p1\n", "no column for field text"},
		{"empty file", "b.csv", "", "no header row"},
		{"bad gzip", "c.csv.gz", "", ""},
		{"truncated gzip", "d.csv.gz", "", "unexpected EOF"},
		{"one txt note", "e.txt", "text", "read from their folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "missing.csv")
			if tt.file != "" {
				p = writeFile(t, dir, tt.file, tt.data)
			}
			switch tt.name {
			case "bad gzip":
				os.WriteFile(p, []byte{0x1f, 0x8b, 1, 2, 3}, 0o644)
			case "truncated gzip":
				var buf bytes.Buffer
				zw := gzip.NewWriter(&buf)
				zw.Write([]byte("note_id,patient_id,text\n" +
					strings.Repeat("1,p1,some note text\n", 5000)))
				zw.Close()
				os.WriteFile(p, buf.Bytes()[:buf.Len()/2], 0o644)
			}
			_, _, err := readNotes(t, []string{p}, Options{})
			if err == nil || !strings.Contains(err.Error(), p) ||
				!strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming %s and saying %q", err, p, tt.want)
			}
		})
	}
}

func TestReadNotesJSONL(t *testing.T) {
	dir := t.TempDir()
	data := `{"note_id":"1","patient_id":"p1","note_date":"2020-01-02","text":"a\r\nb"}` + "\n" +
		`{"note_id":2,"patient_id":"p1","note_date":"2020-01-02"}` + "\n" +
		"\n" +
		`{"note_id":"3","patient_id":"p1","text":` + "\"\xff\"}\n" +
		`{"note_id":"4","patient_id":"p1","text":["x"]}` + "\n" +
		`not json` + "\n" +
		`{"NOTE_ID":"5","Patient_Id":7,"TEXT":"","note_date":null}`
	p := writeFile(t, dir, "n.jsonl.gz", data)
	var rejects bytes.Buffer
	notes, sum, err := readNotes(t, []string{p}, Options{Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	want := []phenorag.Note{
		{ID: "1", PatientID: "p1", Date: day("2020-01-02"), Text: "a\r\nb"},
		{ID: "5", PatientID: "7"},
	}
	if len(notes) != 2 || notes[0] != want[0] || notes[1] != want[1] {
		t.Errorf("notes\n got %+v\nwant %+v", notes, want)
	}
	wantSum := FileSummary{Path: p, Format: "jsonl.gz", Read: 6, Accepted: 2, Rejected: 4,
		Empty: 1}
	if sum.Files[0] != wantSum {
		t.Errorf("summary\n got %+v\nwant %+v", sum.Files[0], wantSum)
	}
	wantRejects := p + ",2,2,text,missing value\n" +
		p + ",4,3,,line is not valid UTF-8\n" +
		p + ",5,4,text,\"not a string, number or boolean\"\n" +
		p + ",6,5,,not one JSON object\n"
	if rejects.String() != wantRejects {
		t.Errorf("rejects\n got %q\nwant %q", rejects.String(), wantRejects)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestReadNotesCancelled(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "n.csv", "note_id,patient_id,text\n1,p1,a\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ReadNotes(ctx, []string{p}, Options{}, func(phenorag.Note) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestFileSummaryReconciles(t *testing.T) {
	tests := []struct {
		fs   FileSummary
		want bool
	}{
		{FileSummary{}, true},
		{FileSummary{Read: 10, Accepted: 6, Rejected: 3, Duplicates: 1, Empty: 2}, true},
		{FileSummary{Read: 10, Accepted: 6, Rejected: 3}, false},
		{FileSummary{Read: 9, Accepted: 6, Rejected: 3, Duplicates: 1}, false},
	}
	for _, tt := range tests {
		if got := tt.fs.Reconciles(); got != tt.want {
			t.Errorf("%+v.Reconciles() = %v, want %v", tt.fs, got, tt.want)
		}
	}
	sum := Summary{Files: []FileSummary{tests[1].fs, {Read: 2, Accepted: 2}}}
	want := FileSummary{Path: "total", Read: 12, Accepted: 8, Rejected: 3, Duplicates: 1,
		Empty: 2}
	if got := sum.Totals(); got != want {
		t.Errorf("Totals() = %+v, want %+v", got, want)
	}
}

// TestKeptIDsDoNotPinText keeps the id of every note read, as an index
// writer's set of ids seen does, and checks that the notes' text can still
// be collected: an id that shared the memory of its row would keep every
// text alive.
func TestKeptIDsDoNotPinText(t *testing.T) {
	const mb = 16
	dir := t.TempDir()
	csvPath, jsonlPath := filepath.Join(dir, "notes.csv"), filepath.Join(dir, "notes.jsonl")
	writeBenchCSV(t, csvPath, mb, false)
	writeBenchJSONL(t, jsonlPath, mb)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var kept []string
	for _, path := range []string{csvPath, jsonlPath} {
		kept = kept[:0]
		_, err := ReadNotes(context.Background(), []string{path}, Options{},
			func(n phenorag.Note) error {
				kept = append(kept, n.ID, n.PatientID)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		if text := int64(mb << 20); grew > text/10 {
			t.Errorf("%s: heap grew %d bytes while keeping the ids of %d notes with %d bytes "+
				"of text", path, grew, len(kept)/2, text)
		}
	}
	runtime.KeepAlive(kept)
}

// TestReuseText reads notes that span several read blocks (CSV, plain and
// gzipped) or record batches (Parquet), with and without ReuseText: each
// note must be the same, its text intact for the whole of fn while the
// table reads on, and its ids still intact after the read.
func TestReuseText(t *testing.T) {
	dir := t.TempDir()
	const mb = 3 * csvBufferSize >> 20
	for _, name := range []string{"notes.csv", "notes.csv.gz", "notes.parquet"} {
		path := filepath.Join(dir, name)
		if name == "notes.parquet" {
			writeBenchParquet(t, path, mb)
		} else {
			writeBenchCSV(t, path, mb, strings.HasSuffix(name, ".gz"))
		}
		var want []phenorag.Note
		_, err := ReadNotes(context.Background(), []string{path}, Options{},
			func(n phenorag.Note) error {
				want = append(want, n)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		i := 0
		_, err = ReadNotes(context.Background(), []string{path}, Options{ReuseText: true},
			func(n phenorag.Note) error {
				if i >= len(want) {
					t.Fatalf("%s: more notes than without ReuseText", path)
				}
				runtime.Gosched()
				if n != want[i] {
					t.Fatalf("%s: note %d differs from the copied one", path, i)
				}
				ids = append(ids, n.ID)
				i++
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if i != len(want) || i < 1000 {
			t.Fatalf("%s: %d notes, want %d", path, i, len(want))
		}
		for j, id := range ids {
			if id != want[j].ID {
				t.Fatalf("%s: kept id %d became %q, want %q", path, j, id, want[j].ID)
			}
		}
	}
}
