package diagnose

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

func day(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func code(pid, system, c, date string) phenorag.Fact {
	f := phenorag.Fact{PatientID: pid, Kind: phenorag.FactDiagnosis, System: system, Code: c}
	if date != "" {
		f.Date = day(date)
	}
	return f
}

func meas(pid, name string, v float64, date string) phenorag.Fact {
	return phenorag.Fact{PatientID: pid, Kind: phenorag.FactMeasurement, Name: name,
		Value: v, HasValue: true, Unit: "mmHg", Date: day(date)}
}

func openPH(t testing.TB) *phenotype.Definition {
	t.Helper()
	def, err := phenotype.Open("ph")
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func TestBaselineFacts(t *testing.T) {
	tests := []struct {
		name  string
		facts []phenorag.Fact
		want  phenorag.Label
		rules []string
	}{
		{"no facts", nil, phenorag.Absent, nil},
		{"code on two dates", []phenorag.Fact{
			code("p", "ICD10", "I27.20", "2021-01-02"),
			code("p", "ICD-10-CM", "I2721", "2021-03-04"),
		}, phenorag.Present, []string{"ph_codes_on_two_dates"}},
		{"code twice on one date", []phenorag.Fact{
			code("p", "ICD10", "I27.20", "2021-01-02"),
			code("p", "ICD10", "I27.0", "2021-01-02"),
		}, phenorag.Absent, nil},
		{"undated codes prove no second date", []phenorag.Fact{
			code("p", "ICD10", "I27.0", "2021-01-02"),
			code("p", "ICD10", "I27.0", ""),
		}, phenorag.Absent, nil},
		{"icd9 without system", []phenorag.Fact{
			code("p", "", "416.0", "2011-01-02"),
			code("p", "ICD9CM", "4168", "2012-01-02"),
		}, phenorag.Present, []string{"ph_codes_on_two_dates"}},
		{"mimic icd_version as system", []phenorag.Fact{
			code("p", "10", "I2720", "2021-01-02"),
			code("p", "10", "I270", "2021-03-04"),
		}, phenorag.Present, []string{"ph_codes_on_two_dates"}},
		{"excluded chronic embolism code", []phenorag.Fact{
			code("p", "ICD10", "I27.82", "2021-01-02"),
			code("p", "ICD10", "I27.82", "2021-02-02"),
		}, phenorag.Absent, nil},
		{"icd9 code under icd10 system does not match", []phenorag.Fact{
			code("p", "ICD10", "416.0", "2021-01-02"),
			code("p", "ICD10", "416.0", "2021-02-02"),
		}, phenorag.Absent, nil},
		{"systemic hypertension codes", []phenorag.Fact{
			code("p", "ICD10", "I10", "2021-01-02"),
			code("p", "ICD10", "I11.0", "2021-02-02"),
		}, phenorag.Absent, nil},
		{"rvsp at threshold", []phenorag.Fact{meas("p", "RVSP", 40, "2021-01-02")},
			phenorag.Absent, nil},
		{"pasp above threshold", []phenorag.Fact{meas("p", "pasp", 41, "2021-01-02")},
			phenorag.Present, []string{"echo_rvsp_above_40"}},
		{"rvsp alias above threshold", []phenorag.Fact{
			meas("p", "right ventricular systolic pressure", 55, "2021-01-02")},
			phenorag.Present, []string{"echo_rvsp_above_40"}},
		{"implausible rvsp ignored", []phenorag.Fact{meas("p", "RVSP", 400, "2021-01-02")},
			phenorag.Absent, nil},
		{"mpap above 20", []phenorag.Fact{meas("p", "mPAP", 25, "2021-01-02")},
			phenorag.Present, []string{"cath_mpap_above_20"}},
		{"measurement without value", []phenorag.Fact{{PatientID: "p",
			Kind: phenorag.FactMeasurement, Name: "mPAP", Date: day("2021-01-02")}},
			phenorag.Absent, nil},
		{"drug rule disabled by default", []phenorag.Fact{{PatientID: "p",
			Kind: phenorag.FactDrug, Name: "treprostinil 2.5 mg", Date: day("2021-01-02")}},
			phenorag.Absent, nil},
		{"codes superseded by a later normal cath", []phenorag.Fact{
			code("p", "ICD10", "I27.20", "2021-01-02"),
			code("p", "ICD10", "I27.20", "2021-01-20"),
			meas("p", "mPAP", 18, "2021-01-20"),
		}, phenorag.Absent, nil},
		{"codes after a normal cath still count", []phenorag.Fact{
			meas("p", "mPAP", 18, "2020-01-20"),
			code("p", "ICD10", "I27.20", "2021-01-02"),
			code("p", "ICD10", "I27.20", "2021-01-20"),
		}, phenorag.Present, []string{"ph_codes_on_two_dates"}},
		{"borderline echo superseded by a normal cath", []phenorag.Fact{
			meas("p", "RVSP", 43, "2021-01-02"),
			meas("p", "mean PA pressure", 16, "2021-03-02"),
		}, phenorag.Absent, nil},
		{"undated normal cath vetoes nothing", []phenorag.Fact{
			meas("p", "RVSP", 43, "2021-01-02"),
			{PatientID: "p", Kind: phenorag.FactMeasurement, Name: "mPAP", Value: 16,
				HasValue: true},
		}, phenorag.Present, []string{"echo_rvsp_above_40"}},
		{"abnormal cath after a normal one", []phenorag.Fact{
			meas("p", "mPAP", 19, "2020-01-02"),
			meas("p", "mPAP", 31, "2022-01-02"),
		}, phenorag.Present, []string{"cath_mpap_above_20"}},
		{"two rules fire", []phenorag.Fact{
			meas("p", "mPAP", 35, "2021-01-02"),
			meas("p", "RVSP", 70, "2021-01-01"),
		}, phenorag.Present, []string{"echo_rvsp_above_40", "cath_mpap_above_20"}},
	}
	def := openPH(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewBaseline(def, false)
			if err != nil {
				t.Fatal(err)
			}
			b.AddPatient("p")
			for _, f := range tt.facts {
				b.AddFact(f)
			}
			ds := b.Diagnoses()
			if len(ds) != 1 {
				t.Fatalf("got %d diagnoses, want 1", len(ds))
			}
			d := ds[0]
			if d.Label != tt.want || !reflect.DeepEqual(d.Rules, tt.rules) {
				t.Errorf("got %s %v (%s), want %s %v", d.Label, d.Rules, d.Rationale,
					tt.want, tt.rules)
			}
			if d.Method != MethodRules || d.Status != phenorag.StatusOK || d.Rationale == "" {
				t.Errorf("bad diagnosis %+v", d)
			}
		})
	}
}

func TestBaselineRationaleNamesDatesAndValues(t *testing.T) {
	b, err := NewBaseline(openPH(t), false)
	if err != nil {
		t.Fatal(err)
	}
	b.AddFact(code("p", "ICD10", "I27.0", "2021-03-04"))
	b.AddFact(code("p", "ICD10", "I27.0", "2021-01-02"))
	b.AddFact(meas("p", "RVSP", 62, "2021-02-02"))
	got := b.Diagnoses()[0].Rationale
	for _, want := range []string{"2021-01-02, 2021-03-04", "62 on 2021-02-02", "above 40"} {
		if !strings.Contains(got, want) {
			t.Errorf("rationale %q lacks %q", got, want)
		}
	}
}

func TestBaselineVetoIsExplained(t *testing.T) {
	b, err := NewBaseline(openPH(t), false)
	if err != nil {
		t.Fatal(err)
	}
	b.AddFact(meas("p", "RVSP", 43, "2021-01-02"))
	b.AddFact(meas("p", "mPAP", 16, "2021-03-02"))
	got := b.Diagnoses()[0].Rationale
	want := "no rule fired; vetoed echo_rvsp_above_40: superseded by a normal result " +
		"(16 on 2021-03-02)"
	if got != want {
		t.Errorf("rationale %q, want %q", got, want)
	}
}

func TestBaselineCohort(t *testing.T) {
	b, err := NewBaseline(openPH(t), false)
	if err != nil {
		t.Fatal(err)
	}
	b.AddFact(code("a", "ICD10", "I27.0", "2021-03-04"))
	b.AddFact(code("a", "ICD10", "I27.0", "2021-01-02"))
	b.AddFact(meas("a", "RVSP", 62, "2021-02-02"))
	b.AddFact(meas("a", "RVSP", 30, "2023-02-02")) // normal: not evidence
	b.AddFact(phenorag.Fact{PatientID: "b", Kind: phenorag.FactMeasurement, Name: "mPAP",
		Value: 30, HasValue: true})
	b.AddFact(meas("c", "RVSP", 30, "2023-02-02"))
	rows, undated := b.Cohort(5)
	want := []CohortRow{{5, "a", day("2021-01-02"), day("2021-03-04")}}
	if !reflect.DeepEqual(rows, want) || !reflect.DeepEqual(undated, []string{"b"}) {
		t.Errorf("got %+v undated %v, want %+v and [b]", rows, undated, want)
	}
}

func TestBaselineDrugRuleWhenEnabled(t *testing.T) {
	def := openPH(t)
	for i := range def.Rules.Any {
		def.Rules.Any[i].Disabled = false
	}
	b, err := NewBaseline(def, false)
	if err != nil {
		t.Fatal(err)
	}
	b.AddFact(phenorag.Fact{PatientID: "p", Kind: phenorag.FactDrug,
		Name: "Treprostinil 2.5 MG Oral Tablet", Date: day("2021-01-02")})
	b.AddFact(phenorag.Fact{PatientID: "q", Kind: phenorag.FactDrug,
		Name: "sildenafil 20 mg", Date: day("2021-01-02")})
	ds := b.Diagnoses()
	if ds[0].Label != phenorag.Present || ds[1].Label != phenorag.Absent {
		t.Errorf("got %s and %s, want present and absent", ds[0].Label, ds[1].Label)
	}
}

func TestBaselineKeepsEveryPatient(t *testing.T) {
	b, err := NewBaseline(openPH(t), false)
	if err != nil {
		t.Fatal(err)
	}
	b.AddSnippets(phenorag.PatientSnippets{PatientID: "c"})
	b.AddPatient("a")
	b.AddFact(meas("b", "RVSP", 20, "2021-01-02"))
	var ids []string
	for _, d := range b.Diagnoses() {
		ids = append(ids, d.PatientID)
		if d.Label != phenorag.Absent || d.Rationale != "no rule fired" {
			t.Errorf("%s: got %s %q", d.PatientID, d.Label, d.Rationale)
		}
	}
	if !reflect.DeepEqual(ids, []string{"a", "b", "c"}) {
		t.Errorf("patients %v, want a b c", ids)
	}
}

// snippet makes a snippet of text (at offset 100 of its note) with one
// mention of term at the first occurrence of phrase.
func snippet(note, date, text, term, phrase string, ctx phenorag.Context) phenorag.Snippet {
	s := phenorag.Snippet{PatientID: "p", NoteID: note, NoteDate: day(date), Start: 100,
		End: 100 + len(text), Text: text}
	if i := strings.Index(text, phrase); i >= 0 && phrase != "" {
		s.Mentions = []phenorag.Mention{{Term: term, Text: phrase, Start: 100 + i,
			End: 100 + i + len(phrase), Context: ctx}}
	}
	return s
}

func TestBaselineNLP(t *testing.T) {
	const ph = "pulmonary hypertension"
	affirmed := phenorag.Context{}
	text := "Known pulmonary hypertension, on treatment."
	tests := []struct {
		name     string
		snippets []phenorag.Snippet
		want     phenorag.Label
	}{
		{"two notes affirmed", []phenorag.Snippet{
			snippet("n1", "2021-01-01", text, ph, ph, affirmed),
			snippet("n2", "2021-02-01", text, ph, ph, affirmed),
		}, phenorag.Present},
		{"one note twice", []phenorag.Snippet{
			snippet("n1", "2021-01-01", text, ph, ph, affirmed),
			snippet("n1", "2021-01-01", text, ph, ph, affirmed),
		}, phenorag.Absent},
		{"negated and family", []phenorag.Snippet{
			snippet("n1", "2021-01-01", text, ph, ph, phenorag.Context{Negated: true}),
			snippet("n2", "2021-02-01", text, ph, ph, phenorag.Context{Other: true}),
		}, phenorag.Absent},
		{"terms outside the list", []phenorag.Snippet{
			snippet("n1", "2021-01-01", "Septal flattening.", "right heart strain",
				"Septal flattening", affirmed),
			snippet("n2", "2021-02-01", "Septal flattening.", "right heart strain",
				"Septal flattening", affirmed),
		}, phenorag.Absent},
		{"abnormal note measurement", []phenorag.Snippet{{PatientID: "p", NoteID: "n1",
			NoteDate: day("2021-01-01"), Start: 0, End: 13, Text: "RVSP 62 mmHg.",
			Measurements: []phenorag.Value{{Name: "RVSP", Value: 62, Unit: "mmHg",
				Text: "RVSP 62 mmHg", Start: 0, End: 12}}}}, phenorag.Present},
		{"note measurement superseded by a later normal cath", []phenorag.Snippet{
			valueSnippet("n1", "2021-01-01", "RVSP", 44),
			valueSnippet("n2", "2021-03-01", "mPAP", 17),
		}, phenorag.Absent},
		{"note measurement after a normal cath", []phenorag.Snippet{
			valueSnippet("n1", "2021-01-01", "mPAP", 17),
			valueSnippet("n2", "2021-03-01", "RVSP", 44),
		}, phenorag.Present},
		{"normal note measurement", []phenorag.Snippet{{PatientID: "p", NoteID: "n1",
			NoteDate: day("2021-01-01"), Start: 0, End: 13, Text: "RVSP 32 mmHg.",
			Measurements: []phenorag.Value{{Name: "RVSP", Value: 32, Unit: "mmHg",
				Text: "RVSP 32 mmHg", Start: 0, End: 12}}}}, phenorag.Absent},
	}
	def := openPH(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, nlp := range []bool{false, true} {
				b, err := NewBaseline(def, nlp)
				if err != nil {
					t.Fatal(err)
				}
				b.AddSnippets(phenorag.PatientSnippets{PatientID: "p", Snippets: tt.snippets})
				d := b.Diagnoses()[0]
				want := tt.want
				if !nlp {
					want = phenorag.Absent // the plain rules never read notes
				}
				if d.Label != want {
					t.Errorf("nlp=%v: got %s (%s), want %s", nlp, d.Label, d.Rationale, want)
				}
				if d.Label == phenorag.Present {
					checkNLPEvidence(t, d)
				}
			}
		})
	}
}

// valueSnippet makes a snippet holding one measurement written as
// "NAME VALUE mmHg".
func valueSnippet(note, date, name string, v float64) phenorag.Snippet {
	text := fmt.Sprintf("%s %g mmHg", name, v)
	return phenorag.Snippet{PatientID: "p", NoteID: note, NoteDate: day(date), Start: 10,
		End: 10 + len(text), Text: text, Measurements: []phenorag.Value{{Name: name, Value: v,
			Unit: "mmHg", Text: text, Start: 10, End: 10 + len(text)}}}
}

func checkNLPEvidence(t *testing.T, d phenorag.Diagnosis) {
	t.Helper()
	if d.Method != MethodRulesNLP || !reflect.DeepEqual(d.Rules, []string{RuleNLP}) {
		t.Errorf("method %s rules %v", d.Method, d.Rules)
	}
	if len(d.Evidence) == 0 {
		t.Fatal("no evidence")
	}
	for _, e := range d.Evidence {
		if !e.Verified || e.End-e.Start != len(e.Quote) {
			t.Errorf("evidence %+v not verified", e)
		}
	}
}

func TestNewBaselineRejectsBadRule(t *testing.T) {
	def := openPH(t)
	def.Rules.Any = append(def.Rules.Any, phenotype.Rule{Name: "empty"})
	if _, err := NewBaseline(def, false); !errors.Is(err, ErrRule) {
		t.Errorf("got %v, want ErrRule", err)
	}
	def = openPH(t)
	def.Rules.NLP.Terms = []string{"pulmonary hypertention"}
	if _, err := NewBaseline(def, true); !errors.Is(err, ErrRule) {
		t.Errorf("misspelt nlp term: got %v, want ErrRule", err)
	}
}
