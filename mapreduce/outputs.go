package mapreduce

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The files Outputs writes into a run directory.
const (
	SnippetsFile  = "snippets.jsonl"  // one phenorag.PatientSnippets per line
	AnswersFile   = "answers.jsonl"   // one AnswerRecord per line
	DiagnosesFile = "diagnoses.jsonl" // one phenorag.Diagnosis per line
)

// Outputs is a Sink that writes a run's JSON-lines files into a directory.
// Lines go to temporary files as results arrive; Commit renames them into
// place, so an interrupted run never leaves a half-written output behind.
type Outputs struct {
	dir   string
	files []*jsonlFile // snippets, answers, diagnoses
}

// jsonlFile is one output being written under a temporary name.
type jsonlFile struct {
	f    *os.File
	w    *bufio.Writer
	enc  *json.Encoder
	name string // final path
}

// CreateOutputs starts the output files in dir, creating dir if needed.
func CreateOutputs(dir string) (*Outputs, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	o := &Outputs{dir: dir}
	for _, name := range []string{SnippetsFile, AnswersFile, DiagnosesFile} {
		f, err := os.CreateTemp(dir, "."+name+".*.tmp")
		if err != nil {
			o.Abort()
			return nil, fmt.Errorf("create %s: %w", name, err)
		}
		w := bufio.NewWriterSize(f, 256<<10)
		o.files = append(o.files, &jsonlFile{f: f, w: w, enc: json.NewEncoder(w),
			name: filepath.Join(dir, name)})
	}
	return o, nil
}

// Write appends one patient's lines to the three files.
func (o *Outputs) Write(r *Result) error {
	if err := o.files[0].enc.Encode(r.Snippets); err != nil {
		return fmt.Errorf("write %s: %w", SnippetsFile, err)
	}
	for _, a := range r.Answers {
		if err := o.files[1].enc.Encode(a); err != nil {
			return fmt.Errorf("write %s: %w", AnswersFile, err)
		}
	}
	if err := o.files[2].enc.Encode(r.Diagnosis); err != nil {
		return fmt.Errorf("write %s: %w", DiagnosesFile, err)
	}
	return nil
}

// Commit flushes the files to disk and moves them into place.
func (o *Outputs) Commit() error {
	for _, jf := range o.files {
		err := errors.Join(jf.w.Flush(), jf.f.Sync(), jf.f.Close())
		if err == nil {
			err = os.Rename(jf.f.Name(), jf.name)
		}
		if err != nil {
			o.Abort()
			return fmt.Errorf("commit %s: %w", filepath.Base(jf.name), err)
		}
	}
	o.files = nil
	return nil
}

// Abort removes the temporary files, leaving any earlier outputs as they
// were. It is safe to call after Commit.
func (o *Outputs) Abort() {
	for _, jf := range o.files {
		jf.f.Close()
		os.Remove(jf.f.Name())
	}
	o.files = nil
}
