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

// csvTable reads a CSV or TSV file with a header row.
type csvTable struct {
	rd     *csvReader
	closer io.Closer
	header []string
	cols   []column
	idx    []int
	row    int
}

func newCSVTable(r io.Reader, closer io.Closer, comma byte) (*csvTable, error) {
	t := &csvTable{rd: newCSVReader(r, comma), closer: closer}
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
	return nil
}

func (t *csvTable) next(vals []string, ok []bool) (pos, error) {
	rec, line, err := t.rd.read()
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

func (t *csvTable) Close() error { return t.closer.Close() }

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
