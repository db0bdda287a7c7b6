package retrieve

import (
	"slices"

	"github.com/phenorag/phenorag"
)

// Evaluation measures retrieval against chart-review evidence: how much of
// the evidence the snippets cover, how many false friends slip into them,
// and how much of each record they keep.
type Evaluation struct {
	Patients int
	// EvidenceSpans counts the gold evidence spans seen, false friends left
	// out; Covered those lying wholly inside a snippet of their patient (or a
	// place in its Also).
	EvidenceSpans, Covered int
	// FriendSpans counts the evidence spans that are false friends: text a
	// reviewer cites to rule the disease out, which retrieval must not take
	// for a mention (see FalseFriendMentions), so not counted in recall.
	FriendSpans int
	// FalseFriendMentions counts mentions, in the snippets of patients
	// without the disease, that overlap a known false friend.
	FalseFriendMentions int
	// Snippets and bytes kept, and bytes of record, per patient.
	snippetBytes, recordBytes []int
}

// Add scores one patient's snippets against its gold label and evidence.
// friends locates text known to look like the disease without being it
// (such as "pH 7.31"); it may be nil. Evidence spans among friends are not
// counted in recall.
func (e *Evaluation) Add(ps phenorag.PatientSnippets, gold phenorag.Gold, friends []phenorag.Span) {
	e.Patients++
	kept := 0
	for _, s := range ps.Snippets {
		kept += len(s.Text)
	}
	e.snippetBytes = append(e.snippetBytes, kept)
	e.recordBytes = append(e.recordBytes, ps.TextBytes)

	for _, ev := range gold.Evidence {
		if slices.Contains(friends, ev) {
			e.FriendSpans++
			continue
		}
		e.EvidenceSpans++
		if Covers(ps.Snippets, ev) {
			e.Covered++
		}
	}
	if gold.Label == phenorag.Present {
		return
	}
	for _, s := range ps.Snippets {
		for _, m := range s.Mentions {
			ms := phenorag.Span{NoteID: s.NoteID, Start: m.Start, End: m.End}
			if slices.ContainsFunc(friends, ms.Overlaps) {
				e.FalseFriendMentions++
			}
		}
	}
}

// Covers reports whether a snippet, or a copy of one listed in its Also,
// contains all of span.
func Covers(snippets []phenorag.Snippet, span phenorag.Span) bool {
	for _, s := range snippets {
		if s.Span().Covers(span) {
			return true
		}
		for _, a := range s.Also {
			if a.Covers(span) {
				return true
			}
		}
	}
	return false
}

// Recall is the share of evidence spans covered; 1 when there were none.
func (e *Evaluation) Recall() float64 {
	if e.EvidenceSpans == 0 {
		return 1
	}
	return float64(e.Covered) / float64(e.EvidenceSpans)
}

// PromptShare returns the median and 90th percentile, over patients with
// text, of the share of a record's bytes that its snippets keep, and the
// share over the whole cohort.
func (e *Evaluation) PromptShare() (median, p90, total float64) {
	var shares []float64
	var kept, all int
	for i, rb := range e.recordBytes {
		kept += e.snippetBytes[i]
		all += rb
		if rb > 0 {
			shares = append(shares, float64(e.snippetBytes[i])/float64(rb))
		}
	}
	if len(shares) == 0 {
		return 0, 0, 0
	}
	slices.Sort(shares)
	return quantile(shares, 0.5), quantile(shares, 0.9), float64(kept) / float64(all)
}

// quantile returns the q-quantile of sorted values, nearest rank.
func quantile(sorted []float64, q float64) float64 {
	i := int(q*float64(len(sorted)) + 0.5)
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}
