package mapreduce

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/phenorag/phenorag"
)

// LineError is a bad line of a JSON-lines input.
type LineError struct {
	File string
	Line int // 1-based
	Err  error
}

// Error gives the file and line, then the cause.
func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the cause.
func (e *LineError) Unwrap() error { return e.Err }

// ErrNoPatient marks a snippets line without a patient id.
var ErrNoPatient = errors.New("patient_id is missing")

// SnippetsFileSource returns a Source that reads a snippets.jsonl file: one
// phenorag.PatientSnippets per line, blank lines ignored.
func SnippetsFileSource(path string) Source {
	return func(ctx context.Context, fn func(phenorag.PatientSnippets) error) error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("read snippets: %w", err)
		}
		defer f.Close()
		return readSnippets(ctx, f, path, fn)
	}
}

func readSnippets(ctx context.Context, r io.Reader, name string,
	fn func(phenorag.PatientSnippets) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	for line := 1; ; line++ {
		text, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return &LineError{File: name, Line: line, Err: err}
		}
		if s := strings.TrimSpace(text); s != "" {
			var ps phenorag.PatientSnippets
			if err := json.Unmarshal([]byte(s), &ps); err != nil {
				return &LineError{File: name, Line: line, Err: err}
			}
			if ps.PatientID == "" {
				return &LineError{File: name, Line: line, Err: ErrNoPatient}
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(ps); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}
