package retrieve

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
	"github.com/phenorag/phenorag/synth"
)

// falseFriendCases are the synthetic hard cases whose evidence is text that
// looks like the disease but is not.
var falseFriendCases = []string{
	synth.CaseBloodPH, synth.CasePortalHTN, synth.CaseSystemicHTN, synth.CaseVenousHTN,
}

var (
	cohortMu    sync.Mutex
	cohortCache = map[int][]synth.Patient{}
)

// cohort returns n synthetic patients (seed 1), generated once per size.
func cohort(tb testing.TB, n int) []synth.Patient {
	tb.Helper()
	cohortMu.Lock()
	defer cohortMu.Unlock()
	if ps, ok := cohortCache[n]; ok {
		return ps
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var ps []synth.Patient
	err := synth.Generate(ctx, synth.Config{Patients: n, Seed: 1}, func(p synth.Patient) error {
		ps = append(ps, p)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	cohortCache[n] = ps
	return ps
}

// friendSpans returns the evidence spans of p that are false friends.
func friendSpans(p synth.Patient) []phenorag.Span {
	var out []phenorag.Span
	for i, ev := range p.Gold.Evidence {
		if i < len(p.EvidenceCases) && slices.Contains(falseFriendCases, p.EvidenceCases[i]) {
			out = append(out, ev)
		}
	}
	return out
}

// indexCohort builds an index of the patients' notes in dir.
func indexCohort(tb testing.TB, dir string, ps []synth.Patient) *Index {
	tb.Helper()
	ix, err := Create(dir)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	w := ix.NewWriter(WriterOptions{})
	for _, p := range ps {
		for _, n := range p.Notes {
			if _, err := w.Add(ctx, n); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := w.Close(ctx); err != nil {
		tb.Fatal(err)
	}
	return ix
}

// evaluate retrieves every patient through the index and scores the result.
func evaluate(tb testing.TB, r *Retriever, ps []synth.Patient) *Evaluation {
	tb.Helper()
	byID := map[string]synth.Patient{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	var e Evaluation
	err := r.All(context.Background(), func(s phenorag.PatientSnippets) error {
		p, ok := byID[s.PatientID]
		if !ok {
			return fmt.Errorf("unknown patient %s", s.PatientID)
		}
		e.Add(s, p.Gold, friendSpans(p))
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if e.Patients != len(ps) {
		tb.Fatalf("retrieved %d patients, want %d", e.Patients, len(ps))
	}
	return &e
}

// missed lists, for a failing test, the evidence no snippet covers.
func missed(tb testing.TB, r *Retriever, ps []synth.Patient, max int) []string {
	var out []string
	for _, p := range ps {
		s, err := r.Patient(context.Background(), p.ID)
		if err != nil {
			tb.Fatal(err)
		}
		for i, ev := range p.Gold.Evidence {
			if Covers(s.Snippets, ev) || len(out) >= max {
				continue
			}
			text := ""
			for _, n := range p.Notes {
				if n.ID == ev.NoteID {
					text = n.Text[ev.Start:ev.End]
				}
			}
			out = append(out, fmt.Sprintf("%s %s %s %q", p.ID, p.Gold.Label, p.EvidenceCases[i], text))
		}
	}
	return out
}

func TestCohortEvidenceRecall(t *testing.T) {
	ps := cohort(t, 120)
	def, err := phenotype.Open("ph")
	if err != nil {
		t.Fatal(err)
	}
	ix := indexCohort(t, t.TempDir()+"/ix", ps)
	defer ix.Close()
	r, err := NewRetriever(ix, def, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := evaluate(t, r, ps)
	med, p90, total := e.PromptShare()
	t.Logf("evidence recall %.4f (%d/%d), false-friend mentions %d (of %d spans), "+
		"prompt share median %.3f p90 %.3f total %.3f", e.Recall(), e.Covered,
		e.EvidenceSpans, e.FalseFriendMentions, e.FriendSpans, med, p90, total)
	if e.EvidenceSpans < 50 {
		t.Fatalf("only %d evidence spans: the cohort is too small to measure recall", e.EvidenceSpans)
	}
	if e.Recall() < 0.98 {
		t.Errorf("evidence recall %.4f < 0.98; missed:\n%v", e.Recall(), missed(t, r, ps, 15))
	}
	if e.FriendSpans == 0 {
		t.Error("the cohort holds no false friends: the check below would prove nothing")
	}
	if e.FalseFriendMentions != 0 {
		t.Errorf("%d false-friend mentions among the snippets of negative patients",
			e.FalseFriendMentions)
	}
}

// benchPatients is the cohort size of the benchmarks: PHENORAG_BENCH_PATIENTS,
// or a small default that keeps go test -bench quick.
func benchPatients(tb testing.TB) int {
	s := os.Getenv("PHENORAG_BENCH_PATIENTS")
	if s == "" {
		return 300
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		tb.Fatalf("PHENORAG_BENCH_PATIENTS=%q: want a positive number", s)
	}
	return n
}

// scanAll cuts every patient's snippets by matching every note in full, the
// plain approach without an index, with the same number of workers.
func scanAll(tb testing.TB, c *Cutter, ps []synth.Patient, workers int) []phenorag.PatientSnippets {
	out := make([]phenorag.PatientSnippets, len(ps))
	var g errgroup.Group
	g.SetLimit(workers)
	for i, p := range ps {
		g.Go(func() error {
			out[i] = c.Patient(p.ID, p.Notes)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkIndexVsScan measures, in one run, a plain scan of every note,
// building the index, and retrieving the whole cohort through it, and
// reports the ratios, the evidence recall and the prompt share.
func BenchmarkIndexVsScan(b *testing.B) {
	ps := cohort(b, benchPatients(b))
	def := openPH(b)
	notes, bytes := 0, 0
	for _, p := range ps {
		notes += len(p.Notes)
		for _, n := range p.Notes {
			bytes += len(n.Text)
		}
	}
	const workers = 2
	for b.Loop() {
		c, err := NewCutter(def, Options{})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		scanAll(b, c, ps, workers)
		scan := time.Since(t0)

		t0 = time.Now()
		ix := indexCohort(b, b.TempDir()+"/ix", ps)
		build := time.Since(t0)

		r, err := NewRetriever(ix, def, Options{Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		e := evaluate(b, r, ps)
		retrieve := time.Since(t0)
		ix.Close()

		med, p90, total := e.PromptShare()
		b.ReportMetric(float64(len(ps)), "patients")
		b.ReportMetric(float64(notes), "notes")
		b.ReportMetric(float64(bytes)/1e6, "MB")
		b.ReportMetric(scan.Seconds(), "scan-s")
		b.ReportMetric(build.Seconds(), "build-s")
		b.ReportMetric(retrieve.Seconds(), "retrieve-s")
		b.ReportMetric(build.Seconds()/scan.Seconds(), "build/scan")
		b.ReportMetric(scan.Seconds()/retrieve.Seconds(), "scan/retrieve")
		b.ReportMetric(e.Recall(), "recall")
		b.ReportMetric(float64(e.FalseFriendMentions), "ff-mentions")
		b.ReportMetric(med, "prompt-median")
		b.ReportMetric(p90, "prompt-p90")
		b.ReportMetric(total, "prompt-total")
	}
}
