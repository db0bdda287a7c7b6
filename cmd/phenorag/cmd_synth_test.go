package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSynthCommand(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, dir := range dirs {
		var stdout, stderr bytes.Buffer
		code := mainCode([]string{"synth", "--patients", "12", "--seed", "7", "--notes-max",
			"6", "--txt", "--out", dir}, &stdout, &stderr)
		if code != exitOK || !strings.HasPrefix(stdout.String(), "patients=12 ") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
		}
	}
	for _, rel := range []string{"csv/notes.csv", "omop/note.parquet", "gold/labels.csv",
		"MANIFEST.json", "txt/index.csv"} {
		a, errA := os.ReadFile(filepath.Join(dirs[0], rel))
		b, errB := os.ReadFile(filepath.Join(dirs[1], rel))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed (%v, %v)", rel, errA, errB)
		}
	}
}

func TestSynthUsage(t *testing.T) {
	out := t.TempDir()
	tests := [][]string{
		{"synth", "--patients", "12"},
		{"synth", "--patients", "9", "--out", out},
		{"synth", "--patients", "100001", "--out", out},
		{"synth", "--patients", "12", "--prevalence", "1", "--out", out},
		{"synth", "--patients", "12", "--notes-min", "9", "--notes-max", "4", "--out", out},
		{"synth", "--patients", "12", "--out", out, "extra"},
	}
	for _, args := range tests {
		var stdout, stderr bytes.Buffer
		if code := mainCode(args, &stdout, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr.String())
		}
	}
}
