package retrieve

import (
	"math"
	"testing"

	"github.com/phenorag/phenorag"
)

func TestEvaluation(t *testing.T) {
	sp := func(note string, s, e int) phenorag.Span {
		return phenorag.Span{NoteID: note, Start: s, End: e}
	}
	snips := []phenorag.Snippet{
		{NoteID: "a", Start: 10, End: 50, Text: string(make([]byte, 40)),
			Mentions: []phenorag.Mention{{Start: 20, End: 22}},
			Also:     []phenorag.Span{sp("b", 0, 40)}},
	}
	var e Evaluation
	e.Add(phenorag.PatientSnippets{TextBytes: 400, Snippets: snips}, phenorag.Gold{
		Label:    phenorag.Present,
		Evidence: []phenorag.Span{sp("a", 12, 30), sp("b", 5, 20), sp("a", 45, 60), sp("c", 0, 1)},
	}, nil)
	e.Add(phenorag.PatientSnippets{TextBytes: 100, Snippets: snips}, phenorag.Gold{
		Label:    phenorag.Absent,
		Evidence: []phenorag.Span{sp("a", 18, 21)},
	}, []phenorag.Span{sp("a", 18, 21)})
	e.Add(phenorag.PatientSnippets{TextBytes: 50, Snippets: []phenorag.Snippet{}},
		phenorag.Gold{Label: phenorag.Absent}, nil)

	if e.EvidenceSpans != 4 || e.Covered != 2 || e.Recall() != 0.5 {
		t.Errorf("evidence %d covered %d recall %g, want 4, 2, 0.5",
			e.EvidenceSpans, e.Covered, e.Recall())
	}
	if e.FalseFriendMentions != 1 || e.FriendSpans != 1 {
		t.Errorf("false friend mentions = %d, spans %d; want 1, 1", e.FalseFriendMentions,
			e.FriendSpans)
	}
	med, p90, total := e.PromptShare()
	if med != 0.1 || p90 != 0.4 || math.Abs(total-80.0/550) > 1e-12 {
		t.Errorf("prompt share median %g p90 %g total %g", med, p90, total)
	}
}
