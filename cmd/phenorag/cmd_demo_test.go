package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
)

// TestDemo runs the demo against the fake Ollama server on a small cohort,
// then on a cohort written anew in the same place with other notes under
// the same ids: both runs succeed and print every method's row.
func TestDemo(t *testing.T) {
	srv := ollamatest.NewServer(t, ollamatest.WithResponder(reviewer),
		ollamatest.WithModels(drillModel()))
	dir := t.TempDir()
	cohort, out := filepath.Join(dir, "cohort"), filepath.Join(dir, "demo")
	for _, seed := range []string{"1", "2"} {
		var stdout, stderr bytes.Buffer
		code := mainCode([]string{"synth", "--patients", "20", "--seed", seed, "--notes-max", "8",
			"--out", cohort}, &stdout, &stderr)
		if code != exitOK {
			t.Fatalf("synth: exit %d: %s", code, stderr.String())
		}
		stdout.Reset()
		stderr.Reset()
		code = mainCode([]string{"demo", "--cohort", cohort, "--out", out, "--ollama", srv.URL,
			"--model", "stories", "--num-ctx", "8192", "--quiet"}, &stdout, &stderr)
		if code != exitOK {
			t.Fatalf("demo on the cohort of seed %s: exit %d: %s", seed, code, stderr.String())
		}
		for _, row := range []string{"\nllm ", "\nrules ", "\nrules+nlp ", "McNemar"} {
			if !strings.Contains(stdout.String(), row) {
				t.Errorf("seed %s: the demo printed no %q:\n%s", seed, row, stdout.String())
			}
		}
	}
}

// TestDemoWithoutOllama says what to run when no server answers.
func TestDemoWithoutOllama(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := mainCode([]string{"demo", "--cohort", "../../testdata/cohort",
		"--out", t.TempDir(), "--ollama", "http://127.0.0.1:1", "--model", "m"}, &stdout, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), "ollama pull m") ||
		!strings.Contains(stderr.String(), "make demo-offline") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
}
