package main

import (
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/phenorag/phenorag/mapreduce"
)

// logEvery is the longest gap between progress lines when no bar is shown.
const logEvery = 30 * time.Second

// newProgress returns the engine's progress callback: a bar on stderr when
// it is a terminal, otherwise a log line at most every 30 seconds. total is
// the number of patients, or -1 when unknown.
func newProgress(e *env, quiet bool, total int) func(mapreduce.Stats) {
	if !quiet && isTerminal(e.stderr) {
		bar := progressbar.NewOptions64(int64(total), progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("patients"), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(250*time.Millisecond),
			progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionClearOnFinish())
		return func(s mapreduce.Stats) {
			bar.Describe(fmt.Sprintf("calls %d, cache hits %d, tokens %d, errors %d",
				s.Calls, s.CacheHits, s.PromptTokens+s.OutputTokens, s.Errors))
			bar.Set(s.Patients)
		}
	}
	start := time.Now()
	last := start
	return func(s mapreduce.Stats) {
		if time.Since(last) < logEvery {
			return
		}
		last = time.Now()
		e.log.Info("progress", "patients", s.Patients, "of", total, "calls", s.Calls,
			"cache_hits", s.CacheHits, "errors", s.Errors,
			"tokens", s.PromptTokens+s.OutputTokens,
			"eta", eta(last.Sub(start), s.Patients, total))
	}
}

// eta estimates the time left when done of total patients took elapsed, at
// the pace so far; "unknown" before the first patient or without a total.
func eta(elapsed time.Duration, done, total int) string {
	if done <= 0 || total <= 0 {
		return "unknown"
	}
	left := float64(elapsed) * float64(max(total-done, 0)) / float64(done)
	return time.Duration(left).Round(time.Second).String()
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// newCounter returns a progress callback for work of unknown size, such as
// the notes of an input file: a spinner with a count on stderr when it is a
// terminal, otherwise a log line at most every 30 seconds. It is called with
// the running count; done ends the spinner.
func newCounter(e *env, what string) (add func(n int), done func()) {
	if isTerminal(e.stderr) {
		bar := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription(what), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString(what),
			progressbar.OptionThrottle(250*time.Millisecond), progressbar.OptionClearOnFinish())
		return func(n int) { bar.Set(n) }, func() { bar.Finish() }
	}
	last := time.Now()
	return func(n int) {
		if time.Since(last) < logEvery {
			return
		}
		last = time.Now()
		e.log.Info("progress", what, n)
	}, func() {}
}
