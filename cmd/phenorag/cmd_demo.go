package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/phenorag/phenorag/mapreduce/ollama"
)

// demoModel is the model the demo asks for when neither --model nor
// PHENORAG_MODEL names one: a 7B instruct model that follows a JSON schema
// without a separate thinking phase, has a 32k context, runs on a laptop CPU
// in about 5 GB at 4-bit quantisation, and is Apache-2.0 licensed.
const demoModel = "qwen2.5:7b-instruct"

// demoConfig is what `phenorag demo` is told by its flags.
type demoConfig struct {
	cohort, out, model, ollama string
	reduce                     string
	numCtx, numPredict         int
	numThread                  int
	bytesPerToken              float64
	quiet                      bool
}

func parseDemoFlags(args []string) (demoConfig, error) {
	var c demoConfig
	model := os.Getenv("PHENORAG_MODEL")
	if model == "" {
		model = demoModel
	}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.StringVar(&c.cohort, "cohort", "testdata/cohort", "synthetic cohort `DIR` (from phenorag synth)")
	fs.StringVar(&c.out, "out", "out/demo", "output `DIR`")
	fs.StringVar(&c.model, "model", model, "Ollama model `NAME` (default $PHENORAG_MODEL or "+demoModel+")")
	fs.StringVar(&c.ollama, "ollama", "", "Ollama server `URL`s (default $OLLAMA_HOST or 127.0.0.1:11434)")
	fs.StringVar(&c.reduce, "reduce", "", "reduce policy (default: run's default)")
	fs.IntVar(&c.numCtx, "num-ctx", 0, "model context window in tokens (0: run's default)")
	fs.IntVar(&c.numPredict, "num-predict", 0, "most tokens per answer (0: run's default)")
	fs.IntVar(&c.numThread, "num-thread", 0, "CPU threads the server uses (0: its choice)")
	fs.Float64Var(&c.bytesPerToken, "bytes-per-token", 0,
		"bytes of text per token assumed when packing (0: run's default)")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	return c, nil
}

// runDemo runs the whole pipeline on a synthetic cohort: index the notes,
// retrieve snippets, map-reduce them through Ollama, label the same patients
// with the rules baseline (plain and NLP-augmented), and print the evaluation
// of all three against the gold labels.
func runDemo(ctx context.Context, e *env, args []string) error {
	c, err := parseDemoFlags(args)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.cohort, "gold", "labels.csv")); err != nil {
		return fmt.Errorf("no cohort at %s (make one with: phenorag synth --out %s): %w",
			c.cohort, c.cohort, err)
	}

	// Fail before any work when no Ollama answers or the model is missing.
	if err := demoCheckOllama(ctx, c); err != nil {
		return err
	}

	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	index := filepath.Join(c.out, "index")
	snippets := filepath.Join(c.out, "snippets.jsonl")
	run := filepath.Join(c.out, "run")
	// The index is rebuilt from the cohort every time (it takes a second),
	// so that a regenerated cohort never meets the index of an older one,
	// whose notes would conflict with it. The run keeps its answer store.
	if err := os.RemoveAll(index); err != nil {
		return fmt.Errorf("remove the old demo index: %w", err)
	}
	csvDir := filepath.Join(c.cohort, "csv")
	facts := filepath.Join(csvDir, "diagnoses.csv") + "," +
		filepath.Join(csvDir, "measurements.csv") + "," + filepath.Join(csvDir, "drugs.csv")

	steps := []struct {
		name string
		run  func(context.Context, *env, []string) error
		args []string
	}{
		{"index", runIndex, []string{"--notes", filepath.Join(csvDir, "notes.csv"), "--index", index,
			"--rejects", filepath.Join(c.out, "rejects.csv")}},
		{"retrieve", runRetrieve, []string{"--index", index, "--out", snippets}},
		{"run", runRun, c.runArgs(snippets, run)},
		{"rules", runRules, []string{"--facts", facts, "--snippets", snippets,
			"--out", filepath.Join(run, "rules.jsonl")}},
		{"rules+nlp", runRules, []string{"--facts", facts, "--snippets", snippets, "--nlp",
			"--out", filepath.Join(run, "rules_nlp.jsonl")}},
		{"eval", runEval, []string{"--gold", filepath.Join(c.cohort, "gold", "labels.csv"),
			"--pred", run, "--pred", filepath.Join(run, "rules.jsonl"),
			"--pred", filepath.Join(run, "rules_nlp.jsonl"),
			"--discordant", filepath.Join(c.out, "discordant.csv")}},
	}
	var partial error
	for _, s := range steps {
		e.log.Info("demo step", "step", s.name)
		err := s.run(ctx, e, s.args)
		switch {
		case errors.Is(err, errPartial):
			partial = fmt.Errorf("step %s: %w", s.name, err)
		case err != nil:
			return fmt.Errorf("step %s: %w", s.name, err)
		}
	}
	fmt.Fprintf(e.stdout, "\noutputs in %s; explain one patient with:\n"+
		"  phenorag explain --run %s --index %s --patient ID\n", c.out, run, index)
	return partial
}

// runArgs are the flags the demo passes to `phenorag run`.
func (c demoConfig) runArgs(snippets, out string) []string {
	args := []string{"--snippets", snippets, "--out", out, "--model", c.model}
	if c.ollama != "" {
		args = append(args, "--ollama", c.ollama)
	}
	if c.reduce != "" {
		args = append(args, "--reduce", c.reduce)
	}
	if c.quiet {
		args = append(args, "--quiet")
	}
	if c.bytesPerToken > 0 {
		args = append(args, "--bytes-per-token", strconv.FormatFloat(c.bytesPerToken, 'g', -1, 64))
	}
	for flag, v := range map[string]int{
		"--num-ctx": c.numCtx, "--num-predict": c.numPredict, "--num-thread": c.numThread} {
		if v > 0 {
			args = append(args, flag, strconv.Itoa(v))
		}
	}
	return args
}

// demoCheckOllama says in one message what to do when no Ollama server
// answers or the model is not there.
func demoCheckOllama(ctx context.Context, c demoConfig) error {
	eps, err := ollama.ParseEndpoints(c.ollama, os.Getenv("OLLAMA_HOST"), 0)
	if err != nil {
		return usagef("--ollama: %v", err)
	}
	client, err := ollama.New(ollama.Config{Endpoints: eps, Model: c.model, Retries: -1})
	if err != nil {
		return err
	}
	_, err = client.Check(ctx)
	switch {
	case errors.Is(err, ollama.ErrUnreachable):
		return fmt.Errorf("%w\nthen fetch the model: ollama pull %s\n"+
			"without Ollama: make demo-offline (a private server with a tiny test model)",
			err, c.model)
	case err != nil:
		return err
	}
	return nil
}
