package ingest

import (
	"errors"
	"fmt"
)

// Sentinel errors that a RowError wraps, for errors.Is. Their messages name
// the kind of fault only: no value read from the input appears in any error
// of this package, since those values may identify a patient.
var (
	// ErrMissingField: a required value (note id, patient id, text) is empty
	// or absent.
	ErrMissingField = errors.New("missing value")
	// ErrBadDate: a date that is not in a known date or timestamp layout.
	ErrBadDate = errors.New("bad date")
	// ErrBadValue: a number, code or other value that cannot be read.
	ErrBadValue = errors.New("bad value")
	// ErrFieldCount: a CSV or TSV row whose field count differs from the header.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrBadUTF8: a value, or a JSON line, that is not valid UTF-8.
	ErrBadUTF8 = errors.New("invalid UTF-8")
	// ErrMalformed: a row that cannot be split into fields (broken quoting,
	// invalid JSON, an over-long record).
	ErrMalformed = errors.New("malformed row")
	// ErrConflictingNote: a note id that was seen before with different text.
	ErrConflictingNote = errors.New("note id seen before with different text")
)

// RowError reports one rejected row: where it is and what is wrong with it.
// Line is the 1-based line where the row starts (0 for formats without
// lines, such as Parquet); Row is the 1-based ordinal of the data row in its
// file, not counting a header.
type RowError struct {
	File   string
	Line   int
	Row    int
	Field  string // our field name, such as "note_date"; empty for the whole row
	Reason string // a short explanation, free of input values
	Err    error  // one of the sentinel errors above
}

// Error returns "file:line: row N: field F: reason", leaving out the parts
// that are unknown.
func (e *RowError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	s += fmt.Sprintf(": row %d", e.Row)
	if e.Field != "" {
		s += ": field " + e.Field
	}
	return s + ": " + e.reason()
}

// Unwrap returns the sentinel error, so errors.Is(err, ErrBadDate) works.
func (e *RowError) Unwrap() error { return e.Err }

func (e *RowError) reason() string {
	switch {
	case e.Reason != "":
		return e.Reason
	case e.Err != nil:
		return e.Err.Error()
	}
	return "rejected"
}

// rowErr builds a RowError whose position is filled in later by the reader.
func rowErr(field string, sentinel error, reason string) *RowError {
	return &RowError{Field: field, Err: sentinel, Reason: reason}
}
