package tagger

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Example is one annotated sentence in the NegEx test-set format: a
// condition, the sentence it occurs in, and how it is meant there.
type Example struct {
	ID        int    `json:"id"`
	Condition string `json:"condition"`
	Sentence  string `json:"sentence"`
	// Negation is "Affirmed" or "Negated".
	Negation string `json:"negation"`
	// Temporality is "Recent", "Historical" or "Not particular".
	Temporality string `json:"temporality"`
	// Experiencer is "Patient", or anyone else ("Other", "Family member").
	Experiencer string `json:"experiencer"`
}

// LineError is a line of an examples file that could not be read.
type LineError struct {
	Line int
	Err  error
}

// Error names the line and what is wrong with it.
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// ReadExamples reads one JSON Example a line; blank lines are skipped. An
// error names the line at fault.
func ReadExamples(r io.Reader) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var ex Example
		if err := json.Unmarshal(b, &ex); err != nil {
			return nil, &LineError{Line: line, Err: err}
		}
		if ex.Condition == "" || ex.Sentence == "" {
			return nil, &LineError{Line: line, Err: errors.New("condition or sentence missing")}
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading examples: %w", err)
	}
	return out, nil
}

// Score counts a binary attribute's agreement with the annotation.
type Score struct {
	TP int `json:"tp"`
	FP int `json:"fp"`
	FN int `json:"fn"`
	TN int `json:"tn"`
}

// Precision is TP/(TP+FP), or 0 when nothing was predicted positive.
func (s Score) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// Recall is TP/(TP+FN), or 0 when nothing is positive.
func (s Score) Recall() float64 { return ratio(s.TP, s.TP+s.FN) }

// F1 is the harmonic mean of precision and recall.
func (s Score) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s *Score) add(predicted, actual bool) {
	switch {
	case predicted && actual:
		s.TP++
	case predicted:
		s.FP++
	case actual:
		s.FN++
	default:
		s.TN++
	}
}

// Miss is one attribute of one example that the tagger got wrong.
type Miss struct {
	ID        int    `json:"id"`
	Attribute string `json:"attribute"` // "negation", "temporality" or "experiencer"
	Condition string `json:"condition"`
	Sentence  string `json:"sentence"`
	Annotated string `json:"annotated"` // the annotation, such as "Negated"
	Tagged    bool   `json:"tagged"`    // whether the tagger said positive
}

// Report is the tagger's agreement with a set of examples.
type Report struct {
	Sentences int `json:"sentences"`
	// NotFound counts examples whose condition does not occur in the
	// sentence; they are left out of the scores.
	NotFound    int    `json:"not_found"`
	Negation    Score  `json:"negation"`    // positive: Negated
	Temporality Score  `json:"temporality"` // positive: Historical
	Experiencer Score  `json:"experiencer"` // positive: anyone but the patient
	Misses      []Miss `json:"misses,omitempty"`
}

// Evaluate tags the condition of every example within its sentence and
// scores negation, temporality and experiencer against the annotation.
// The condition is found case-insensitively, with any run of white space
// between its words.
func (t *Tagger) Evaluate(examples []Example) Report {
	rep := Report{Sentences: len(examples)}
	for _, ex := range examples {
		loc := findCondition(ex.Condition, ex.Sentence)
		if loc == nil {
			rep.NotFound++
			continue
		}
		got := t.Tag(ex.Sentence, loc[0], loc[1])
		for _, a := range []struct {
			name      string
			score     *Score
			want, got bool
			annotated string
		}{
			{"negation", &rep.Negation, ex.Negation == "Negated", got.Negated, ex.Negation},
			{"temporality", &rep.Temporality, ex.Temporality == "Historical", got.Historical,
				ex.Temporality},
			{"experiencer", &rep.Experiencer, ex.Experiencer != "Patient", got.Other,
				ex.Experiencer},
		} {
			a.score.add(a.got, a.want)
			if a.got != a.want {
				rep.Misses = append(rep.Misses, Miss{ID: ex.ID, Attribute: a.name,
					Condition: ex.Condition, Sentence: ex.Sentence, Annotated: a.annotated,
					Tagged: a.got})
			}
		}
	}
	return rep
}

// findCondition locates condition in sentence. The test set writes the
// annotated occurrence in capitals, so when the condition occurs more than
// once an occurrence in capitals is preferred to the first.
func findCondition(condition, sentence string) []int {
	all := conditionPattern(condition).FindAllStringIndex(sentence, -1)
	if len(all) == 0 {
		return nil
	}
	for _, loc := range all {
		s := sentence[loc[0]:loc[1]]
		if s == strings.ToUpper(s) && s != strings.ToLower(s) {
			return loc
		}
	}
	return all[0]
}

// conditionPattern matches a condition's words in order, in any case, with
// any white space between them.
func conditionPattern(condition string) *regexp.Regexp {
	words := strings.Fields(condition)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(`(?i)` + strings.Join(words, `\s+`))
}
