package retrieve

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/phenorag/phenorag/phenotype"
)

func openPH(t testing.TB) *phenotype.Definition {
	t.Helper()
	def, err := phenotype.Open("ph")
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func TestMatcherFind(t *testing.T) {
	m, err := NewMatcher(openPH(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		text     string
		mentions []string // term: text
		values   []string // name=value unit
	}{
		{"phrase", "Known pulmonary hypertension.",
			[]string{"pulmonary hypertension: pulmonary hypertension"}, nil},
		{"line break", "severe pulmonary\n  hypertension noted",
			[]string{"pulmonary hypertension: pulmonary\n  hypertension"}, nil},
		{"upper case phrase", "PULMONARY HYPERTENSION",
			[]string{"pulmonary hypertension: PULMONARY HYPERTENSION"}, nil},
		{"abbreviation", "Dx: PH, on diuretics", []string{"pulmonary hypertension: PH"}, nil},
		{"acidity is not PH", "ABG pH 7.31, pCO2 50", nil, nil},
		{"upper-case acidity before a value", "pH 7.31", nil, nil},
		{"abbreviation inside a word", "PHx of asthma, PHTNx", nil, nil},
		{"portal hypertension", "portal hypertension with varices", nil, nil},
		{"pulmonary venous hypertension", "pulmonary venous hypertension on CXR", nil, nil},
		{"past history heading", "PH: negative", nil, nil},
		{"longest phrase wins", "idiopathic pulmonary arterial hypertension",
			[]string{"pulmonary arterial hypertension: idiopathic pulmonary arterial hypertension"}, nil},
		{"rvsp", "RVSP 62 mmHg.", nil, []string{"RVSP=62 mmHg"}},
		{"rvsp estimated", "RVSP was estimated at 62 mmHg", nil, []string{"RVSP=62 mmHg"}},
		{"mean pa", "mean PA pressure of 38", nil, []string{"mPAP=38 mmHg"}},
		{"pvr", "PVR 5 WU", nil, []string{"PVR=5 WU"}},
		{"pvr decimal wood units", "PVR 3.2 Wood units", nil, []string{"PVR=3.2 WU"}},
		{"pa pressures pair with mean", "PA pressures 55/22, mean 35",
			nil, []string{"RVSP=55 mmHg", "mPAP=35 mmHg"}},
		{"implausible", "RVSP 900 mmHg", nil, nil},
		{"no value", "RVSP could not be estimated", nil, nil},
		{"wedge", "PCWP 12 mmHg", nil, []string{"PAWP=12 mmHg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := m.Find(tt.text)
			var got []string
			for _, x := range f.Mentions {
				if tt.text[x.Start:x.End] != x.Text {
					t.Errorf("mention %q at [%d:%d] is not the text there", x.Text, x.Start, x.End)
				}
				got = append(got, x.Term+": "+x.Text)
			}
			if strings.Join(got, "|") != strings.Join(tt.mentions, "|") {
				t.Errorf("mentions = %q, want %q", got, tt.mentions)
			}
			got = nil
			for _, v := range f.Values {
				if tt.text[v.Start:v.End] != v.Text {
					t.Errorf("value %q at [%d:%d] is not the text there", v.Text, v.Start, v.End)
				}
				got = append(got, fmt.Sprintf("%s=%g %s", v.Name, v.Value, v.Unit))
			}
			if strings.Join(got, "|") != strings.Join(tt.values, "|") {
				t.Errorf("values = %q, want %q", got, tt.values)
			}
		})
	}
}

// agreementTexts are texts on which the anchored and plain matchers must
// agree.
var agreementTexts = []string{
	"idiopathic pulmonary arterial hypertension; pulmonary arterial hypertension",
	"Pulmonary HTN, pulm htn and PHTN. PH/PAH clinic. pH 7.31. PH: negative.",
	"PA pressures 55/22 mmHg, mean 35. mean PA pressure of 38. RVSP 62. PVR 3.2 Wood units",
	"arterial pH 7.29 with PH noted; portal hypertension, pulmonary venous hypertension",
	"cardiopulmonary hypertension _PH PH_ 2PH PH2 pulmonary\n\n hypertension",
	"RV systolic pressure was estimated at 45 mm Hg. Wedge 18. PCWP: 22 mmHg.",
	"d-shaped septum; D-Shaped Septum; cor pulmonale; septal flattening.",
}

func TestFindAgreesWithPlain(t *testing.T) {
	m, err := NewMatcher(openPH(t))
	if err != nil {
		t.Fatal(err)
	}
	if m.anchors == nil {
		t.Fatal("the built-in definition should take the anchored path")
	}
	texts := slices.Clone(agreementTexts)
	for _, n := range fixture {
		texts = append(texts, n.Text)
	}
	for _, s := range texts {
		checkAgreement(t, m, s)
	}
}

func FuzzFindAgreesWithPlain(f *testing.F) {
	for _, s := range agreementTexts {
		f.Add(s)
	}
	m, err := NewMatcher(openPH(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > anchorReach/2 {
			return // a match may then outrun the anchored stretch
		}
		checkAgreement(t, m, s)
	})
}

// checkAgreement compares the mentions and values of both matchers; the
// anchored one looks for false friends only near what it found.
func checkAgreement(t *testing.T, m *Matcher, s string) {
	t.Helper()
	got, want := m.Find(s), m.findPlain(s)
	got.Friends, want.Friends = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("text %q:\nanchored %+v\nplain    %+v", s, got, want)
	}
}

func TestMustContain(t *testing.T) {
	def := openPH(t)
	want := map[string]string{
		"acidity":                       "ph",
		"portal hypertension":           "hypertension",
		"systemic hypertension":         "hypertension",
		"pulmonary venous hypertension": "hypertension",
	}
	for _, f := range def.FalseFriends {
		if w, ok := want[f.Name]; ok && mustContain(f.Pattern) != w {
			t.Errorf("%s: mustContain = %q, want %q", f.Name, mustContain(f.Pattern), w)
		}
	}
	for _, p := range []string{`a|b`, `(?:x)?`, `[`} {
		if got := mustContain(p); got != "" {
			t.Errorf("mustContain(%q) = %q, want none", p, got)
		}
	}
}

// BenchmarkFind compares word-anchored matching with running every pattern
// over the whole text, on the committed-size synthetic cohort's notes.
func BenchmarkFind(b *testing.B) {
	m, err := NewMatcher(openPH(b))
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	size := 0
	for _, p := range cohort(b, 100) {
		for _, n := range p.Notes {
			texts = append(texts, n.Text)
			size += len(n.Text)
		}
	}
	for _, bc := range []struct {
		name string
		find func(string) Found
	}{{"anchored", m.Find}, {"plain", m.findPlain}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				for _, s := range texts {
					bc.find(s)
				}
			}
		})
	}
}
