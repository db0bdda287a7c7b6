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
	terms       map[string]bool        // lower-case term names that count; nil: all
	minMentions int                    // 0 disables the mention criterion
	minAbnormal int                    // 0 disables the measurement criterion
	measures    map[string]noteMeasure // lower-case measurement name -> its rule
	rules       []compiledRule         // the fact rules, for their vetoes
}

// noteMeasure is how a measurement found in notes is judged: by the
// threshold of the measurement rule that names it (rules[rule]).
type noteMeasure struct {
	above float64
	rule  int
}

// compileNLP prepares the note rule. A note measurement is abnormal above
// the threshold of the measurement rule that names it, and superseded by
// that rule's veto, so facts and notes are judged alike. Every term it
// names must be a term of the definition, so that a typo cannot silently
// drop a term.
func compileNLP(r phenotype.NLPRule, terms []phenotype.Term,
	rules []compiledRule) (*nlpRule, error) {
	n := &nlpRule{minMentions: r.MinMentions, minAbnormal: r.MinAbnormal,
		measures: map[string]noteMeasure{}, rules: rules}
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
	for i, c := range rules {
		if c.kind != phenorag.FactMeasurement {
			continue
		}
		for name := range c.names {
			if old, ok := n.measures[name]; !ok || c.above < old.above {
				n.measures[name] = noteMeasure{c.above, i}
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
			n.addVeto(st, s, v)
			m, ok := n.measures[strings.ToLower(v.Name)]
			if !ok || v.Value <= m.above {
				continue
			}
			st.abnormal[phenorag.Span{NoteID: s.NoteID, Start: v.Start, End: v.End}] =
				abnormalValue{snippet: s, value: v, rule: m.rule}
		}
	}
}

// addVeto keeps, for each rule with a veto, the latest dated normal result
// of its veto test found in the notes.
func (n *nlpRule) addVeto(st *patientState, s phenorag.Snippet, v phenorag.Value) {
	if s.NoteDate.IsZero() {
		return
	}
	for i, c := range n.rules {
		b, ok := c.vetoNames[strings.ToLower(v.Name)]
		if !ok || !b.contains(v.Value) || v.Value > c.vetoAtMost {
			continue
		}
		if st.noteVeto == nil {
			st.noteVeto = map[int]datedValue{}
		}
		if old, seen := st.noteVeto[i]; !seen || !s.NoteDate.Before(old.date) {
			st.noteVeto[i] = datedValue{s.NoteDate, v.Value}
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
	var vals []string
	var valEv []phenorag.Evidence
	for _, a := range st.abnormal {
		veto := st.vetoFor(a.rule)
		if !a.snippet.NoteDate.IsZero() && !a.snippet.NoteDate.After(veto.date) &&
			!veto.date.IsZero() {
			continue // superseded by a later normal result of the reference test
		}
		vals = append(vals, a.value.Name+" "+strconv.FormatFloat(a.value.Value, 'g', -1, 64))
		valEv = append(valEv, evidenceAt(a.snippet, a.value.Start, a.value.End, a.value.Text))
	}
	if n.minAbnormal > 0 && len(vals) >= n.minAbnormal {
		sort.Strings(vals)
		why = append(why, fmt.Sprintf("%d abnormal note measurements (%s)", len(vals),
			listShort(vals)))
		ev = append(ev, valEv...)
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
