//go:build integration && unix

package mapreduce

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/mapreduce/ollama"
	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
	"github.com/phenorag/phenorag/mapreduce/store"
)

// countingLLM counts the calls that reach the model.
type countingLLM struct {
	LLM
	n atomic.Int64
}

func (c *countingLLM) Chat(ctx context.Context, req Request) (Response, error) {
	c.n.Add(1)
	return c.LLM.Chat(ctx, req)
}

// checkAccounted fails unless every patient ended ok, or in error with a
// reason, and the counts reconcile.
func checkAccounted(t *testing.T, sink *memSink, stats Stats, n int) {
	t.Helper()
	if len(sink.results) != n || stats.Patients != n || stats.OK+stats.Errors != n {
		t.Fatalf("%d results, stats %+v; want %d patients accounted for", len(sink.results),
			stats, n)
	}
	for _, r := range sink.results {
		d := r.Diagnosis
		if !d.Label.Valid() || (d.Status == phenorag.StatusError) != (d.Error != "") {
			t.Errorf("%s: %s %s %q", d.PatientID, d.Status, d.Label, d.Error)
		}
	}
}

// TestRealServer runs a small cohort through a real Ollama server and the
// tiny test model (its labels mean nothing), then kills the server in the
// middle of a second cohort, restarts it and runs that cohort again.
func TestRealServer(t *testing.T) {
	real := ollamatest.StartRealFromEnv(t)
	client, err := ollama.New(ollama.Config{
		Endpoints: []ollama.Endpoint{{URL: real.URL, Slots: 2}},
		Model:     real.Model,
		Options:   map[string]any{"num_thread": 1, "num_predict": 256, "num_ctx": 2048},
		Timeout:   2 * time.Minute, Retries: 1,
		Backoff: 10 * time.Millisecond, Cooldown: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	info, err := client.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("model %s, trained context %d tokens", info.Digest, info.ContextLength)
	s, err := store.Open(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	engine := func(llm LLM, progress func(Stats)) *Engine {
		return newEngine(t, llm, func(c *Config) {
			c.Store, c.ModelID, c.Options = s, info.Digest, client.Options()
			c.NumCtx, c.NumPredict = 2048, 256
			c.Schema = Schema{QuoteMax: 40, RationaleMax: 60}
			c.Progress = progress
		})
	}

	// A small cohort completes end to end.
	llm := &countingLLM{LLM: FromOllama(client)}
	sink, stats := run(t, engine(llm, nil), cohortOf(4)...)
	checkAccounted(t, sink, stats, 4)
	t.Logf("first cohort: %+v", stats)

	// A second cohort loses its server after two patients.
	second := cohortOf(8)
	for i := range second {
		s := &second[i].Snippets[0]
		s.Text = strings.Replace(s.Text, "Visit", "Clinic visit", 1)
		s.End = s.Start + len(s.Text)
	}
	killed := false
	sink, stats = run(t, engine(llm, func(st Stats) {
		if st.Patients == 2 && !killed {
			killed = true
			real.Kill()
		}
	}), second...)
	checkAccounted(t, sink, stats, 8)
	stored, _ := s.Len()
	if stats.Errors == 0 {
		t.Fatalf("no patient failed after the server was killed: %+v", stats)
	}
	t.Logf("second cohort, server killed: %+v; %d answers stored", stats, stored)

	// After a restart the rerun asks only what was not answered.
	real.Restart()
	rerun := &countingLLM{LLM: FromOllama(client)}
	sink, stats2 := run(t, engine(rerun, nil), second...)
	checkAccounted(t, sink, stats2, 8)
	if stats2.CacheHits != stats.Calls || stats2.Calls != 8-stats.Calls {
		t.Errorf("rerun %+v after %+v: want the %d finished calls from the store",
			stats2, stats, stats.Calls)
	}
	if int(rerun.n.Load()) < stats2.Calls {
		t.Errorf("rerun counted %d model calls, stats say %d", rerun.n.Load(), stats2.Calls)
	}
	t.Logf("rerun: %+v", stats2)
}
