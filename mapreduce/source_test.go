package mapreduce

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
)

func TestReadSnippets(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		ids   []string
		line  int // of the error; 0 for none
		cause error
	}{
		{"two patients, blank line, no final newline",
			`{"patient_id":"a","snippets":[{"note_id":"n","text":"x"}]}` + "\n\n" +
				`{"patient_id":"b","snippets":[]}`, []string{"a", "b"}, 0, nil},
		{"bad JSON", `{"patient_id":"a"}` + "\n{oops\n", []string{"a"}, 2, nil},
		{"no patient", `{"snippets":[]}`, nil, 1, ErrNoPatient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ids []string
			err := readSnippets(context.Background(), strings.NewReader(tt.in), "s.jsonl",
				func(ps phenorag.PatientSnippets) error {
					ids = append(ids, ps.PatientID)
					return nil
				})
			if strings.Join(ids, ",") != strings.Join(tt.ids, ",") {
				t.Errorf("ids %v, want %v", ids, tt.ids)
			}
			var le *LineError
			if tt.line == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.As(err, &le) || le.Line != tt.line || le.File != "s.jsonl" {
				t.Fatalf("err %v, want a LineError at line %d", err, tt.line)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("err %v does not wrap %v", err, tt.cause)
			}
		})
	}
}
