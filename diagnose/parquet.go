package diagnose

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/phenorag/phenorag"
)

// evidenceType is one piece of evidence in diagnoses.parquet.
var evidenceType = arrow.StructOf(
	arrow.Field{Name: "note_id", Type: arrow.BinaryTypes.String},
	arrow.Field{Name: "note_date", Type: noteDateType, Nullable: true},
	arrow.Field{Name: "start", Type: arrow.PrimitiveTypes.Int64},
	arrow.Field{Name: "end", Type: arrow.PrimitiveTypes.Int64},
	arrow.Field{Name: "quote", Type: arrow.BinaryTypes.String},
	arrow.Field{Name: "verified", Type: arrow.FixedWidthTypes.Boolean},
)

// noteDateType keeps a note's date and time, in UTC.
var noteDateType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// The columns of diagnoses.parquet, in order.
const (
	colPatient = iota
	colMethod
	colLabel
	colConfidence
	colStatus
	colError
	colNEvidence
	colEvidence
	colRules
	colRationale
	colNotes // first of the six counts columns
	colSnippets
	colCalls
	colCacheHits
	colPromptTokens
	colOutputTokens
	colModel // first of the six provenance columns
	colModelDigest
	colPromptHash
	colDefinition
	colDefinitionHash
	colToolVersion
)

func parquetSchema() *arrow.Schema {
	str := func(name string, nullable bool) arrow.Field {
		return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: nullable}
	}
	i64 := func(name string) arrow.Field {
		return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64}
	}
	return arrow.NewSchema([]arrow.Field{
		str("patient_id", false), str("method", false), str("label", false),
		{Name: "confidence", Type: arrow.PrimitiveTypes.Float64},
		str("status", false), str("error", true),
		{Name: "n_evidence", Type: arrow.PrimitiveTypes.Int32},
		{Name: "evidence", Type: arrow.ListOf(evidenceType)},
		{Name: "rules", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		str("rationale", true),
		i64("notes"), i64("snippets"), i64("calls"), i64("cache_hits"),
		i64("prompt_tokens"), i64("output_tokens"),
		str("model", true), str("model_digest", true), str("prompt_hash", true),
		str("definition", true), str("definition_hash", true), str("tool_version", true),
	}, nil)
}

// parquetBatch is how many rows go into one Arrow record; rowGroup is the
// most rows a Parquet row group holds.
const (
	parquetBatch = 16 << 10
	rowGroup     = 128 << 10
)

// WriteParquet writes the diagnoses as Parquet (zstd), atomically, with
// evidence as a list of structs and the provenance on every row.
func WriteParquet(path string, ds []phenorag.Diagnosis, prov phenorag.Provenance) error {
	return writeAtomic(path, func(w io.Writer) error {
		return encodeParquet(w, ds, prov, memory.DefaultAllocator)
	})
}

func encodeParquet(w io.Writer, ds []phenorag.Diagnosis, prov phenorag.Provenance,
	mem memory.Allocator) error {
	schema := parquetSchema()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithMaxRowGroupLength(rowGroup), parquet.WithAllocator(mem),
		parquet.WithCreatedBy("phenorag "+prov.Version))
	fw, err := pqarrow.NewFileWriter(schema, nopCloser{w}, props,
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(),
			pqarrow.WithAllocator(mem)))
	if err != nil {
		return err
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for start := 0; start < len(ds); start += parquetBatch {
		for _, d := range ds[start:min(start+parquetBatch, len(ds))] {
			appendRow(b, d, prov)
		}
		rec := b.NewRecord()
		err := fw.WriteBuffered(rec)
		rec.Release()
		if err != nil {
			fw.Close()
			return err
		}
	}
	return fw.Close()
}

// nopCloser keeps the Parquet writer's Close from closing the file, which
// writeAtomic still has to sync and rename.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func appendRow(b *array.RecordBuilder, d phenorag.Diagnosis, prov phenorag.Provenance) {
	str := func(col int, s string) { b.Field(col).(*array.StringBuilder).Append(s) }
	opt := func(col int, s string) {
		if s == "" {
			b.Field(col).AppendNull()
		} else {
			str(col, s)
		}
	}
	str(colPatient, d.PatientID)
	str(colMethod, d.Method)
	str(colLabel, string(d.Label))
	b.Field(colConfidence).(*array.Float64Builder).Append(d.Confidence)
	str(colStatus, string(d.Status))
	opt(colError, d.Error)
	b.Field(colNEvidence).(*array.Int32Builder).Append(int32(len(d.Evidence)))
	appendEvidence(b.Field(colEvidence).(*array.ListBuilder), d.Evidence)
	rules := b.Field(colRules).(*array.ListBuilder)
	rules.Append(true)
	for _, r := range d.Rules {
		rules.ValueBuilder().(*array.StringBuilder).Append(r)
	}
	opt(colRationale, d.Rationale)
	c := d.Counts
	for i, n := range []int{c.Notes, c.Snippets, c.Calls, c.CacheHits, c.PromptTokens,
		c.OutputTokens} {
		b.Field(colNotes + i).(*array.Int64Builder).Append(int64(n))
	}
	for i, s := range []string{prov.Model, prov.ModelDigest, prov.PromptHash,
		prov.Definition, prov.DefinitionHash, prov.Version} {
		opt(colModel+i, s)
	}
}

func appendEvidence(lb *array.ListBuilder, ev []phenorag.Evidence) {
	lb.Append(true)
	sb := lb.ValueBuilder().(*array.StructBuilder)
	for _, e := range ev {
		sb.Append(true)
		sb.FieldBuilder(0).(*array.StringBuilder).Append(e.NoteID)
		date := sb.FieldBuilder(1).(*array.TimestampBuilder)
		if e.NoteDate.IsZero() {
			date.AppendNull()
		} else {
			date.Append(arrow.Timestamp(e.NoteDate.UnixMicro()))
		}
		sb.FieldBuilder(2).(*array.Int64Builder).Append(int64(e.Start))
		sb.FieldBuilder(3).(*array.Int64Builder).Append(int64(e.End))
		sb.FieldBuilder(4).(*array.StringBuilder).Append(e.Quote)
		sb.FieldBuilder(5).(*array.BooleanBuilder).Append(e.Verified)
	}
}

// readParquet reads diagnoses written by WriteParquet. Columns are found by
// name, so a file with extra columns reads too; patient_id and label are
// required.
func readParquet(ctx context.Context, path string) ([]phenorag.Diagnosis, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mem := memory.DefaultAllocator
	tbl, err := pqarrow.ReadTable(ctx, f, parquet.NewReaderProperties(mem),
		pqarrow.ArrowReadProperties{BatchSize: parquetBatch}, mem)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer tbl.Release()
	return decodeTable(path, tbl)
}

func decodeTable(path string, tbl arrow.Table) ([]phenorag.Diagnosis, error) {
	schema := tbl.Schema()
	cols := map[string]int{}
	for i, f := range schema.Fields() {
		cols[f.Name] = i
	}
	for _, need := range []string{"patient_id", "label"} {
		if _, ok := cols[need]; !ok {
			return nil, fmt.Errorf("%s: no column %q", path, need)
		}
	}
	out := make([]phenorag.Diagnosis, 0, tbl.NumRows())
	tr := array.NewTableReader(tbl, parquetBatch)
	defer tr.Release()
	for tr.Next() {
		rec := tr.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			d, err := decodeRow(rec, cols, i)
			if err != nil {
				return nil, fmt.Errorf("%s: row %d: %w", path, len(out)+1, err)
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// column returns the named column of rec as T, or the zero T when absent
// or of another type.
func column[T arrow.Array](rec arrow.Record, cols map[string]int, name string) T {
	var zero T
	i, ok := cols[name]
	if !ok {
		return zero
	}
	a, ok := rec.Column(i).(T)
	if !ok {
		return zero
	}
	return a
}

func stringAt(a *array.String, i int) string {
	if a == nil || a.IsNull(i) {
		return ""
	}
	return strings.Clone(a.Value(i))
}

func int64At(a *array.Int64, i int) int {
	if a == nil || a.IsNull(i) {
		return 0
	}
	return int(a.Value(i))
}

func decodeRow(rec arrow.Record, cols map[string]int, i int) (phenorag.Diagnosis, error) {
	s := func(name string) string { return stringAt(column[*array.String](rec, cols, name), i) }
	n := func(name string) int { return int64At(column[*array.Int64](rec, cols, name), i) }
	d := phenorag.Diagnosis{PatientID: s("patient_id"), Method: s("method"),
		Label: phenorag.Label(s("label")), Status: phenorag.Status(s("status")),
		Error: s("error"), Rationale: s("rationale")}
	if err := checkDiagnosis(d); err != nil {
		return d, err
	}
	if c := column[*array.Float64](rec, cols, "confidence"); c != nil && !c.IsNull(i) {
		d.Confidence = c.Value(i)
	}
	d.Counts = phenorag.Counts{Notes: n("notes"), Snippets: n("snippets"), Calls: n("calls"),
		CacheHits: n("cache_hits"), PromptTokens: n("prompt_tokens"),
		OutputTokens: n("output_tokens")}
	if l := column[*array.List](rec, cols, "rules"); l != nil && !l.IsNull(i) {
		vals, _ := l.ListValues().(*array.String)
		lo, hi := l.ValueOffsets(i)
		for j := lo; j < hi && vals != nil; j++ {
			d.Rules = append(d.Rules, stringAt(vals, int(j)))
		}
	}
	if l := column[*array.List](rec, cols, "evidence"); l != nil && !l.IsNull(i) {
		d.Evidence = decodeEvidence(l, i)
	}
	return d, nil
}

func decodeEvidence(l *array.List, i int) []phenorag.Evidence {
	st, ok := l.ListValues().(*array.Struct)
	if !ok || st.NumField() < 6 {
		return nil
	}
	ids, _ := st.Field(0).(*array.String)
	dates, _ := st.Field(1).(*array.Timestamp)
	starts, _ := st.Field(2).(*array.Int64)
	ends, _ := st.Field(3).(*array.Int64)
	quotes, _ := st.Field(4).(*array.String)
	verified, _ := st.Field(5).(*array.Boolean)
	var out []phenorag.Evidence
	lo, hi := l.ValueOffsets(i)
	for j := int(lo); j < int(hi); j++ {
		e := phenorag.Evidence{NoteID: stringAt(ids, j), Start: int64At(starts, j),
			End: int64At(ends, j), Quote: stringAt(quotes, j)}
		if dates != nil && !dates.IsNull(j) {
			e.NoteDate = time.UnixMicro(int64(dates.Value(j))).UTC()
		}
		e.Verified = verified != nil && !verified.IsNull(j) && verified.Value(j)
		out = append(out, e)
	}
	return out
}
