package diagnose

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/diagnose/eval"
	"github.com/phenorag/phenorag/retrieve"
	"github.com/phenorag/phenorag/synth"
)

// TestBaselineOnSynthCohort runs the rules over the facts of a synthetic
// cohort and scores them against its gold labels. The cohort carries
// positives that were never coded or measured, and negatives with
// misleading facts, so the rules must be good but cannot be perfect.
func TestBaselineOnSynthCohort(t *testing.T) {
	def := openPH(t)
	rules, err := NewBaseline(def, false)
	if err != nil {
		t.Fatal(err)
	}
	nlp, err := NewBaseline(def, true)
	if err != nil {
		t.Fatal(err)
	}
	cutter, err := retrieve.NewCutter(def, retrieve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var gold []phenorag.Gold
	cases := map[string][]string{} // patient -> hard cases
	cfg := synth.Config{Patients: 300, Seed: 11, NotesMin: 5, NotesMax: 15}
	err = synth.Generate(context.Background(), cfg, func(p synth.Patient) error {
		ps := cutter.Patient(p.ID, p.Notes)
		for _, b := range []*Baseline{rules, nlp} {
			b.AddSnippets(ps)
			for _, f := range p.Facts {
				b.AddFact(f)
			}
		}
		gold = append(gold, p.Gold)
		cases[p.ID] = p.Cases
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ds, dsNLP := rules.Diagnoses(), nlp.Diagnoses()
	if len(ds) != cfg.Patients || len(dsNLP) != cfg.Patients {
		t.Fatalf("%d and %d diagnoses for %d patients", len(ds), len(dsNLP), cfg.Patients)
	}
	rep, err := eval.Evaluate(gold, []eval.Method{{Name: MethodRules, Diagnoses: ds},
		{Name: MethodRulesNLP, Diagnoses: dsNLP}}, eval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	t.Logf("on %d synthetic patients:\n%s", cfg.Patients, out.String())
	t.Logf("rules errors by hard case:\n%s", errorsByCase(ds, gold, cases))
	t.Logf("rules+nlp errors by hard case:\n%s", errorsByCase(dsNLP, gold, cases))
	checkSynthResults(t, rep)
}

// checkSynthResults checks that both methods work without being perfect,
// and that the NLP variant, which only adds a way to fire, labels present
// every patient the plain rules do.
func checkSynthResults(t *testing.T, rep *eval.Report) {
	t.Helper()
	for _, res := range rep.Methods {
		if len(res.Missing) != 0 || len(res.Extra) != 0 {
			t.Errorf("%s: missing %v extra %v", res.Method, res.Missing, res.Extra)
		}
		for _, m := range res.Metrics {
			if (m.Name == "precision" || m.Name == "recall") && (!m.Value.OK || m.Value.V < 0.5) {
				t.Errorf("%s: %s = %v: the rules barely work", res.Method, m.Name, m.Value)
			}
		}
		if res.Confusion.FP+res.Confusion.FN == 0 {
			t.Errorf("%s is perfect on a cohort built to defeat it: suspicious", res.Method)
		}
	}
	a, b := rep.Methods[0].Confusion, rep.Methods[1].Confusion
	if b.TP < a.TP || b.FP < a.FP {
		t.Errorf("rules+nlp %+v labels fewer present than rules %+v", b, a)
	}
}

// errorsByCase tallies, for each hard case, the patients the rules got
// wrong and the rules that fired on them.
func errorsByCase(ds []phenorag.Diagnosis, gold []phenorag.Gold,
	cases map[string][]string) string {
	label := map[string]phenorag.Label{}
	for _, g := range gold {
		label[g.PatientID] = g.Label
	}
	type tally struct {
		n, wrong int
		fired    map[string]int
	}
	by := map[string]*tally{}
	for _, d := range ds {
		for _, c := range append([]string{"(all)"}, cases[d.PatientID]...) {
			tl := by[c]
			if tl == nil {
				tl = &tally{fired: map[string]int{}}
				by[c] = tl
			}
			tl.n++
			if d.Label != label[d.PatientID] {
				tl.wrong++
				for _, r := range d.Rules {
					tl.fired[r]++
				}
			}
		}
	}
	names := make([]string, 0, len(by))
	for c := range by {
		names = append(names, c)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, c := range names {
		fmt.Fprintf(&b, "%-18s %3d patients, %3d wrong, rules fired on them: %v\n", c,
			by[c].n, by[c].wrong, by[c].fired)
	}
	return b.String()
}
