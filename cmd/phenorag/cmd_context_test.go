package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestContextCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "sentences.jsonl")
	rows := `{"id":1,"condition":"cough","sentence":"No COUGH.","negation":"Negated",` +
		`"temporality":"Recent","experiencer":"Patient"}
{"id":2,"condition":"chest pain","sentence":"CHEST  PAIN today.","negation":"Negated",` +
		`"temporality":"Recent","experiencer":"Patient"}
{"id":3,"condition":"asthma","sentence":"History of ASTHMA.","negation":"Affirmed",` +
		`"temporality":"Historical","experiencer":"Patient"}
`
	if err := os.WriteFile(data, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.jsonl")
	if err := os.WriteFile(broken, []byte(rows+"{\"id\":\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings of the output
		stderr string
	}{
		{"table", []string{"--data", data}, exitOK,
			[]string{"3 sentences, condition not found in 0",
				"negation  Negated  1.000  0.500  0.667  1  0  1  1",
				"temporality  Historical  1.000  1.000  1.000  1  0  0  2"}, ""},
		{"misses", []string{"--data", data, "--misses", "negation"}, exitOK,
			[]string{"1 misses:", "annotated Negated, tagged false"}, ""},
		{"no data", nil, exitUsage, nil, "--data is required"},
		{"bad format", []string{"--data", data, "--format", "xml"}, exitUsage, nil, "text or json"},
		{"bad line", []string{"--data", broken}, exitFailure, nil, "line 4"},
		{"bad phenotype", []string{"--data", data, "--phenotype", "nope"}, exitFailure, nil,
			"neither built in"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := mainCode(append([]string{"context"}, tc.args...), &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errb.String())
			}
			got := strings.Join(strings.Fields(out.String()), " ")
			for _, want := range tc.stdout {
				if !strings.Contains(got, strings.Join(strings.Fields(want), " ")) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr lacks %q: %s", tc.stderr, errb.String())
			}
		})
	}
}

func TestContextCommandJSON(t *testing.T) {
	data := filepath.Join(t.TempDir(), "s.jsonl")
	row := `{"id":1,"condition":"cough","sentence":"No COUGH.","negation":"Negated",` +
		`"temporality":"Recent","experiencer":"Patient"}` + "\n"
	if err := os.WriteFile(data, []byte(row), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := mainCode([]string{"context", "--data", data, "--format", "json"}, &out,
		&errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var got struct {
		Sentences int
		Negation  struct {
			TP int     `json:"tp"`
			F1 float64 `json:"f1"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Sentences != 1 || got.Negation.TP != 1 || got.Negation.F1 != 1 {
		t.Errorf("got %+v from %s", got, out.String())
	}
	if strings.Contains(errb.String(), "COUGH") {
		t.Errorf("sentence text reached the log: %s", errb.String())
	}
}
