package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/diagnose"
	"github.com/phenorag/phenorag/diagnose/eval"
)

// evalFlags are the settings of the eval command.
type evalFlags struct {
	gold, evidence, format, discordant string
	preds                              listFlag
	opts                               eval.Options
}

func parseEvalFlags(args []string) (evalFlags, error) {
	var f evalFlags
	var uncertain, missing string
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: phenorag eval --gold FILE --pred FILE [--pred FILE...] "+
			"[--evidence FILE] [--uncertain absent|present|exclude] "+
			"[--format text|csv|json|markdown] [--bootstrap 2000] [--seed 1] [--discordant FILE]")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.gold, "gold", "", "gold labels CSV `file` (patient_id,label[,reason])")
	fs.StringVar(&f.evidence, "evidence", "", "reviewer evidence CSV `file` "+
		"(patient_id,note_id,start,end): count how often cited evidence overlaps it")
	fs.Var(&f.preds, "pred", "predictions `file` (.jsonl, .csv, .parquet) or run dir "+
		"(repeatable)")
	fs.StringVar(&uncertain, "uncertain", "absent", "how uncertain labels count: "+
		"absent, present or exclude (gold-uncertain patients left out)")
	fs.StringVar(&missing, "missing", "absent", "how gold patients missing from a "+
		"prediction file count: absent or exclude")
	fs.StringVar(&f.format, "format", "text", "output `format`: "+
		strings.Join(eval.Formats, ", "))
	fs.IntVar(&f.opts.Bootstrap, "bootstrap", 2000, "bootstrap resamples for 95% CIs (0: none)")
	fs.Uint64Var(&f.opts.Seed, "seed", 1, "bootstrap `seed`")
	fs.StringVar(&f.discordant, "discordant", "", "CSV `file` listing the patients on which "+
		"a method disagrees with gold")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	f.opts.Uncertain, f.opts.Missing = eval.Policy(uncertain), eval.Policy(missing)
	switch {
	case f.gold == "":
		return f, usagef("--gold is required")
	case len(f.preds) == 0:
		return f, usagef("give at least one --pred")
	case !oneOf(uncertain, "absent", "present", "exclude"):
		return f, usagef("--uncertain %q: want absent, present or exclude", uncertain)
	case !oneOf(missing, "absent", "exclude"):
		return f, usagef("--missing %q: want absent or exclude", missing)
	case !oneOf(f.format, eval.Formats...):
		return f, usagef("--format %q: want one of %s", f.format, strings.Join(eval.Formats, ", "))
	case f.opts.Bootstrap < 0:
		return f, usagef("--bootstrap must not be negative")
	}
	return f, nil
}

func oneOf(s string, set ...string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

func runEval(ctx context.Context, e *env, args []string) error {
	f, err := parseEvalFlags(args)
	if err != nil {
		return err
	}
	gold, err := diagnose.ReadGold(f.gold)
	if err != nil {
		return err
	}
	if f.evidence != "" {
		if err := diagnose.ReadGoldEvidence(f.evidence, gold); err != nil {
			return err
		}
	}
	methods, err := readPredictions(f.preds)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rep, err := eval.Evaluate(gold, methods, f.opts)
	if err != nil {
		return err
	}
	if err := eval.Write(e.stdout, rep, f.format); err != nil {
		return err
	}
	if f.discordant != "" {
		return writeDiscordant(f.discordant, rep)
	}
	return nil
}

// readPredictions reads each file into one method per method name found in
// it; rows without a method are named after the file. Two files giving the
// same name are told apart by their paths.
func readPredictions(paths []string) ([]eval.Method, error) {
	var methods []eval.Method
	seen := map[string]bool{}
	paths, err := expandRunDirs(paths)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		ds, err := diagnose.ReadDiagnoses(p)
		if err != nil {
			return nil, err
		}
		base := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		byName := map[string][]phenorag.Diagnosis{}
		var order []string
		for _, d := range ds {
			name := d.Method
			if name == "" {
				name = base
			}
			if _, ok := byName[name]; !ok {
				order = append(order, name)
			}
			byName[name] = append(byName[name], d)
		}
		if len(order) == 0 { // an empty file still stands for a method
			order = []string{base}
		}
		for _, name := range order {
			label := name
			if seen[label] {
				label = name + "@" + p
			}
			seen[label] = true
			methods = append(methods, eval.Method{Name: label, Diagnoses: byName[name]})
		}
	}
	return methods, nil
}

// expandRunDirs replaces each run directory among paths by the prediction
// files it holds (diagnoses.jsonl and rules.jsonl), and drops a file given
// twice, so that a run directory and one of its files can both be named.
func expandRunDirs(paths []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[filepath.Clean(p)] {
			seen[filepath.Clean(p)] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		found := false
		for _, name := range []string{diagnose.DiagnosesJSONL, diagnose.RulesJSONL} {
			if _, err := os.Stat(filepath.Join(p, name)); err == nil {
				add(filepath.Join(p, name))
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("%s holds neither %s nor %s", p, diagnose.DiagnosesJSONL,
				diagnose.RulesJSONL)
		}
	}
	return out, nil
}

func writeDiscordant(path string, rep *eval.Report) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteDiscordant(file); err != nil {
		file.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return file.Close()
}
