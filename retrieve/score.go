package retrieve

import (
	"cmp"
	"slices"
	"strings"

	"github.com/phenorag/phenorag"
)

// Weights of a mention by its context. Affirmed mentions count most; the
// others still count, so that a patient's negated or uncertain mentions reach
// the LLM when nothing stronger exists.
const (
	weightAffirmed   = 1.0
	weightHistorical = 0.6
	weightPossible   = 0.5
	weightNegated    = 0.4
	weightOther      = 0.3
	weightAbnormal   = 1.0 // a measurement above the definition's threshold
	weightNormal     = 0.3 // any other measurement
	// sameNoteDecay scales a snippet's score for each snippet already chosen
	// from its note, to spread the picks over more notes.
	sameNoteDecay = 0.7
)

// contextWeight weighs a mention's context.
func contextWeight(c phenorag.Context) float64 {
	switch {
	case c.Other:
		return weightOther
	case c.Negated:
		return weightNegated
	case c.Possible:
		return weightPossible
	case c.Historical:
		return weightHistorical
	}
	return weightAffirmed
}

// score is the best match's weight plus a quarter of the others', so that a
// window with several matches ranks a little above one with a single match.
func (c *Cutter) score(s phenorag.Snippet) float64 {
	var best, sum float64
	add := func(w float64) {
		best = max(best, w)
		sum += w
	}
	for _, m := range s.Mentions {
		add(c.m.Weight(m.Term) * contextWeight(m.Context))
	}
	for _, v := range s.Measurements {
		add(c.valueWeight(v))
	}
	return best + (sum-best)/4
}

// valueWeight weighs a measurement by whether it is abnormal.
func (c *Cutter) valueWeight(v phenorag.Value) float64 {
	for _, md := range c.def.Measurements {
		if md.Name == v.Name && md.Abnormal > 0 && v.Value > md.Abnormal {
			return weightAbnormal
		}
	}
	return weightNormal
}

// strong reports whether a snippet holds an affirmed mention or an abnormal
// measurement.
func (c *Cutter) strong(s phenorag.Snippet) bool {
	for _, m := range s.Mentions {
		if m.Context.Affirmed() {
			return true
		}
	}
	for _, v := range s.Measurements {
		if c.valueWeight(v) == weightAbnormal {
			return true
		}
	}
	return false
}

// Select keeps one copy of each repeated snippet text (listing the others in
// Also), then picks the top k: by score, spread across notes, with a few
// places kept for snippets that are not strong (negated, uncertain,
// historical, normal values) so that the whole picture is seen. The result
// is in note date order, and empty but not nil when there is nothing.
func (c *Cutter) Select(all []phenorag.Snippet) []phenorag.Snippet {
	snips := dedupe(all)
	if len(snips) == 0 {
		return []phenorag.Snippet{}
	}
	slices.SortStableFunc(snips, func(a, b phenorag.Snippet) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), a.NoteDate.Compare(b.NoteDate),
			strings.Compare(a.NoteID, b.NoteID), a.Start-b.Start)
	})
	k := c.topK
	if len(snips) <= k {
		return inDateOrder(snips)
	}
	reserve := max(1, k/6)
	picked := make([]bool, len(snips))
	perNote := map[string]int{}
	var out []phenorag.Snippet
	pick := func(n int, want func(phenorag.Snippet) bool) {
		for ; n > 0; n-- {
			best, bestScore := -1, -1.0
			for i, s := range snips {
				if picked[i] || !want(s) {
					continue
				}
				sc := s.Score * pow(sameNoteDecay, perNote[s.NoteID])
				if sc > bestScore {
					best, bestScore = i, sc
				}
			}
			if best < 0 {
				return
			}
			picked[best] = true
			perNote[snips[best].NoteID]++
			out = append(out, snips[best])
		}
	}
	every := func(phenorag.Snippet) bool { return true }
	pick(k-reserve, every)
	pick(k-len(out), func(s phenorag.Snippet) bool { return !c.strong(s) })
	pick(k-len(out), every)
	return inDateOrder(out)
}

func pow(x float64, n int) float64 {
	r := 1.0
	for range n {
		r *= x
	}
	return r
}

// dedupe keeps the first of the snippets with the same text, in note date
// order, and lists where the others were in its Also.
func dedupe(all []phenorag.Snippet) []phenorag.Snippet {
	all = inDateOrder(all)
	first := map[string]int{}
	out := all[:0]
	for _, s := range all {
		if i, ok := first[s.Text]; ok {
			out[i].Also = append(out[i].Also, s.Span())
			continue
		}
		first[s.Text] = len(out)
		out = append(out, s)
	}
	return out
}

// inDateOrder sorts snippets by note date, note id and start.
func inDateOrder(s []phenorag.Snippet) []phenorag.Snippet {
	slices.SortFunc(s, func(a, b phenorag.Snippet) int {
		return cmp.Or(a.NoteDate.Compare(b.NoteDate), strings.Compare(a.NoteID, b.NoteID),
			a.Start-b.Start)
	})
	return s
}
