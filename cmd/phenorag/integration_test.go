//go:build integration && unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
)

// TestRealServerCLI drives `phenorag run` and `phenorag eval` against a real
// Ollama server serving the tiny test model, whose labels mean nothing: the
// run must account for every patient, record the digest the server reports,
// and, run again, take every answer from its store.
func TestRealServerCLI(t *testing.T) {
	real := ollamatest.StartRealFromEnv(t)
	dir := t.TempDir()
	var logs bytes.Buffer
	snippets := firstWithSnippets(t, cohortSnippets(t, dir, &logs), 4)

	out := filepath.Join(dir, "run")
	args := []string{"run", "--snippets", snippets, "--out", out, "--model", real.Model,
		"--ollama", real.URL + "#slots=2", "--num-ctx", "2048", "--num-predict", "160",
		"--num-thread", "1", "--bytes-per-token", "1.5", "--quiet"}
	first := realRun(t, out, args)
	if first.Counts.Patients != 4 || first.Counts.OK+first.Counts.Errors != 4 ||
		first.Counts.Calls == 0 {
		t.Fatalf("first run counts %+v; want 4 patients accounted for, calls made", first.Counts)
	}
	if want := tagsDigest(t, real.URL, real.Model); want == "" ||
		first.Provenance.ModelDigest != want {
		t.Errorf("manifest model digest %q; /api/tags says %q", first.Provenance.ModelDigest, want)
	}
	if ids := readPatients(t, filepath.Join(out, "diagnoses.jsonl")); len(ids) != 4 {
		t.Errorf("diagnoses.jsonl holds %d patients, want 4", len(ids))
	}

	// The same command again asks the model nothing it has answered.
	second := realRun(t, out, args)
	if first.Counts.Errors == 0 && (second.Counts.Calls != 0 ||
		second.Counts.CacheHits != first.Counts.Calls) {
		t.Errorf("rerun counts %+v after %+v; want every answer from the store",
			second.Counts, first.Counts)
	}

	var stdout, stderr bytes.Buffer
	gold := filepath.Join(drillCohort, "gold", "labels.csv")
	code := mainCode([]string{"eval", "--gold", gold, "--pred", out}, &stdout, &stderr)
	if code != exitOK || !strings.Contains(stdout.String(), "llm") {
		t.Errorf("eval: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}

// realRun runs phenorag with args, which must end in success or partial
// success, and returns the manifest of the run it wrote to out.
func realRun(t *testing.T, out string, args []string) runManifest {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := mainCode(args, &stdout, &stderr); code != exitOK && code != exitPartial {
		t.Fatalf("run: exit %d: %s", code, stderr.String())
	}
	var m runManifest
	data, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// firstWithSnippets writes the first n patients of a snippets file that
// have a snippet to a file of their own and returns its path.
func firstWithSnippets(t *testing.T, path string, n int) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for kept := 0; kept < n && sc.Scan(); {
		var ps struct {
			Snippets []json.RawMessage `json:"snippets"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ps); err != nil {
			t.Fatal(err)
		}
		if len(ps.Snippets) > 0 {
			b.Write(append(sc.Bytes(), '\n'))
			kept++
		}
	}
	small := filepath.Join(filepath.Dir(path), "few.jsonl")
	if err := os.WriteFile(small, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return small
}

// tagsDigest returns the digest the server lists for model.
func tagsDigest(t *testing.T, url, model string) string {
	t.Helper()
	resp, err := http.Get(url + "/api/tags")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tags struct {
		Models []struct {
			Name, Model, Digest string
		} `json:"models"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tags); err != nil {
		t.Fatal(err)
	}
	for _, m := range tags.Models {
		if m.Name == model || m.Model == model || strings.TrimSuffix(m.Name, ":latest") == model {
			return m.Digest
		}
	}
	t.Fatalf("/api/tags does not list %s: %+v", model, tags.Models)
	return ""
}
