package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/phenorag/phenorag"
)

// pqWriter writes a Parquet file for tests, a row at a time.
type pqWriter struct {
	tb   testing.TB
	file *os.File
	fw   *pqarrow.FileWriter
	rb   *array.RecordBuilder
	rows int
}

func newPQWriter(tb testing.TB, path string, fields ...arrow.Field) *pqWriter {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	sc := arrow.NewSchema(fields, nil)
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithMaxRowGroupLength(64<<10))
	fw, err := pqarrow.NewFileWriter(sc, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		tb.Fatal(err)
	}
	return &pqWriter{tb: tb, file: f, fw: fw,
		rb: array.NewRecordBuilder(memory.DefaultAllocator, sc)}
}

// row appends one row; a nil value is a null.
func (w *pqWriter) row(vals ...any) {
	w.tb.Helper()
	for i, v := range vals {
		b := w.rb.Field(i)
		if v == nil {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.StringBuilder:
			b.Append(v.(string))
		case *array.Date32Builder:
			b.Append(arrow.Date32FromTime(v.(time.Time)))
		case *array.TimestampBuilder:
			ts, err := arrow.TimestampFromTime(v.(time.Time), arrow.Millisecond)
			if err != nil {
				w.tb.Fatal(err)
			}
			b.Append(ts)
		case *array.Int64Builder:
			b.Append(v.(int64))
		case *array.Float64Builder:
			b.Append(v.(float64))
		default:
			w.tb.Fatalf("no test builder for %T", b)
		}
	}
	if w.rows++; w.rows%4096 == 0 {
		w.flush()
	}
}

func (w *pqWriter) flush() {
	rec := w.rb.NewRecord()
	defer rec.Release()
	if rec.NumRows() == 0 {
		return
	}
	if err := w.fw.WriteBuffered(rec); err != nil {
		w.tb.Fatal(err)
	}
}

func (w *pqWriter) close() {
	w.tb.Helper()
	w.flush()
	w.rb.Release()
	if err := w.fw.Close(); err != nil {
		w.tb.Fatal(err)
	}
}

func TestReadNotesParquet(t *testing.T) {
	utf8 := arrow.BinaryTypes.String
	tests := []struct {
		name string
		date arrow.DataType
		val  func(time.Time) any
	}{
		{"date32", arrow.FixedWidthTypes.Date32, func(d time.Time) any { return d }},
		{"timestamp", &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"},
			func(d time.Time) any { return d }},
		{"string", utf8, func(d time.Time) any { return d.Format(time.DateOnly) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "notes.parquet")
			w := newPQWriter(t, path,
				arrow.Field{Name: "note_id", Type: utf8, Nullable: true},
				arrow.Field{Name: "patient_id", Type: utf8, Nullable: true},
				arrow.Field{Name: "note_date", Type: tt.date, Nullable: true},
				arrow.Field{Name: "note_type", Type: utf8, Nullable: true},
				arrow.Field{Name: "text", Type: utf8, Nullable: true})
			for i := range 3000 {
				w.row(itoa(i), "p"+itoa(i%7), tt.val(day("2020-01-02")), "echo",
					"text of note "+itoa(i)+"\r\n")
			}
			w.row("x1", "p1", nil, nil, nil) // null text: rejected
			w.row("x2", nil, nil, nil, "t")  // null patient: rejected
			w.row("x3", "p1", nil, nil, "")  // empty note, no date
			w.close()

			notes, sum, err := readNotes(t, []string{path}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := FileSummary{Path: path, Format: "parquet", Read: 3003, Accepted: 3001,
				Rejected: 2, Empty: 1}
			if sum.Files[0] != want {
				t.Errorf("summary\n got %+v\nwant %+v", sum.Files[0], want)
			}
			n := notes[2999]
			wantNote := phenorag.Note{ID: "2999", PatientID: "p3", Date: day("2020-01-02"),
				Type: "echo", Text: "text of note 2999\r\n"}
			if n != wantNote {
				t.Errorf("note\n got %+v\nwant %+v", n, wantNote)
			}
			if last := notes[len(notes)-1]; last.ID != "x3" || !last.Date.IsZero() {
				t.Errorf("last note %+v", last)
			}
		})
	}
}

func TestReadNotesParquetStopsOnCallerError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.parquet")
	s := arrow.BinaryTypes.String
	w := newPQWriter(t, path, arrow.Field{Name: "note_id", Type: s},
		arrow.Field{Name: "patient_id", Type: s}, arrow.Field{Name: "text", Type: s})
	for i := range 10 {
		w.row(itoa(i), "p", "t")
	}
	w.close()
	stop := errors.New("stop")
	calls := 0
	_, err := ReadNotes(context.Background(), []string{path}, Options{},
		func(phenorag.Note) error {
			if calls++; calls == 3 {
				return stop
			}
			return nil
		})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("error %v after %d calls, want the caller's error after 3", err, calls)
	}
}
