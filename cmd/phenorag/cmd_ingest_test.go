package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestIngestCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	diag := filepath.Join(dir, "diagnoses.csv")
	os.WriteFile(good, []byte("id,person,note_text\n1,p1,Echo.\n2,p1,\n"), 0o644)
	os.WriteFile(bad, []byte("note_id,patient_id,text\n3,,x\n4,p2,y\n"), 0o644)
	os.WriteFile(diag, []byte("patient_id,date,system,code\np1,2020-01-01,ICD10,I2720\n"), 0o644)
	rejects := filepath.Join(dir, "rejects.csv")

	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // lines of the summary, compared by their fields
		rejected string   // the rejects file, when asked for
	}{
		{"clean", []string{"--notes", good, "--facts", diag,
			"--columns", "patient_id=person,text=note_text,note_id=id"}, exitOK,
			[]string{"notes " + good + " csv 2 2 0 0 1", "facts " + diag + " csv 1 1 0 0 0",
				"total 3 3 0 0 1"}, ""},
		{"rejected rows", []string{"--notes", bad, "--rejects", rejects}, exitPartial,
			[]string{"notes " + bad + " csv 2 1 1 0 0", "total 2 1 1 0 0"},
			"file,line,row,field,reason\n" + bad + ",2,1,patient_id,missing value\n"},
		{"strict", []string{"--notes", bad, "--strict"}, exitFailure, nil, ""},
		{"bad columns", []string{"--notes", good, "--columns", "text"}, exitUsage, nil, ""},
		{"no input", []string{"--strict"}, exitUsage, nil, ""},
		{"bad format", []string{"--notes", good, "--format", "xml"}, exitFailure, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := mainCode(append([]string{"ingest"}, tt.args...), &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			var lines []string
			for _, l := range strings.Split(stdout.String(), "\n") {
				lines = append(lines, strings.Join(strings.Fields(l), " "))
			}
			for _, s := range tt.stdout {
				if !slices.Contains(lines, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			if tt.rejected != "" {
				b, _ := os.ReadFile(rejects)
				if string(b) != tt.rejected {
					t.Errorf("rejects\n got %q\nwant %q", b, tt.rejected)
				}
			}
		})
	}
}
