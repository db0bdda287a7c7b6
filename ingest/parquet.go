package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// parquetBatchRows is how many rows one record batch holds. Memory use is
// bounded by one batch of the bound columns (plus one decoded page).
const parquetBatchRows = 1024

// parquetTable reads a flat Parquet file in record batches. Once bound, a
// goroutine of its own decodes the next batch while next walks through the
// rows of the one before.
type parquetTable struct {
	pf     *file.Reader
	fr     *pqarrow.FileReader
	names  []string
	cols   []column
	at     []int // for each bound column, its position in a batch, or -1
	rr     pqarrow.RecordReader
	rec    arrow.Record
	i      int // next row of rec
	row    int
	borrow bool // strings point into the batch instead of being copied

	batches *ahead[parquetBatch]
	end     error // what ended the file, once advance has met it
}

// parquetBatch is a decoded record batch, retained for next, or the error
// that ended the file.
type parquetBatch struct {
	rec arrow.Record
	err error
}

func openParquet(path string) (*parquetTable, error) {
	// A buffered stream reads each column chunk a page at a time instead of
	// loading the whole chunk, which for a note column can be large.
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled = true
	props.BufferSize = 1 << 20
	pf, err := file.OpenParquetFile(path, false, file.WithReadProps(props))
	if err != nil {
		return nil, err
	}
	arrowProps := pqarrow.ArrowReadProperties{BatchSize: parquetBatchRows}
	fr, err := pqarrow.NewFileReader(pf, arrowProps, memory.DefaultAllocator)
	if err != nil {
		pf.Close()
		return nil, err
	}
	sc, err := fr.Schema()
	if err != nil {
		pf.Close()
		return nil, err
	}
	t := &parquetTable{pf: pf, fr: fr}
	for _, f := range sc.Fields() {
		t.names = append(t.names, f.Name)
	}
	return t, nil
}

func (t *parquetTable) columns() []string { return t.names }

// bind opens the record reader over the bound columns.
func (t *parquetTable) bind(ctx context.Context, cols []column) error {
	t.cols = cols
	var want []int
	for _, c := range t.cols {
		if j := indexFold(t.names, c.name); j >= 0 && !slices.Contains(want, j) {
			want = append(want, j)
		}
	}
	slices.Sort(want)
	t.at = make([]int, len(t.cols))
	for i, c := range t.cols {
		t.at[i] = slices.Index(want, indexFold(t.names, c.name))
	}
	rr, err := t.fr.GetRecordReader(ctx, want, nil)
	if err != nil {
		return err
	}
	t.rr = rr
	t.batches = newAhead[parquetBatch](1)
	t.batches.start(t.decode)
	return nil
}

// decode reads record batches until the file ends or Close is called.
func (t *parquetTable) decode() {
	for {
		var b parquetBatch
		if t.rr.Next() {
			b.rec = t.rr.Record()
			b.rec.Retain()
		} else if b.err = t.rr.Err(); b.err == nil || errors.Is(b.err, io.EOF) {
			b.err = io.EOF
		}
		if !t.batches.send(b) {
			if b.rec != nil {
				b.rec.Release()
			}
			return
		}
		if b.err != nil {
			return
		}
	}
}

// borrowValues lets string values point into the record batch instead of
// being copied: a row's values are then valid only until the next call to
// next. It is called before bind.
func (t *parquetTable) borrowValues() { t.borrow = true }

func (t *parquetTable) next(vals []string, ok []bool) (pos, error) {
	for t.rec == nil || t.i >= int(t.rec.NumRows()) {
		if err := t.advance(); err != nil {
			return pos{row: t.row}, err
		}
	}
	t.row++
	p := pos{row: t.row}
	for k, j := range t.at {
		vals[k], ok[k] = "", false
		if j < 0 {
			continue
		}
		s, valid, err := arrowString(t.rec.Column(j), t.i, !t.borrow)
		if err != nil {
			t.i++
			return p, rowErr(t.cols[k].field, ErrBadValue, err.Error())
		}
		vals[k], ok[k] = s, valid
	}
	t.i++
	return p, nil
}

// advance moves to the next record batch; it returns io.EOF after the last.
func (t *parquetTable) advance() error {
	if t.rec != nil {
		t.rec.Release()
		t.rec = nil
	}
	if t.end != nil {
		return t.end
	}
	b := t.batches.next()
	if b.err != nil {
		t.end = b.err
		return b.err
	}
	t.rec, t.i = b.rec, 0
	return nil
}

// Close stops the decoder, waits for it to return, and closes the file.
func (t *parquetTable) Close() error {
	t.batches.close()
	if t.rec != nil {
		t.rec.Release()
		t.rec = nil
	}
	if t.rr != nil {
		t.rr.Release()
	}
	return t.pf.Close()
}

// arrowString renders one value as the text a CSV would hold: a string (a
// copy if clone, as the batch's memory goes back to its allocator), a date
// as YYYY-MM-DD, a timestamp in RFC 3339. valid is false for a null.
func arrowString(a arrow.Array, i int, clone bool) (s string, valid bool, err error) {
	if a.IsNull(i) {
		return "", false, nil
	}
	switch a := a.(type) {
	case *array.String:
		return cloneIf(a.Value(i), clone), true, nil
	case *array.LargeString:
		return cloneIf(a.Value(i), clone), true, nil
	case *array.Binary:
		return string(a.Value(i)), true, nil
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly), true, nil
	case *array.Date64:
		return a.Value(i).ToTime().Format(time.DateOnly), true, nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).Format(time.RFC3339Nano), true, nil
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10), true, nil
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10), true, nil
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64), true, nil
	case *array.Float32:
		return strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32), true, nil
	case *array.Dictionary:
		return arrowString(a.Dictionary(), a.GetValueIndex(i), clone)
	}
	switch a.DataType().ID() {
	case arrow.STRUCT, arrow.LIST, arrow.LARGE_LIST, arrow.MAP:
		return "", false, fmt.Errorf("nested %s value", a.DataType())
	}
	return a.ValueStr(i), true, nil
}

func cloneIf(s string, clone bool) string {
	if clone {
		return strings.Clone(s)
	}
	return s
}
