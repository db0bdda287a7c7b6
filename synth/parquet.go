package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// Parquet layout: rows are handed to the writer in batches of batchRows and
// cut into row groups of at most rowGroupRows.
const (
	batchRows    = 4096
	rowGroupRows = 64 * 1024
)

// parquetOut writes a table to a zstd-compressed Parquet file, in batches.
type parquetOut struct {
	rel     string
	fw      *pqarrow.FileWriter
	b       *array.RecordBuilder
	n       int
	pending int
}

func createParquet(dir, rel string, schema *arrow.Schema) (*parquetOut, error) {
	return createParquetWith(dir, rel, schema, memory.DefaultAllocator, rowGroupRows)
}

// createParquetWith is createParquet with the allocator of the record
// builder and the writer, and the row group size, so that tests can check
// that every buffer is released and that row groups are cut.
func createParquetWith(dir, rel string, schema *arrow.Schema, mem memory.Allocator,
	groupRows int64) (*parquetOut, error) {
	full := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(full)
	if err != nil {
		return nil, err
	}
	// Dictionary encoding only for the low-cardinality label columns: a
	// column whose dictionary overflows mixes two page encodings, and the
	// writer lists those in map order, which would make the bytes differ
	// from run to run.
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithMaxRowGroupLength(groupRows),
		parquet.WithCreatedBy("phenorag synth"),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor("note_type", true),
		parquet.WithDictionaryFor("note_title", true),
		parquet.WithDictionaryFor("note_source_value", true),
	)
	fw, err := pqarrow.NewFileWriter(schema, f, props,
		pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", rel, err)
	}
	b := array.NewRecordBuilder(mem, schema)
	return &parquetOut{rel: rel, fw: fw, b: b}, nil
}

// row appends one row: each value is a string (utf8), an int64, a date
// (date32), a dateTime (timestamp) or nil (null), in schema order.
func (o *parquetOut) row(vals ...any) error {
	for i, v := range vals {
		f := o.b.Field(i)
		switch v := v.(type) {
		case nil:
			f.AppendNull()
		case string:
			f.(*array.StringBuilder).Append(v)
		case int64:
			f.(*array.Int64Builder).Append(v)
		case date:
			f.(*array.Date32Builder).Append(arrow.Date32FromTime(time.Time(v)))
		case dateTime:
			f.(*array.TimestampBuilder).Append(arrow.Timestamp(time.Time(v).Unix()))
		default:
			return fmt.Errorf("write %s: unsupported value %T", o.rel, v)
		}
	}
	o.n++
	o.pending++
	if o.pending == batchRows {
		return o.flush()
	}
	return nil
}

// date is a value for a date32 column; dateTime for a timestamp column.
type (
	date     time.Time
	dateTime time.Time
)

func (o *parquetOut) flush() error {
	if o.pending == 0 {
		return nil
	}
	rec := o.b.NewRecord()
	defer rec.Release()
	o.pending = 0
	if err := o.fw.WriteBuffered(rec); err != nil {
		return fmt.Errorf("write %s: %w", o.rel, err)
	}
	return nil
}

func (o *parquetOut) path() string { return o.rel }

func (o *parquetOut) rows() int { return o.n }

func (o *parquetOut) close() error {
	err := o.flush()
	o.b.Release()
	if e := o.fw.Close(); err == nil && e != nil {
		err = fmt.Errorf("write %s: %w", o.rel, e)
	}
	return err
}

func utf8Field(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.BinaryTypes.String}
}

// notesSchema is the plain notes table.
var notesSchema = arrow.NewSchema([]arrow.Field{
	utf8Field("note_id"), utf8Field("patient_id"),
	{Name: "note_date", Type: arrow.FixedWidthTypes.Date32},
	utf8Field("note_type"), utf8Field("note_title"), utf8Field("text"),
}, nil)

// omopNoteSchema is the OMOP CDM v5.4 NOTE table.
var omopNoteSchema = arrow.NewSchema([]arrow.Field{
	int64Field("note_id", false), int64Field("person_id", false),
	{Name: "note_date", Type: arrow.FixedWidthTypes.Date32},
	{Name: "note_datetime", Type: &arrow.TimestampType{Unit: arrow.Second}, Nullable: true},
	int64Field("note_type_concept_id", false), int64Field("note_class_concept_id", false),
	utf8Field("note_title"), utf8Field("note_text"),
	int64Field("encoding_concept_id", false), int64Field("language_concept_id", false),
	int64Field("provider_id", true), int64Field("visit_occurrence_id", true),
	int64Field("visit_detail_id", true), utf8Field("note_source_value"),
	int64Field("note_event_id", true), int64Field("note_event_field_concept_id", true),
}, nil)

func int64Field(name string, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: nullable}
}
