//go:build unix

package mapreduce

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/mapreduce/ollama"
	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
	"github.com/phenorag/phenorag/mapreduce/store"
)

// timeScale is how much faster than a real model the stand-in answers. The
// latency below, times timeScale, models a 7-8B model on one GPU: 300 ms to
// start, 0.4 ms per prompt token, 20 ms per output token (about 1.7 s for a
// call of 1,000 prompt and 45 output tokens).
const timeScale = 25

var benchLatency = ollamatest.Latency{
	Base:           300 * time.Millisecond / timeScale,
	PerPromptToken: 400 * time.Microsecond / timeScale,
	PerOutputToken: 20 * time.Millisecond / timeScale,
}

// copyForwardCohort builds n patients of several notes each, in which a
// share of the notes is copied forward: the same templated text appears in
// many patients, as in real records.
func copyForwardCohort(n int) []phenorag.PatientSnippets {
	templates := []string{
		"ECHO: LVEF 60%. RV size and function normal. No evidence of pulmonary hypertension.",
		"Problem list: HTN, DM2, OSA on CPAP. Pulmonary hypertension ruled out on prior echo.",
		"PMH: COPD GOLD 2; pulmonary hypertension screening pending, PFTs ordered.",
	}
	var cohort []phenorag.PatientSnippets
	for i := range n {
		var texts []string
		switch i % 4 {
		case 0: // a patient with the disease and an individual note
			texts = []string{
				fmt.Sprintf("Cath %d: mPAP 38 mmHg, PVR 5 WU; she has pulmonary hypertension.", i),
				fmt.Sprintf("Clinic visit %d: on sildenafil, dyspnea improved.", i),
				templates[i%3]}
		case 1, 2: // only copied-forward text
			texts = []string{templates[i%3]}
		default: // individual notes without the disease
			texts = []string{fmt.Sprintf("Visit %d: RVSP 28 mmHg, normal PA pressure.", i)}
		}
		cohort = append(cohort, patientWith(fmt.Sprint("p", i), texts...))
	}
	return cohort
}

// cpuTime returns the process's user plus system CPU time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEngine runs a cohort through the engine against the latency
// model with a given number of slots and reports: slot_busy, the share of
// slot time spent answering (target >= 0.95); cpu/llm, the CPU the whole
// process spent (engine, client, and the fake server itself) per unit of
// modelled, unscaled model time (target < 0.01); saved, the share of
// answers that needed no call thanks to the store and in-flight sharing;
// and resume_calls, the calls a second run over the same store makes
// (target 0).
func BenchmarkEngine(b *testing.B) {
	for _, slots := range []int{1, 4} {
		b.Run(fmt.Sprintf("slots=%d", slots), func(b *testing.B) {
			cohort := copyForwardCohort(400)
			for range b.N {
				benchRun(b, slots, cohort)
			}
		})
	}
}

func benchRun(b *testing.B, slots int, cohort []phenorag.PatientSnippets) {
	srv := ollamatest.NewServer(b, ollamatest.WithResponder(reviewer),
		ollamatest.WithSlots(slots), ollamatest.WithLatency(benchLatency))
	s, err := store.Open(filepath.Join(b.TempDir(), "cache.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	// The client keeps one call more than the slots in flight, so that a
	// slot finds the next prompt already waiting when it frees.
	c, err := ollama.New(ollama.Config{Model: ollamatest.DefaultModel.Name,
		Endpoints: []ollama.Endpoint{{URL: srv.URL, Slots: slots + 1}}})
	if err != nil {
		b.Fatal(err)
	}
	e := newEngine(b, FromOllama(c), func(cfg *Config) { cfg.Store = s; cfg.NumCtx = 1024 })

	cpu0, t0 := cpuTime(b), time.Now()
	stats, err := e.Run(context.Background(), sliceSource(cohort...), &memSink{})
	wall, cpu := time.Since(t0), cpuTime(b)-cpu0
	if err != nil {
		b.Fatal(err)
	}
	var busy time.Duration
	for _, d := range srv.Busy() {
		busy += d
	}
	calls := srv.Calls("/api/chat")

	// A second run over the same store is what a resume after the last
	// answer looks like: it must ask nothing.
	if _, err := e.Run(context.Background(), sliceSource(cohort...), &memSink{}); err != nil {
		b.Fatal(err)
	}

	b.ReportMetric(srv.Utilization(wall), "slot_busy")
	b.ReportMetric(float64(cpu)/float64(busy*timeScale), "cpu/llm")
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(cohort)), "cpu_µs/patient")
	b.ReportMetric(float64(stats.CacheHits)/float64(stats.Calls+stats.CacheHits), "saved")
	b.ReportMetric(float64(srv.Calls("/api/chat")-calls), "resume_calls")
}

func BenchmarkVerify(b *testing.B) {
	text := strings.Repeat("Patient seen in clinic, vitals stable, lungs clear. ", 10) +
		"Impression:\n  severe pulmonary   hypertension, WHO group 1."
	call := []phenorag.Snippet{{NoteID: "n", Start: 0, End: len(text), Text: text}}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Verify("severe pulmonary hypertension, WHO group 1", "S1", call); !ok {
			b.Fatal("not verified")
		}
	}
}

func BenchmarkPack(b *testing.B) {
	p := patientWith("p", strings.Split(strings.Repeat(strings.Repeat("word ", 96)+"|", 12),
		"|")[:12]...)
	budget := Budget{Tokens: 7000, Overhead: 12}
	b.ReportAllocs()
	for b.Loop() {
		if len(Pack(p.Snippets, budget)) != 1 {
			b.Fatal("want one call")
		}
	}
}
