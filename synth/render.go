package synth

import (
	"fmt"
	"strings"

	"github.com/phenorag/phenorag"
)

// render writes every note and returns the finished patient.
func (p *plan) render() Patient {
	pt := Patient{
		ID:    p.id,
		Notes: make([]phenorag.Note, len(p.notes)),
		Facts: p.facts,
		Cases: p.cases.tags(),
		Gold:  phenorag.Gold{PatientID: p.id, Label: phenorag.Absent},
	}
	if p.positive {
		pt.Gold.Label = phenorag.Present
	}
	b := &builder{p: p, buf: make([]byte, 0, 8<<10)}
	for i, n := range p.notes {
		b.write(n)
		pt.Notes[i] = phenorag.Note{
			ID: n.id, PatientID: p.id, Date: n.date, Type: n.typ, Title: n.typ,
			Text: string(b.buf),
		}
		for _, m := range b.marks {
			pt.Gold.Evidence = append(pt.Gold.Evidence,
				phenorag.Span{NoteID: n.id, Start: m.start, End: m.end})
			pt.EvidenceCases = append(pt.EvidenceCases, m.tag)
		}
	}
	pt.Gold.Reason = p.reason()
	return pt
}

// reason explains the gold label in a few words.
func (p *plan) reason() string {
	if !p.positive {
		if p.cases == 0 {
			return "no pulmonary hypertension"
		}
		return "no pulmonary hypertension; look-alike: " +
			strings.Join(p.cases.tags(), ", ")
	}
	var s strings.Builder
	fmt.Fprintf(&s, "pulmonary hypertension, WHO group %d", p.group)
	if p.cases.has(CaseNumbersOnly) {
		s.WriteString(", shown only by hemodynamics")
	}
	if p.cases.has(CaseNeverCoded) {
		s.WriteString(", never coded")
	}
	return s.String()
}
