package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/ingest"
)

// ingestFlags are the settings of the ingest command.
type ingestFlags struct {
	notes, facts      listFlag
	format, rejects   string
	columns, factCols string
	pattern           string
	strict            bool
}

// parseIngestFlags reads the flags, and the options for notes and for facts.
func parseIngestFlags(args []string) (ingestFlags, ingest.Options, ingest.Options, error) {
	var none ingest.Options
	var f ingestFlags
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: phenorag ingest --notes PATH... [--facts PATH...] "+
			"[--format F] [--columns field=column,...] [--strict] [--rejects FILE]")
		fmt.Fprintln(fs.Output(), "Prints what became of each file's rows; exit code 3 "+
			"when rows were rejected.")
		fs.PrintDefaults()
	}
	fs.Var(&f.notes, "notes", "notes `path` (file or folder; repeatable, or comma separated)")
	fs.Var(&f.facts, "facts", "facts `path` (file or folder; repeatable, or comma separated)")
	fs.StringVar(&f.format, "format", "",
		"input `format`: csv, tsv, jsonl, parquet, mimic, omop, txt (default: told per file)")
	fs.StringVar(&f.columns, "columns", "",
		"note columns as `field=column,...`, e.g. text=note_text,patient_id=person")
	fs.StringVar(&f.factCols, "fact-columns", "",
		"fact columns as `field=column,...` (fields patient_id, date, system, code, "+
			"name, value, unit)")
	fs.BoolVar(&f.strict, "strict", false, "stop at the first rejected row")
	fs.StringVar(&f.rejects, "rejects", "", "CSV `file` of rejected rows (no note text)")
	fs.StringVar(&f.pattern, "patient-pattern", "",
		"`regexp` with a (?P<patient>...) group on the paths of .txt notes")
	if err := parseFlags(fs, args); err != nil {
		return f, none, none, err
	}
	if len(f.notes) == 0 && len(f.facts) == 0 {
		return f, none, none, usagef("--notes or --facts is required")
	}
	noteCols, err := parseColumns("--columns", f.columns)
	if err != nil {
		return f, none, none, err
	}
	factCols, err := parseColumns("--fact-columns", f.factCols)
	if err != nil {
		return f, none, none, err
	}
	notes := ingest.Options{Format: f.format, Columns: noteCols, Strict: f.strict,
		PatientPattern: f.pattern, ReuseText: true} // notes are only counted
	facts := notes
	facts.Columns = factCols
	return f, notes, facts, nil
}

// parseColumns reads the value of flag: "field=column,field=column".
func parseColumns(flag, s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	cols := make(map[string]string)
	for _, pair := range strings.Split(s, ",") {
		field, col, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || field == "" || col == "" {
			return nil, usagef("%s: %q is not field=column", flag, pair)
		}
		cols[field] = col
	}
	return cols, nil
}

func runIngest(ctx context.Context, e *env, args []string) error {
	f, noteOpts, factOpts, err := parseIngestFlags(args)
	if err != nil {
		return err
	}
	closeRejects := func() error { return nil }
	if f.rejects != "" {
		if noteOpts.Rejects, closeRejects, err = createRejects(f.rejects); err != nil {
			return err
		}
		factOpts.Rejects = noteOpts.Rejects
	}

	var notes, facts ingest.Summary
	if len(f.notes) > 0 {
		notes, err = ingest.ReadNotes(ctx, f.notes, noteOpts, func(phenorag.Note) error { return nil })
	}
	if err == nil && len(f.facts) > 0 {
		facts, err = ingest.ReadFacts(ctx, f.facts, factOpts, func(phenorag.Fact) error { return nil })
	}
	if cerr := closeRejects(); err == nil {
		err = cerr
	}
	if werr := writeIngestSummary(e.stdout, notes, facts); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	if n := notes.Totals().Rejected + facts.Totals().Rejected; n > 0 {
		return fmt.Errorf("%d rows rejected: %w", n, errPartial)
	}
	return nil
}

// createRejects creates the rejects file and writes its header.
func createRejects(path string) (io.Writer, func() error, error) {
	file, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	w := csv.NewWriter(file)
	w.Write(ingest.RejectsHeader)
	w.Flush()
	if err := w.Error(); err != nil {
		file.Close()
		return nil, nil, err
	}
	return file, file.Close, nil
}

// writeIngestSummary prints one line per file and the totals.
func writeIngestSummary(w io.Writer, notes, facts ingest.Summary) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\tfile\tformat\tread\taccepted\trejected\tduplicates\tempty")
	all := ingest.Summary{}
	for _, s := range []struct {
		kind string
		sum  ingest.Summary
	}{{"notes", notes}, {"facts", facts}} {
		for _, fs := range s.sum.Files {
			writeSummaryRow(tw, s.kind, fs)
		}
		all.Files = append(all.Files, s.sum.Files...)
	}
	writeSummaryRow(tw, "", all.Totals())
	return tw.Flush()
}

func writeSummaryRow(w io.Writer, kind string, fs ingest.FileSummary) {
	fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n", kind, fs.Path, fs.Format,
		fs.Read, fs.Accepted, fs.Rejected, fs.Duplicates, fs.Empty)
}
