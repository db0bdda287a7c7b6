package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"unsafe"
)

// maxRecordBytes bounds one CSV record, so that a lost quote cannot make the
// reader hold a whole file in memory.
const maxRecordBytes = 64 << 20

// csvReader splits RFC 4180 records. Unlike encoding/csv it keeps the bytes
// of a quoted field exactly as written (a CR LF inside quotes stays CR LF),
// which later stages need because their offsets point into the text. It
// scans quoted fields with a vectorised delimiter search.
type csvReader struct {
	br    *blockReader
	comma byte
	// borrow lets a record that lies wholly in the buffer have fields that
	// point into the buffer instead of copies. The buffer then needs a
	// pool of blocks (see blockReader), and such a field is valid only
	// until its block goes back to the pool.
	borrow bool
	line   int // lines fully consumed so far
	// rec collects the bytes of the current record's fields, which then
	// share its string without a further copy.
	rec    strings.Builder
	hint   int // the size of the last record, to allocate the next at once
	ends   []int
	fields []string
	pieces [][2]int // fast path: the buffered bytes that make up the record
	// lastPiece holds, for each field of the record, its last piece.
	lastPiece []int
}

// fastWindow is how many bytes the fast path wants buffered before it
// looks for a whole record.
const fastWindow = 256 << 10

// csvFault is a record that cannot be split into fields.
type csvFault struct{ reason string }

func (f *csvFault) Error() string { return f.reason }

// csvBufferSize is the size of a CSV reader's buffer, and of each block of
// a borrowing table's pool.
const csvBufferSize = 4 << 20

func newCSVReader(r io.Reader, comma byte) *csvReader {
	return newCSVReaderSize(r, comma, csvBufferSize)
}

// newCSVReaderSize reads through a buffer of size bytes; records longer
// than the buffer take the general path.
func newCSVReaderSize(r io.Reader, comma byte, size int) *csvReader {
	return &csvReader{br: newBlockReader(r, size), comma: comma}
}

// read returns the fields of the next record and the line it starts on. The
// returned slice is reused by the next call; the strings are not. It returns
// io.EOF after the last record and a *csvFault for a malformed record, after
// which reading resumes at the next line.
func (r *csvReader) read() ([]string, int, error) {
	if err := r.skipBlankLines(); err != nil {
		return nil, r.line + 1, err
	}
	start := r.line + 1
	if r.fastRead() {
		return r.fields, start, nil
	}
	r.rec = strings.Builder{}
	r.rec.Grow(r.hint)
	r.ends = r.ends[:0]
	for {
		last, err := r.field()
		r.ends = append(r.ends, r.rec.Len())
		var fault *csvFault
		if errors.As(err, &fault) {
			r.skipLine()
			return nil, start, err
		}
		if err != nil {
			return nil, start, err
		}
		if last {
			break
		}
	}
	r.splitRec()
	return r.fields, start, nil
}

// splitRec cuts the record in r.rec into r.fields.
func (r *csvReader) splitRec() {
	s := r.rec.String()
	r.hint = len(s)
	r.fields = r.fields[:0]
	prev := 0
	for _, e := range r.ends {
		r.fields = append(r.fields, s[prev:e])
		prev = e
	}
}

// fastRead reads a record that lies wholly in the read buffer into
// r.fields: copied into r.rec, allocating exactly its size, or borrowed
// from the buffer. It consumes nothing and reports false when
// the record is not wholly buffered or is malformed; the general path then
// reads it (and reports what is wrong with it).
func (r *csvReader) fastRead() bool {
	b, _ := r.br.Peek(min(fastWindow, r.br.Size()))
	if len(b) < r.br.Buffered() {
		b, _ = r.br.Peek(r.br.Buffered())
	}
	r.pieces, r.ends, r.lastPiece = r.pieces[:0], r.ends[:0], r.lastPiece[:0]
	i, size := 0, 0
	for {
		next, last, ok := r.scanField(b, i, &size)
		if !ok {
			return false
		}
		r.ends = append(r.ends, size)
		r.lastPiece = append(r.lastPiece, len(r.pieces)-1)
		i = next
		if last {
			break
		}
	}
	r.line += bytes.Count(b[:i], []byte{'\n'})
	if r.borrow {
		r.borrowFields(b)
		r.br.Discard(i)
		r.br.lend()
		return true
	}
	r.rec = strings.Builder{}
	r.rec.Grow(size)
	for _, p := range r.pieces {
		r.rec.Write(b[p[0]:p[1]])
	}
	r.br.Discard(i)
	r.splitRec()
	return true
}

// borrowFields cuts the fields of the record scanned into r.pieces out of
// b itself. A field with doubled quotes is made of several pieces, which
// are moved together in place: b holds the record's bytes only until it is
// discarded, and the field is shorter than the bytes it was written in.
func (r *csvReader) borrowFields(b []byte) {
	r.fields = r.fields[:0]
	p := 0
	for _, last := range r.lastPiece {
		start := r.pieces[p][0]
		if p == last {
			r.fields = append(r.fields, unsafeString(b[start:r.pieces[p][1]]))
			p++
			continue
		}
		at := start
		for ; p <= last; p++ {
			at += copy(b[at:], b[r.pieces[p][0]:r.pieces[p][1]])
		}
		r.fields = append(r.fields, unsafeString(b[start:at]))
	}
}

// unsafeString returns a string that shares b's bytes, which must never
// change afterwards.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// scanField finds the field that starts at b[i], adding its pieces to
// r.pieces and its length to size. It returns where the next field starts
// and whether the field ended the record; ok is false when the field runs
// past b or is malformed.
func (r *csvReader) scanField(b []byte, i int, size *int) (next int, last, ok bool) {
	if i < len(b) && b[i] == '"' {
		return r.scanQuoted(b, i+1, size)
	}
	for j := i; j < len(b); j++ {
		if c := b[j]; c == r.comma || c == '\n' {
			end := j
			if c == '\n' && end > i && b[end-1] == '\r' {
				end--
			}
			r.pieces = append(r.pieces, [2]int{i, end})
			*size += end - i
			return j + 1, c == '\n', true
		}
	}
	return 0, false, false
}

func (r *csvReader) scanQuoted(b []byte, i int, size *int) (next int, last, ok bool) {
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 || i+j+1 >= len(b) {
			return 0, false, false
		}
		r.pieces = append(r.pieces, [2]int{i, i + j})
		*size += j
		i += j + 1
		switch c := b[i]; {
		case c == '"':
			r.pieces = append(r.pieces, [2]int{i, i + 1})
			*size++
			i++
		case c == r.comma:
			return i + 1, false, true
		case c == '\n':
			return i + 1, true, true
		case c == '\r' && i+1 < len(b) && b[i+1] == '\n':
			return i + 2, true, true
		default:
			return 0, false, false
		}
	}
}

// skipBlankLines consumes empty lines before a record; it returns io.EOF at
// the end of the input.
func (r *csvReader) skipBlankLines() error {
	for {
		b, err := r.br.Peek(2)
		if len(b) == 0 {
			if err == nil {
				err = io.EOF
			}
			return err
		}
		switch {
		case b[0] == '\n':
			r.br.Discard(1)
		case len(b) == 2 && b[0] == '\r' && b[1] == '\n':
			r.br.Discard(2)
		default:
			return nil
		}
		r.line++
	}
}

// field reads one field into r.rec and reports whether it ended the record.
func (r *csvReader) field() (last bool, err error) {
	b, err := r.br.Peek(1)
	if err == io.EOF {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if b[0] == '"' {
		r.br.Discard(1)
		return r.quoted()
	}
	return r.unquoted()
}

func (r *csvReader) unquoted() (bool, error) {
	cr := false // a CR held back from the end of the last chunk
	for {
		if _, err := r.br.Peek(1); err == io.EOF {
			return true, nil
		} else if err != nil {
			return false, err
		}
		b, _ := r.br.Peek(r.br.Buffered())
		for i, c := range b {
			if c != r.comma && c != '\n' {
				continue
			}
			field := b[:i]
			if c == '\n' && i > 0 && field[i-1] == '\r' {
				field = field[:i-1]
			}
			if cr && (c != '\n' || i > 0) {
				r.rec.WriteByte('\r')
			}
			r.rec.Write(field)
			r.br.Discard(i + 1)
			if c == '\n' {
				r.line++
			}
			return c == '\n', nil
		}
		if cr {
			r.rec.WriteByte('\r')
		}
		n := len(b)
		if cr = b[n-1] == '\r'; cr {
			n--
		}
		r.rec.Write(b[:n])
		r.br.Discard(len(b))
		if r.rec.Len() > maxRecordBytes {
			return false, &csvFault{"record longer than 64 MiB"}
		}
	}
}

func (r *csvReader) quoted() (bool, error) {
	for {
		s, err := r.br.ReadSlice('"')
		r.line += bytes.Count(s, []byte{'\n'})
		switch err {
		case nil:
			r.rec.Write(s[:len(s)-1])
		case bufio.ErrBufferFull:
			r.rec.Write(s)
			if r.rec.Len() > maxRecordBytes {
				return false, &csvFault{"record longer than 64 MiB"}
			}
			continue
		case io.EOF:
			return false, &csvFault{"quoted field not closed before end of file"}
		default:
			return false, err
		}
		if last, done, err := r.afterQuote(); done || err != nil {
			return last, err
		}
	}
}

// afterQuote looks at the byte after a quote inside a quoted field: a second
// quote is an escaped quote (the field goes on), anything else ends the field.
func (r *csvReader) afterQuote() (last, done bool, err error) {
	b, err := r.br.Peek(2)
	if len(b) == 0 {
		if err == io.EOF {
			return true, true, nil
		}
		return false, true, err
	}
	switch {
	case b[0] == '"':
		r.rec.WriteByte('"')
		r.br.Discard(1)
		return false, false, nil
	case b[0] == r.comma:
		r.br.Discard(1)
		return false, true, nil
	case b[0] == '\n':
		r.br.Discard(1)
		r.line++
		return true, true, nil
	case len(b) == 2 && b[0] == '\r' && b[1] == '\n':
		r.br.Discard(2)
		r.line++
		return true, true, nil
	}
	return false, true, &csvFault{"quote inside a quoted field is not doubled"}
}

// skipLine discards input up to and including the next newline.
func (r *csvReader) skipLine() {
	for {
		_, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == nil {
			r.line++
		}
		return
	}
}
