package mapreduce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/mapreduce/store"
	"github.com/phenorag/phenorag/phenotype"
)

// fakeLLM is an in-memory model. It answers "present" quoting the first
// sentence of the prompt that says "has pulmonary hypertension", and
// "absent" otherwise; fail may replace an answer with an error or a broken
// answer. It counts the calls it gets per prompt.
type fakeLLM struct {
	slots int
	fail  func(n int, req Request) (string, error) // n counts calls from 1; nil: none

	mu    sync.Mutex
	n     int
	asked map[string]int
}

var presentRE = regexp.MustCompile(`[^.\n]*has pulmonary hypertension`)

func (f *fakeLLM) Chat(ctx context.Context, req Request) (Response, error) {
	f.mu.Lock()
	f.n++
	n := f.n
	if f.asked == nil {
		f.asked = map[string]int{}
	}
	f.asked[req.Prompt]++
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return Response{}, err
	}
	if f.fail != nil {
		if content, err := f.fail(n, req); err != nil || content != "" {
			return Response{Content: content, PromptTokens: 10, OutputTokens: 3}, err
		}
	}
	label, quote := "absent", ""
	_, excerpts, _ := strings.Cut(req.Prompt, "Excerpts:")
	if m := presentRE.FindString(excerpts); m != "" {
		label, quote = "present", strings.TrimSpace(m)
	}
	if strings.Contains(req.Prompt, "[A1]") { // a reduce call
		label, quote = "present", "has pulmonary hypertension"
		if !strings.Contains(req.Prompt, "present:") {
			label, quote = "absent", ""
		}
	}
	content, _ := json.Marshal(map[string]string{
		"snippet": "S1", "quote": quote, "rationale": "r", "label": label})
	return Response{Content: string(content), PromptTokens: EstimateTokens(req.Prompt),
		OutputTokens: 20}, nil
}

func (f *fakeLLM) Slots() int { return f.slots }

func (f *fakeLLM) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// sliceSource streams patients from memory.
func sliceSource(ps ...phenorag.PatientSnippets) Source {
	return func(ctx context.Context, fn func(phenorag.PatientSnippets) error) error {
		for _, p := range ps {
			if err := fn(p); err != nil {
				return err
			}
		}
		return nil
	}
}

// memSink keeps results in memory.
type memSink struct{ results []*Result }

func (m *memSink) Write(r *Result) error {
	m.results = append(m.results, r)
	return nil
}

func (m *memSink) diagnosis(t *testing.T, id string) phenorag.Diagnosis {
	t.Helper()
	for _, r := range m.results {
		if r.Diagnosis.PatientID == id {
			return r.Diagnosis
		}
	}
	t.Fatalf("no diagnosis for %s", id)
	return phenorag.Diagnosis{}
}

// patientWith returns a patient with one snippet per text, scored from high
// to low in the order given.
func patientWith(id string, texts ...string) phenorag.PatientSnippets {
	ps := phenorag.PatientSnippets{PatientID: id, Notes: len(texts)}
	for i, text := range texts {
		ps.Snippets = append(ps.Snippets, phenorag.Snippet{
			PatientID: id, NoteID: fmt.Sprintf("%s-n%d", id, i), Start: 10, End: 10 + len(text),
			Text: text, Score: float64(10 - i),
			NoteDate: time.Date(2020, 1, 1+i, 0, 0, 0, 0, time.UTC)})
	}
	return ps
}

// newEngine returns an engine whose calls each hold one snippet.
func newEngine(t testing.TB, llm LLM, mod func(*Config)) *Engine {
	t.Helper()
	def, err := phenotype.Open("ph")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Definition: def, LLM: llm, ModelID: "fake", NumCtx: 2048, NumPredict: 128}
	if mod != nil {
		mod(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// oneSnippetPerCall makes calls small enough to hold one long snippet each.
func long(s string) string { return s + strings.Repeat(" filler words here.", 90) }

func run(t *testing.T, e *Engine, ps ...phenorag.PatientSnippets) (*memSink, Stats) {
	t.Helper()
	sink := &memSink{}
	stats, err := e.Run(context.Background(), sliceSource(ps...), sink)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Patients != len(ps) || stats.OK+stats.Errors != len(ps) {
		t.Fatalf("stats %+v do not reconcile with %d patients", stats, len(ps))
	}
	return sink, stats
}

func TestRunLabelsAndEvidence(t *testing.T) {
	llm := &fakeLLM{slots: 3}
	e := newEngine(t, llm, nil)
	sink, stats := run(t, e,
		patientWith("p1", "Echo: RVSP 30. Patient has pulmonary hypertension, WHO group 2."),
		patientWith("p2", "No pulmonary hypertension on echo."),
		phenorag.PatientSnippets{PatientID: "p3", Notes: 4},
	)

	if got := []string{sink.results[0].Diagnosis.PatientID, sink.results[1].Diagnosis.PatientID,
		sink.results[2].Diagnosis.PatientID}; !reflect.DeepEqual(got, []string{"p1", "p2", "p3"}) {
		t.Errorf("results out of source order: %v", got)
	}
	d1 := sink.diagnosis(t, "p1")
	if d1.Label != phenorag.Present || d1.Status != phenorag.StatusOK || len(d1.Evidence) != 1 {
		t.Fatalf("p1: %+v", d1)
	}
	ev := d1.Evidence[0]
	text := sink.results[0].Snippets.Snippets[0].Text
	if ev.Quote != "Patient has pulmonary hypertension" || ev.NoteID != "p1-n0" ||
		text[ev.Start-10:ev.End-10] != ev.Quote || ev.NoteDate.IsZero() {
		t.Errorf("p1 evidence %+v", ev)
	}
	if d := sink.diagnosis(t, "p2"); d.Label != phenorag.Absent || len(d.Evidence) != 0 {
		t.Errorf("p2: %+v", d)
	}
	d3 := sink.diagnosis(t, "p3")
	if d3.Label != phenorag.Absent || d3.Confidence != 0.9 || d3.Counts.Calls != 0 ||
		d3.Counts.Notes != 4 {
		t.Errorf("p3 (no snippets): %+v", d3)
	}
	if stats.Calls != 2 || llm.calls() != 2 || stats.PromptTokens == 0 ||
		stats.BytesPerToken < DefaultBytesPerToken {
		t.Errorf("stats %+v, model calls %d; want 2 calls", stats, llm.calls())
	}
}

func TestRunUnverifiedPresentIsUncertain(t *testing.T) {
	llm := &fakeLLM{slots: 1, fail: func(n int, req Request) (string, error) {
		return `{"snippet":"S1","quote":"patient clearly has PH","rationale":"r",` +
			`"label":"present"}`, nil
	}}
	sink, _ := run(t, newEngine(t, llm, nil), patientWith("p", "PH was considered."))
	d := sink.diagnosis(t, "p")
	a := sink.results[0].Answers[0]
	if d.Label != phenorag.Uncertain || len(d.Evidence) != 0 || a.Verified || a.QuoteSpan != nil {
		t.Fatalf("diagnosis %+v, answer %+v", d, a)
	}
}

func TestRunEarlyStop(t *testing.T) {
	p := patientWith("p",
		long("Follow-up: she has pulmonary hypertension."),
		long("No change."), long("Stable."), long("Seen in clinic."))
	for _, early := range []bool{false, true} {
		t.Run(fmt.Sprint("early=", early), func(t *testing.T) {
			llm := &fakeLLM{slots: 4}
			e := newEngine(t, llm, func(c *Config) { c.EarlyStop = early; c.NumCtx = 900 })
			sink, stats := run(t, e, p, patientWith("q", "Stable."))
			d := sink.diagnosis(t, "p")
			if d.Label != phenorag.Present {
				t.Fatalf("label %s", d.Label)
			}
			wantCalls, wantSkipped := 4, 0
			if early {
				wantCalls, wantSkipped = 1, 3
			}
			if d.Counts.Calls != wantCalls || d.Counts.Skipped != wantSkipped ||
				stats.Skipped != wantSkipped || llm.calls() != wantCalls+1 {
				t.Errorf("counts %+v, model calls %d; want %d calls, %d skipped",
					d.Counts, llm.calls(), wantCalls, wantSkipped)
			}
		})
	}
}

func TestRunFailures(t *testing.T) {
	busy := errors.New("ollama busy")
	tests := []struct {
		name      string
		fail      func(n int, req Request) (string, error)
		status    phenorag.Status
		reason    string
		modelCall int
	}{
		{"error then ok", func(n int, _ Request) (string, error) {
			if n == 1 {
				return "", busy
			}
			return "", nil
		}, phenorag.StatusOK, "", 2},
		{"malformed then ok", func(n int, req Request) (string, error) {
			if n == 1 {
				return `{"label":"maybe"}`, nil
			}
			if !strings.HasSuffix(req.Prompt, retryHint) {
				return "", errors.New("retry without hint")
			}
			return "", nil
		}, phenorag.StatusOK, "", 2},
		{"cut off twice", func(int, Request) (string, error) {
			return `{"quote":"x","label":"pre`, nil
		}, phenorag.StatusError, "does not fit the schema", 2},
		{"timeout twice", func(int, Request) (string, error) {
			return "", context.DeadlineExceeded
		}, phenorag.StatusError, "deadline exceeded", 2},
		{"panic", func(int, Request) (string, error) {
			panic("boom")
		}, phenorag.StatusError, "internal error: boom", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			llm := &fakeLLM{slots: 2, fail: tt.fail}
			sink, stats := run(t, newEngine(t, llm, nil),
				patientWith("p", "Assessment: has pulmonary hypertension."))
			d := sink.diagnosis(t, "p")
			if d.Status != tt.status || !strings.Contains(d.Error, tt.reason) {
				t.Fatalf("diagnosis status %s error %q; want %s %q", d.Status, d.Error,
					tt.status, tt.reason)
			}
			if llm.calls() != tt.modelCall || stats.Requests != tt.modelCall {
				t.Errorf("model got %d calls, stats %d; want %d", llm.calls(), stats.Requests,
					tt.modelCall)
			}
			if tt.status == phenorag.StatusError {
				if d.Label != phenorag.Uncertain || d.Counts.Failed != 1 || stats.Errors != 1 ||
					sink.results[0].Answers[0].Err == "" {
					t.Errorf("failed patient: %+v, stats %+v", d, stats)
				}
			} else if d.Label != phenorag.Present {
				t.Errorf("label %s after retry", d.Label)
			}
		})
	}
}

func TestRunFailedCallDoesNotMatterOncePresent(t *testing.T) {
	llm := &fakeLLM{slots: 1, fail: func(n int, req Request) (string, error) {
		if strings.Contains(req.Prompt, "Stable") {
			return "", errors.New("ollama server error")
		}
		return "", nil
	}}
	sink, _ := run(t, newEngine(t, llm, func(c *Config) { c.NumCtx = 900 }),
		patientWith("p", long("She has pulmonary hypertension."), long("Stable.")))
	d := sink.diagnosis(t, "p")
	if d.Status != phenorag.StatusOK || d.Label != phenorag.Present || d.Counts.Failed != 1 {
		t.Fatalf("%+v", d)
	}
}

func TestRunDedupe(t *testing.T) {
	text := "Copied forward: has pulmonary hypertension on sildenafil."
	llm := &fakeLLM{slots: 4}
	s, err := store.Open(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sink, stats := run(t, newEngine(t, llm, func(c *Config) { c.Store = s }),
		patientWith("a", text), patientWith("b", text), patientWith("c", text))
	if llm.calls() != 1 || stats.Calls != 1 || stats.CacheHits != 2 {
		t.Fatalf("model calls %d, stats %+v; want 1 call and 2 hits", llm.calls(), stats)
	}
	for _, id := range []string{"a", "b", "c"} {
		d := sink.diagnosis(t, id)
		if d.Label != phenorag.Present || len(d.Evidence) != 1 ||
			d.Evidence[0].NoteID != id+"-n0" {
			t.Errorf("%s: %+v", id, d)
		}
	}
}

func TestRunReduceLLM(t *testing.T) {
	llm := &fakeLLM{slots: 2}
	e := newEngine(t, llm, func(c *Config) { c.Reduce = PolicyLLM; c.NumCtx = 900 })
	sink, stats := run(t, e,
		patientWith("p", long("Now has pulmonary hypertension."), long("Stable.")),
		patientWith("q", "Stable."))
	d := sink.diagnosis(t, "p")
	answers := sink.results[0].Answers
	if len(answers) != 3 || answers[2].Kind != "reduce" || answers[2].Call != 2 {
		t.Fatalf("answers %+v", answers)
	}
	if !answers[2].Verified || d.Label != phenorag.Present || d.Confidence != 0.5 ||
		len(d.Evidence) != 1 || d.Evidence[0].Quote != "has pulmonary hypertension" {
		t.Fatalf("reduce answer %+v, diagnosis %+v", answers[2].Answer, d)
	}
	if stats.Calls != 4 { // two map and one reduce for p, one map for q
		t.Errorf("calls %d, want 4", stats.Calls)
	}
}

func TestRunResume(t *testing.T) {
	var cohort []phenorag.PatientSnippets
	for i := range 12 {
		text := fmt.Sprintf("Visit %d: stable.", i)
		if i%3 == 0 {
			text = fmt.Sprintf("Visit %d: has pulmonary hypertension.", i)
		}
		cohort = append(cohort, patientWith(fmt.Sprint("p", i), text, "Seen today."))
	}
	dir := t.TempDir()
	open := func() *store.Store {
		s, err := store.Open(filepath.Join(dir, "cache.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// The first run is cancelled after its fifth call.
	ctx, cancel := context.WithCancel(context.Background())
	first := &fakeLLM{slots: 2, fail: func(n int, _ Request) (string, error) {
		if n == 5 {
			cancel()
			return "", context.Canceled
		}
		return "", nil
	}}
	s := open()
	e := newEngine(t, first, func(c *Config) { c.Store = s })
	if _, err := e.Run(ctx, sliceSource(cohort...), &memSink{}); !errors.Is(err,
		context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	stored, err := s.Len()
	if err != nil || stored == 0 || stored >= len(cohort) {
		t.Fatalf("first run stored %d answers (%v); want some, not all", stored, err)
	}
	s.Close()

	// The rerun asks only what the first run did not finish.
	s = open()
	defer s.Close()
	second := &fakeLLM{slots: 2}
	sink, stats := run(t, newEngine(t, second, func(c *Config) { c.Store = s }), cohort...)
	if second.calls() != len(cohort)-stored || stats.CacheHits != stored {
		t.Errorf("rerun: model calls %d, stats %+v; want %d calls and %d hits",
			second.calls(), stats, len(cohort)-stored, stored)
	}
	for _, n := range second.asked {
		if n > 1 {
			t.Errorf("a prompt was asked %d times", n)
		}
	}

	// The outputs match a run that was never interrupted.
	clean, _ := run(t, newEngine(t, &fakeLLM{slots: 2}, nil), cohort...)
	for i := range cohort {
		got, want := sink.results[i].Diagnosis, clean.results[i].Diagnosis
		got.Counts, want.Counts = phenorag.Counts{}, phenorag.Counts{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("patient %d after resume:\n%+v\nwant\n%+v", i, got, want)
		}
	}
}

func TestRunBadSnippetFailsOnlyItsPatient(t *testing.T) {
	bad := patientWith("bad", "She has pulmonary hypertension.")
	bad.Snippets[0].End += 5
	llm := &fakeLLM{slots: 1}
	sink, stats := run(t, newEngine(t, llm, nil), bad, patientWith("good", "Stable."))
	d := sink.diagnosis(t, "bad")
	if d.Status != phenorag.StatusError || !strings.Contains(d.Error, ErrSnippet.Error()) ||
		d.Counts.Snippets != 1 {
		t.Errorf("bad patient: %+v", d)
	}
	if sink.diagnosis(t, "good").Status != phenorag.StatusOK || stats.Errors != 1 ||
		llm.calls() != 1 {
		t.Errorf("stats %+v, model calls %d", stats, llm.calls())
	}
}

func TestRunPolicies(t *testing.T) {
	// One present call with a high retrieval score, two absent ones with
	// low scores, each in its own call.
	p := patientWith("p", long("Cath: she has pulmonary hypertension."), long("Stable."),
		long("Well."))
	p.Snippets[1].Score, p.Snippets[2].Score = 2, 1
	tests := []struct {
		policy Policy
		label  phenorag.Label
		calls  int
	}{
		{PolicyAny, phenorag.Present, 3},
		{PolicyMajority, phenorag.Absent, 3},
		{PolicyWeighted, phenorag.Present, 3},
		{PolicyLLM, phenorag.Present, 4},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			llm := &fakeLLM{slots: 2}
			e := newEngine(t, llm, func(c *Config) { c.Reduce = tt.policy; c.NumCtx = 900 })
			sink, _ := run(t, e, p)
			d := sink.diagnosis(t, "p")
			if d.Label != tt.label || d.Counts.Calls != tt.calls || llm.calls() != tt.calls {
				t.Errorf("label %s, %d calls (model %d); want %s, %d", d.Label, d.Counts.Calls,
					llm.calls(), tt.label, tt.calls)
			}
			if d.Label == phenorag.Present && len(d.Evidence) == 0 {
				t.Errorf("present without evidence: %+v", d)
			}
		})
	}
}

func TestRunQuoteFromAnotherCallIsUnverified(t *testing.T) {
	// Every call quotes the first snippet; only the call that holds it can
	// verify the quote.
	llm := &fakeLLM{slots: 1, fail: func(int, Request) (string, error) {
		return `{"snippet":"S1","quote":"she has pulmonary hypertension","rationale":"r",` +
			`"label":"present"}`, nil
	}}
	sink, _ := run(t, newEngine(t, llm, func(c *Config) { c.NumCtx = 900 }),
		patientWith("p", long("Cath: she has pulmonary hypertension."), long("Stable.")))
	answers := sink.results[0].Answers
	if len(answers) != 2 || !answers[0].Verified || answers[1].Verified ||
		answers[1].QuoteSpan != nil {
		t.Fatalf("answers %+v", answers)
	}
	d := sink.diagnosis(t, "p")
	if len(d.Evidence) != 1 || d.Evidence[0].NoteID != "p-n0" {
		t.Errorf("evidence %+v", d.Evidence)
	}
}

func TestRunSplitsPromptsTooLongForTheModel(t *testing.T) {
	// The model takes prompts of at most about one long snippet, though
	// the packing estimate puts all four in one call.
	limit := 0
	tooLong := func(_ int, req Request) (string, error) {
		if len(req.Prompt) > limit {
			return "", fmt.Errorf("server: %w", ErrPromptTooLong)
		}
		return "", nil
	}
	p := patientWith("p", long("Stable."), long("Well."), long("Now has pulmonary hypertension."),
		long("Seen."))
	e := newEngine(t, &fakeLLM{slots: 1}, func(c *Config) { c.NumCtx = 8192 })
	empty, _ := e.prompts.Map(nil)
	limit = len(empty) + 2000 // one long snippet, not two

	llm := &fakeLLM{slots: 2, fail: tooLong}
	sink, stats := run(t, newEngine(t, llm, func(c *Config) { c.NumCtx = 8192 }), p)
	d := sink.diagnosis(t, "p")
	if d.Status != phenorag.StatusOK || d.Label != phenorag.Present || d.Counts.Calls != 4 ||
		len(sink.results[0].Answers) != 4 || stats.Failed != 0 {
		t.Fatalf("diagnosis %+v, %d answers", d, len(sink.results[0].Answers))
	}
	// Three rejected calls: all four snippets, then each pair.
	if llm.calls() != 4+3 {
		t.Errorf("model got %d calls, want 7", llm.calls())
	}

	// With a store, a rerun knows which prompts were too long and asks
	// nothing.
	st, err := store.Open(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	withStore := func(c *Config) { c.NumCtx, c.Store = 8192, st }
	run(t, newEngine(t, &fakeLLM{slots: 2, fail: tooLong}, withStore), p)
	again := &fakeLLM{slots: 2, fail: tooLong}
	sink, stats = run(t, newEngine(t, again, withStore), p)
	if again.calls() != 0 || stats.CacheHits != 4 || sink.diagnosis(t, "p").Label !=
		phenorag.Present {
		t.Errorf("rerun: model got %d calls, stats %+v", again.calls(), stats)
	}

	// One snippet too long on its own is cut until it fits.
	big := patientWith("b", "She has pulmonary hypertension. "+strings.Repeat("More text. ", 400))
	sink, _ = run(t, newEngine(t, &fakeLLM{slots: 1, fail: tooLong},
		func(c *Config) { c.NumCtx = 8192 }), big)
	d = sink.diagnosis(t, "b")
	a := sink.results[0].Answers
	if d.Label != phenorag.Present || len(a) != 1 || a[0].Snippets[0].Len() > 2000 {
		t.Fatalf("diagnosis %+v, answers %+v", d, a)
	}
}

// failingSink fails on its n-th write.
type failingSink struct{ n, writes int }

var errDiskFull = errors.New("disk full")

func (f *failingSink) Write(*Result) error {
	if f.writes++; f.writes == f.n {
		return errDiskFull
	}
	return nil
}

func TestRunStopsOnSourceOrSinkError(t *testing.T) {
	var cohort []phenorag.PatientSnippets
	for i := range 40 {
		cohort = append(cohort, patientWith(fmt.Sprint("p", i), fmt.Sprintf("Visit %d.", i)))
	}
	e := newEngine(t, &fakeLLM{slots: 2}, nil)
	if _, err := e.Run(context.Background(), sliceSource(cohort...), &failingSink{n: 3}); !errors.Is(
		err, errDiskFull) {
		t.Errorf("sink error: Run returned %v", err)
	}

	errRead := errors.New("read failed")
	src := func(ctx context.Context, fn func(phenorag.PatientSnippets) error) error {
		if err := sliceSource(cohort[:5]...)(ctx, fn); err != nil {
			return err
		}
		return errRead
	}
	if _, err := e.Run(context.Background(), src, &memSink{}); !errors.Is(err, errRead) {
		t.Errorf("source error: Run returned %v", err)
	}
}
