package diagnose

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

// nlpRule is the note-derived rule of the rules+nlp variant.
type nlpRule struct {
	terms       map[string]bool    // lower-case term names that count; nil: all
	minMentions int                // 0 disables the mention criterion
	minAbnormal int                // 0 disables the measurement criterion
	above       map[string]float64 // lower-case measurement name -> threshold
}

// compileNLP prepares the note rule. A note measurement is abnormal above
// the threshold of the measurement rule that names it, so facts and notes
// are judged alike.
// Every term it names must be a term of the definition, so that a typo
// cannot silently drop a term.
func compileNLP(r phenotype.NLPRule, terms []phenotype.Term,
	rules []compiledRule) (*nlpRule, error) {
	n := &nlpRule{minMentions: r.MinMentions, minAbnormal: r.MinAbnormal,
		above: map[string]float64{}}
	known := map[string]bool{}
	for _, t := range terms {
		known[strings.ToLower(t.Name)] = true
	}
	if len(r.Terms) > 0 {
		n.terms = map[string]bool{}
		for i, t := range r.Terms {
			if !known[strings.ToLower(t)] {
				return nil, fmt.Errorf("rules.nlp.terms[%d]: %w: %q is not a term of the "+
					"definition", i, ErrRule, t)
			}
			n.terms[strings.ToLower(t)] = true
		}
	}
	for _, c := range rules {
		if c.kind != phenorag.FactMeasurement {
			continue
		}
		for name := range c.names {
			if old, ok := n.above[name]; !ok || c.above < old {
				n.above[name] = c.above
			}
		}
	}
	return n, nil
}

// add records the affirmed mentions (one per note) and the abnormal
// measurements of a patient's snippets. Overlapping snippets may repeat a
// measurement; it is counted once. Copies of a snippet elsewhere (Also) are
// not counted: copied-forward text is not new evidence.
func (n *nlpRule) add(st *patientState, snippets []phenorag.Snippet) {
	if st.mentions == nil {
		st.mentions = map[string]phenorag.Evidence{}
		st.abnormal = map[phenorag.Span]abnormalValue{}
	}
	for _, s := range snippets {
		for _, m := range s.Mentions {
			if !m.Context.Affirmed() || (n.terms != nil && !n.terms[strings.ToLower(m.Term)]) {
				continue
			}
			if _, seen := st.mentions[s.NoteID]; !seen {
				st.mentions[s.NoteID] = evidenceAt(s, m.Start, m.End, m.Text)
			}
		}
		for _, v := range s.Measurements {
			limit, ok := n.above[strings.ToLower(v.Name)]
			if !ok || v.Value <= limit {
				continue
			}
			st.abnormal[phenorag.Span{NoteID: s.NoteID, Start: v.Start, End: v.End}] =
				abnormalValue{snippet: s, value: v}
		}
	}
}

// evidenceAt makes evidence of text at [start, end) of the snippet's note;
// it is verified when the snippet's own text holds it at those offsets.
func evidenceAt(s phenorag.Snippet, start, end int, text string) phenorag.Evidence {
	i, j := start-s.Start, end-s.Start
	ok := i >= 0 && j <= len(s.Text) && i <= j && s.Text[i:j] == text
	return phenorag.Evidence{NoteID: s.NoteID, NoteDate: s.NoteDate, Start: start, End: end,
		Quote: text, Verified: ok}
}

// fired reports whether the notes meet either criterion, why, and the
// evidence: the mentions and measurements, by note date.
func (n *nlpRule) fired(st *patientState) (bool, string, []phenorag.Evidence) {
	var why []string
	var ev []phenorag.Evidence
	if n.minMentions > 0 && len(st.mentions) >= n.minMentions {
		why = append(why, fmt.Sprintf("affirmed mentions on %d notes", len(st.mentions)))
		for _, e := range st.mentions {
			ev = append(ev, e)
		}
	}
	if n.minAbnormal > 0 && len(st.abnormal) >= n.minAbnormal {
		var vals []string
		for _, a := range st.abnormal {
			vals = append(vals, a.value.Name+" "+strconv.FormatFloat(a.value.Value, 'g', -1, 64))
			ev = append(ev, evidenceAt(a.snippet, a.value.Start, a.value.End, a.value.Text))
		}
		sort.Strings(vals)
		why = append(why, fmt.Sprintf("%d abnormal note measurements (%s)", len(vals),
			listShort(vals)))
	}
	if len(why) == 0 {
		return false, "", nil
	}
	sortEvidence(ev)
	return true, strings.Join(why, ", "), ev
}

// sortEvidence orders evidence by date, note and offset.
func sortEvidence(ev []phenorag.Evidence) {
	sort.Slice(ev, func(i, j int) bool {
		a, b := ev[i], ev[j]
		if !a.NoteDate.Equal(b.NoteDate) {
			return a.NoteDate.Before(b.NoteDate)
		}
		if a.NoteID != b.NoteID {
			return a.NoteID < b.NoteID
		}
		return a.Start < b.Start
	})
}
