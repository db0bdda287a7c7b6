// Command phenorag finds patients with a disease in clinical notes: it ingests
// notes, indexes them, retrieves per-patient snippets, asks a local LLM about
// them, reduces the answers to one diagnosis per patient, and evaluates the
// result against chart-review labels beside a physician-rules baseline.
//
// Exit codes:
//
//	0    success
//	1    failure: nothing useful was produced
//	2    usage error: bad flags or arguments
//	3    partial success: outputs were written, but some rows were rejected or
//	     some patients ended in error (see the summary and the rejects file)
//	130  interrupted (Ctrl-C); a rerun resumes where it stopped
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes, documented in the package comment and the README.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitPartial     = 3
	exitInterrupted = 130
)

// errPartial marks a command that wrote its outputs but could not account
// for every input as a success; main maps it to exitPartial.
var errPartial = errors.New("partial success")

// env is what every command gets: its standard streams and a logger that
// writes to stderr.
type env struct {
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// command is one subcommand of phenorag.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands = map[string]command{
	"synth":    {"write a synthetic cohort in every input format", runSynth},
	"ingest":   {"read notes and facts, report what was accepted and rejected", runIngest},
	"index":    {"build or extend a bleve index of notes", runIndex},
	"retrieve": {"write per-patient snippets from an index", runRetrieve},
	"context":  {"measure the context tagger on annotated sentences", runContext},
	"run":      {"map-reduce snippets through Ollama into one diagnosis per patient", runRun},
	"rules":    {"label patients with the physician-rules baseline", runRules},
	"eval":     {"compare predictions with gold labels", runEval},
	"explain":  {"show the evidence behind one patient's diagnosis", runExplain},
	"demo":     {"run the whole pipeline on a cohort and print the evaluation", runDemo},
	"merge":    {"combine the run directories of a cohort's shards", runMerge},
}

func main() {
	os.Exit(mainCode(os.Args[1:], os.Stdout, os.Stderr))
}

// mainCode runs phenorag with args and returns the process exit code.
func mainCode(args []string, stdout, stderr io.Writer) int {
	level := slog.LevelInfo
	if os.Getenv("PHENORAG_DEBUG") != "" {
		level = slog.LevelDebug
	}
	e := &env{
		stdout: stdout,
		stderr: stderr,
		log:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "phenorag: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, e, args[1:])
	return exitCode(ctx, e, args[0], err)
}

// exitCode reports err once and maps it to an exit code.
func exitCode(ctx context.Context, e *env, name string, err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, new(usageError)):
		fmt.Fprintf(e.stderr, "phenorag %s: %v\n", name, err)
		return exitUsage
	case ctx.Err() != nil:
		fmt.Fprintf(e.stderr, "phenorag %s: interrupted; run the same command again to resume\n", name)
		return exitInterrupted
	case errors.Is(err, errPartial):
		fmt.Fprintf(e.stderr, "phenorag %s: %v\n", name, err)
		return exitPartial
	default:
		fmt.Fprintf(e.stderr, "phenorag %s: %v\n", name, err)
		return exitFailure
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// parseFlags parses args into fs, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fs.Usage()
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: phenorag COMMAND [flags]   (phenorag COMMAND -h for its flags)")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
}

// listFlag is a flag that may be repeated, and whose values may also be
// separated by commas: --notes a.csv --notes b.csv or --notes a.csv,b.csv.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}
