package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/diagnose"
	"github.com/phenorag/phenorag/ingest"
	"github.com/phenorag/phenorag/phenotype"
	"github.com/phenorag/phenorag/retrieve"
)

// rulesFlags are the settings of the rules command.
type rulesFlags struct {
	facts                                 listFlag
	snippets, index, phenotype, out, rejs string
	format, cohort                        string
	cohortID                              int
	nlp                                   bool
	shard                                 phenorag.Shard
}

func parseRulesFlags(args []string) (rulesFlags, error) {
	var f rulesFlags
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: phenorag rules --facts PATH... [--snippets FILE] "+
			"[--index DIR] [--phenotype ph] --out FILE [--nlp]")
		fs.PrintDefaults()
	}
	fs.Var(&f.facts, "facts", "fact table `path` or folder (repeatable, or comma separated)")
	fs.StringVar(&f.snippets, "snippets", "", "snippets.jsonl `file` (patients; with --nlp, "+
		"mentions and measurements)")
	fs.StringVar(&f.index, "index", "", "index `dir`: its patients join the universe")
	fs.StringVar(&f.phenotype, "phenotype", "ph", "built-in definition `name` or YAML file")
	fs.StringVar(&f.out, "out", "", "rules.jsonl `file` to write, one diagnosis per patient")
	fs.StringVar(&f.rejs, "rejects", "", "CSV `file` of rejected fact rows")
	fs.StringVar(&f.format, "format", "", "fact input `format` (default: detected)")
	fs.StringVar(&f.cohort, "cohort", "", "also write the present patients as an OMOP "+
		"COHORT table to this CSV `file` (dates of the evidence that fired)")
	fs.IntVar(&f.cohortID, "cohort-id", 1, "cohort_definition_id of --cohort")
	fs.BoolVar(&f.nlp, "nlp", false, "also count affirmed mentions and abnormal note "+
		"measurements (method rules+nlp; needs --snippets)")
	shard := fs.String("shard", "", "label only shard `K/N` of the patients")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	var err error
	if f.shard, err = phenorag.ParseShard(*shard); err != nil {
		return f, usagef("--shard: %v", err)
	}
	switch {
	case f.out == "":
		return f, usagef("--out is required")
	case len(f.facts) == 0 && f.snippets == "" && f.index == "":
		return f, usagef("give --facts, and --snippets or --index for the patient universe")
	case f.nlp && f.snippets == "":
		return f, usagef("--nlp needs --snippets")
	}
	return f, nil
}

func runRules(ctx context.Context, e *env, args []string) error {
	f, err := parseRulesFlags(args)
	if err != nil {
		return err
	}
	def, err := phenotype.Open(f.phenotype)
	if err != nil {
		return err
	}
	b, err := diagnose.NewBaseline(def, f.nlp)
	if err != nil {
		return err
	}

	// The universe: patients of the index and the snippets, then the facts.
	if err := addUniverse(ctx, b, f); err != nil {
		return err
	}
	rejected, err := addFacts(ctx, b, f)
	if err != nil {
		return err
	}

	ds := b.Diagnoses()
	if err := diagnose.WriteJSONL(f.out, ds); err != nil {
		return err
	}
	if f.cohort != "" {
		rows, undated := b.Cohort(f.cohortID)
		if err := diagnose.WriteCohort(f.cohort, rows); err != nil {
			return err
		}
		if len(undated) > 0 {
			e.log.Warn("present patients left out of the cohort: no dated evidence",
				"patients", len(undated))
		}
	}
	if err := writeRulesSummary(e.stdout, b, ds, f.out); err != nil {
		return err
	}
	if rejected > 0 {
		return fmt.Errorf("%d fact rows rejected: %w", rejected, errPartial)
	}
	return nil
}

// addUniverse adds every patient of the index and of the snippets file.
func addUniverse(ctx context.Context, b *diagnose.Baseline, f rulesFlags) error {
	if f.index != "" {
		ix, err := retrieve.Open(f.index)
		if err != nil {
			return err
		}
		ids, err := ix.Patients(ctx)
		if cerr := ix.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		for _, id := range ids {
			if f.shard.Contains(id) {
				b.AddPatient(id)
			}
		}
	}
	if f.snippets == "" {
		return nil
	}
	return diagnose.ReadSnippets(f.snippets, func(ps phenorag.PatientSnippets) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.shard.Contains(ps.PatientID) {
			b.AddSnippets(ps)
		}
		return nil
	})
}

// addFacts streams the facts into the baseline and returns how many rows
// ingest rejected.
func addFacts(ctx context.Context, b *diagnose.Baseline, f rulesFlags) (int, error) {
	if len(f.facts) == 0 {
		return 0, nil
	}
	opts := ingest.Options{Format: f.format}
	closeRejects := func() error { return nil }
	if f.rejs != "" {
		var err error
		if opts.Rejects, closeRejects, err = createRejects(f.rejs); err != nil {
			return 0, err
		}
	}
	sum, err := ingest.ReadFacts(ctx, f.facts, opts, func(fact phenorag.Fact) error {
		if f.shard.Contains(fact.PatientID) {
			b.AddFact(fact)
		}
		return nil
	})
	err = errors.Join(err, closeRejects())
	return sum.Totals().Rejected, err
}

// writeRulesSummary prints how many patients each rule labelled present.
func writeRulesSummary(w io.Writer, b *diagnose.Baseline, ds []phenorag.Diagnosis,
	out string) error {
	fired := map[string]int{}
	present := 0
	for _, d := range ds {
		if d.Label == phenorag.Present {
			present++
		}
		for _, r := range d.Rules {
			fired[r]++
		}
	}
	fmt.Fprintf(w, "%s: %d patients, %d present, %d absent; wrote %s\n", b.Method(),
		len(ds), present, len(ds)-present, out)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "rule\tpatients fired")
	for _, name := range b.RuleNames() {
		fmt.Fprintf(tw, "%s\t%d\n", name, fired[name])
	}
	return tw.Flush()
}
