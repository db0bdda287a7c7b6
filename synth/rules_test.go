package synth

import (
	"slices"
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

// firesRules applies the definition's code and measurement rules to a
// patient's facts, as the physician-rules baseline does.
func firesRules(t *testing.T, rules []phenotype.Rule, facts []phenorag.Fact) bool {
	t.Helper()
	for _, r := range rules {
		if r.Disabled {
			continue
		}
		switch {
		case r.Codes != nil:
			var dates []string
			for _, f := range facts {
				prefixes := r.Codes.ICD10
				if f.System == "ICD9" {
					prefixes = r.Codes.ICD9
				}
				match := slices.ContainsFunc(prefixes, func(p string) bool {
					return f.Kind == phenorag.FactDiagnosis && strings.HasPrefix(f.Code, p)
				})
				if d := f.Date.String(); match && !slices.Contains(dates, d) {
					dates = append(dates, d)
				}
			}
			if len(dates) >= max(1, r.Codes.MinDates) {
				return true
			}
		case r.Measurement != nil:
			n := 0
			for _, f := range facts {
				if f.Kind == phenorag.FactMeasurement && slices.Contains(r.Measurement.Names,
					f.Name) && f.Value > r.Measurement.Above {
					n++
				}
			}
			if n >= max(1, r.Measurement.MinCount) {
				return true
			}
		}
	}
	return false
}

// TestRulesAreImperfect checks that the code and measurement rules of the
// built-in definition neither find every positive nor avoid every negative:
// the cohort is meant to leave room for reading the notes.
func TestRulesAreImperfect(t *testing.T) {
	def, err := phenotype.Open("ph")
	if err != nil {
		t.Fatal(err)
	}
	var tp, fp, fn int
	for _, p := range collect(t, Config{Patients: 1200, Seed: 21}) {
		fired := firesRules(t, def.Rules.Any, p.Facts)
		present := p.Gold.Label == phenorag.Present
		switch {
		case fired && present:
			tp++
		case fired:
			fp++
		case present:
			fn++
		}
	}
	prec, rec := float64(tp)/float64(tp+fp), float64(tp)/float64(tp+fn)
	f1 := 2 * prec * rec / (prec + rec)
	t.Logf("rules: precision %.2f recall %.2f F1 %.2f (tp %d fp %d fn %d)", prec, rec, f1,
		tp, fp, fn)
	if f1 < 0.5 || f1 > 0.72 || rec > 0.85 || prec > 0.85 {
		t.Errorf("rules F1 %.2f (P %.2f, R %.2f): want near 0.6, neither near perfect",
			f1, prec, rec)
	}
}
