package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/phenorag/phenorag"
)

// FuzzCSVRoundTrip writes a record with encoding/csv and reads it back:
// every field must come back byte for byte, CR LF included.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("1", "p1", "Line one,\r\nline \"two\".")
	f.Add("", "", "")
	f.Add("a\rb", "\"", "\n\n\r")
	f.Fuzz(func(t *testing.T, id, patient, text string) {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write([]string{"note_id", "patient_id", "text"})
		w.Write([]string{id, patient, text})
		w.Write([]string{"last", "row", "x"})
		w.Flush()
		if w.Error() != nil {
			t.Skip()
		}
		r := newCSVReader(&buf, ',')
		want := [][]string{{"note_id", "patient_id", "text"}, {id, patient, text}, {"last", "row", "x"}}
		for i, rec := range want {
			got, _, err := r.read()
			if err != nil {
				// encoding/csv writes a lone empty field as an empty line,
				// which CSV readers skip.
				if id == "" && patient == "" && text == "" {
					t.Skip()
				}
				t.Fatalf("record %d: %v", i, err)
			}
			if strings.Join(got, "\x00") != strings.Join(rec, "\x00") || len(got) != len(rec) {
				t.Fatalf("record %d: got %q, want %q", i, got, rec)
			}
		}
		if _, _, err := r.read(); err != io.EOF {
			t.Fatalf("after the last record: %v", err)
		}
	})
}

// FuzzCSVReader feeds arbitrary bytes to the reader: it must not panic,
// must end, and line numbers must never go back.
func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("a,b\n1,\"x\ny\"\n\"bad\"quote\n2,z\r\n"))
	f.Add([]byte("\"unterminated"))
	f.Add([]byte("\r\n\r\n,,\n\"\"\"\""))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newCSVReader(bytes.NewReader(data), ',')
		prev := 0
		for range len(data) + 2 {
			rec, line, err := r.read()
			if err == io.EOF {
				return
			}
			var fault *csvFault
			if err != nil && !errors.As(err, &fault) {
				t.Fatalf("unexpected error %v", err)
			}
			if line < prev || line < 1 {
				t.Fatalf("line %d after %d", line, prev)
			}
			prev = line
			for _, s := range rec {
				if len(s) > len(data) {
					t.Fatalf("field longer than the input")
				}
			}
		}
		t.Fatalf("reader did not end")
	})
}

// FuzzCSVPaths reads the same bytes through a large buffer, where most
// records take the fast path, and a 16-byte one, where most take the
// general path: records, lines and faults must agree.
func FuzzCSVPaths(f *testing.F) {
	f.Add([]byte("a,b\n1,\"x\r\ny\"\"z\"\n\"bad\"quote\n2,z\r\n3,\"\"\r\n"))
	f.Add([]byte("x,\"long quoted field with, a comma\"\r\n\n\nlast"))
	f.Fuzz(func(t *testing.T, data []byte) {
		big := newCSVReader(bytes.NewReader(data), ',')
		small := newCSVReaderSize(bytes.NewReader(data), ',', 16)
		for range len(data) + 2 {
			r1, l1, e1 := big.read()
			r2, l2, e2 := small.read()
			s1, s2 := strings.Join(r1, "\x00"), strings.Join(r2, "\x00")
			if s1 != s2 || len(r1) != len(r2) || l1 != l2 || fmt.Sprint(e1) != fmt.Sprint(e2) {
				t.Fatalf("fast %q line %d err %v; general %q line %d err %v",
					r1, l1, e1, r2, l2, e2)
			}
			if e1 == io.EOF {
				return
			}
		}
	})
}

// FuzzCSVBorrow reads the same bytes as a table that copies its values
// and as one that lends them out of a pool of tiny blocks, so that records
// straddle blocks and blocks are reused: rows, positions and errors must
// agree, and a lent value must still hold its bytes after the splitter
// has had the chance to run ahead.
func FuzzCSVBorrow(f *testing.F) {
	f.Add([]byte("a,b\n1,\"x\r\ny\"\"z\"\n\"bad\"quote\n2,z\r\n3,\"\"\r\n"), uint8(0))
	f.Add([]byte("id,text\n1,\"one, two\"\n2,\"\"\"\"\n3,three\n4,\"four\n\"\n"), uint8(9))
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		copied, err1 := newCSVTable(bytes.NewReader(data), nopCloser{}, ',', 1<<16)
		lent, err2 := newCSVTable(bytes.NewReader(data), nopCloser{}, ',', 16+int(size))
		if fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("header: copied %v, lent %v", err1, err2)
		}
		if err1 != nil {
			return
		}
		defer copied.Close()
		defer lent.Close()
		var cols []column
		for _, h := range copied.columns() {
			cols = append(cols, column{name: h})
		}
		lent.borrowValues()
		copied.bind(context.Background(), cols)
		lent.bind(context.Background(), cols)
		v1, ok1 := make([]string, len(cols)), make([]bool, len(cols))
		v2, ok2 := make([]string, len(cols)), make([]bool, len(cols))
		for range len(data) + 2 {
			p1, e1 := copied.next(v1, ok1)
			p2, e2 := lent.next(v2, ok2)
			if p1 != p2 || fmt.Sprint(e1) != fmt.Sprint(e2) {
				t.Fatalf("copied %+v %v, lent %+v %v", p1, e1, p2, e2)
			}
			if e1 == io.EOF {
				return
			}
			var re *RowError
			if e1 != nil && !errors.As(e1, &re) {
				t.Fatalf("error %v", e1)
			}
			runtime.Gosched()
			if e1 == nil && (strings.Join(v1, "\x00") != strings.Join(v2, "\x00") ||
				fmt.Sprint(ok1) != fmt.Sprint(ok2)) {
				t.Fatalf("row %d: copied %q, lent %q", p1.row, v1, v2)
			}
		}
		t.Fatalf("tables did not end")
	})
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// FuzzJSONLPaths checks that every line the flat parser accepts reads the
// same through encoding/json.
func FuzzJSONLPaths(f *testing.F) {
	f.Add([]byte(`{"note_id":"1","patient_id":7,"text":"a\r\n\u00e9\"b","x":null}`))
	f.Add([]byte(`{"NOTE_ID":"1","note_id":"2","text":true,"patient_id":-1.5e3}`))
	f.Add([]byte(`{"text":"\ud83d\ude00","note_id":{"a":1}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		if !utf8.Valid(line) {
			t.Skip()
		}
		tb := &jsonlTable{}
		tb.cols = []column{{"note_id", "note_id"}, {"patient_id", "patient_id"},
			{"text", "text"}, {"x", "x"}}
		v1, ok1 := make([]string, 4), make([]bool, 4)
		v2, ok2 := make([]string, 4), make([]bool, 4)
		if !tb.decodeFlat(line, v1, ok1) {
			return
		}
		if err := tb.decodeJSON(line, v2, ok2); err != nil {
			t.Fatalf("flat parser accepted what encoding/json rejects: %v", err)
		}
		for i := range v1 {
			if v1[i] != v2[i] || ok1[i] != ok2[i] {
				t.Fatalf("column %d: flat %q %v, encoding/json %q %v", i, v1[i], ok1[i],
					v2[i], ok2[i])
			}
		}
	})
}

// FuzzJSONLRoundTrip encodes a note with encoding/json and reads it back.
func FuzzJSONLRoundTrip(f *testing.F) {
	f.Add("1", "p1", "2020-01-02", "text with \"quotes\"\r\nand \u00e9")
	f.Add("x", "y", "", "")
	f.Fuzz(func(t *testing.T, id, patient, date, text string) {
		if !utf8.ValidString(id + patient + date + text) {
			t.Skip() // encoding/json would replace the invalid bytes
		}
		line, _ := json.Marshal(map[string]string{
			"note_id": id, "patient_id": patient, "note_date": date, "text": text})
		line = append(line, '\n')
		_, sum, err := readNotesFrom(t, "notes.jsonl", line)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Read != 1 || !sum.Reconciles() {
			t.Fatalf("summary %+v", sum)
		}
		wantOK := strings.TrimSpace(id) != "" && strings.TrimSpace(patient) != ""
		if _, ok := parseDate(date); !ok {
			wantOK = false
		}
		if wantOK != (sum.Accepted == 1) {
			t.Fatalf("accepted %d, want ok %v", sum.Accepted, wantOK)
		}
	})
}

// FuzzJSONLReader feeds arbitrary lines to the JSONL reader: rows are
// accepted or rejected, never a panic, and the counts reconcile.
func FuzzJSONLReader(f *testing.F) {
	f.Add([]byte(`{"note_id":"1","patient_id":"p","text":"t"}` + "\n{\n\xff\n[]\n"))
	f.Add([]byte(`{"note_id":1.5,"patient_id":true,"text":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		notes, sum, err := readNotesFrom(t, "notes.jsonl", data)
		if err != nil {
			return // a file-level error, such as an over-long line
		}
		if !sum.Reconciles() || sum.Accepted != len(notes) {
			t.Fatalf("summary %+v with %d notes", sum, len(notes))
		}
		for _, n := range notes {
			if !utf8.ValidString(n.Text) {
				t.Fatalf("invalid UTF-8 passed on")
			}
		}
	})
}

// readNotesFrom reads one in-memory file through the table for its name.
func readNotesFrom(t *testing.T, name string, data []byte) ([]phenorag.Note, FileSummary, error) {
	t.Helper()
	path := writeFile(t, t.TempDir(), name, string(data))
	var notes []phenorag.Note
	sum, err := ReadNotes(context.Background(), []string{path}, Options{},
		func(n phenorag.Note) error {
			notes = append(notes, n)
			return nil
		})
	var fs FileSummary
	if len(sum.Files) > 0 {
		fs = sum.Files[0]
	}
	return notes, fs, err
}

// FuzzSentences checks the splitter's invariants on any text: sentences
// are in range, ordered, not overlapping, trimmed, and together with the
// white space between them they cover the whole text.
func FuzzSentences(f *testing.F) {
	f.Add("HISTORY OF PRESENT ILLNESS: 65 yo. Seen by Dr. Smith.\n\n1. PH\n- COPD")
	f.Add("pH 7.31. q.d. e.g. b.i.d.\r\nNEXT LINE\n(1) a\n#2 b")
	f.Add("\xff. \x00: A:")
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, s := range Sentences(text) {
			if s.Start < prev || s.End <= s.Start || s.End > len(text) {
				t.Fatalf("sentence %+v after %d in %d bytes", s, prev, len(text))
			}
			if gap := text[prev:s.Start]; strings.Trim(gap, " \t\r\n") != "" {
				t.Fatalf("text %q between sentences", gap)
			}
			if isSpace(text[s.Start]) || isSpace(text[s.End-1]) {
				t.Fatalf("sentence %q not trimmed", text[s.Start:s.End])
			}
			prev = s.End
		}
		if rest := text[prev:]; strings.Trim(rest, " \t\r\n") != "" {
			t.Fatalf("text %q after the last sentence", rest)
		}
	})
}

// FuzzViews checks that the normalised views map back onto the original.
func FuzzViews(f *testing.F) {
	f.Add("history of\r\n  pulmonary [** Name\n**] hypertension.\rNext ___\n\nEnd")
	f.Fuzz(func(t *testing.T, text string) {
		checkViewMaps(t, text, NormalizeLineEndings(text))
		checkViewMaps(t, text, JoinWrappedLines(text))
	})
}
