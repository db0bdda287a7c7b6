package diagnose

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/phenorag/phenorag"
)

// The files of a run directory that explain reads besides the diagnoses.
const (
	SnippetsJSONL = "snippets.jsonl"
	AnswersJSONL  = "answers.jsonl"
	RulesJSONL    = "rules.jsonl"
)

// RunAnswer is one line of answers.jsonl: a map or reduce answer and the
// number of the call that gave it.
type RunAnswer struct {
	Kind string `json:"kind"` // "map" or "reduce"
	Call int    `json:"call"`
	phenorag.Answer
}

// eachLine decodes every non-blank line of a JSON-lines file into a fresh
// T and passes it to fn; fn returning errStop ends the scan early.
func eachLine[T any](path string, fn func(T) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 256<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return &ParseError{File: path, Line: line, Err: err}
		}
		if err := fn(v); errors.Is(err, errStop) {
			return nil
		} else if err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return &ParseError{File: path, Err: err}
	}
	return nil
}

var errStop = errors.New("stop")

// ErrPatientNotFound marks a patient that no file of a run mentions.
var ErrPatientNotFound = errors.New("patient not found")

// ReadSnippets streams a snippets.jsonl file, one patient at a time.
func ReadSnippets(path string, fn func(phenorag.PatientSnippets) error) error {
	return eachLine(path, fn)
}

// Explanation is everything a run directory holds about one patient.
type Explanation struct {
	PatientID string
	// Snippets is nil when snippets.jsonl does not list the patient.
	Snippets *phenorag.PatientSnippets
	Answers  []RunAnswer
	// Diagnosis is the final diagnosis, nil when diagnoses.jsonl lacks it.
	Diagnosis *phenorag.Diagnosis
	// Rules holds the rules baseline's diagnoses (rules.jsonl and any other
	// rules*.jsonl, such as rules_nlp.jsonl), if any.
	Rules []phenorag.Diagnosis
	// Missing names the run files that were not there.
	Missing []string
}

// LoadExplanation gathers what the run directory dir holds about patient.
// Missing files are noted, not errors; a patient found in none is.
func LoadExplanation(dir, patient string) (*Explanation, error) {
	x := &Explanation{PatientID: patient}
	read := func(name string, fn func() error) error {
		err := fn()
		if errors.Is(err, fs.ErrNotExist) {
			x.Missing = append(x.Missing, name)
			return nil
		}
		return err
	}
	path := func(name string) string { return filepath.Join(dir, name) }
	steps := []struct {
		name string
		fn   func() error
	}{
		{SnippetsJSONL, func() error {
			return eachLine(path(SnippetsJSONL), func(ps phenorag.PatientSnippets) error {
				if ps.PatientID != patient {
					return nil
				}
				x.Snippets = &ps
				return errStop
			})
		}},
		{AnswersJSONL, func() error {
			return eachLine(path(AnswersJSONL), func(a RunAnswer) error {
				if a.PatientID == patient {
					x.Answers = append(x.Answers, a)
				}
				return nil
			})
		}},
		{DiagnosesJSONL, func() error {
			return eachLine(path(DiagnosesJSONL), func(d phenorag.Diagnosis) error {
				if d.PatientID != patient {
					return nil
				}
				x.Diagnosis = &d
				return errStop
			})
		}},
		{RulesJSONL, func() error { return x.readRules(dir, patient) }},
	}
	for _, s := range steps {
		if err := read(s.name, s.fn); err != nil {
			return nil, err
		}
	}
	if x.Snippets == nil && x.Diagnosis == nil && len(x.Answers) == 0 && len(x.Rules) == 0 {
		return nil, fmt.Errorf("run %s: patient %s: %w", dir, patient, ErrPatientNotFound)
	}
	return x, nil
}

// readRules reads the patient's diagnoses from every rules*.jsonl of dir; it
// returns fs.ErrNotExist when there is none.
func (x *Explanation) readRules(dir, patient string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "rules*.jsonl"))
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fs.ErrNotExist
	}
	for _, p := range paths {
		err := eachLine(p, func(d phenorag.Diagnosis) error {
			if d.PatientID == patient {
				x.Rules = append(x.Rules, d)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
