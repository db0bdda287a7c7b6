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
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/mapreduce/ollama"
	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
	"github.com/phenorag/phenorag/mapreduce/store"
)

// reviewer answers through the fake server as fakeLLM does in memory.
func reviewer(req api.ChatRequest) (string, int, int) {
	prompt := req.Messages[len(req.Messages)-1].Content
	_, excerpts, _ := strings.Cut(prompt, "Excerpts:")
	label, quote := "absent", ""
	if m := regexp.MustCompile(`[^.\n]*has pulmonary hypertension`).FindString(excerpts); m != "" {
		label, quote = "present", strings.TrimSpace(m)
	}
	out, _ := json.Marshal(map[string]string{"snippet": "S1", "quote": quote,
		"rationale": "as quoted", "label": label})
	return string(out), EstimateTokens(prompt), 20
}

// serverLLM returns an LLM that calls srv through the real client, with
// fast retries.
func serverLLM(t testing.TB, srv *ollamatest.Server, retries int) LLM {
	t.Helper()
	return serverLLMTimeout(t, srv, retries, 2*time.Second)
}

func serverLLMTimeout(t testing.TB, srv *ollamatest.Server, retries int,
	timeout time.Duration) LLM {
	t.Helper()
	c, err := ollama.New(ollama.Config{
		Endpoints: []ollama.Endpoint{{URL: srv.URL, Slots: 2}},
		Model:     ollamatest.DefaultModel.Name, Retries: retries,
		Backoff: time.Millisecond, Cooldown: time.Millisecond, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return FromOllama(c)
}

func cohortOf(n int) []phenorag.PatientSnippets {
	var ps []phenorag.PatientSnippets
	for i := range n {
		text := fmt.Sprintf("Visit %d: stable, no dyspnea.", i)
		if i%3 == 0 {
			text = fmt.Sprintf("Visit %d: she has pulmonary hypertension.", i)
		}
		ps = append(ps, patientWith(fmt.Sprint("p", i), text))
	}
	return ps
}

func TestServerFaults(t *testing.T) {
	tests := []struct {
		name    string
		opts    []ollamatest.Option
		retries int
		errors  int
	}{
		{"busy, crash and reset are retried", []ollamatest.Option{
			ollamatest.WithFaultAt(1, ollamatest.FaultBusy),
			ollamatest.WithFaultAt(2, ollamatest.FaultCrash),
			ollamatest.WithFaultAt(3, ollamatest.FaultReset)}, 3, 0},
		{"malformed and cut-off answers are retried", []ollamatest.Option{
			ollamatest.WithFaultAt(1, ollamatest.FaultMalformed),
			ollamatest.WithFaultAt(2, ollamatest.FaultLength),
			ollamatest.WithFaultAt(3, ollamatest.FaultSchema)}, 3, 0},
		{"a timed-out attempt is retried", []ollamatest.Option{
			ollamatest.WithFaultAt(2, ollamatest.FaultSlow)}, 3, 0},
		{"a server that stays busy fails its patients with a reason", []ollamatest.Option{
			ollamatest.WithFaultRate(1, 1, ollamatest.FaultBusy)}, -1, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ollamatest.NewServer(t, append(tt.opts,
				ollamatest.WithResponder(reviewer))...)
			timeout := 2 * time.Second
			if strings.Contains(tt.name, "timed-out") {
				timeout = time.Second // how long the slow attempt holds on
			}
			e := newEngine(t, serverLLMTimeout(t, srv, tt.retries, timeout), nil)
			sink, stats := run(t, e, cohortOf(6)...)
			if stats.Errors != tt.errors || stats.OK != 6-tt.errors {
				t.Fatalf("stats %+v; want %d errors", stats, tt.errors)
			}
			for _, r := range sink.results {
				d := r.Diagnosis
				if d.Status == phenorag.StatusError && !strings.Contains(d.Error, "busy") {
					t.Errorf("%s: error reason %q", d.PatientID, d.Error)
				}
				if d.Status == phenorag.StatusOK && (d.Label == phenorag.Present) !=
					strings.HasSuffix(d.PatientID, "0") && d.PatientID != "p3" {
					t.Errorf("%s: label %s", d.PatientID, d.Label)
				}
			}
		})
	}
}

func TestServerResume(t *testing.T) {
	srv := ollamatest.NewServer(t, ollamatest.WithResponder(reviewer),
		ollamatest.WithLatency(ollamatest.Latency{Base: 2 * time.Millisecond}))
	cohort := cohortOf(30)
	path := filepath.Join(t.TempDir(), "cache.db")

	// The first run is cancelled once ten patients are written.
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := newEngine(t, serverLLM(t, srv, 0), func(c *Config) {
		c.Store = s
		c.Progress = func(st Stats) {
			if st.Patients == 10 {
				cancel()
			}
		}
	})
	if _, err := e.Run(ctx, sliceSource(cohort...), &memSink{}); !errors.Is(err,
		context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	stored, _ := s.Len()
	s.Close()

	// The rerun, against a fresh server so that no late request of the
	// first run is counted, asks only what is not stored.
	s, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv2 := ollamatest.NewServer(t, ollamatest.WithResponder(reviewer))
	e = newEngine(t, serverLLM(t, srv2, 0), func(c *Config) { c.Store = s })
	sink, stats := run(t, e, cohort...)
	asked := srv2.Calls("/api/chat")
	if stored < 10 || asked != len(cohort)-stored || stats.CacheHits != stored {
		t.Errorf("stored %d after the first run; rerun asked %d, hits %d; want %d asked",
			stored, asked, stats.CacheHits, len(cohort)-stored)
	}

	// The outputs match an uninterrupted run.
	clean, _ := run(t, newEngine(t, serverLLM(t, srv, 0), nil), cohort...)
	for i := range cohort {
		got, want := sink.results[i].Diagnosis, clean.results[i].Diagnosis
		got.Counts, want.Counts = phenorag.Counts{}, phenorag.Counts{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("patient %d after resume:\n%+v\nwant\n%+v", i, got, want)
		}
	}
}
