package tagger

import (
	"context"
	"regexp"
	"sort"
	"testing"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/synth"
)

// synthMention finds the disease's names as the synthetic notes write them.
var synthMention = regexp.MustCompile(`(?i)pulmonary\s+(?:arterial\s+)?hyperten[a-z]*|` +
	`pulm(?:onary)?\s+htn|\bPH\b|\bPAH\b|\bCTEPH\b|\bIPAH\b`)

// wantByCase says whether a mention in each hard case's gold evidence got
// the right context; cases not listed are not about context.
var wantByCase = map[string]func(phenorag.Context) bool{
	synth.CaseExplicit:       phenorag.Context.Affirmed,
	synth.CaseAbbreviation:   phenorag.Context.Affirmed,
	synth.CaseMisspelling:    phenorag.Context.Affirmed,
	synth.CaseLineWrap:       phenorag.Context.Affirmed,
	synth.CaseCapsHeader:     phenorag.Context.Affirmed,
	synth.CaseCopyForward:    phenorag.Context.Affirmed,
	synth.CaseNegated:        func(c phenorag.Context) bool { return c.Negated },
	synth.CaseHypothetical:   func(c phenorag.Context) bool { return c.Possible },
	synth.CaseUncertain:      func(c phenorag.Context) bool { return c.Possible },
	synth.CaseHistorical:     func(c phenorag.Context) bool { return c.Historical || c.Negated },
	synth.CaseFamilyHistory:  func(c phenorag.Context) bool { return c.Other },
	synth.CaseCopyForwardNeg: func(c phenorag.Context) bool { return !c.Affirmed() },
	synth.CaseWorkupCode:     func(c phenorag.Context) bool { return !c.Affirmed() },
}

// TestSynthCases tags the disease's mentions in the gold evidence of a
// synthetic cohort's hard cases, whose context is known by construction:
// whole notes, with their sections, exercise sentence and section finding
// as the NegEx sentences cannot.
func TestSynthCases(t *testing.T) {
	tg := phTagger(t)
	right, wrong := map[string]int{}, map[string]int{}
	cfg := synth.Config{Patients: 300, Seed: 7, NotesMin: 3, NotesMax: 8}
	err := synth.Generate(context.Background(), cfg, func(p synth.Patient) error {
		notes := map[string]string{}
		for _, n := range p.Notes {
			notes[n.ID] = n.Text
		}
		for i, ev := range p.Gold.Evidence {
			kind := p.EvidenceCases[i]
			want := wantByCase[kind]
			if want == nil {
				continue
			}
			text := notes[ev.NoteID]
			for _, loc := range synthMention.FindAllStringIndex(text[ev.Start:ev.End], -1) {
				s, e := ev.Start+loc[0], ev.Start+loc[1]
				if c := tg.Tag(text, s, e); want(c) {
					right[kind]++
				} else {
					wrong[kind]++
					t.Logf("%s: tagged %+v: %q", kind, c,
						text[max(0, s-60):min(len(text), e+60)])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	var kinds []string
	for k := range wantByCase {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	total, bad := 0, 0
	for _, k := range kinds {
		t.Logf("%-16s %3d right, %d wrong", k, right[k], wrong[k])
		if right[k]+wrong[k] == 0 {
			t.Errorf("no mention of case %s was checked", k)
		}
		total += right[k] + wrong[k]
		bad += wrong[k]
	}
	if bad*50 > total {
		t.Errorf("%d of %d mentions got the wrong context (floor: 2%%)", bad, total)
	}
}
