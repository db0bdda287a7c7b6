package mapreduce

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/phenorag/phenorag"
)

// FuzzVerify checks that any piece of a snippet, with its white space
// changed, verifies, and that the span found holds the same words.
func FuzzVerify(f *testing.F) {
	f.Add("RVSP  62 mmHg,\nconsistent with pulmonary hypertension.", 5, 30)
	f.Add("Assessment:\tPAH on sildenafil. PAH stable.", 12, 15)
	f.Add("é à\u00a0ü pulmonary\r\nhypertension", 0, 20)
	f.Fuzz(func(t *testing.T, text string, from, length int) {
		if !utf8.ValidString(text) || len(text) == 0 || from < 0 || length <= 0 {
			t.Skip()
		}
		from %= len(text)
		end := min(from+length, len(text))
		for !utf8.RuneStart(text[from]) {
			from--
		}
		for end < len(text) && !utf8.RuneStart(text[end]) {
			end++
		}
		quote := strings.Join(strings.Fields(text[from:end]), "\n ")
		s := phenorag.Snippet{NoteID: "n", Start: 7, End: 7 + len(text), Text: text}
		span, ok := Verify(quote, "", []phenorag.Snippet{s})
		want := normalizeQuote(quote)
		if want == "" {
			if ok {
				t.Fatalf("empty quote %q verified", quote)
			}
			return
		}
		if !ok {
			t.Fatalf("quote %q of %q not verified", quote, text)
		}
		got := text[span.Start-7 : span.End-7]
		if collapse(got) != want {
			t.Fatalf("span %v holds %q, want %q", span, got, want)
		}
	})
}
