package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
	"github.com/phenorag/phenorag/retrieve"
)

// retrieveFlags are the settings of the retrieve command.
type retrieveFlags struct {
	index, phenotype, out string
	patients              listFlag
	topK, window          int
	eval                  string // gold folder: labels.csv and evidence.csv
	friendCases           listFlag
	shard                 phenorag.Shard
}

func parseRetrieveFlags(args []string) (retrieveFlags, error) {
	var f retrieveFlags
	fs := flag.NewFlagSet("retrieve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(),
			"usage: phenorag retrieve --index DIR [--phenotype ph] --out FILE [--patient ID]")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.index, "index", "", "index `dir` built by phenorag index")
	fs.StringVar(&f.phenotype, "phenotype", "ph", "built-in definition `name` or YAML file")
	fs.StringVar(&f.out, "out", "", "JSONL `file` of per-patient snippets (- for stdout)")
	fs.Var(&f.patients, "patient", "only this patient `id` (repeatable)")
	fs.IntVar(&f.topK, "top-k", 0, "snippets per patient (0: the definition's)")
	fs.IntVar(&f.window, "window", 0, "bytes kept each side of a match (0: the definition's)")
	fs.StringVar(&f.eval, "eval", "",
		"gold `dir` (labels.csv, evidence.csv): print evidence recall and prompt share")
	fs.Var(&f.friendCases, "friend-cases",
		"evidence `cases` that are false friends (default: the synthetic cohort's)")
	shard := fs.String("shard", "", "write only shard `K/N` of the patients")
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	var err error
	if f.shard, err = phenorag.ParseShard(*shard); err != nil {
		return f, usagef("--shard: %v", err)
	}
	switch {
	case f.index == "":
		return f, usagef("--index is required")
	case f.out == "":
		return f, usagef("--out is required")
	}
	return f, nil
}

func runRetrieve(ctx context.Context, e *env, args []string) error {
	f, err := parseRetrieveFlags(args)
	if err != nil {
		return err
	}
	def, err := phenotype.Open(f.phenotype)
	if err != nil {
		return err
	}
	ix, err := retrieve.Open(f.index)
	if err != nil {
		return err
	}
	defer ix.Close()
	r, err := retrieve.NewRetriever(ix, def, retrieve.Options{TopK: f.topK, Window: f.window})
	if err != nil {
		return err
	}

	var gold map[string]*retrieve.GoldPatient
	if f.eval != "" {
		cases := []string(f.friendCases)
		if len(cases) == 0 {
			cases = retrieve.DefaultFriendCases
		}
		if gold, err = retrieve.ReadGold(f.eval, cases); err != nil {
			return err
		}
	}

	w, closeOut, err := openSnippetsOut(e, f.out)
	if err != nil {
		return err
	}
	var st retrieveStats
	var ev retrieve.Evaluation
	write := func(ps phenorag.PatientSnippets) error {
		if !f.shard.Contains(ps.PatientID) {
			return nil
		}
		st.add(ps)
		if g, ok := gold[ps.PatientID]; ok {
			ev.Add(ps, g.Gold, g.Friends)
		}
		return w.Encode(ps)
	}
	if len(f.patients) == 0 {
		err = r.All(ctx, write)
	} else {
		err = retrievePatients(ctx, r, f.patients, write)
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	e.log.Info("retrieved", "patients", st.patients, "with_snippets", st.withSnippets,
		"snippets", st.snippets, "snippet_bytes", st.snippetBytes, "text_bytes", st.textBytes)
	if gold != nil {
		printRetrieveEval(e, f.out, &ev)
	}
	return nil
}

// printRetrieveEval prints the evaluation to stdout, or to stderr when the
// snippets went to stdout.
func printRetrieveEval(e *env, out string, ev *retrieve.Evaluation) {
	w := e.stdout
	if out == "-" {
		w = e.stderr
	}
	med, p90, total := ev.PromptShare()
	fmt.Fprintf(w, "patients evaluated     %d\n", ev.Patients)
	fmt.Fprintf(w, "evidence recall        %.4f (%d of %d spans)\n", ev.Recall(), ev.Covered,
		ev.EvidenceSpans)
	fmt.Fprintf(w, "false-friend mentions  %d (false-friend spans in gold: %d)\n",
		ev.FalseFriendMentions, ev.FriendSpans)
	fmt.Fprintf(w, "prompt share           median %.3f, p90 %.3f, total %.3f\n", med, p90, total)
}

// retrievePatients retrieves the named patients, in the order given.
func retrievePatients(ctx context.Context, r *retrieve.Retriever, ids []string,
	fn func(phenorag.PatientSnippets) error) error {
	for _, id := range ids {
		ps, err := r.Patient(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(ps); err != nil {
			return err
		}
	}
	return nil
}

// retrieveStats sums what retrieval produced, for the closing log line.
type retrieveStats struct {
	patients, withSnippets, snippets int
	snippetBytes, textBytes          int
}

func (s *retrieveStats) add(ps phenorag.PatientSnippets) {
	s.patients++
	if len(ps.Snippets) > 0 {
		s.withSnippets++
	}
	s.snippets += len(ps.Snippets)
	s.textBytes += ps.TextBytes
	for _, sn := range ps.Snippets {
		s.snippetBytes += len(sn.Text)
	}
}

// openSnippetsOut opens a JSONL output, "-" being stdout; closeOut flushes and
// closes it.
func openSnippetsOut(e *env, path string) (*json.Encoder, func() error, error) {
	if path == "-" {
		bw := bufio.NewWriter(e.stdout)
		return json.NewEncoder(bw), bw.Flush, nil
	}
	file, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	bw := bufio.NewWriterSize(file, 1<<20)
	closeOut := func() error {
		if err := bw.Flush(); err != nil {
			file.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		return file.Close()
	}
	return json.NewEncoder(bw), closeOut, nil
}
