package retrieve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/ingest"
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
	return indexCohortWith(tb, dir, ps, WriterOptions{})
}

// indexCohortWith builds an index of the patients' notes with opts.
func indexCohortWith(tb testing.TB, dir string, ps []synth.Patient, opts WriterOptions) *Index {
	tb.Helper()
	ix, err := Create(dir)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	w := ix.NewWriter(opts)
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
	cut, err := NewCutter(def, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps[:40] { // the index must find what a scan of every note finds
		got, err := r.Patient(context.Background(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := cut.Patient(p.ID, p.Notes); !reflect.DeepEqual(got, want) {
			t.Errorf("patient %s: the index and a scan disagree:\n%+v\n%+v", p.ID, got, want)
		}
	}
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

// plainSample is the share of patients the plain scan is timed on; it runs
// every pattern over every byte and would take most of a full-size run.
const plainSample = 10

// BenchmarkIndexVsScan measures, in one run: a scan of every note that runs
// the definition's patterns over the whole text (the plain approach, timed
// on every plainSample-th patient and scaled by bytes), the same scan with
// word-anchored matching, building the index, and retrieving the whole
// cohort through it. It reports the ratios, the evidence recall, the
// false-friend mentions and the prompt share.
func BenchmarkIndexVsScan(b *testing.B) {
	ps := cohort(b, benchPatients(b))
	def := openPH(b)
	var sample []synth.Patient
	notes, bytes, sampleBytes := 0, 0, 0
	for i, p := range ps {
		notes += len(p.Notes)
		for _, n := range p.Notes {
			bytes += len(n.Text)
			if i%plainSample == 0 {
				sampleBytes += len(n.Text)
			}
		}
		if i%plainSample == 0 {
			sample = append(sample, p)
		}
	}
	const workers = 2
	for b.Loop() {
		plain, err := NewCutter(def, Options{})
		if err != nil {
			b.Fatal(err)
		}
		plain.m.anchors = nil
		t0 := time.Now()
		scanAll(b, plain, sample, workers)
		scanPlain := time.Since(t0).Seconds() * float64(bytes) / float64(sampleBytes)

		c, _ := NewCutter(def, Options{})
		t0 = time.Now()
		scanAll(b, c, ps, workers)
		scan := time.Since(t0).Seconds()

		// Build and close the index, then open it again to retrieve, as the
		// index and retrieve commands do.
		dir := b.TempDir() + "/ix"
		t0 = time.Now()
		if err := indexCohort(b, dir, ps).Close(); err != nil {
			b.Fatal(err)
		}
		build := time.Since(t0).Seconds()

		t0 = time.Now()
		ix, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		r, err := NewRetriever(ix, def, Options{Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
		e := evaluate(b, r, ps)
		retrieve := time.Since(t0).Seconds()
		ix.Close()

		med, p90, total := e.PromptShare()
		for _, m := range []struct {
			v    float64
			unit string
		}{
			{float64(len(ps)), "patients"}, {float64(notes), "notes"},
			{float64(bytes) / 1e6, "MB"},
			{scanPlain, "scan-plain-s"}, {scan, "scan-anchored-s"},
			{build, "build-s"}, {retrieve, "retrieve-s"},
			{build / scanPlain, "build/scan-plain"}, {scanPlain / retrieve, "scan-plain/retrieve"},
			{build / scan, "build/scan-anchored"}, {scan / retrieve, "scan-anchored/retrieve"},
			{e.Recall(), "recall"}, {float64(e.FalseFriendMentions), "ff-mentions"},
			{med, "prompt-median"}, {p90, "prompt-p90"}, {total, "prompt-total"},
		} {
			b.ReportMetric(m.v, m.unit)
		}
	}
}

// TestCommittedCohort checks evidence recall and false friends on the cohort
// committed under testdata, read through ingest as the command line does.
func TestCommittedCohort(t *testing.T) {
	root := filepath.Join("..", "testdata", "cohort")
	gold, err := ReadGold(filepath.Join(root, "gold"), DefaultFriendCases)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Create(filepath.Join(t.TempDir(), "ix"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	w := ix.NewWriter(WriterOptions{})
	_, err = ingest.ReadNotes(ctx, []string{filepath.Join(root, "csv", "notes.csv")},
		ingest.Options{}, func(n phenorag.Note) error {
			_, err := w.Add(ctx, n)
			return err
		})
	if err := errors.Join(err, w.Close(ctx)); err != nil {
		t.Fatal(err)
	}
	r, err := NewRetriever(ix, openPH(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var e Evaluation
	err = r.All(ctx, func(ps phenorag.PatientSnippets) error {
		g, ok := gold[ps.PatientID]
		if !ok {
			return fmt.Errorf("patient %s has no gold label", ps.PatientID)
		}
		e.Add(ps, g.Gold, g.Friends)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	med, p90, total := e.PromptShare()
	t.Logf("%d patients: evidence recall %.4f (%d/%d), false-friend mentions %d (of %d spans), "+
		"prompt share median %.3f p90 %.3f total %.3f", e.Patients, e.Recall(), e.Covered,
		e.EvidenceSpans, e.FalseFriendMentions, e.FriendSpans, med, p90, total)
	if e.Patients != len(gold) || e.EvidenceSpans < 30 || e.FriendSpans == 0 {
		t.Fatalf("cohort too small to judge: %d patients of %d, %d evidence, %d friend spans",
			e.Patients, len(gold), e.EvidenceSpans, e.FriendSpans)
	}
	if e.Recall() < 0.98 {
		t.Errorf("evidence recall %.4f < 0.98", e.Recall())
	}
	if e.FalseFriendMentions != 0 {
		t.Errorf("%d false-friend mentions in negative patients' snippets", e.FalseFriendMentions)
	}
}
