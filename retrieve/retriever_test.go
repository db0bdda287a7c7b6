package retrieve

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

// prefixTagger marks a mention negated when "no " or "No " starts the
// sentence-free stretch of up to 20 bytes before it.
type prefixTagger struct{}

func (prefixTagger) Tag(text string, start, end int) phenorag.Context {
	before := strings.ToLower(text[max(0, start-20):start])
	return phenorag.Context{Negated: strings.Contains(before, "no ")}
}

func allSnippets(t *testing.T, r *Retriever) map[string]phenorag.PatientSnippets {
	t.Helper()
	got := map[string]phenorag.PatientSnippets{}
	var order []string
	err := r.All(context.Background(), func(ps phenorag.PatientSnippets) error {
		got[ps.PatientID] = ps
		order = append(order, ps.PatientID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"p1", "p2", "p3", "p4"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("All order = %v, want %v", order, want)
	}
	return got
}

func TestRetrieverAgreesWithScan(t *testing.T) {
	ix := buildIndex(t, fixture)
	def := openPH(t)
	opts := Options{Tagger: prefixTagger{}}
	r, err := NewRetriever(ix, def, opts)
	if err != nil {
		t.Fatal(err)
	}
	r.chunkNotes = 2 // several chunks, searched by several workers
	cut, _ := NewCutter(def, opts)
	got := allSnippets(t, r)
	byPatient := map[string][]phenorag.Note{}
	for _, n := range fixture {
		byPatient[n.PatientID] = append(byPatient[n.PatientID], n)
	}
	for id, notes := range byPatient {
		want := cut.Patient(id, notes)
		if !reflect.DeepEqual(got[id], want) {
			t.Errorf("patient %s through the index:\n%+v\nscan:\n%+v", id, got[id], want)
		}
		one, err := r.Patient(context.Background(), id)
		if err != nil || !reflect.DeepEqual(one, want) {
			t.Errorf("Patient(%s) = %+v, %v; want %+v", id, one, err, want)
		}
	}
}

func TestRetrieverSnippets(t *testing.T) {
	ix := buildIndex(t, fixture)
	r, err := NewRetriever(ix, openPH(t), Options{}) // the definition's own tagger
	if err != nil {
		t.Fatal(err)
	}
	got := allSnippets(t, r)
	notes := map[string]phenorag.Note{}
	for _, n := range fixture {
		notes[n.ID] = n
	}
	for _, ps := range got {
		for _, s := range ps.Snippets {
			if s.Text != notes[s.NoteID].Text[s.Start:s.End] {
				t.Errorf("snippet %v text is not the note's text there", s.Span())
			}
		}
	}

	p1 := got["p1"]
	if p1.Notes != 3 || p1.TextBytes != len(fixture[0].Text)+2*len(fixture[1].Text) {
		t.Errorf("p1 counts = %d notes, %d bytes", p1.Notes, p1.TextBytes)
	}
	if len(p1.Snippets) != 2 {
		t.Fatalf("p1 snippets = %d, want 2 (n3 is a copy of n2): %+v", len(p1.Snippets), p1.Snippets)
	}
	if also := p1.Snippets[1].Also; len(also) != 1 || also[0].NoteID != "n3" {
		t.Errorf("p1 n2 snippet Also = %v, want the copy in n3", also)
	}
	if v := p1.Snippets[0].Measurements; len(v) != 1 || v[0].Name != "RVSP" || v[0].Value != 62 {
		t.Errorf("p1 n1 measurements = %+v", v)
	}

	p2 := got["p2"]
	if len(p2.Snippets) != 1 || p2.Snippets[0].NoteID != "n5" {
		t.Fatalf("p2 snippets = %+v, want only the negated mention in n5", p2.Snippets)
	}
	if ms := p2.Snippets[0].Mentions; len(ms) != 1 || !ms[0].Context.Negated {
		t.Errorf("p2 mentions = %+v, want one negated mention (PH: negative is no mention)", ms)
	}
	if s := got["p4"].Snippets; s == nil || len(s) != 0 {
		t.Errorf("p4 snippets = %#v, want empty, not nil", s)
	}
	if got["p1"].Snippets[0].Score <= p2.Snippets[0].Score {
		t.Errorf("affirmed score %g not above negated %g", got["p1"].Snippets[0].Score,
			p2.Snippets[0].Score)
	}
}

func TestLowerCaseAbbreviationFound(t *testing.T) {
	def := openPH(t)
	def.Terms = append(def.Terms, phenotype.Term{Name: "odd", Abbreviations: []string{"phx"}})
	ix := buildIndex(t, []phenorag.Note{{ID: "a", PatientID: "p", Text: "Seen for phx today."}})
	r, err := NewRetriever(ix, def, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := r.Patient(context.Background(), "p")
	if err != nil || len(ps.Snippets) != 1 || ps.Snippets[0].Terms[0] != "odd" {
		t.Errorf("lower-case abbreviation: %+v, %v", ps, err)
	}
}
