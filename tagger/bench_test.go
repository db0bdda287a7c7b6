package tagger

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/phenorag/phenorag/phenotype"
)

// benchNote is a note of about 2 KB with several mentions of the disease in
// sections, lists and plain sentences.
const benchNote = `HISTORY OF PRESENT ILLNESS:
72-year-old woman with COPD and obstructive sleep apnea who presents with
worsening dyspnea on exertion over three months. She denies chest pain,
orthopnea, syncope or palpitations. Echo to evaluate for pulmonary hypertension.

PAST MEDICAL HISTORY:
1. COPD, on 2 L home oxygen
2. Pulmonary hypertension, WHO group 3, diagnosed by right heart cath
3. Atrial fibrillation, s/p ablation

FAMILY HISTORY:
Mother had PAH. Father with coronary artery disease.

SOCIAL HISTORY:
Former smoker, quit 2010. No alcohol.

ASSESSMENT AND PLAN:
Echo shows RVSP 62 mmHg with a dilated right ventricle, consistent with
pulmonary hypertension, but no pericardial effusion. No evidence of left
heart failure. Pulmonary hypertension likely multifactorial (COPD, OSA).
Will refer to the pulmonary hypertension clinic; r/o CTEPH with a V/Q scan.
Continue oxygen. Follow up in 4 weeks.
`

// benchMentions returns the offsets of every mention of the disease in
// benchNote.
func benchMentions(b *testing.B) [][2]int {
	b.Helper()
	re := regexp.MustCompile(`(?i)pulmonary hypertension|\bPAH\b|\bCTEPH\b`)
	var ms [][2]int
	for _, loc := range re.FindAllStringIndex(benchNote, -1) {
		ms = append(ms, [2]int{loc[0], loc[1]})
	}
	if len(ms) < 6 {
		b.Fatalf("only %d mentions", len(ms))
	}
	return ms
}

// BenchmarkTag tags every mention of benchNote with the built-in rules and
// reports mentions per second, and the speed-up over tagging with one
// regular expression per trigger (the design the trie replaces), measured
// in the same run.
func BenchmarkTag(b *testing.B) {
	tg := phTagger(b)
	ms := benchMentions(b)
	naive := newRegexpTagger(b)

	start := time.Now()
	for b.Loop() {
		for _, m := range ms {
			tg.Tag(benchNote, m[0], m[1])
		}
	}
	trie := time.Since(start)

	reps := max(1, b.N/20)
	start = time.Now()
	for range reps {
		for _, m := range ms {
			naive.tag(benchNote, m[0], m[1])
		}
	}
	baseline := time.Since(start)

	perTrie := trie.Seconds() / float64(b.N*len(ms))
	perRegexp := baseline.Seconds() / float64(reps*len(ms))
	b.ReportMetric(1/perTrie, "mentions/s")
	b.ReportMetric(perRegexp/perTrie, "x-vs-regexp")
}

// BenchmarkTagNegex tags the NegEx development sentences.
func BenchmarkTagNegex(b *testing.B) {
	examples := readNegex(b)
	tg := phTagger(b)
	locs := make([][]int, len(examples))
	for i, ex := range examples {
		locs[i] = findCondition(ex.Condition, ex.Sentence)
	}
	n := 0
	for b.Loop() {
		for i, ex := range examples {
			if l := locs[i]; l != nil {
				tg.Tag(ex.Sentence, l[0], l[1])
				n++
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "mentions/s")
}

// regexpTagger is the baseline: each trigger is a regular expression run
// over the sentence on every call.
type regexpTagger struct {
	scope    int
	triggers []*regexp.Regexp
	rules    []phenotype.Trigger
	sc       scratch
}

func newRegexpTagger(b *testing.B) *regexpTagger {
	b.Helper()
	def, err := phenotype.Open("ph")
	if err != nil {
		b.Fatal(err)
	}
	rt := &regexpTagger{scope: def.Context.Scope}
	for _, tr := range def.Context.Triggers {
		words := strings.Fields(tr.Phrase)
		for i, w := range words {
			words[i] = regexp.QuoteMeta(w)
		}
		rt.triggers = append(rt.triggers,
			regexp.MustCompile(`(?i)(?:^|\W)`+strings.Join(words, `\s+`)+`(?:\W|$)`))
		rt.rules = append(rt.rules, tr)
	}
	return rt
}

// tag finds every trigger in the sentence around the mention; it does the
// matching work of a tagger, without the scope logic, which costs little.
func (rt *regexpTagger) tag(text string, start, end int) int {
	from, to := rt.sc.sentenceAround(text, start, end)
	found := 0
	for _, re := range rt.triggers {
		found += len(re.FindAllStringIndex(text[from:to], -1))
	}
	return found
}
