package diagnose

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// noteB is a note of several lines; the snippet is its third line.
const noteB = "CARDIOLOGY CLINIC\nHistory: dyspnea on exertion.\n" +
	"Echo: RVSP 58 mmHg, consistent with pulmonary hypertension.\n" +
	"Family history: mother with PH.\nPlan: right heart cath.\n"

func writeJSONL(t *testing.T, path string, vs ...any) {
	t.Helper()
	var buf bytes.Buffer
	for _, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(append(b, '\n'))
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// explainRun writes a small run directory about patient p1 (and p2).
func explainRun(t *testing.T) (dir string, d phenorag.Diagnosis) {
	t.Helper()
	dir = t.TempDir()
	start := strings.Index(noteB, "Echo:")
	end := strings.Index(noteB, "Family") - 1
	at := func(s string) (int, int) {
		i := strings.Index(noteB, s)
		return i, i + len(s)
	}
	ms, me := at("pulmonary hypertension")
	vs, ve := at("RVSP 58 mmHg")
	snip := phenorag.Snippet{PatientID: "p1", NoteID: "n1", NoteDate: day("2022-03-04"),
		NoteType: "cardiology", Start: start, End: end, Text: noteB[start:end], Score: 2.5,
		Terms: []string{"pulmonary hypertension"},
		Mentions: []phenorag.Mention{{Term: "pulmonary hypertension", Text: noteB[ms:me],
			Start: ms, End: me}},
		Measurements: []phenorag.Value{{Name: "RVSP", Value: 58, Unit: "mmHg",
			Text: noteB[vs:ve], Start: vs, End: ve}},
	}
	writeJSONL(t, filepath.Join(dir, SnippetsJSONL),
		phenorag.PatientSnippets{PatientID: "p0", Notes: 1},
		phenorag.PatientSnippets{PatientID: "p1", Notes: 2, Snippets: []phenorag.Snippet{snip}})
	qs, qe := at("consistent with pulmonary hypertension")
	span := &phenorag.Span{NoteID: "n1", Start: qs, End: qe}
	writeJSONL(t, filepath.Join(dir, AnswersJSONL),
		RunAnswer{Kind: "map", Call: 1, Answer: phenorag.Answer{PatientID: "p1",
			Snippets: []phenorag.Span{snip.Span()}, Label: phenorag.Present,
			Quote: noteB[qs:qe], Rationale: "echo shows it", Verified: true, QuoteSpan: span}},
		RunAnswer{Kind: "map", Call: 2, Answer: phenorag.Answer{PatientID: "p2",
			Label: phenorag.Absent}},
		RunAnswer{Kind: "reduce", Call: 3, Answer: phenorag.Answer{PatientID: "p1",
			Label: phenorag.Present, Quote: noteB[qs:qe], Rationale: "one clear answer",
			Verified: true, QuoteSpan: span}})
	d = phenorag.Diagnosis{PatientID: "p1", Method: "llm", Label: phenorag.Present,
		Confidence: 0.9, Status: phenorag.StatusOK, Evidence: []phenorag.Evidence{{NoteID: "n1",
			NoteDate: day("2022-03-04"), Start: qs, End: qe, Quote: noteB[qs:qe],
			Verified: true}}}
	writeJSONL(t, filepath.Join(dir, DiagnosesJSONL), d)
	return dir, d
}

func TestExplainReadsEveryRulesFile(t *testing.T) {
	dir, _ := explainRun(t)
	for _, m := range []string{MethodRules, MethodRulesNLP} {
		name := "rules.jsonl"
		if m == MethodRulesNLP {
			name = "rules_nlp.jsonl"
		}
		writeJSONL(t, filepath.Join(dir, name), phenorag.Diagnosis{PatientID: "p1", Method: m,
			Label: phenorag.Absent, Status: phenorag.StatusOK, Rationale: "no rule fired"})
	}
	x, err := LoadExplanation(dir, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Rules) != 2 || len(x.Missing) != 0 {
		t.Errorf("rules %+v, missing %v", x.Rules, x.Missing)
	}
}

func noteText(id string) (string, error) {
	if id == "n1" {
		return noteB, nil
	}
	return "", errors.New("no such note")
}

func TestExplainGolden(t *testing.T) {
	dir, d := explainRun(t)
	if err := VerifyEvidence([]phenorag.Diagnosis{d}, noteText); err != nil {
		t.Fatalf("the fixture's own evidence fails: %v", err)
	}
	x, err := LoadExplanation(dir, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Answers) != 2 || x.Diagnosis == nil || x.Snippets == nil ||
		len(x.Missing) != 1 || x.Missing[0] != RulesJSONL {
		t.Fatalf("loaded %+v", x)
	}
	for _, tt := range []struct {
		name string
		opts ExplainOptions
	}{
		{"explain-note.txt", ExplainOptions{NoteText: noteText, ContextLines: 1}},
		{"explain-snippets.txt", ExplainOptions{}},
		{"explain-bold.txt", ExplainOptions{NoteText: noteText, Bold: true}},
	} {
		var buf bytes.Buffer
		if err := x.Write(&buf, tt.opts); err != nil {
			t.Fatal(err)
		}
		goldenFile(t, filepath.Join("testdata", tt.name), buf.Bytes())
	}
}

func TestExplainMarksAndContext(t *testing.T) {
	dir, _ := explainRun(t)
	x, err := LoadExplanation(dir, "p1")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := x.Write(&buf, ExplainOptions{NoteText: noteText, ContextLines: 1}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"»RVSP 58 mmHg«", "»pulmonary hypertension«",
		"| History: dyspnea", "| Family history", "reduce call 3: present",
		"quote verified at n1["} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "CARDIOLOGY") || strings.Contains(out, "Plan:") {
		t.Errorf("output shows more than one line of context:\n%s", out)
	}
}

func TestLoadExplanationUnknownPatient(t *testing.T) {
	dir, _ := explainRun(t)
	if _, err := LoadExplanation(dir, "nobody"); !errors.Is(err, ErrPatientNotFound) {
		t.Errorf("got %v, want ErrPatientNotFound", err)
	}
}

func TestMarkSpansNests(t *testing.T) {
	o := ExplainOptions{}
	text := "with pulmonary hypertension today"
	tests := []struct {
		marks []mark
		want  string
	}{
		{[]mark{o.matched(5, 27), o.quoted(0, 27)}, "⟦with »pulmonary hypertension«⟧ today"},
		{[]mark{o.quoted(5, 27), o.matched(5, 27)}, "with ⟦»pulmonary hypertension«⟧ today"},
		{[]mark{o.matched(5, 14), o.matched(15, 27)}, "with »pulmonary« »hypertension« today"},
		{[]mark{o.matched(5, 99), o.matched(-1, 3), o.matched(7, 7)}, text},
	}
	for _, tt := range tests {
		if got := markSpans(text, 0, tt.marks); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestLineBounds(t *testing.T) {
	text := "a\nbb\nccc\ndd\ne"
	tests := []struct {
		start, end, n int
		want          string
	}{
		{5, 8, 0, "ccc\n"},
		{5, 8, 1, "bb\nccc\ndd\n"},
		{5, 8, 9, text},
		{0, 1, 0, "a\n"},
		{12, 13, 0, "e"},
	}
	for _, tt := range tests {
		lo, hi := lineBounds(text, tt.start, tt.end, tt.n)
		if got := text[lo:hi]; got != tt.want {
			t.Errorf("lineBounds(%d, %d, %d) = %q, want %q", tt.start, tt.end, tt.n, got,
				tt.want)
		}
	}
}

// goldenFile compares got with the file, or rewrites it under -update.
func goldenFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got,
			want)
	}
}

// FuzzMarkSpans checks that marking never panics and never changes the
// text: removing the marks gives it back.
func FuzzMarkSpans(f *testing.F) {
	f.Add("Echo: RVSP 58 mmHg.\nPH.", 10, 3, 6, 12, 1)
	f.Add("", 0, 0, 0, 0, 0)
	unmark := strings.NewReplacer("»", "", "«", "", "⟦", "", "⟧", "")
	f.Fuzz(func(t *testing.T, text string, base, s1, e1, s2, n int) {
		if strings.ContainsAny(text, "»«⟦⟧") {
			t.Skip("the text holds a mark") // removing marks would change it
		}
		o := ExplainOptions{}
		marks := []mark{o.matched(s1, e1), o.quoted(s2, s2+2), o.quoted(base, base+len(text)),
			o.matched(s1, e1+1)}
		got := markSpans(text, base, marks)
		if unmark.Replace(got) != unmark.Replace(text) {
			t.Errorf("marking changed %q into %q", text, got)
		}
		if len(text) == 0 {
			return
		}
		start := min(max(s1, 0), len(text))
		end := min(max(e1, start), len(text))
		lo, hi := lineBounds(text, start, end, n%5)
		if lo < 0 || lo > start || hi < end || hi > len(text) {
			t.Errorf("lineBounds(%d, %d) = %d, %d out of range", start, end, lo, hi)
		}
	})
}
