package ollama

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	const schema = `{"type":"object","additionalProperties":false,
		"properties":{
			"answer":{"type":"string","enum":["yes","no"]},
			"quote":{"type":"string","minLength":1,"maxLength":5},
			"confidence":{"type":"number","minimum":0,"maximum":1},
			"count":{"type":"integer"},
			"tags":{"type":"array","items":{"type":"string"},"maxItems":2},
			"note":{"type":["string","null"]}},
		"required":["answer","quote"]}`
	tests := []struct {
		name, answer, wantErr string
	}{
		{"valid", `{"answer":"yes","quote":"ab"}`, ""},
		{"valid full", `{"answer":"no","quote":"é","confidence":0.5,"count":3,"tags":["a"],
			"note":null}`, ""},
		{"not json", `{"answer":"yes"`, "not valid JSON"},
		{"two values", `{"answer":"yes","quote":"a"} {}`, "text after"},
		{"empty", ``, "not valid JSON"},
		{"wrong top type", `[]`, "want type [object]"},
		{"missing required", `{"answer":"yes"}`, `"quote" missing`},
		{"not in enum", `{"answer":"maybe","quote":"a"}`, "$.answer: not one of"},
		{"too long", `{"answer":"yes","quote":"abcdef"}`, "$.quote: 6 characters"},
		{"too short", `{"answer":"yes","quote":""}`, "at least 1"},
		{"above maximum", `{"answer":"yes","quote":"a","confidence":2}`, "above maximum"},
		{"not integer", `{"answer":"yes","quote":"a","count":1.5}`, "want type [integer]"},
		{"bad item", `{"answer":"yes","quote":"a","tags":[1]}`, "$.tags[0]"},
		{"too many items", `{"answer":"yes","quote":"a","tags":["a","b","c"]}`, "at most 2"},
		{"extra property", `{"answer":"yes","quote":"a","x":1}`, `"x" not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate([]byte(schema), []byte(tt.answer))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "maybe") || strings.Contains(err.Error(), "abcdef") {
				t.Errorf("error repeats the answer's text: %v", err)
			}
		})
	}
}

func TestValidateIgnoresUnknownKeywords(t *testing.T) {
	schema := `{"type":"object","properties":{"a":{"type":"string","format":"date"}},"$id":"x"}`
	if err := validate([]byte(schema), []byte(`{"a":"b"}`)); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkValidate(b *testing.B) {
	answer := []byte(`{"answer":"yes","quote":"mean PA pressure 38 mmHg on RHC"}`)
	for b.Loop() {
		if err := validate(answerSchema, answer); err != nil {
			b.Fatal(err)
		}
	}
}
