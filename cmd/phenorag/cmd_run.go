package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/diagnose"
	"github.com/phenorag/phenorag/mapreduce"
	"github.com/phenorag/phenorag/mapreduce/ollama"
	"github.com/phenorag/phenorag/mapreduce/store"
	"github.com/phenorag/phenorag/phenotype"
	"github.com/phenorag/phenorag/retrieve"
)

// version is the tool's version, recorded in every run's provenance.
var version = "0.1.0-dev"

// runConfig is everything `phenorag run` is told by its flags.
type runConfig struct {
	index, snippets    string
	phenotype, model   string
	ollama             string
	slots              int
	out                string
	reduce             string
	earlyStop, quiet   bool
	numCtx, numPredict int
	numThread          int
	bytesPerToken      float64
	timeout, backoff   time.Duration
	cooldown           time.Duration
	retries            int
	patients           listFlag
	shard              phenorag.Shard
}

// parseRunFlags reads and checks the flags of `phenorag run`.
func parseRunFlags(args []string) (runConfig, error) {
	var c runConfig
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&c.index, "index", "", "bleve index `DIR` to retrieve snippets from")
	fs.StringVar(&c.snippets, "snippets", "", "snippets JSONL `FILE` (instead of --index)")
	fs.StringVar(&c.phenotype, "phenotype", "ph", "phenotype definition: built-in name or YAML file")
	fs.StringVar(&c.model, "model", os.Getenv("PHENORAG_MODEL"),
		"Ollama model `NAME` (default $PHENORAG_MODEL)")
	fs.StringVar(&c.ollama, "ollama", "",
		"Ollama server `URL`s, comma-separated, each optionally ending in #slots=N "+
			"(default $OLLAMA_HOST or 127.0.0.1:11434)")
	fs.IntVar(&c.slots, "slots", 0, "parallel calls per server (its OLLAMA_NUM_PARALLEL; 0: 2)")
	fs.StringVar(&c.out, "out", "", "run `DIR` for outputs and the answer cache")
	fs.StringVar(&c.reduce, "reduce", string(mapreduce.PolicyAny),
		"reduce policy: any, majority, weighted or llm")
	fs.BoolVar(&c.earlyStop, "early-stop", false,
		"skip a patient's remaining calls once the reduce policy's answer cannot change")
	fs.IntVar(&c.numCtx, "num-ctx", 0, "model context window in tokens (0: 8192)")
	fs.IntVar(&c.numPredict, "num-predict", 0, "most tokens per answer (0: 256)")
	fs.IntVar(&c.numThread, "num-thread", 0, "CPU threads the server uses (0: its choice)")
	fs.Float64Var(&c.bytesPerToken, "bytes-per-token", mapreduce.DefaultBytesPerToken,
		"bytes of text per token assumed when packing snippets into calls")
	fs.DurationVar(&c.timeout, "timeout", 0, "bound on one call attempt (0: 10m)")
	fs.IntVar(&c.retries, "retries", 0,
		"further attempts of a call after a 503, a crash, a reset or a timeout "+
			"(0: "+strconv.Itoa(ollama.DefaultRetries)+"; -1: none)")
	fs.DurationVar(&c.backoff, "backoff", 0, "wait before the first retry, doubling after "+
		"(0: "+ollama.DefaultBackoff.String()+")")
	fs.DurationVar(&c.cooldown, "cooldown", 0, "how long a failing server is left alone before "+
		"one call probes it, doubling while it keeps failing (0: "+ollama.DefaultCooldown.String()+")")
	fs.Var(&c.patients, "patient", "only this patient `ID` (repeatable)")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress bar")
	shard := fs.String("shard", "", "run only shard `K/N` of the patients (merge the shards' "+
		"run directories with phenorag merge)")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	var err error
	if c.shard, err = phenorag.ParseShard(*shard); err != nil {
		return c, usagef("--shard: %v", err)
	}
	switch {
	case (c.index == "") == (c.snippets == ""):
		return c, usagef("give exactly one of --index and --snippets")
	case c.model == "":
		return c, usagef("--model is required (or set PHENORAG_MODEL)")
	case c.out == "":
		return c, usagef("--out is required")
	case c.bytesPerToken <= 0:
		return c, usagef("--bytes-per-token must be positive")
	}
	if _, err := mapreduce.ParsePolicy(c.reduce); err != nil {
		return c, usagef("--reduce: %v", err)
	}
	return c, nil
}

// llmOptions are the model options the flags set; the client fills in the
// rest.
func (c runConfig) llmOptions() map[string]any {
	opts := map[string]any{}
	for k, v := range map[string]int{
		"num_ctx": c.numCtx, "num_predict": c.numPredict, "num_thread": c.numThread} {
		if v > 0 {
			opts[k] = v
		}
	}
	return opts
}

func runRun(ctx context.Context, e *env, args []string) error {
	c, err := parseRunFlags(args)
	if err != nil {
		return err
	}
	def, err := phenotype.Open(c.phenotype)
	if err != nil {
		return err
	}

	// Connect to the model and record which build of it answers.
	client, info, err := connect(ctx, c)
	if err != nil {
		return err
	}
	opts := client.Options()
	prov := phenorag.Provenance{Tool: "phenorag", Version: version, Model: info.Model,
		ModelDigest: info.Digest, ServerVersion: info.ServerVersion,
		Definition: def.Name, DefinitionHash: def.Hash, Options: opts, Reduce: c.reduce}
	e.log.Info("model ready", "model", info.Model, "digest", info.Digest,
		"server", info.ServerVersion, "slots", client.Slots())

	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return fmt.Errorf("create run directory: %w", err)
	}
	st, err := store.Open(filepath.Join(c.out, "cache.db"))
	if err != nil {
		return err
	}
	defer st.Close()

	src, total, input, closeSrc, err := openSource(c, def)
	if err != nil {
		return err
	}
	defer closeSrc()

	eng, err := mapreduce.New(engineConfig(e, c, def, client, info, st, total))
	if err != nil {
		return err
	}
	prov.PromptHash = eng.PromptHash()

	stats, ds, err := runEngine(ctx, eng, src, c.out)
	if err != nil {
		return err
	}
	return finishRun(e, c, prov, input, stats, ds)
}

// engineConfig configures the engine from the flags and what the server
// said about the model.
func engineConfig(e *env, c runConfig, def *phenotype.Definition, client *ollama.Client,
	info ollama.ModelInfo, st *store.Store, total int) mapreduce.Config {
	modelID := info.Digest
	if modelID == "" {
		modelID = info.Model
	}
	opts := client.Options()
	return mapreduce.Config{
		Definition: def, LLM: mapreduce.FromOllama(client), Store: st, ModelID: modelID,
		Options: opts, NumCtx: contextWindow(e, opts, info),
		NumPredict: optInt(opts, "num_predict"), BytesPerToken: c.bytesPerToken,
		Reduce: mapreduce.Policy(c.reduce), EarlyStop: c.earlyStop,
		Progress: newProgress(e, c.quiet, total),
	}
}

// connect builds the Ollama client and checks that the model is there.
func connect(ctx context.Context, c runConfig) (*ollama.Client, ollama.ModelInfo, error) {
	eps, err := ollama.ParseEndpoints(c.ollama, os.Getenv("OLLAMA_HOST"), c.slots)
	if err != nil {
		return nil, ollama.ModelInfo{}, usagef("--ollama: %v", err)
	}
	client, err := ollama.New(ollama.Config{Endpoints: eps, Model: c.model,
		Options: c.llmOptions(), Timeout: c.timeout, Retries: c.retries, Backoff: c.backoff,
		Cooldown: c.cooldown})
	if err != nil {
		return nil, ollama.ModelInfo{}, err
	}
	info, err := client.Check(ctx)
	if err != nil {
		return nil, ollama.ModelInfo{}, err
	}
	return client, info, nil
}

// runInput describes where the patients came from, for the manifest.
type runInput struct {
	Index    string             `json:"index,omitempty"`
	Holds    *retrieve.Manifest `json:"index_holds,omitempty"`
	Snippets string             `json:"snippets,omitempty"`
	Patients []string           `json:"patients,omitempty"` // the --patient subset
}

// openSource opens the index or the snippets file and returns the patients
// to run, how many there are (-1 when unknown) and a func that closes it.
func openSource(c runConfig, def *phenotype.Definition) (
	src mapreduce.Source, total int, in runInput, closeFn func(), err error) {
	in.Patients = c.patients
	closeFn = func() {}
	if c.snippets != "" {
		in.Snippets = c.snippets
		src, total = mapreduce.SnippetsFileSource(c.snippets), countLines(c.snippets)
	} else {
		ix, err := retrieve.Open(c.index)
		if err != nil {
			return nil, 0, in, nil, err
		}
		r, err := retrieve.NewRetriever(ix, def, retrieve.Options{})
		if err != nil {
			ix.Close()
			return nil, 0, in, nil, err
		}
		m := ix.Manifest()
		in.Index, in.Holds = c.index, &m
		src, total, closeFn = r.All, m.Patients, func() { ix.Close() }
		if len(c.patients) > 0 {
			return patientsOf(r, c.patients), len(c.patients), in, closeFn, nil
		}
	}
	if len(c.patients) > 0 {
		src, total = onlyPatients(src, c.patients), len(c.patients)
	}
	if c.shard.N > 1 {
		src, total = inShard(src, c.shard), -1
	}
	return src, total, in, closeFn, nil
}

// patientsOf retrieves only the given patients from an index.
func patientsOf(r *retrieve.Retriever, ids []string) mapreduce.Source {
	return func(ctx context.Context, fn func(phenorag.PatientSnippets) error) error {
		for _, id := range ids {
			ps, err := r.Patient(ctx, id)
			if err != nil {
				return fmt.Errorf("--patient %s: %w", id, err)
			}
			if err := fn(ps); err != nil {
				return err
			}
		}
		return nil
	}
}

// onlyPatients passes on only the patients with the given ids from a
// snippets file.
func onlyPatients(src mapreduce.Source, ids []string) mapreduce.Source {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	return func(ctx context.Context, fn func(phenorag.PatientSnippets) error) error {
		return src(ctx, func(ps phenorag.PatientSnippets) error {
			if !want[ps.PatientID] {
				return nil
			}
			return fn(ps)
		})
	}
}

// inShard passes on only the patients of one shard.
func inShard(src mapreduce.Source, shard phenorag.Shard) mapreduce.Source {
	return func(ctx context.Context, fn func(phenorag.PatientSnippets) error) error {
		return src(ctx, func(ps phenorag.PatientSnippets) error {
			if !shard.Contains(ps.PatientID) {
				return nil
			}
			return fn(ps)
		})
	}
}

// collectSink writes the run files and keeps the diagnoses for the other
// output formats.
//
// TODO(engine): the diagnoses are held in memory (a few hundred bytes per
// patient) because diagnose.WriteDiagnoses takes a slice; a streaming writer
// there would let a run of millions of patients keep only the JSON lines.
type collectSink struct {
	*mapreduce.Outputs
	diagnoses []phenorag.Diagnosis
}

func (s *collectSink) Write(r *mapreduce.Result) error {
	s.diagnoses = append(s.diagnoses, r.Diagnosis)
	return s.Outputs.Write(r)
}

// runEngine runs every patient and commits the JSON-lines outputs; after a
// failure or an interruption it leaves earlier outputs as they were.
func runEngine(ctx context.Context, eng *mapreduce.Engine, src mapreduce.Source, out string) (
	mapreduce.Stats, []phenorag.Diagnosis, error) {
	o, err := mapreduce.CreateOutputs(out)
	if err != nil {
		return mapreduce.Stats{}, nil, err
	}
	sink := &collectSink{Outputs: o}
	stats, err := eng.Run(ctx, src, sink)
	if err != nil {
		o.Abort()
		return stats, nil, err
	}
	if err := o.Commit(); err != nil {
		return stats, nil, err
	}
	return stats, sink.diagnoses, nil
}

// runManifest is manifest.json.
type runManifest struct {
	Input      runInput            `json:"input"`
	Counts     mapreduce.Stats     `json:"counts"`
	Settings   runSettings         `json:"settings"`
	Provenance phenorag.Provenance `json:"provenance"`
	Finished   time.Time           `json:"finished"`
}

type runSettings struct {
	Phenotype string `json:"phenotype"`
	Reduce    string `json:"reduce"`
	EarlyStop bool   `json:"early_stop"`
	// BytesPerToken is the token size snippets were packed for.
	BytesPerToken float64 `json:"bytes_per_token"`
	Ollama        string  `json:"ollama,omitempty"`
	Timeout       string  `json:"timeout,omitempty"`
	Shard         string  `json:"shard,omitempty"`
}

// finishRun writes the other diagnoses formats and the manifest, and
// reports the counts.
func finishRun(e *env, c runConfig, prov phenorag.Provenance, in runInput,
	stats mapreduce.Stats, ds []phenorag.Diagnosis) error {
	sum, err := diagnose.WriteDiagnoses(c.out, ds, diagnose.WriteOptions{Provenance: prov})
	if err != nil {
		return err
	}
	m := runManifest{Input: in, Counts: stats, Provenance: prov, Finished: time.Now().UTC(),
		Settings: runSettings{Phenotype: c.phenotype, Reduce: c.reduce,
			EarlyStop: c.earlyStop, Ollama: c.ollama, BytesPerToken: c.bytesPerToken}}
	if c.timeout > 0 {
		m.Settings.Timeout = c.timeout.String()
	}
	m.Settings.Shard = c.shard.String()
	if err := writeJSONFile(filepath.Join(c.out, "manifest.json"), m); err != nil {
		return err
	}

	e.log.Info("run finished", "patients", stats.Patients, "ok", stats.OK,
		"error", stats.Errors, "present", sum.Present, "calls", stats.Calls,
		"cache_hits", stats.CacheHits, "skipped", stats.Skipped,
		"prompt_tokens", stats.PromptTokens, "output_tokens", stats.OutputTokens, "out", c.out)
	if stats.BytesPerToken > 0 && stats.BytesPerToken < c.bytesPerToken {
		e.log.Warn("the model's tokens are smaller than assumed: calls too long for it are "+
			"split and sent again; --bytes-per-token set to the value seen packs them right",
			"assumed", c.bytesPerToken, "seen", fmt.Sprintf("%.2f", stats.BytesPerToken))
	}
	if len(sum.Undated) > 0 {
		e.log.Warn("present patients left out of cohort.csv: no dated evidence",
			"patients", len(sum.Undated))
	}
	if stats.Errors > 0 {
		return fmt.Errorf("%d of %d patients ended in error (see %s): %w",
			stats.Errors, stats.Patients, filepath.Join(c.out, mapreduce.DiagnosesFile), errPartial)
	}
	return nil
}

// writeJSONFile writes v as indented JSON to a temporary file and renames
// it to path.
func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// countLines counts the non-blank lines of a file, or returns -1 if it
// cannot be read (the run then reports the error).
func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	if sc.Err() != nil {
		return -1
	}
	return n
}

// contextWindow is the context the server will really give each call: the
// num_ctx option, unless the model was trained on less, in which case the
// server clamps it. Snippets are packed to fit it.
func contextWindow(e *env, opts map[string]any, info ollama.ModelInfo) int {
	n := optInt(opts, "num_ctx")
	if info.ContextLength > 0 && info.ContextLength < n {
		e.log.Warn("num_ctx is larger than the model's trained context; packing for the latter",
			"num_ctx", n, "context_length", info.ContextLength)
		return info.ContextLength
	}
	return n
}

// optInt reads an integer option as the client holds it.
func optInt(opts map[string]any, key string) int {
	switch v := opts[key].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}
