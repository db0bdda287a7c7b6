package eval

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// labels builds gold labels or diagnoses from "id:label" pairs, where the
// label is p (present), a (absent) or u (uncertain).
func parse(t *testing.T, spec string) map[string]phenorag.Label {
	t.Helper()
	out := map[string]phenorag.Label{}
	for _, f := range strings.Fields(spec) {
		id, l, ok := strings.Cut(f, ":")
		if !ok {
			t.Fatalf("bad spec %q", f)
		}
		out[id] = map[string]phenorag.Label{"p": phenorag.Present, "a": phenorag.Absent,
			"u": phenorag.Uncertain}[l]
	}
	return out
}

func gold(t *testing.T, spec string) []phenorag.Gold {
	t.Helper()
	var g []phenorag.Gold
	for id, l := range parse(t, spec) {
		g = append(g, phenorag.Gold{PatientID: id, Label: l})
	}
	return g
}

func method(t *testing.T, name, spec string) Method {
	t.Helper()
	m := Method{Name: name}
	for id, l := range parse(t, spec) {
		m.Diagnoses = append(m.Diagnoses, phenorag.Diagnosis{PatientID: id, Method: name,
			Label: l, Status: phenorag.StatusOK})
	}
	return m
}

// The 2x2 tables below are computed by hand.
const (
	goldTen = "p01:p p02:p p03:p p04:p p05:a p06:a p07:a p08:a p09:a p10:a"
	// llm: TP p01-p03, FN p04, FP p05, TN p06-p10
	predA = "p01:p p02:p p03:p p04:a p05:p p06:a p07:a p08:a p09:a p10:a"
	// rules: TP p01-p02, FN p03-p04, TN p05-p10
	predB = "p01:p p02:p p03:a p04:a p05:a p06:a p07:a p08:a p09:a p10:a"
)

func metricMap(r Result) map[string]Value {
	out := map[string]Value{}
	for _, m := range r.Metrics {
		out[m.Name] = m.Value
	}
	return out
}

func near(v Value, want float64) bool { return v.OK && math.Abs(v.V-want) < 1e-9 }

func TestEvaluateHandComputed(t *testing.T) {
	r, err := Evaluate(gold(t, goldTen), []Method{method(t, "llm", predA),
		method(t, "rules", predB)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		res  Result
		conf Confusion
		want map[string]float64
	}{
		{r.Methods[0], Confusion{TP: 3, FP: 1, FN: 1, TN: 5}, map[string]float64{
			"precision": 0.75, "recall": 0.75, "f1": 0.75, "specificity": 5.0 / 6,
			"npv": 5.0 / 6}},
		{r.Methods[1], Confusion{TP: 2, FP: 0, FN: 2, TN: 6}, map[string]float64{
			"precision": 1, "recall": 0.5, "f1": 4.0 / 6, "specificity": 1, "npv": 0.75}},
	}
	for _, tt := range tests {
		if tt.res.Confusion != tt.conf || tt.res.N != 10 {
			t.Errorf("%s: confusion %+v n %d, want %+v", tt.res.Method, tt.res.Confusion,
				tt.res.N, tt.conf)
		}
		got := metricMap(tt.res)
		for name, want := range tt.want {
			if !near(got[name], want) {
				t.Errorf("%s %s = %v, want %.4f", tt.res.Method, name, got[name], want)
			}
		}
	}
	// llm alone is right on p03, rules alone on p05.
	want := Pair{A: "llm", B: "rules", N: 10, AB: 1, BA: 1, P: 1}
	if len(r.Pairs) != 1 || r.Pairs[0] != want {
		t.Errorf("pairs %+v, want %+v", r.Pairs, want)
	}
	var ids []string
	for _, d := range r.Discordant {
		ids = append(ids, d.PatientID)
	}
	if !reflect.DeepEqual(ids, []string{"p03", "p04", "p05"}) {
		t.Errorf("discordant %v, want p03 p04 p05", ids)
	}
}

func TestEvaluateEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		gold string
		pred string
		conf Confusion
		want map[string]Value // undefined when !OK
	}{
		{"no positives at all", "a:a b:a c:a", "a:a b:a c:a", Confusion{TN: 3},
			map[string]Value{"precision": {}, "recall": {}, "f1": {},
				"specificity": {1, true}, "npv": {1, true}}},
		{"perfect agreement", "a:p b:a c:p", "a:p b:a c:p", Confusion{TP: 2, TN: 1},
			map[string]Value{"precision": {1, true}, "recall": {1, true}, "f1": {1, true},
				"specificity": {1, true}, "npv": {1, true}}},
		{"all wrong", "a:p b:a c:p", "a:a b:p c:a", Confusion{FP: 1, FN: 2},
			map[string]Value{"precision": {0, true}, "recall": {0, true}, "f1": {0, true},
				"specificity": {0, true}, "npv": {0, true}}},
		{"no predicted positives", "a:p b:a", "a:a b:a", Confusion{FN: 1, TN: 1},
			map[string]Value{"precision": {}, "recall": {0, true}, "f1": {0, true},
				"specificity": {1, true}, "npv": {0.5, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Evaluate(gold(t, tt.gold), []Method{method(t, "m", tt.pred)},
				Options{Bootstrap: 50, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Methods[0].Confusion; got != tt.conf {
				t.Errorf("confusion %+v, want %+v", got, tt.conf)
			}
			got := metricMap(r.Methods[0])
			for name, want := range tt.want {
				if got[name].OK != want.OK || (want.OK && !near(got[name], want.V)) {
					t.Errorf("%s = %v, want %v", name, got[name], want)
				}
			}
			for _, f := range Formats {
				var buf bytes.Buffer
				if err := Write(&buf, r, f); err != nil {
					t.Fatal(err)
				}
				if s := strings.ToLower(buf.String()); strings.Contains(s, "nan") ||
					strings.Contains(s, "inf") {
					t.Errorf("%s output holds NaN or Inf:\n%s", f, buf.String())
				}
			}
		})
	}
}

func TestMcNemarExact(t *testing.T) {
	tests := []struct {
		b, c int
		want float64
	}{
		{0, 0, 1},
		{3, 3, 1},
		{1, 9, 22.0 / 1024},           // 2 * (1 + 10) / 2^10
		{9, 1, 22.0 / 1024},           // symmetric
		{0, 5, 2.0 / 32},              // 2 / 2^5
		{2, 8, 112.0 / 1024},          // 2 * (1 + 10 + 45) / 2^10
		{0, 20, 2.0 / (1 << 20)},      // 2 / 2^20
		{5, 6, 1},                     // capped
		{10, 20, 0.09873714670538902}, // 2 * sum of C(30, k) for k <= 10, / 2^30
	}
	for _, tt := range tests {
		if got := McNemarExact(tt.b, tt.c); math.Abs(got-tt.want) > 1e-12*math.Max(1, 1/tt.want) {
			t.Errorf("McNemarExact(%d, %d) = %.12g, want %.12g", tt.b, tt.c, got, tt.want)
		}
	}
}

func TestBootstrapIsSeeded(t *testing.T) {
	run := func(seed uint64) *Report {
		t.Helper()
		r, err := Evaluate(gold(t, goldTen), []Method{method(t, "llm", predA)},
			Options{Bootstrap: 200, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c := run(1), run(1), run(2)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave different intervals")
	}
	if reflect.DeepEqual(a.Methods[0].Metrics, c.Methods[0].Metrics) {
		t.Error("different seeds gave identical intervals")
	}
	for _, m := range a.Methods[0].Metrics {
		if !m.Lo.OK || !m.Hi.OK || m.Lo.V > m.Value.V || m.Value.V > m.Hi.V {
			t.Errorf("%s: %v not within (%v, %v)", m.Name, m.Value, m.Lo, m.Hi)
		}
	}
}

func TestPolicies(t *testing.T) {
	g := gold(t, "a:p b:u c:a d:p")
	pred := method(t, "m", "a:p b:p c:u e:p") // d missing, e extra
	tests := []struct {
		opts   Options
		n      int
		conf   Confusion
		scored int
	}{
		{Options{}, 4, Confusion{TP: 1, FP: 1, FN: 1, TN: 1}, 4},
		{Options{Uncertain: AsPresent}, 4, Confusion{TP: 2, FP: 1, FN: 1}, 4},
		{Options{Uncertain: Exclude}, 3, Confusion{TP: 1, FN: 1, TN: 1}, 3},
		{Options{Missing: Exclude}, 3, Confusion{TP: 1, FP: 1, TN: 1}, 4},
	}
	for _, tt := range tests {
		r, err := Evaluate(g, []Method{pred}, tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		m := r.Methods[0]
		if m.N != tt.n || m.Confusion != tt.conf || r.Scored != tt.scored {
			t.Errorf("%+v: n %d %+v scored %d, want %d %+v %d", tt.opts, m.N, m.Confusion,
				r.Scored, tt.n, tt.conf, tt.scored)
		}
		if !reflect.DeepEqual(m.Missing, []string{"d"}) || !reflect.DeepEqual(m.Extra,
			[]string{"e"}) {
			t.Errorf("missing %v extra %v, want [d] [e]", m.Missing, m.Extra)
		}
	}
}

func TestEvaluateRejects(t *testing.T) {
	dup := method(t, "m", "a:p")
	dup.Diagnoses = append(dup.Diagnoses, dup.Diagnoses[0])
	if _, err := Evaluate(gold(t, "a:p"), []Method{dup}, Options{}); err == nil {
		t.Error("a patient diagnosed twice was accepted")
	}
	_, err := Evaluate(gold(t, "a:p"), nil, Options{Uncertain: "maybe"})
	if !errors.Is(err, ErrOption) {
		t.Errorf("got %v, want ErrOption", err)
	}
	if err := Write(new(bytes.Buffer), &Report{}, "xml"); !errors.Is(err, ErrOption) {
		t.Errorf("got %v, want ErrOption", err)
	}
}

func TestFormatsGolden(t *testing.T) {
	g := gold(t, goldTen+" p11:u")
	a := method(t, "llm", predA+" p11:u x99:p")
	b := method(t, "rules", predB)
	withEvidence(g, a)
	r, err := Evaluate(g, []Method{a, b}, Options{Bootstrap: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"text": "report.txt", "csv": "report.csv",
		"json": "report.json", "markdown": "report.md", "discordant": "discordant.csv"}
	for format, name := range files {
		var buf bytes.Buffer
		if format == "discordant" {
			err = r.WriteDiscordant(&buf)
		} else {
			err = Write(&buf, r, format)
		}
		if err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", name), buf.Bytes())
	}
}

// withEvidence gives gold patients p01-p03 reviewer spans, and the method
// verified evidence on them: overlapping for p01, elsewhere for p02, and
// unverified for p03.
func withEvidence(g []phenorag.Gold, m Method) {
	for i := range g {
		switch g[i].PatientID {
		case "p01", "p02", "p03":
			g[i].Evidence = []phenorag.Span{{NoteID: "n-" + g[i].PatientID, Start: 10, End: 30}}
		}
	}
	ev := map[string]phenorag.Evidence{
		"p01": {NoteID: "n-p01", Start: 25, End: 40, Verified: true},
		"p02": {NoteID: "n-p02", Start: 30, End: 40, Verified: true},
		"p03": {NoteID: "n-p03", Start: 10, End: 30, Verified: false},
	}
	for i, d := range m.Diagnoses {
		if e, ok := ev[d.PatientID]; ok {
			m.Diagnoses[i].Evidence = []phenorag.Evidence{e}
		}
	}
}

func TestEvidenceSupport(t *testing.T) {
	g := gold(t, goldTen)
	m := method(t, "llm", predA)
	withEvidence(g, m)
	r, err := Evaluate(g, []Method{m}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// p01-p03 are true positives; p02's span ends where the reviewer's does
	// (half open: no overlap); p03 cites nothing verified.
	if got := r.Methods[0]; got.Cited != 2 || got.Supported != 1 {
		t.Errorf("cited %d supported %d, want 2 and 1", got.Cited, got.Supported)
	}
}

// golden compares got with the file, or rewrites the file under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got,
			want)
	}
}
