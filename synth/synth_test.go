package synth

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{Patients: 10}, true},
		{"one patient", Config{Patients: 1}, true},
		{"no patients", Config{}, false},
		{"negative patients", Config{Patients: -3}, false},
		{"prevalence one", Config{Patients: 10, Prevalence: 1}, false},
		{"prevalence negative", Config{Patients: 10, Prevalence: -0.1}, false},
		{"prevalence small", Config{Patients: 10, Prevalence: 0.01}, true},
		{"notes min too low", Config{Patients: 10, NotesMin: 2}, false},
		{"notes max below min", Config{Patients: 10, NotesMin: 8, NotesMax: 6}, false},
		{"notes max too high", Config{Patients: 10, NotesMax: MaxNotes + 1}, false},
		{"notes fixed", Config{Patients: 10, NotesMin: 5, NotesMax: 5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Errorf("error %v does not wrap ErrConfig", err)
			}
		})
	}
}

// collect generates a cohort into memory.
func collect(t testing.TB, cfg Config) []Patient {
	t.Helper()
	var out []Patient
	if err := Generate(context.Background(), cfg, func(p Patient) error {
		out = append(out, p)
		return nil
	}); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	cfg := Config{Patients: 60, Seed: 3}
	a, b := collect(t, cfg), collect(t, cfg)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	c := collect(t, Config{Patients: 60, Seed: 4})
	if reflect.DeepEqual(a[0].Notes, c[0].Notes) {
		t.Fatal("different seeds gave the same first patient")
	}
}

func TestGenerateStopsOnError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Generate(context.Background(), Config{Patients: 50}, func(Patient) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Fatalf("got %v after %d patients, want stop after 3", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Generate(ctx, Config{Patients: 50}, func(Patient) error { return nil }); !errors.Is(
		err, context.Canceled) {
		t.Fatalf("cancelled Generate returned %v", err)
	}
}

func TestIDsAndShape(t *testing.T) {
	cfg := Config{Patients: 200, Seed: 9, NotesMin: 5, NotesMax: 40}
	ps := collect(t, cfg)
	positives, notes := 0, 0
	seen := map[string]bool{}
	for i, p := range ps {
		if want := strconv.Itoa(firstPatientID + i); p.ID != want {
			t.Errorf("patient %d id %s, want %s", i, p.ID, want)
		}
		if p.Gold.Label == phenorag.Present {
			positives++
		}
		if len(p.Notes) < cfg.NotesMin || len(p.Notes) > cfg.NotesMax {
			t.Errorf("patient %s has %d notes", p.ID, len(p.Notes))
		}
		for j, n := range p.Notes {
			notes++
			if seen[n.ID] || n.PatientID != p.ID || !slices.Contains(NoteTypes, n.Type) {
				t.Errorf("note %+v: duplicate id, wrong patient or type", n.ID)
			}
			seen[n.ID] = true
			if j > 0 && n.Date.Before(p.Notes[j-1].Date) {
				t.Errorf("patient %s: notes out of date order", p.ID)
			}
			if len(n.Text) < 450 || len(n.Text) > 6144 {
				t.Errorf("note %s has %d bytes", n.ID, len(n.Text))
			}
		}
	}
	for _, p := range ps {
		for _, f := range p.Facts {
			if f.Kind == phenorag.FactDiagnosis && icd9Shape.MatchString(f.Code) !=
				(f.System == "ICD9") {
				t.Errorf("code %s of system %s: its shape says otherwise", f.Code, f.System)
			}
		}
	}
	if positives != 30 {
		t.Errorf("%d positives in 200 patients, want exactly 30 at prevalence 0.15", positives)
	}
	if ps[0].Notes[0].ID != "20000000001" {
		t.Errorf("first note id %s", ps[0].Notes[0].ID)
	}
}

// icd9Shape is how readers tell an ICD-9 code from an ICD-10 code.
var icd9Shape = regexp.MustCompile(`^(\d|E\d{3})`)

// caseChecks says what the text of each case's evidence spans must match.
var caseChecks = map[string]*regexp.Regexp{
	CaseExplicit:     regexp.MustCompile(`(?i)pulmonary (arterial )?hypertension`),
	CaseNumbersOnly:  regexp.MustCompile(`^(TTE \S+ with )?(RVSP|PASP|mPAP) \d+ mmHg`),
	CaseAbbreviation: regexp.MustCompile(`\b(PAH|PH|PHTN|CTEPH)\b|pulm HTN|elevated PA pressures`),
	CaseMisspelling: regexp.MustCompile(`(?i)pulmonory|pulmanary|pulomnary|hypertention|` +
		`hypertesion|hypertnesion|hypertenstion|hypretension`),
	CaseLineWrap:    regexp.MustCompile(`^pulmonary\nhypertension$`),
	CaseCapsHeader:  regexp.MustCompile(`^PULMONARY (ARTERIAL )?HYPERTENSION:$`),
	CaseCopyForward: regexp.MustCompile(`(?i)pulmonary (arterial )?hypertension`),
	CaseNegated:     regexp.MustCompile(`(?i)\b(no|without|negative|not)\b`),
	CaseHypothetical: regexp.MustCompile(
		`(?i)r/o|rule out|evaluat|pending|assess for|consider|\?`),
	CaseHistorical:     regexp.MustCompile(`(?i)history|remote|prior|resolved`),
	CaseFamilyHistory:  regexp.MustCompile(`(?i)^(mother|father|sister|brother|maternal aunt|FHx)\b`),
	CaseUncertain:      regexp.MustCompile(`(?i)possible|cannot be excluded|suspect|probable`),
	CaseBloodPH:        regexp.MustCompile(`^pH \d\.\d+$`),
	CasePortalHTN:      regexp.MustCompile(`^portal hypertension$`),
	CaseSystemicHTN:    regexp.MustCompile(`(?i)(essential|uncontrolled|systemic) hypertension`),
	CaseVenousHTN:      regexp.MustCompile(`pulmonary venous hypertension`),
	CaseValveStenosis:  regexp.MustCompile(`^(RVSP|PASP) \d+ mmHg$|pulmonic valve stenosis`),
	CaseWorkupCode:     regexp.MustCompile(`(?i)\bno\b|normal|ruled out|excluded`),
	CasePDE5Other:      regexp.MustCompile(`(sildenafil|tadalafil) .* (erectile|Raynaud)`),
	CaseCopyForwardNeg: regexp.MustCompile(`(?i)\bPH\b|PAH|pulmonary hypertension`),
}

// phWords finds any naming of the disease, for patients who must have none.
var phWords = regexp.MustCompile(`(?i:pulm\w*\s+(arterial\s+)?hyper|pulm htn|` +
	`elevated pa pressure)|\bPA?H\b|\bCTEPH\b|\bPHTN\b`)

// checkCohort checks the hard-case contract on a cohort given as patients.
func checkCohort(t *testing.T, ps []Patient) {
	t.Helper()
	found := map[string]int{}
	for _, p := range ps {
		checkPatient(t, p, found)
	}
	for _, c := range append(slices.Clone(PositiveCases), NegativeCases...) {
		if found[c] == 0 {
			t.Errorf("case %s occurs in no patient", c)
		}
	}
}

func checkPatient(t *testing.T, p Patient, found map[string]int) {
	t.Helper()
	own := NegativeCases
	if p.Gold.Label == phenorag.Present {
		own = PositiveCases
		if len(p.Gold.Evidence) == 0 {
			t.Errorf("positive %s has no evidence", p.ID)
		}
	}
	for _, c := range p.Cases {
		found[c]++
		if !slices.Contains(own, c) {
			t.Errorf("patient %s (%s) carries case %s of the other label", p.ID, p.Gold.Label, c)
		}
		if c != CaseNeverCoded && !slices.Contains(p.EvidenceCases, c) {
			t.Errorf("patient %s carries case %s without evidence", p.ID, c)
		}
	}
	texts := map[string]string{}
	for _, n := range p.Notes {
		texts[n.ID] = n.Text
	}
	copies := map[string]map[string]bool{}
	for i, sp := range p.Gold.Evidence {
		c := p.EvidenceCases[i]
		text, ok := texts[sp.NoteID]
		if !ok || sp.Start < 0 || sp.Start >= sp.End || sp.End > len(text) {
			t.Errorf("patient %s: evidence %v out of range", p.ID, sp)
			continue
		}
		got := text[sp.Start:sp.End]
		if !slices.Contains(p.Cases, c) {
			t.Errorf("patient %s: evidence for case %s it does not carry", p.ID, c)
		}
		if !caseChecks[c].MatchString(got) {
			t.Errorf("patient %s: %s evidence %q does not match %v", p.ID, c, got, caseChecks[c])
		}
		if c == CaseCopyForward || c == CaseCopyForwardNeg {
			if copies[got] == nil {
				copies[got] = map[string]bool{}
			}
			copies[got][sp.NoteID] = true
		}
	}
	for para, notes := range copies {
		if len(notes) < 3 {
			t.Errorf("patient %s: copied paragraph in %d notes only: %q", p.ID, len(notes), para)
		}
	}
	if slices.Contains(p.Cases, CaseNumbersOnly) {
		for _, n := range p.Notes {
			if m := phWords.FindString(n.Text); m != "" {
				t.Errorf("numbers-only patient %s names the disease: %q", p.ID, m)
			}
		}
	}
	if p.Gold.Label == phenorag.Absent {
		checkNegativeWords(t, p)
	}
	if slices.Contains(p.Cases, CaseNeverCoded) {
		for _, f := range p.Facts {
			if f.Kind == phenorag.FactDiagnosis && isPHCode(f.Code) {
				t.Errorf("never-coded patient %s has code %s", p.ID, f.Code)
			}
		}
	}
}

// checkNegativeWords fails if a negative names the disease outside the
// evidence spans of its hard cases: background text never does.
func checkNegativeWords(t *testing.T, p Patient) {
	t.Helper()
	for _, n := range p.Notes {
		for _, loc := range phWords.FindAllStringIndex(n.Text, -1) {
			at := phenorag.Span{NoteID: n.ID, Start: loc[0], End: loc[1]}
			if !slices.ContainsFunc(p.Gold.Evidence, func(s phenorag.Span) bool {
				return s.Covers(at)
			}) {
				t.Errorf("negative %s names the disease outside its evidence: %q in note %s",
					p.ID, n.Text[loc[0]:loc[1]], n.ID)
			}
		}
	}
}

func isPHCode(code string) bool {
	return strings.HasPrefix(code, "I27.") || strings.HasPrefix(code, "416.")
}

func TestCases(t *testing.T) {
	checkCohort(t, collect(t, Config{Patients: 100, Seed: 11, NotesMax: 20}))
}

// TestCasesInShortRecords checks that cases which need several notes never
// overwrite each other in the shortest records allowed.
func TestCasesInShortRecords(t *testing.T) {
	checkCohort(t, collect(t, Config{Patients: 200, Seed: 3, NotesMin: 3, NotesMax: 4}))
}

func TestNoteCountSkew(t *testing.T) {
	ps := collect(t, Config{Patients: 1000, Seed: 5})
	var counts []int
	total := 0
	for _, p := range ps {
		counts = append(counts, len(p.Notes))
		total += len(p.Notes)
	}
	slices.Sort(counts)
	median, mean := counts[len(counts)/2], float64(total)/float64(len(counts))
	if median < 6 || median > 9 || mean < 8.5 || mean > 12 {
		t.Errorf("median %d, mean %.1f notes per patient; want about 7-8 and 10", median, mean)
	}
}

func BenchmarkGenerate(b *testing.B) {
	cfg := Config{Patients: 1000, Seed: 1}
	var bytes int
	for b.Loop() {
		bytes = 0
		if err := Generate(context.Background(), cfg, func(p Patient) error {
			for _, n := range p.Notes {
				bytes += len(n.Text)
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(cfg.Patients)/sec, "patients/s")
	b.ReportMetric(float64(bytes)/sec/1e6, "MB/s")
}
