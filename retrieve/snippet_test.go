package retrieve

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/phenorag/phenorag"
)

func TestAroundSnaps(t *testing.T) {
	c := &Cutter{window: 20}
	tests := []struct {
		name, text, match, want string
	}{
		{"sentence before and after",
			"First part here. Then the RVSP was high today. Trailing" + strings.Repeat(" on", 40),
			"RVSP", "First part here. Then the RVSP was high today."},
		{"sentence start ahead",
			strings.Repeat("a ", 40) + "stop. Then the RVSP was high today." + strings.Repeat(" on", 40),
			"RVSP", "Then the RVSP was high today."},
		{"line breaks", "header line\nRVSP 40\nnext line" + strings.Repeat(" and more", 20), "RVSP",
			"header line\nRVSP 40"},
		{"word edges when no sentence is near",
			strings.Repeat("alpha ", 20) + "RVSP" + strings.Repeat(" omega", 20), "RVSP",
			"alpha alpha alpha RVSP omega omega omega"},
		{"start of text", "RVSP 40 mmHg then" + strings.Repeat(" words", 20), "RVSP",
			"RVSP 40 mmHg then words"},
		{"never splits a character", strings.Repeat("é", 40) + "RVSP" + strings.Repeat("é", 40),
			"RVSP", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := strings.Index(tt.text, tt.match)
			r := c.around(tt.text, s, s+len(tt.match))
			got := tt.text[r.start:r.end]
			if !strings.Contains(got, tt.match) || !utf8.ValidString(got) {
				t.Fatalf("window %q lost the match or split a character", got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("window = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	c := &Cutter{m: &Matcher{weight: map[string]float64{}}, topK: 6}
	snip := func(note string, start int, score float64, ctx phenorag.Context) phenorag.Snippet {
		return phenorag.Snippet{NoteID: note, Start: start, End: start + 5, Score: score,
			Text:     note + string(rune('a'+start)),
			NoteDate: time.Date(2024, 1, int(note[1]-'0'), 0, 0, 0, 0, time.UTC),
			Mentions: []phenorag.Mention{{Context: ctx}}}
	}
	neg := phenorag.Context{Negated: true}
	var all []phenorag.Snippet
	for i := range 8 { // one note full of strong snippets
		all = append(all, snip("n1", i, 1.0, phenorag.Context{}))
	}
	all = append(all, snip("n2", 0, 0.9, phenorag.Context{}), snip("n3", 0, 0.4, neg))
	dup := snip("n4", 0, 1.0, phenorag.Context{})
	dup.Text = all[0].Text // a copy of n1's first snippet
	all = append(all, dup)

	got := c.Select(all)
	if len(got) != 6 {
		t.Fatalf("kept %d snippets, want 6", len(got))
	}
	notes := map[string]int{}
	for i, s := range got {
		notes[s.NoteID]++
		if i > 0 && got[i-1].NoteDate.After(s.NoteDate) {
			t.Errorf("snippets not in date order")
		}
	}
	if notes["n2"] != 1 {
		t.Errorf("the lone snippet of another note was crowded out: %v", notes)
	}
	if notes["n3"] != 1 {
		t.Errorf("no place kept for the negated snippet: %v", notes)
	}
	if notes["n4"] != 0 || len(got[0].Also) != 1 || got[0].Also[0].NoteID != "n4" {
		t.Errorf("copy in n4 not folded into Also: %v, also %v", notes, got[0].Also)
	}
}
