package diagnose

import (
	"errors"
	"fmt"

	"github.com/phenorag/phenorag"
)

// ErrQuoteMismatch marks verified evidence whose quote is not the note's
// text at the stated offsets.
var ErrQuoteMismatch = errors.New("quote is not the note text at its offsets")

// EvidenceError is one piece of evidence that failed verification. Its
// message names the patient, note and offsets but never holds note text.
type EvidenceError struct {
	PatientID string
	Index     int // position in the diagnosis's Evidence
	Span      phenorag.Span
	Err       error
}

func (e *EvidenceError) Error() string {
	return fmt.Sprintf("patient %s: evidence %d at %s: %v", e.PatientID, e.Index, e.Span, e.Err)
}

func (e *EvidenceError) Unwrap() error { return e.Err }

// VerifyEvidence checks that every piece of evidence marked verified is,
// byte for byte, the text of its note between its offsets. noteText returns
// a note's text by id (asked once per note and patient). It returns nil or the
// joined *EvidenceError of every failure.
func VerifyEvidence(ds []phenorag.Diagnosis, noteText func(id string) (string, error)) error {
	failed := map[string]error{}
	var errs []error
	for _, d := range ds {
		texts := map[string]string{} // a patient's notes; not kept across patients
		for i, e := range d.Evidence {
			if !e.Verified {
				continue
			}
			span := phenorag.Span{NoteID: e.NoteID, Start: e.Start, End: e.End}
			text, ok := texts[e.NoteID]
			if !ok {
				if err, bad := failed[e.NoteID]; bad {
					errs = append(errs, &EvidenceError{d.PatientID, i, span, err})
					continue
				}
				t, err := noteText(e.NoteID)
				if err != nil {
					failed[e.NoteID] = err
					errs = append(errs, &EvidenceError{d.PatientID, i, span, err})
					continue
				}
				texts[e.NoteID], text = t, t
			}
			if e.Start < 0 || e.End > len(text) || e.Start > e.End ||
				text[e.Start:e.End] != e.Quote {
				errs = append(errs, &EvidenceError{d.PatientID, i, span, ErrQuoteMismatch})
			}
		}
	}
	return errors.Join(errs...)
}
