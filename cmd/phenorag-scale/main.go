// Command phenorag-scale measures the whole pipeline at cohort scale: it
// generates a synthetic cohort, then runs `phenorag index`, `phenorag
// retrieve` and `phenorag run` on it as child processes, the last against a
// latency-modelled stand-in for Ollama served from this process. For each
// stage it prints the wall time, the peak resident memory of the child and
// the throughput, and for the map-reduce stage the share of time the model's
// slots were busy.
//
//	phenorag-scale --patients 100000 --dir /scratch/scale --phenorag bin/phenorag
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
	"github.com/phenorag/phenorag/synth"
)

// config is what the flags say.
type config struct {
	patients int
	seed     uint64
	dir      string
	bin      string
	slots    int
	latency  ollamatest.Latency
	keep     bool
}

// stage is one measured step.
type stage struct {
	name    string
	wall    time.Duration
	maxRSS  int64 // bytes
	items   int
	unit    string
	comment string
}

func main() {
	c, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "phenorag-scale:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stages, err := measure(ctx, c)
	report(os.Stdout, c, stages)
	if err != nil {
		fmt.Fprintln(os.Stderr, "phenorag-scale:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("phenorag-scale", flag.ContinueOnError)
	fs.IntVar(&c.patients, "patients", 100_000, "patients to generate")
	fs.Uint64Var(&c.seed, "seed", 7, "synthetic cohort seed")
	fs.StringVar(&c.dir, "dir", "", "scratch `DIR` for the cohort, index and run (required)")
	fs.StringVar(&c.bin, "phenorag", "bin/phenorag", "the phenorag `binary` to measure")
	fs.IntVar(&c.slots, "slots", 8, "parallel slots of the stand-in model")
	fs.DurationVar(&c.latency.Base, "latency-base", 20*time.Millisecond, "stand-in: time per call")
	fs.DurationVar(&c.latency.PerPromptToken, "latency-prompt-token", 20*time.Microsecond,
		"stand-in: time per prompt token")
	fs.DurationVar(&c.latency.PerOutputToken, "latency-output-token", 200*time.Microsecond,
		"stand-in: time per output token")
	fs.BoolVar(&c.keep, "keep", false, "keep an existing cohort and index in DIR (skip those stages)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.dir == "" {
		return c, fmt.Errorf("--dir is required")
	}
	bin, err := filepath.Abs(c.bin)
	if err != nil {
		return c, err
	}
	c.bin = bin
	return c, nil
}

// measure runs every stage in turn and returns what it measured so far,
// with the first error.
func measure(ctx context.Context, c config) ([]stage, error) {
	notes := filepath.Join(c.dir, "notes.csv")
	index := filepath.Join(c.dir, "index")
	snippets := filepath.Join(c.dir, "snippets.jsonl")
	run := filepath.Join(c.dir, "run")
	var stages []stage

	// Generate the cohort's notes as CSV.
	if _, err := os.Stat(notes); err != nil || !c.keep {
		if err := os.MkdirAll(c.dir, 0o755); err != nil {
			return nil, err
		}
		os.RemoveAll(index)
		s, err := generate(ctx, c, notes)
		stages = append(stages, s)
		if err != nil {
			return stages, err
		}
	}

	// Ingest and index.
	nNotes, err := countRows(notes)
	if err != nil {
		return stages, err
	}
	if _, err := os.Stat(index); err != nil || !c.keep {
		s, err := child(ctx, c, "ingest+index", nNotes, "notes",
			"index", "--notes", notes, "--index", index)
		stages = append(stages, s)
		if err != nil {
			return stages, err
		}
	}

	// Retrieve snippets for every patient.
	s, err := child(ctx, c, "retrieve", c.patients, "patients",
		"retrieve", "--index", index, "--out", snippets)
	stages = append(stages, s)
	if err != nil {
		return stages, err
	}

	// Map-reduce against the stand-in.
	model := ollamatest.DefaultModel
	model.ContextLength = 32768
	srv := ollamatest.NewServer(nil, ollamatest.WithSlots(c.slots),
		ollamatest.WithLatency(c.latency), ollamatest.WithModels(model))
	defer srv.Close()
	os.RemoveAll(run)
	s, err = child(ctx, c, "map-reduce", c.patients, "patients",
		"run", "--snippets", snippets, "--out", run, "--model", "stories", "--quiet",
		"--ollama", srv.URL+"#slots="+strconv.Itoa(c.slots), "--num-ctx", "8192")
	s.comment = fmt.Sprintf("%d calls; slots busy %.1f%% of the stage",
		srv.Calls("/api/chat"), 100*srv.Utilization(s.wall))
	stages = append(stages, s)
	return stages, err
}

// generate writes the synthetic cohort's notes to a CSV file.
func generate(ctx context.Context, c config, path string) (stage, error) {
	start := time.Now()
	f, err := os.Create(path)
	if err != nil {
		return stage{}, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write([]string{"note_id", "patient_id", "note_date", "note_type", "note_title", "text"})
	n := 0
	err = synth.Generate(ctx, synth.Config{Patients: c.patients, Seed: c.seed}, func(p synth.Patient) error {
		for _, note := range p.Notes {
			n++
			if err := w.Write([]string{note.ID, note.PatientID, note.Date.Format("2006-01-02"),
				note.Type, note.Title, note.Text}); err != nil {
				return err
			}
		}
		return nil
	})
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return stage{name: "synth", wall: time.Since(start), items: n, unit: "notes",
		comment: "in this process"}, err
}

// child runs one phenorag command and measures it.
func child(ctx context.Context, c config, name string, items int, unit string,
	args ...string) (stage, error) {
	fmt.Fprintf(os.Stderr, "phenorag-scale: %s: phenorag %v\n", name, args)
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Stdout = io.Discard
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	s := stage{name: name, wall: time.Since(start), items: items, unit: unit}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		s.maxRSS = ru.Maxrss * 1024 // Linux reports kilobytes
	}
	if err != nil {
		return s, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// countRows counts the records of a CSV file, less its header.
func countRows(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	n := -1
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		n++
	}
}

func report(w io.Writer, c config, stages []stage) {
	fmt.Fprintf(w, "phenorag-scale: %d patients, seed %d, stand-in %d slots, latency %v + %v/prompt token + %v/output token\n\n",
		c.patients, c.seed, c.slots, c.latency.Base, c.latency.PerPromptToken, c.latency.PerOutputToken)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "stage\twall\tpeak RSS\tthroughput\t")
	for _, s := range stages {
		rss := "-"
		if s.maxRSS > 0 {
			rss = fmt.Sprintf("%.0f MiB", float64(s.maxRSS)/(1<<20))
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%.0f %s/s\t%s\n", s.name, s.wall.Round(time.Second/10), rss,
			float64(s.items)/s.wall.Seconds(), s.unit, s.comment)
	}
	tw.Flush()
}
