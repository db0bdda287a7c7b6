// Package phenorag holds the domain types that every stage of the phenotyping
// pipeline shares: notes and structured facts as they are ingested, the
// snippets retrieved from notes, the answers an LLM gives about them, the
// diagnosis each patient ends with, and the chart-review labels it is judged
// against.
//
// The pipeline runs in layers, each allowed to import only the ones before it:
//
//	phenorag (this package)  domain types; imports no other package of the module
//	phenotype                disease definitions (terms, patterns, context rules, rules, prompts)
//	ingest                   notes and facts from CSV, JSONL, Parquet, MIMIC-IV-Note, OMOP
//	synth                    a synthetic cohort written in every input shape
//	tagger                   ConText-style negation, uncertainty, history and experiencer tags
//	retrieve                 a bleve index of the notes and per-patient snippets
//	mapreduce                snippets to a local LLM (Ollama) and back to one answer per patient
//	diagnose                 rules baseline, cohort outputs, evaluation against gold labels
//	cmd/phenorag             the command line, which wires the layers together
//
// Offsets. Every Start and End in this module is a byte offset into the UTF-8
// text of the original note, half open: note.Text[Start:End] is the span. For
// ASCII text (almost all clinical notes) byte offsets equal character offsets.
package phenorag

import (
	"fmt"
	"time"
)

// Note is one clinical note, with its text exactly as it was read.
type Note struct {
	ID        string    `json:"note_id"`
	PatientID string    `json:"patient_id"`
	Date      time.Time `json:"note_date"` // zero when the source has no date
	Type      string    `json:"note_type,omitempty"`
	Title     string    `json:"note_title,omitempty"`
	Text      string    `json:"text"`
}

// FactKind says what a structured fact records.
type FactKind string

// The kinds of structured fact that rules use.
const (
	FactDiagnosis   FactKind = "diagnosis"   // a diagnosis code
	FactMeasurement FactKind = "measurement" // a numeric measurement, such as echo RVSP
	FactDrug        FactKind = "drug"        // a drug exposure or prescription
)

// Fact is one structured fact about a patient: a diagnosis code, a
// measurement or a drug.
type Fact struct {
	PatientID string    `json:"patient_id"`
	Kind      FactKind  `json:"kind"`
	Date      time.Time `json:"date"`
	// System names the code system of a diagnosis: "ICD10" or "ICD9".
	System string `json:"system,omitempty"`
	// Code is a diagnosis code such as "I27.20" (with or without the dot).
	Code string `json:"code,omitempty"`
	// Name is a measurement name ("RVSP", "mPAP", "PVR", "PAWP") or a drug
	// name ("sildenafil").
	Name string `json:"name,omitempty"`
	// Value and Unit hold a measurement's result; HasValue is false when the
	// source gave none.
	Value    float64 `json:"value,omitempty"`
	HasValue bool    `json:"has_value,omitempty"`
	Unit     string  `json:"unit,omitempty"`
}

// Span locates text in a note: Text[Start:End] of the note with NoteID.
type Span struct {
	NoteID string `json:"note_id"`
	Start  int    `json:"start"`
	End    int    `json:"end"`
}

// Len returns the number of bytes the span covers.
func (s Span) Len() int { return s.End - s.Start }

// Overlaps reports whether s and o share at least one byte of the same note.
func (s Span) Overlaps(o Span) bool {
	return s.NoteID == o.NoteID && s.Start < o.End && o.Start < s.End
}

// Covers reports whether s contains all of o.
func (s Span) Covers(o Span) bool {
	return s.NoteID == o.NoteID && s.Start <= o.Start && o.End <= s.End
}

func (s Span) String() string { return fmt.Sprintf("%s[%d:%d]", s.NoteID, s.Start, s.End) }

// Context holds the ConText attributes of one mention. The zero value is an
// affirmed, current mention about the patient.
type Context struct {
	Negated    bool `json:"negated,omitempty"`
	Possible   bool `json:"possible,omitempty"`   // uncertain, hypothetical or pending
	Historical bool `json:"historical,omitempty"` // in the past or resolved
	Other      bool `json:"other,omitempty"`      // about someone other than the patient
}

// Affirmed reports whether the mention asserts the finding for the patient now.
func (c Context) Affirmed() bool { return !c.Negated && !c.Possible && !c.Historical && !c.Other }

// Mention is one place where a phenotype term occurs in a note.
type Mention struct {
	Term    string  `json:"term"` // the definition's name for what matched
	Text    string  `json:"text"` // the matched text, verbatim
	Start   int     `json:"start"`
	End     int     `json:"end"`
	Context Context `json:"context"`
}

// Value is a measurement parsed from note text, such as "RVSP 62 mmHg".
type Value struct {
	Name  string  `json:"name"` // the definition's measurement name, e.g. "RVSP"
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
	Text  string  `json:"text"`
	Start int     `json:"start"`
	End   int     `json:"end"`
}

// Snippet is a window of one note that bears on the phenotype.
type Snippet struct {
	PatientID string    `json:"patient_id"`
	NoteID    string    `json:"note_id"`
	NoteDate  time.Time `json:"note_date"`
	NoteType  string    `json:"note_type,omitempty"`
	Start     int       `json:"start"`
	End       int       `json:"end"`
	Text      string    `json:"text"` // the note's Text[Start:End]
	Score     float64   `json:"score"`
	// Terms lists the distinct definition names that matched in the window.
	Terms        []string  `json:"terms,omitempty"`
	Mentions     []Mention `json:"mentions,omitempty"`
	Measurements []Value   `json:"measurements,omitempty"`
	// Also lists the other places where the same text occurs in this
	// patient's notes (copy-forward); the snippet is kept once.
	Also []Span `json:"also,omitempty"`
}

// Span returns where the snippet sits.
func (s Snippet) Span() Span { return Span{NoteID: s.NoteID, Start: s.Start, End: s.End} }

// Label is a diagnosis: whether the patient has the phenotype.
type Label string

// The labels a diagnosis, a map answer or a gold label can take.
const (
	Present   Label = "present"
	Absent    Label = "absent"
	Uncertain Label = "uncertain"
)

// Valid reports whether l is one of the three labels.
func (l Label) Valid() bool { return l == Present || l == Absent || l == Uncertain }

// ParseLabel reads a label, also accepting common spellings in chart-review
// files: 1/0, yes/no, true/false, positive/negative.
func ParseLabel(s string) (Label, error) {
	switch s {
	case "present", "Present", "PRESENT", "1", "yes", "Yes", "YES", "true", "True", "TRUE",
		"positive", "Positive", "pos":
		return Present, nil
	case "absent", "Absent", "ABSENT", "0", "no", "No", "NO", "false", "False", "FALSE",
		"negative", "Negative", "neg":
		return Absent, nil
	case "uncertain", "Uncertain", "UNCERTAIN", "unknown", "possible", "?":
		return Uncertain, nil
	}
	return "", fmt.Errorf("label %q is not present, absent or uncertain", s)
}

// Answer is what the LLM said about one batch of a patient's snippets (a map
// call), or about all of a patient's map answers (a reduce call).
type Answer struct {
	PatientID string `json:"patient_id"`
	// Snippets locates the snippets the call was about.
	Snippets  []Span `json:"snippets"`
	Label     Label  `json:"label"`
	Quote     string `json:"quote"`
	Rationale string `json:"rationale"`
	// Verified is true when Quote occurs verbatim in the snippets the call was
	// about; QuoteSpan then locates it in its note. An unverified quote is
	// not trusted as evidence.
	Verified  bool  `json:"verified"`
	QuoteSpan *Span `json:"quote_span,omitempty"`
	// Cached is true when the answer came from the store, not from a call.
	Cached       bool   `json:"cached,omitempty"`
	PromptTokens int    `json:"prompt_tokens,omitempty"`
	OutputTokens int    `json:"output_tokens,omitempty"`
	Err          string `json:"error,omitempty"`
}

// Evidence is a verified quote that a diagnosis rests on.
type Evidence struct {
	NoteID   string    `json:"note_id"`
	NoteDate time.Time `json:"note_date"`
	Start    int       `json:"start"`
	End      int       `json:"end"`
	Quote    string    `json:"quote"`
	Verified bool      `json:"verified"`
}

// Status says whether a patient's run finished.
type Status string

// A patient ends a run either ok or in error, with a reason.
const (
	StatusOK    Status = "ok"
	StatusError Status = "error"
)

// Counts tallies the work done for one patient.
type Counts struct {
	Notes        int `json:"notes"`
	Snippets     int `json:"snippets"`
	Calls        int `json:"calls"`
	CacheHits    int `json:"cache_hits"`
	PromptTokens int `json:"prompt_tokens"`
	OutputTokens int `json:"output_tokens"`
	// Skipped counts calls left out because the answer could no longer
	// change; Failed counts calls that ended without a valid answer.
	Skipped int `json:"skipped,omitempty"`
	Failed  int `json:"failed,omitempty"`
}

// Diagnosis is the one answer a method gives for one patient.
type Diagnosis struct {
	PatientID  string     `json:"patient_id"`
	Method     string     `json:"method"` // "llm", "rules", "rules+nlp", ...
	Label      Label      `json:"label"`
	Confidence float64    `json:"confidence"`
	Status     Status     `json:"status"`
	Error      string     `json:"error,omitempty"`
	Evidence   []Evidence `json:"evidence,omitempty"`
	// Rules names the rules that fired, for rule-based methods.
	Rules     []string `json:"rules,omitempty"`
	Rationale string   `json:"rationale,omitempty"`
	Counts    Counts   `json:"counts"`
}

// Gold is a chart-review label for one patient.
type Gold struct {
	PatientID string `json:"patient_id"`
	Label     Label  `json:"label"`
	Reason    string `json:"reason,omitempty"`
	// Evidence lists the spans a reviewer would cite for the label.
	Evidence []Span `json:"evidence,omitempty"`
}

// Provenance records what produced a set of diagnoses, so a run can be tied
// to its model, prompts, definition and settings, and repeated.
type Provenance struct {
	Tool           string         `json:"tool"`    // "phenorag"
	Version        string         `json:"version"` // the tool's version
	Model          string         `json:"model,omitempty"`
	ModelDigest    string         `json:"model_digest,omitempty"`
	ServerVersion  string         `json:"server_version,omitempty"`
	PromptHash     string         `json:"prompt_hash,omitempty"`
	Definition     string         `json:"definition"` // name of the phenotype definition
	DefinitionHash string         `json:"definition_hash"`
	Options        map[string]any `json:"options,omitempty"` // LLM options as sent
	Reduce         string         `json:"reduce,omitempty"`  // reduce policy
}

// PatientSnippets is everything retrieval found for one patient. A patient
// with notes but no snippet still has a PatientSnippets, with Snippets empty,
// so that every patient is accounted for downstream.
type PatientSnippets struct {
	PatientID string    `json:"patient_id"`
	Notes     int       `json:"notes"`      // notes the patient has in the index
	TextBytes int       `json:"text_bytes"` // bytes of note text the patient has
	Snippets  []Snippet `json:"snippets"`
}
