package tagger

import (
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

// phTagger returns a tagger with the built-in PH rules.
func phTagger(t testing.TB) *Tagger {
	t.Helper()
	def, err := phenotype.Open("ph")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := New(def.Context)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// tagFirst tags the first occurrence of mention in text.
func tagFirst(t *testing.T, tg *Tagger, text, mention string) phenorag.Context {
	t.Helper()
	i := strings.Index(text, mention)
	if i < 0 {
		t.Fatalf("%q does not occur in %q", mention, text)
	}
	return tg.Tag(text, i, i+len(mention))
}

var (
	isAffirmed   = phenorag.Context{}
	isNegated    = phenorag.Context{Negated: true}
	isPossible   = phenorag.Context{Possible: true}
	isHistorical = phenorag.Context{Historical: true}
	isOther      = phenorag.Context{Other: true}
)

func TestTagPHSentences(t *testing.T) {
	tests := []struct {
		text, mention string
		want          phenorag.Context
	}{
		{"No evidence of pulmonary hypertension.", "pulmonary hypertension", isNegated},
		{"Echo shows no evidence of pulmonary hypertension.", "pulmonary hypertension",
			isNegated},
		{"r/o PH", "PH", isPossible},
		{"Echo to evaluate for pulmonary hypertension.", "pulmonary hypertension", isPossible},
		{"Mother had PAH.", "PAH", isOther},
		{"Family history of pulmonary arterial hypertension in her sister.",
			"pulmonary arterial hypertension", isOther},
		{"History of pulmonary hypertension, resolved after mitral valve repair.",
			"pulmonary hypertension", phenorag.Context{Negated: true, Historical: true}},
		{"Pulmonary hypertension, but no right heart failure.", "Pulmonary hypertension",
			isAffirmed},
		{"No right heart failure, but pulmonary hypertension on echo.",
			"pulmonary hypertension", isAffirmed},
		// "No increase" compares with an earlier study: the pressures are
		// stable, not normal, so the mention stays affirmed.
		{"No increase in pulmonary pressures since the last echo.", "pulmonary pressures",
			isAffirmed},
		{"Patient denies any history of pulmonary hypertension.", "pulmonary hypertension",
			phenorag.Context{Negated: true, Historical: true}},
		{"Pulmonary hypertension was ruled out by right heart catheterization.",
			"Pulmonary hypertension", isNegated},
		{"Cannot exclude pulmonary hypertension.", "pulmonary hypertension", isPossible},
		{"Findings suspicious for PH?", "PH", isPossible},
		{"PH unlikely given normal RVSP.", "PH", isNegated},
		{"Severe pulmonary hypertension with RVSP 75 mmHg.", "pulmonary hypertension",
			isAffirmed},
		{"Status post pulmonary thromboendarterectomy for CTEPH.", "CTEPH", isHistorical},
		{"She is a 64-year-old woman with pulmonary hypertension.", "pulmonary hypertension",
			isAffirmed},
		{"No dyspnea. Pulmonary hypertension is stable.", "Pulmonary hypertension", isAffirmed},
		{"Pulmonary hypertension: none.", "Pulmonary hypertension", isNegated},
		{"Pulmonary hypertension is not present on prior echo.", "Pulmonary hypertension",
			isNegated},
		{"Consider pulmonary hypertension if symptoms persist.", "pulmonary hypertension",
			isPossible},
		{"Her mother had PAH; the patient now has PAH as well.", "PAH as", isAffirmed},
		// A radiology or pathology report's history is the reason for the
		// study: what it names is current.
		{"CLINICAL HISTORY:  Dyspnea, pulmonary hypertension.", "pulmonary hypertension",
			isAffirmed},
		{"CT CHEST   PATIENT HISTORY:  Dyspnea.", "Dyspnea", isAffirmed},
		{"She was dizzy the last time she took sildenafil.", "dizzy", isHistorical},
	}
	tg := phTagger(t)
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			if got := tagFirst(t, tg, tc.text, tc.mention); got != tc.want {
				t.Errorf("Tag(%q in %q) = %+v, want %+v", tc.mention, tc.text, got, tc.want)
			}
		})
	}
}

func TestSections(t *testing.T) {
	note := "HISTORY OF PRESENT ILLNESS:\nDyspnea on exertion.\n\n" +
		"FAMILY HISTORY:\nPulmonary hypertension in two relatives.\n" +
		"Mother: breast cancer.\nDiabetes.\n\n" +
		"PAST MEDICAL HISTORY:\n1. Pulmonary hypertension\n2. COPD\n\n" +
		"Assessment: pulmonary hypertension, WHO group 3.\n"
	tg := phTagger(t)
	tests := []struct {
		mention string
		want    phenorag.Context
	}{
		{"Dyspnea", isAffirmed},
		{"Pulmonary hypertension in", isOther},
		{"Diabetes", isOther},
		{"Pulmonary hypertension\n2", isHistorical},
		{"pulmonary hypertension, WHO", isAffirmed},
	}
	for _, tc := range tests {
		i := strings.Index(note, tc.mention)
		if i < 0 {
			t.Fatalf("%q not in note", tc.mention)
		}
		word := strings.IndexAny(tc.mention, " \n,")
		if word < 0 {
			word = len(tc.mention)
		}
		if got := tg.Tag(note, i, i+word); got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.mention, got, tc.want)
		}
	}
}

func TestInlineSections(t *testing.T) {
	note := "PMH: HTN, asthma. FAMILY HISTORY: Diabetes, BP: 120/80, gout. " +
		"ASSESSMENT: Dyspnea.\n" +
		"Family History: cancer.\nNote: stroke.\n" +
		"Past Medical History:\n  PAST MEDICAL HISTORY\n  Anemia\n" +
		"RVSP: 45 mmHg. Edema."
	tg := phTagger(t)
	tests := []struct {
		word string
		want phenorag.Context
	}{
		{"HTN", isHistorical},
		{"asthma", isHistorical},
		{"Diabetes", isOther},
		{"gout", isOther},       // "BP:" is too short to be a header
		{"Dyspnea", isAffirmed}, // an unknown header in capitals ends the section
		{"cancer", isOther},     // a known header in any case at a line's start
		{"stroke", isOther},     // a label under a known header keeps it
		{"Anemia", isHistorical},
		{"Edema", isAffirmed},
	}
	for _, tc := range tests {
		i := strings.Index(note, tc.word)
		if got := tg.Tag(note, i, i+len(tc.word)); got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.word, got, tc.want)
		}
	}
}

// rules builds context rules from "phrase=category[/direction]" pairs.
func rules(t *testing.T, scope int, specs ...string) *Tagger {
	t.Helper()
	cr := phenotype.ContextRules{Scope: scope}
	for _, s := range specs {
		phrase, cat, _ := strings.Cut(s, "=")
		cat, dir, _ := strings.Cut(cat, "/")
		tr := phenotype.Trigger{Phrase: phrase, Category: cat, Direction: dir}
		if cat, ends, ok := strings.Cut(cat, ":"); ok {
			tr.Category, tr.Ends = cat, []string{ends}
		}
		cr.Triggers = append(cr.Triggers, tr)
	}
	tg, err := New(cr)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestTriggerMechanics(t *testing.T) {
	tests := []struct {
		name          string
		tagger        *Tagger
		text, mention string
		want          phenorag.Context
	}{
		{"forward within scope", rules(t, 3, "no=negated"),
			"no a b X", "X", isNegated},
		{"forward beyond scope", rules(t, 3, "no=negated"),
			"no a b c X", "X", isAffirmed},
		{"punctuation does not count", rules(t, 3, "no=negated"),
			"no a, b; X", "X", isNegated},
		{"forward does not reach back", rules(t, 5, "no=negated"),
			"X no", "X", isAffirmed},
		{"backward", rules(t, 5, "ruled out=negated/backward"),
			"X was ruled out", "X", isNegated},
		{"backward does not reach forward", rules(t, 5, "ruled out=negated/backward"),
			"ruled out X", "X", isAffirmed},
		{"both", rules(t, 5, "unlikely=negated/both"),
			"X unlikely", "X", isNegated},
		{"case-insensitive", rules(t, 5, "No Evidence Of=negated"),
			"NO EVIDENCE of X", "X", isNegated},
		{"longest match wins", rules(t, 5, "no=negated", "no increase=pseudo"),
			"no increase in X", "X", isAffirmed},
		{"pseudo blocks only its own words", rules(t, 5, "no=negated", "no increase=pseudo"),
			"no increase, no X", "X", isNegated},
		{"terminator", rules(t, 9, "no=negated", "but=terminate"),
			"no A but X", "X", isAffirmed},
		{"terminator for another category", rules(t, 9, "no=negated", "now=terminate:historical"),
			"no A now X", "X", isNegated},
		{"terminator for this category", rules(t, 9, "old=historical", "now=terminate:historical"),
			"old A now X", "X", isAffirmed},
		{"other categories do not stop a scope", rules(t, 9, "no=negated", "history of=historical"),
			"no history of X", "X", phenorag.Context{Negated: true, Historical: true}},
		{"sentence end", rules(t, 9, "no=negated"),
			"No cough. X here.", "X", isAffirmed},
		{"abbreviation is no sentence end", rules(t, 9, "no=negated"),
			"No e.g. X here.", "X", isNegated},
		{"trigger inside the mention is ignored", rules(t, 9, "no=negated"),
			"X no Y", "X no Y", isAffirmed},
		{"punctuation trigger", rules(t, 5, "r/o=possible"),
			"R/O X", "X", isPossible},
		{"words, not substrings", rules(t, 5, "no=negated"),
			"nothing X", "X", isAffirmed},
		{"numbered items are sentences", rules(t, 9, "no=negated"),
			"1) no A 2) X", "X", isAffirmed},
		{"list after a line break", rules(t, 9, "no=negated"),
			"no A\n- X", "X", isAffirmed},
		{"wrapped line", rules(t, 9, "no=negated"),
			"no A or\nX", "X", isNegated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tagFirst(t, tc.tagger, tc.text, tc.mention); got != tc.want {
				t.Errorf("Tag(%q in %q) = %+v, want %+v", tc.mention, tc.text, got, tc.want)
			}
		})
	}
}

func TestNewRejectsBadRules(t *testing.T) {
	tests := []struct {
		name  string
		rules phenotype.ContextRules
	}{
		{"unknown category", phenotype.ContextRules{Triggers: []phenotype.Trigger{
			{Phrase: "no", Category: "nope"}}}},
		{"unknown direction", phenotype.ContextRules{Triggers: []phenotype.Trigger{
			{Phrase: "no", Category: "negated", Direction: "sideways"}}}},
		{"empty phrase", phenotype.ContextRules{Triggers: []phenotype.Trigger{
			{Phrase: " ", Category: "negated"}}}},
		{"duplicate phrase", phenotype.ContextRules{Triggers: []phenotype.Trigger{
			{Phrase: "no", Category: "negated"}, {Phrase: "NO", Category: "possible"}}}},
		{"bad ends", phenotype.ContextRules{Triggers: []phenotype.Trigger{
			{Phrase: "but", Category: "terminate", Ends: []string{"pseudo"}}}}},
		{"bad section", phenotype.ContextRules{Sections: []phenotype.Section{
			{Header: "family history", Category: "terminate"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.rules); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestTagOutOfRange(t *testing.T) {
	tg := rules(t, 5, "no=negated")
	for _, r := range [][2]int{{-1, 2}, {3, 2}, {0, 99}} {
		if got := tg.Tag("no X", r[0], r[1]); got != isAffirmed {
			t.Errorf("Tag(%v) = %+v, want zero", r, got)
		}
	}
}

func TestTokenizeOffsets(t *testing.T) {
	text := "Péché r/o-PH, 3.5\tmmHg"
	var got []string
	for _, tk := range tokenize(nil, text, 0, len(text)) {
		got = append(got, text[tk.start:tk.end])
	}
	want := []string{"Péché", "r", "/", "o", "-", "PH", ",", "3", ".", "5", "mmHg"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("tokens %q, want %q", got, want)
	}
}

func TestTagMentions(t *testing.T) {
	text := "No PH. Mother with PAH."
	ms := []phenorag.Mention{{Start: 3, End: 5}, {Start: 19, End: 22}}
	phTagger(t).TagMentions(text, ms)
	if ms[0].Context != isNegated || ms[1].Context != isOther {
		t.Errorf("got %+v and %+v", ms[0].Context, ms[1].Context)
	}
}

func TestConcurrentTag(t *testing.T) {
	tg := phTagger(t)
	text := "No evidence of pulmonary hypertension."
	done := make(chan phenorag.Context)
	for range 8 {
		go func() {
			var last phenorag.Context
			for range 200 {
				last = tg.Tag(text, 15, 37)
			}
			done <- last
		}()
	}
	for range 8 {
		if got := <-done; got != isNegated {
			t.Errorf("got %+v", got)
		}
	}
}
