package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/phenorag/phenorag/synth"
)

// Bounds of --patients.
const (
	synthMinPatients = 10
	synthMaxPatients = 100_000
)

// runSynth writes a synthetic cohort in every input format.
func runSynth(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	var cfg synth.Config
	var opts synth.WriteOptions
	fs.IntVar(&cfg.Patients, "patients", 1000,
		fmt.Sprintf("patients to generate (%d to %d)", synthMinPatients, synthMaxPatients))
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed; the same seed writes the same bytes")
	fs.Float64Var(&cfg.Prevalence, "prevalence", synth.DefaultPrevalence,
		"share of patients with pulmonary hypertension")
	fs.IntVar(&cfg.NotesMin, "notes-min", synth.DefaultNotesMin, "fewest notes per patient")
	fs.IntVar(&cfg.NotesMax, "notes-max", synth.DefaultNotesMax, "most notes per patient")
	fs.BoolVar(&opts.TXT, "txt", false, "also write one .txt file per note under txt/")
	out := fs.String("out", "", "directory to write the cohort to (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *out == "":
		return usagef("--out is required")
	case cfg.Patients < synthMinPatients || cfg.Patients > synthMaxPatients:
		return usagef("--patients %d: need %d to %d", cfg.Patients, synthMinPatients,
			synthMaxPatients)
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}

	start := time.Now()
	if isTerminal(e.stderr) {
		bar := progressbar.NewOptions(cfg.Patients, progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("patients"), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(250*time.Millisecond), progressbar.OptionClearOnFinish())
		opts.Progress = func(done int) { bar.Set(done) }
		defer bar.Finish()
	}
	m, err := synth.Write(ctx, cfg, *out, opts)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	var bytes int64
	for _, f := range m.Files {
		bytes += f.Bytes
	}
	fmt.Fprintf(e.stdout, "patients=%d positives=%d notes=%d note_bytes=%d bytes=%d "+
		"seconds=%.1f out=%s\n", m.Patients, m.Positives, m.Notes, m.NoteBytes, bytes,
		time.Since(start).Seconds(), *out)
	return nil
}
