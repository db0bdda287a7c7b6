package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/diagnose"
	"github.com/phenorag/phenorag/retrieve"
)

// explainFlags are the settings of the explain command.
type explainFlags struct {
	run, patient, index string
	context             int
}

func parseExplainFlags(args []string) (explainFlags, error) {
	var f explainFlags
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: phenorag explain --run DIR --patient ID [--index DIR]")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.run, "run", "", "run `dir` written by phenorag run (and rules)")
	fs.StringVar(&f.patient, "patient", "", "patient `id` to explain")
	fs.StringVar(&f.index, "index", "", "index `dir`, to show snippets within their notes "+
		"and check every quote against the note text")
	fs.IntVar(&f.context, "context", 2, "`lines` of the note shown around each snippet")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	switch {
	case f.run == "":
		return f, usagef("--run is required")
	case f.patient == "":
		return f, usagef("--patient is required")
	case f.context < 0:
		return f, usagef("--context must not be negative")
	}
	return f, nil
}

func runExplain(ctx context.Context, e *env, args []string) error {
	f, err := parseExplainFlags(args)
	if err != nil {
		return err
	}
	x, err := diagnose.LoadExplanation(f.run, f.patient)
	if err != nil {
		return err
	}
	opts := diagnose.ExplainOptions{ContextLines: f.context,
		Bold: isTerminal(e.stdout) && os.Getenv("NO_COLOR") == ""}
	if f.index != "" {
		ix, err := retrieve.Open(f.index)
		if err != nil {
			return err
		}
		defer ix.Close()
		opts.NoteText = noteTexts(ix)
	}
	if err := x.Write(e.stdout, opts); err != nil {
		return err
	}
	if opts.NoteText == nil {
		return ctx.Err()
	}

	// Every verified quote must sit at its offsets in its note.
	ds := append([]phenorag.Diagnosis(nil), x.Rules...)
	if x.Diagnosis != nil {
		ds = append(ds, *x.Diagnosis)
	}
	if err := diagnose.VerifyEvidence(ds, opts.NoteText); err != nil {
		return fmt.Errorf("evidence check: %w", err)
	}
	fmt.Fprintln(e.stdout, "\nevidence check: every verified quote sits at its offsets")
	return nil
}

// noteTexts returns the note text getter of an index, remembering the
// notes already read.
func noteTexts(ix *retrieve.Index) func(id string) (string, error) {
	seen := map[string]string{}
	return func(id string) (string, error) {
		if t, ok := seen[id]; ok {
			return t, nil
		}
		n, err := ix.Note(id)
		if err != nil {
			return "", err
		}
		seen[id] = n.Text
		return n.Text, nil
	}
}
