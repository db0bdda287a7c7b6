package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/diagnose"
	"github.com/phenorag/phenorag/mapreduce"
)

// mergeFiles are the per-patient JSON-lines outputs a merge combines; each
// is sorted by patient id in every run, and so is the merge. The rules files
// are merged when every run has them.
var mergeFiles = []string{mapreduce.SnippetsFile, mapreduce.AnswersFile,
	mapreduce.DiagnosesFile, "rules.jsonl", "rules_nlp.jsonl"}

// runMerge combines the run directories of the shards of one cohort
// (`phenorag run --shard K/N`) into one run directory equal to that of a
// single run over the whole cohort.
func runMerge(ctx context.Context, e *env, args []string) error {
	var runs listFlag
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.Var(&runs, "run", "a shard's run `DIR` (repeatable, or comma separated)")
	out := fs.String("out", "", "merged run `DIR`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(runs) == 0 || *out == "" {
		return usagef("give --run for each shard and --out")
	}

	// The shards must come from the same model, prompts and definition.
	ms, err := readManifests(runs)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}

	// Merge the JSON-lines outputs, patient by patient.
	for _, name := range mergeFiles {
		paths, ok := allHave(runs, name)
		if !ok {
			if name == mapreduce.DiagnosesFile || name == mapreduce.SnippetsFile {
				return fmt.Errorf("merge: a run directory has no %s", name)
			}
			continue
		}
		if err := mergeSorted(ctx, paths, filepath.Join(*out, name)); err != nil {
			return err
		}
	}

	// Rewrite the other formats and the manifest from the merged diagnoses.
	ds, err := diagnose.ReadDiagnoses(filepath.Join(*out, mapreduce.DiagnosesFile))
	if err != nil {
		return err
	}
	if _, err := diagnose.WriteDiagnoses(*out, ds, diagnose.WriteOptions{
		Provenance: ms[0].Provenance}); err != nil {
		return err
	}
	merged := mergeManifests(ms, runs)
	if err := writeJSONFile(filepath.Join(*out, "manifest.json"), merged); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "merged %d runs: %d patients (%d ok, %d error) into %s\n",
		len(runs), merged.Counts.Patients, merged.Counts.OK, merged.Counts.Errors, *out)
	if merged.Counts.Errors > 0 {
		return fmt.Errorf("%d patients ended in error: %w", merged.Counts.Errors, errPartial)
	}
	return nil
}

func readManifests(runs []string) ([]runManifest, error) {
	var ms []runManifest
	for _, dir := range runs {
		data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if err != nil {
			return nil, fmt.Errorf("merge: %s is not a finished run: %w", dir, err)
		}
		var m runManifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("merge: %s: %w", filepath.Join(dir, "manifest.json"), err)
		}
		if len(ms) > 0 {
			if err := sameProvenance(ms[0].Provenance, m.Provenance); err != nil {
				return nil, fmt.Errorf("merge: %s and %s: %w", runs[0], dir, err)
			}
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// sameProvenance reports how two runs differ in what decides their answers.
func sameProvenance(a, b phenorag.Provenance) error {
	for _, f := range []struct{ name, a, b string }{
		{"model digest", a.ModelDigest, b.ModelDigest},
		{"prompt hash", a.PromptHash, b.PromptHash},
		{"definition hash", a.DefinitionHash, b.DefinitionHash},
		{"reduce policy", a.Reduce, b.Reduce},
	} {
		if f.a != f.b {
			return fmt.Errorf("different %s (%s vs %s)", f.name, f.a, f.b)
		}
	}
	return nil
}

func mergeManifests(ms []runManifest, runs []string) runManifest {
	m := ms[0]
	m.Input = runInput{Snippets: strings.Join(runs, ",")}
	m.Settings.Shard = ""
	m.Counts = mapreduce.Stats{}
	for _, s := range ms {
		c := s.Counts
		m.Counts.Patients += c.Patients
		m.Counts.OK += c.OK
		m.Counts.Errors += c.Errors
		m.Counts.Calls += c.Calls
		m.Counts.CacheHits += c.CacheHits
		m.Counts.Skipped += c.Skipped
		m.Counts.Failed += c.Failed
		m.Counts.Requests += c.Requests
		m.Counts.PromptTokens += c.PromptTokens
		m.Counts.OutputTokens += c.OutputTokens
	}
	m.Finished = time.Now().UTC()
	return m
}

func allHave(runs []string, name string) ([]string, bool) {
	var paths []string
	for _, dir := range runs {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			return nil, false
		}
		paths = append(paths, p)
	}
	return paths, true
}

// mergeSorted merges JSON-lines files, each sorted by patient_id, into one
// sorted file, failing if a patient occurs in two of them (the shards
// overlap) or a file is out of order.
func mergeSorted(ctx context.Context, paths []string, out string) error {
	heads := make([]*lineReader, len(paths))
	for i, p := range paths {
		r, err := openLineReader(p)
		if err != nil {
			return err
		}
		defer r.close()
		heads[i] = r
	}
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	defer os.Remove(tmp)
	w := bufio.NewWriterSize(f, 1<<20)
	owner := map[string]int{} // patient -> the file that holds it
	for {
		if err := ctx.Err(); err != nil {
			f.Close()
			return err
		}
		next := -1
		for i, h := range heads {
			if h.ok && (next < 0 || h.patient < heads[next].patient) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		h := heads[next]
		if o, seen := owner[h.patient]; seen && o != next {
			f.Close()
			return fmt.Errorf("merge: patient %s is in both %s and %s: the shards overlap",
				h.patient, paths[o], paths[next])
		}
		owner[h.patient] = next
		w.Write(h.line)
		w.WriteByte('\n')
		if err := h.advance(); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("merge: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	return os.Rename(tmp, out)
}

// lineReader reads a JSON-lines file one record at a time, with the
// record's patient_id.
type lineReader struct {
	path    string
	f       *os.File
	sc      *bufio.Scanner
	n       int
	line    []byte
	patient string
	ok      bool
}

func openLineReader(path string) (*lineReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	r := &lineReader{path: path, f: f, sc: sc}
	return r, r.advance()
}

func (r *lineReader) advance() error {
	prev := r.patient
	for r.sc.Scan() {
		r.n++
		if len(strings.TrimSpace(r.sc.Text())) == 0 {
			continue
		}
		var rec struct {
			PatientID string `json:"patient_id"`
		}
		if err := json.Unmarshal(r.sc.Bytes(), &rec); err != nil || rec.PatientID == "" {
			return fmt.Errorf("merge: %s:%d: not a record with a patient_id", r.path, r.n)
		}
		if rec.PatientID < prev {
			return fmt.Errorf("merge: %s:%d: patient %s after %s: not sorted by patient",
				r.path, r.n, rec.PatientID, prev)
		}
		r.line = append(r.line[:0], r.sc.Bytes()...)
		r.patient, r.ok = rec.PatientID, true
		return nil
	}
	r.ok = false
	if err := r.sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("merge: %s: %w", r.path, err)
	}
	return nil
}

func (r *lineReader) close() { r.f.Close() }
