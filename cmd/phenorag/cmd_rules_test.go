package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/diagnose"
)

// rulesFixture writes facts, snippets and gold labels for five patients:
// p1 has PH codes on two dates, p2 an RVSP of 55, p3 only notes that
// affirm PH, p4 a PH code once and a normal RVSP, p5 nothing.
func rulesFixture(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("diagnoses.csv", "patient_id,date,system,code\n"+
		"p1,2021-01-02,ICD10,I27.20\np1,2021-04-05,ICD10,I27.21\np4,2021-01-02,ICD10,I27.0\n")
	write("measurements.csv", "patient_id,date,name,value,unit\n"+
		"p2,2021-02-03,RVSP,55,mmHg\np4,2021-02-03,RVSP,31,mmHg\n")
	write("labels.csv", "patient_id,label\np1,present\np2,present\np3,present\n"+
		"p4,absent\np5,absent\n")
	write("evidence.csv", "patient_id,note_id,start,end\np3,n32,12,34\n")
	text := "Assessment: pulmonary hypertension."
	i := strings.Index(text, "pulmonary")
	mention := func(note, date string) phenorag.Snippet {
		return phenorag.Snippet{PatientID: "p3", NoteID: note, NoteDate: mustDay(t, date),
			Start: 0, End: len(text), Text: text, Mentions: []phenorag.Mention{{
				Term: "pulmonary hypertension", Text: text[i : i+22], Start: i, End: i + 22}}}
	}
	var buf bytes.Buffer
	for _, ps := range []phenorag.PatientSnippets{
		{PatientID: "p3", Notes: 2, Snippets: []phenorag.Snippet{mention("n31", "2021-01-01"),
			mention("n32", "2021-06-01")}},
		{PatientID: "p5", Notes: 1},
	} {
		b, _ := json.Marshal(ps)
		buf.Write(append(b, '\n'))
	}
	write("snippets.jsonl", buf.String())
	return dir
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = mainCode(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRulesEvalExplainCommands(t *testing.T) {
	dir := rulesFixture(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	facts := p("diagnoses.csv") + "," + p("measurements.csv")

	code, out, errs := run(t, "rules", "--facts", facts, "--snippets", p("snippets.jsonl"),
		"--out", p(diagnose.RulesJSONL), "--cohort", p("cohort.csv"), "--cohort-id", "9")
	if code != exitOK {
		t.Fatalf("rules: exit %d\n%s", code, errs)
	}
	cohort, _ := os.ReadFile(p("cohort.csv"))
	wantCohort := "cohort_definition_id,subject_id,cohort_start_date,cohort_end_date\n" +
		"9,p1,2021-01-02,2021-04-05\n9,p2,2021-02-03,2021-02-03\n"
	if string(cohort) != wantCohort {
		t.Errorf("cohort.csv:\n%s\nwant\n%s", cohort, wantCohort)
	}
	if !strings.Contains(out, "rules: 5 patients, 2 present, 3 absent") {
		t.Errorf("rules summary:\n%s", out)
	}
	code, out, errs = run(t, "rules", "--nlp", "--facts", facts, "--snippets",
		p("snippets.jsonl"), "--out", p("nlp.jsonl"))
	if code != exitOK || !strings.Contains(out, "rules+nlp: 5 patients, 3 present") {
		t.Fatalf("rules --nlp: exit %d\n%s%s", code, out, errs)
	}

	code, out, errs = run(t, "eval", "--gold", p("labels.csv"), "--evidence", p("evidence.csv"),
		"--pred", p(diagnose.RulesJSONL),
		"--pred", p("nlp.jsonl"), "--bootstrap", "20", "--discordant", p("discordant.csv"))
	if code != exitOK {
		t.Fatalf("eval: exit %d\n%s", code, errs)
	}
	for _, want := range []string{"rules      5  2   0   1   2", "rules+nlp  5  3   0   0   2",
		"McNemar exact, rules vs rules+nlp",
		"rules+nlp: evidence overlaps a reviewer's span for 1 of 1 true positives",
		"discordant patients (a method disagrees with gold): 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	disc, _ := os.ReadFile(p("discordant.csv"))
	want := "patient_id,gold,rules,rules+nlp,wrong\np3,present,absent,present,rules\n"
	if string(disc) != want {
		t.Errorf("discordant.csv:\n%s\nwant\n%s", disc, want)
	}

	// A run directory stands for the prediction files in it.
	// (and a file named again is read once).
	code, out, errs = run(t, "eval", "--gold", p("labels.csv"), "--pred", dir,
		"--pred", p(diagnose.RulesJSONL), "--bootstrap", "0", "--format", "csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 2 || !strings.HasPrefix(lines[1], "rules,5,2,0,1,2,") {
		t.Errorf("eval of a run dir: exit %d\n%s%s", code, out, errs)
	}

	code, out, errs = run(t, "explain", "--run", dir, "--patient", "p1")
	if code != exitOK || !strings.Contains(out, "rules fired: ph_codes_on_two_dates") {
		t.Errorf("explain: exit %d\n%s%s", code, out, errs)
	}
}

func TestRulesEvalUsage(t *testing.T) {
	dir := rulesFixture(t)
	for _, args := range [][]string{
		{"rules", "--facts", "x.csv"},
		{"rules", "--out", filepath.Join(dir, "r.jsonl")},
		{"rules", "--nlp", "--facts", "x.csv", "--out", "r.jsonl"},
		{"eval", "--gold", "g.csv"},
		{"eval", "--gold", "g.csv", "--pred", "p.jsonl", "--uncertain", "maybe"},
		{"eval", "--gold", "g.csv", "--pred", "p.jsonl", "--format", "xml"},
		{"explain", "--run", dir},
	} {
		if code, _, _ := run(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, _ := run(t, "explain", "--run", dir, "--patient", "nobody"); code != exitFailure {
		t.Errorf("unknown patient: exit %d, want %d", code, exitFailure)
	}
}
