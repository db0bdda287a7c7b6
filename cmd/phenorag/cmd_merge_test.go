package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
)

// TestShardsMergeToSingleRun splits the cohort into three shards, runs each
// (map-reduce and rules), merges them, and compares the merge with one run
// over the whole cohort.
func TestShardsMergeToSingleRun(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	snippets := cohortSnippets(t, dir, &logs)
	srv := ollamatest.NewServer(t, ollamatest.WithResponder(reviewer),
		ollamatest.WithModels(drillModel()))
	facts := filepath.Join(drillCohort, "csv", "diagnoses.csv") + "," +
		filepath.Join(drillCohort, "csv", "measurements.csv")

	runAll := func(out string, extra ...string) {
		t.Helper()
		for _, args := range [][]string{
			append(runArgsFor(snippets, out, srv.URL), extra...),
			append([]string{"rules", "--facts", facts, "--snippets", snippets, "--out",
				filepath.Join(out, "rules.jsonl")}, extra...),
		} {
			var stdout, stderr bytes.Buffer
			if code := mainCode(args, &stdout, &stderr); code != exitOK {
				t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
			}
		}
	}
	single := filepath.Join(dir, "single")
	runAll(single)
	var shards []string
	for k := 1; k <= 3; k++ {
		out := filepath.Join(dir, fmt.Sprintf("shard%d", k))
		runAll(out, "--shard", fmt.Sprintf("%d/3", k))
		shards = append(shards, out)
	}

	merged := filepath.Join(dir, "merged")
	var stdout, stderr bytes.Buffer
	args := []string{"merge", "--run", strings.Join(shards, ","), "--out", merged}
	if code := mainCode(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, stderr.String())
	}
	for _, name := range []string{"snippets.jsonl", "cohort.csv", "rules.jsonl"} {
		want, _ := os.ReadFile(filepath.Join(single, name))
		got, err := os.ReadFile(filepath.Join(merged, name))
		if err != nil || !bytes.Equal(got, want) || len(want) == 0 {
			t.Errorf("merged %s differs from the single run's (%v)", name, err)
		}
	}
	for _, name := range []string{"diagnoses.jsonl", "answers.jsonl"} {
		if got, want := outcome(t, filepath.Join(merged, name)),
			outcome(t, filepath.Join(single, name)); got != want {
			t.Errorf("merged %s differs from the single run's", name)
		}
	}
	if n := len(readPatients(t, filepath.Join(merged, "diagnoses.jsonl"))); n != 60 {
		t.Errorf("merged %d patients, want 60", n)
	}

	// Merging a shard with itself is refused: the shards overlap.
	args = []string{"merge", "--run", shards[0] + "," + shards[0], "--out",
		filepath.Join(dir, "bad")}
	stderr.Reset()
	if code := mainCode(args, &stdout, &stderr); code != exitFailure ||
		!strings.Contains(stderr.String(), "overlap") {
		t.Errorf("overlapping shards: exit %d: %s", code, stderr.String())
	}
}
