package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// column is one value a reader wants from each row: our field name, and the
// column of the file that holds it ("" when the file has none).
type column struct {
	field string
	name  string
}

// pos is where a row sits in its file.
type pos struct{ line, row int }

// table streams the rows of one file, cut down to the columns a reader binds.
type table interface {
	// columns returns the column names the file declares, in file order.
	columns() []string
	// bind chooses the columns that next returns, in that order. It is
	// called once, before next.
	bind(ctx context.Context, cols []column) error
	// next fills vals and ok (ok[i] is false for an absent or null value)
	// from the next row. It returns io.EOF after the last row, a *RowError
	// (without file and position, which the caller fills in) for a row that
	// cannot be read, and any other error when the file cannot be read on.
	next(vals []string, ok []bool) (pos, error)
	Close() error
}

// indexFold returns the index of name in names, ignoring case, or -1.
func indexFold(names []string, name string) int {
	if name == "" {
		return -1
	}
	for i, n := range names {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

// csvTable reads a CSV or TSV file with a header row. Once bound, a
// goroutine of its own splits the records ahead of next and hands them
// over in batches, so that splitting one batch overlaps with the caller's
// work on the one before.
type csvTable struct {
	rd     *csvReader
	closer io.Closer
	header []string
	cols   []column
	idx    []int
	row    int

	borrow  bool
	batches *ahead[*csvBatch] // split records, in file order
	spare   chan *csvBatch    // batches done with, for reuse
	cur     *csvBatch
	at      int   // the next record of cur
	from    int   // where its fields start in cur.fields
	end     error // what ended the file, once next has met it
}

// csvBatch is a run of split records.
type csvBatch struct {
	fields []string
	recs   []csvRecord
	// retired are blocks of the reader that records before this batch
	// borrowed from and no later record does: once the caller is done with
	// those records they go back to the pool.
	retired [][]byte
}

// csvRecord is one record of a batch, or what ended the file.
type csvRecord struct {
	end  int // its fields are batch.fields[the previous record's end:end]
	line int
	err  error // a *csvFault, or for the last record what ended the file
}

// A borrowing table's reader moves to a new block at most once a record, so
// at most one block is retired by each batch. When it asks for a block, the
// ones still out are its current block and those retired by the batch it
// fills and by the two queued: csvBlocks besides its first buffer always
// leave it one.
const (
	batchRecords = 256     // records a batch holds at most
	batchBytes   = 1 << 20 // field bytes a batch holds at most, unless one record has more
	queuedBatch  = 2       // batches split ahead of the caller
	csvBlocks    = 4       // blocks a borrowing table's pool makes at most
)

// newCSVTable reads the header of a table read through a buffer of size
// bytes (csvBufferSize but in tests).
func newCSVTable(r io.Reader, closer io.Closer, comma byte, size int) (*csvTable, error) {
	return startCSVTable(&csvTable{rd: newCSVReaderSize(r, comma, size), closer: closer})
}

// startCSVTable reads the header row.
func startCSVTable(t *csvTable) (*csvTable, error) {
	h, _, err := t.rd.read()
	if err == io.EOF {
		return nil, fmt.Errorf("no header row")
	}
	if err != nil {
		return nil, fmt.Errorf("header row: %w", err)
	}
	t.header = append([]string(nil), h...)
	if len(t.header) > 0 {
		t.header[0] = strings.TrimPrefix(t.header[0], "\uFEFF")
	}
	for i := range t.header {
		t.header[i] = strings.TrimSpace(t.header[i])
	}
	return t, nil
}

func (t *csvTable) columns() []string { return t.header }

func (t *csvTable) bind(_ context.Context, cols []column) error {
	t.cols = cols
	t.idx = make([]int, len(cols))
	for i, c := range cols {
		t.idx[i] = indexFold(t.header, c.name)
	}
	t.batches = newAhead[*csvBatch](queuedBatch)
	t.spare = make(chan *csvBatch, 4)
	if t.borrow {
		t.rd.borrow = true
		t.rd.br.pool = newBlockPool(t.rd.br.Size(), csvBlocks, t.batches.stop)
	}
	t.batches.start(t.split)
	return nil
}

// split reads records into batches until the file ends or Close is called.
func (t *csvTable) split() {
	b := t.batch()
	size := 0
	for {
		rec, line, err := t.rd.read()
		if retired := t.rd.br.takeRetired(); retired != nil {
			// The records so far may point into the retired blocks; this
			// one does not.
			if len(b.recs) > 0 {
				if !t.batches.send(b) {
					return
				}
				b, size = t.batch(), 0
			}
			b.retired = append(b.retired, retired...)
		}
		b.fields = append(b.fields, rec...)
		b.recs = append(b.recs, csvRecord{end: len(b.fields), line: line, err: err})
		for _, f := range rec {
			size += len(f)
		}
		if _, isFault := err.(*csvFault); err != nil && !isFault {
			t.batches.send(b)
			return
		}
		if len(b.recs) == batchRecords || size >= batchBytes {
			if !t.batches.send(b) {
				return
			}
			b, size = t.batch(), 0
		}
	}
}

// batch returns an empty batch, reusing one the caller is done with.
func (t *csvTable) batch() *csvBatch {
	select {
	case b := <-t.spare:
		clear(b.fields)
		b.fields, b.recs, b.retired = b.fields[:0], b.recs[:0], nil
		return b
	default:
		return &csvBatch{}
	}
}

// record returns the next split record.
func (t *csvTable) record() ([]string, int, error) {
	if t.end != nil {
		return nil, 0, t.end
	}
	if t.cur == nil || t.at == len(t.cur.recs) {
		if t.cur != nil {
			select {
			case t.spare <- t.cur:
			default:
			}
		}
		t.cur, t.at, t.from = t.batches.next(), 0, 0
		// Every record before this batch is done with.
		for _, blk := range t.cur.retired {
			t.rd.br.pool.put(blk)
		}
	}
	rec := t.cur.recs[t.at]
	fields := t.cur.fields[t.from:rec.end]
	t.at, t.from = t.at+1, rec.end
	if _, isFault := rec.err.(*csvFault); rec.err != nil && !isFault {
		t.end = rec.err
	}
	return fields, rec.line, rec.err
}

func (t *csvTable) next(vals []string, ok []bool) (pos, error) {
	rec, line, err := t.record()
	if err == io.EOF {
		return pos{line: line}, io.EOF
	}
	t.row++
	p := pos{line: line, row: t.row}
	if f, isFault := err.(*csvFault); isFault {
		return p, rowErr("", ErrMalformed, f.reason)
	}
	if err != nil {
		return p, err
	}
	if len(rec) != len(t.header) {
		reason := fmt.Sprintf("%d fields, header has %d", len(rec), len(t.header))
		return p, rowErr("", ErrFieldCount, reason)
	}
	for i, j := range t.idx {
		if j < 0 {
			vals[i], ok[i] = "", false
			continue
		}
		vals[i], ok[i] = rec[j], true
	}
	return p, nil
}

// Close stops the splitter, waits for it to return, and closes the file.
func (t *csvTable) Close() error {
	t.batches.close()
	return t.closer.Close()
}

// borrowValues lets the values of most rows point into the read buffer
// instead of being copied out of it: a row's values are then valid only
// until the next call to next. It is called before bind.
func (t *csvTable) borrowValues() { t.borrow = true }

// borrower is a table whose values can share memory with its read buffer,
// valid only until the next row is read.
type borrower interface{ borrowValues() }

// jsonlTable reads one JSON object per line.
type jsonlTable struct {
	br     *bufio.Reader
	closer io.Closer
	line   int
	row    int
	buf    []byte
	first  []byte // the first non-blank line, read ahead to learn the keys
	keys   []string
	cols   []column
	obj    map[string]any
	flat   flatObject
}

func newJSONLTable(r io.Reader, closer io.Closer) (*jsonlTable, error) {
	t := &jsonlTable{br: bufio.NewReaderSize(r, 1<<20), closer: closer}
	line, err := t.readLine()
	if err != nil && err != io.EOF {
		return nil, err
	}
	t.first = line
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) == nil {
		for k := range obj {
			t.keys = append(t.keys, k)
		}
	}
	return t, nil
}

// readLine returns the next non-blank line, without its line ending. The
// slice is valid until the next call.
func (t *jsonlTable) readLine() ([]byte, error) {
	for {
		t.buf = t.buf[:0]
		for {
			s, err := t.br.ReadSlice('\n')
			t.buf = append(t.buf, s...)
			if err == bufio.ErrBufferFull {
				if len(t.buf) > maxRecordBytes {
					return nil, fmt.Errorf("line %d longer than 64 MiB", t.line+1)
				}
				continue
			}
			if err == io.EOF && len(t.buf) == 0 {
				return nil, io.EOF
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			break
		}
		t.line++
		if line := bytes.TrimSpace(t.buf); len(line) > 0 {
			return line, nil
		}
	}
}

func (t *jsonlTable) columns() []string { return t.keys }

func (t *jsonlTable) bind(_ context.Context, cols []column) error {
	t.cols = cols
	return nil
}

func (t *jsonlTable) next(vals []string, ok []bool) (pos, error) {
	line := t.first
	t.first = nil
	if line == nil {
		var err error
		if line, err = t.readLine(); err != nil {
			return pos{line: t.line}, err
		}
	}
	t.row++
	p := pos{line: t.line, row: t.row}
	if !utf8.Valid(line) {
		return p, rowErr("", ErrBadUTF8, "line is not valid UTF-8")
	}
	if t.decodeFlat(line, vals, ok) {
		return p, nil
	}
	return p, t.decodeJSON(line, vals, ok)
}

// decodeFlat reads a flat object without encoding/json; false leaves the
// line to decodeJSON.
func (t *jsonlTable) decodeFlat(line []byte, vals []string, ok []bool) bool {
	if !t.flat.parse(line) {
		return false
	}
	for i, c := range t.cols {
		v, found, null := t.flat.lookup(c.name)
		vals[i], ok[i] = v, found && !null
	}
	return true
}

// decodeJSON reads any line with encoding/json.
func (t *jsonlTable) decodeJSON(line []byte, vals []string, ok []bool) error {
	clear(t.obj)
	if t.obj == nil {
		t.obj = make(map[string]any)
	}
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&t.obj); err != nil || d.More() {
		return rowErr("", ErrMalformed, "not one JSON object")
	}
	for i, c := range t.cols {
		v, found := t.lookup(c.name)
		s, valid := jsonString(v)
		if found && !valid {
			return rowErr(c.field, ErrBadValue, "not a string, number or boolean")
		}
		vals[i], ok[i] = s, found && v != nil
	}
	return nil
}

// lookup finds a key, trying the exact spelling first and then any case.
func (t *jsonlTable) lookup(name string) (any, bool) {
	if name == "" {
		return nil, false
	}
	if v, ok := t.obj[name]; ok {
		return v, true
	}
	for k, v := range t.obj {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// jsonString renders a scalar JSON value as the text a CSV would hold.
func jsonString(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func (t *jsonlTable) Close() error { return t.closer.Close() }
