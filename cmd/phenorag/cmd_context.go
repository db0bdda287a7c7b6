package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/phenorag/phenorag/phenotype"
	"github.com/phenorag/phenorag/tagger"
)

// contextFlags are the settings of the context command.
type contextFlags struct {
	data, phenotype, format string
	misses                  string
}

func parseContextFlags(args []string) (contextFlags, error) {
	var f contextFlags
	fs := flag.NewFlagSet("context", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: phenorag context --data FILE [--phenotype ph] "+
			"[--format text|json] [--misses ATTRIBUTE]")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.data, "data", "", "JSONL `file` of annotated sentences (NegEx format)")
	fs.StringVar(&f.phenotype, "phenotype", "ph", "built-in definition `name` or YAML file")
	fs.StringVar(&f.format, "format", "text", "output `format`: text or json")
	fs.StringVar(&f.misses, "misses", "",
		"also list the sentences tagged wrongly on this `attribute`: negation, "+
			"temporality, experiencer or all")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	switch {
	case f.data == "":
		return f, usagef("--data is required")
	case f.format != "text" && f.format != "json":
		return f, usagef("--format must be text or json, not %q", f.format)
	}
	switch f.misses {
	case "", "negation", "temporality", "experiencer", "all":
	default:
		return f, usagef("--misses must be negation, temporality, experiencer or all")
	}
	return f, nil
}

// runContext measures the context tagger of a definition on annotated
// sentences and prints precision, recall and F1 for each attribute.
func runContext(ctx context.Context, e *env, args []string) error {
	f, err := parseContextFlags(args)
	if err != nil {
		return err
	}
	def, err := phenotype.Open(f.phenotype)
	if err != nil {
		return err
	}
	tg, err := tagger.New(def.Context)
	if err != nil {
		return fmt.Errorf("%s: %w", def.Source, err)
	}
	examples, err := readContextData(f.data)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	rep := tg.Evaluate(examples)
	e.log.Info("context evaluated", "file", f.data, "sentences", rep.Sentences,
		"not_found", rep.NotFound)
	if f.misses != "all" {
		rep.Misses = filterMisses(rep.Misses, f.misses)
	}
	if f.format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(contextJSON(rep))
	}
	return writeContextTable(e.stdout, f.data, def.Source, rep)
}

// readContextData reads the annotated sentences of path.
func readContextData(path string) ([]tagger.Example, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	examples, err := tagger.ReadExamples(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return examples, nil
}

// filterMisses keeps the misses on one attribute; none for "".
func filterMisses(ms []tagger.Miss, attribute string) []tagger.Miss {
	var out []tagger.Miss
	for _, m := range ms {
		if m.Attribute == attribute {
			out = append(out, m)
		}
	}
	return out
}

// scoreJSON is a score with its derived figures, as the json format
// prints it.
type scoreJSON struct {
	tagger.Score
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func newScoreJSON(s tagger.Score) scoreJSON {
	return scoreJSON{Score: s, Precision: s.Precision(), Recall: s.Recall(), F1: s.F1()}
}

// contextJSON is the json output of the context command.
func contextJSON(rep tagger.Report) any {
	return struct {
		Sentences   int           `json:"sentences"`
		NotFound    int           `json:"not_found"`
		Negation    scoreJSON     `json:"negation"`
		Temporality scoreJSON     `json:"temporality"`
		Experiencer scoreJSON     `json:"experiencer"`
		Misses      []tagger.Miss `json:"misses,omitempty"`
	}{rep.Sentences, rep.NotFound, newScoreJSON(rep.Negation),
		newScoreJSON(rep.Temporality), newScoreJSON(rep.Experiencer), rep.Misses}
}

// writeContextTable prints the report as an aligned table.
func writeContextTable(w io.Writer, data, source string, rep tagger.Report) error {
	fmt.Fprintf(w, "%s with %s: %d sentences, condition not found in %d\n\n",
		data, source, rep.Sentences, rep.NotFound)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "attribute\tpositive\tprecision\trecall\tF1\tTP\tFP\tFN\tTN\t")
	for _, a := range []struct {
		name, positive string
		s              tagger.Score
	}{
		{"negation", "Negated", rep.Negation},
		{"temporality", "Historical", rep.Temporality},
		{"experiencer", "Other", rep.Experiencer},
	} {
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.3f\t%.3f\t%d\t%d\t%d\t%d\t\n", a.name, a.positive,
			a.s.Precision(), a.s.Recall(), a.s.F1(), a.s.TP, a.s.FP, a.s.FN, a.s.TN)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Misses) > 0 {
		fmt.Fprintf(w, "\n%d misses:\n", len(rep.Misses))
	}
	for _, m := range rep.Misses {
		fmt.Fprintf(w, "%d\t%s\tannotated %s, tagged %v\t[%s]\t%s\n",
			m.ID, m.Attribute, m.Annotated, m.Tagged, m.Condition, m.Sentence)
	}
	return nil
}
