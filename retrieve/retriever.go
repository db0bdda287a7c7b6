package retrieve

import (
	"context"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

// Retriever cuts per-patient snippets from an index.
type Retriever struct {
	ix  *Index
	cut *Cutter
	q   query.Query // the notes that may name the disease
}

// chunkNotes bounds the notes of the patients searched in one request.
const chunkNotes = 20000

// regionSlack widens a hit's region beyond the window so that sentence
// snapping and a measurement's value after its name stay inside it.
const regionSlack = snapReach + 40

// NewRetriever returns a retriever of def's snippets from ix.
func NewRetriever(ix *Index, def *phenotype.Definition, opts Options) (*Retriever, error) {
	c, err := NewCutter(def, opts)
	if err != nil {
		return nil, err
	}
	return &Retriever{ix: ix, cut: c, q: diseaseQuery(def)}, nil
}

// diseaseQuery matches every note in which the definition's exact matchers
// could find something: each phrase and measurement name as a phrase of the
// lower-cased text, each abbreviation as a term of the case-kept field.
func diseaseQuery(def *phenotype.Definition) query.Query {
	var qs []query.Query
	phrase := func(p string) {
		q := query.NewMatchPhraseQuery(p)
		q.SetField(fieldText)
		qs = append(qs, q)
	}
	term := func(a string) {
		q := query.NewTermQuery(a)
		q.SetField(fieldAbbr)
		qs = append(qs, q)
	}
	for _, t := range def.Terms {
		for _, p := range t.Phrases {
			phrase(p)
		}
		for _, a := range t.Abbreviations {
			term(a)
		}
	}
	for _, m := range def.Measurements {
		for _, a := range m.Aliases {
			phrase(a)
		}
	}
	return query.NewDisjunctionQuery(qs)
}

// Patient returns one patient's snippets.
func (r *Retriever) Patient(ctx context.Context, id string) (phenorag.PatientSnippets, error) {
	st, ok := r.ix.PatientStats(id)
	if !ok {
		return phenorag.PatientSnippets{}, fmt.Errorf("patient %s: %w", id, ErrNotFound)
	}
	q := query.NewTermQuery(id)
	q.SetField(fieldPatient)
	out, err := r.search(ctx, q, []string{id}, st.Notes)
	if err != nil {
		return phenorag.PatientSnippets{}, err
	}
	return out[0], nil
}

// All calls fn with every patient's snippets, in patient id order; patients
// without a snippet come with Snippets empty. It stops at fn's first error.
func (r *Retriever) All(ctx context.Context, fn func(phenorag.PatientSnippets) error) error {
	ids, err := r.ix.Patients(ctx)
	if err != nil {
		return err
	}
	for len(ids) > 0 {
		n, notes := r.chunk(ids)
		lo, hi := ids[0], ids[n-1]
		incl := true
		q := query.NewTermRangeInclusiveQuery(lo, hi, &incl, &incl)
		q.SetField(fieldPatient)
		out, err := r.search(ctx, q, ids[:n], notes)
		if err != nil {
			return err
		}
		for _, ps := range out {
			if err := fn(ps); err != nil {
				return err
			}
		}
		ids = ids[n:]
	}
	return nil
}

// chunk returns how many of ids to search at once, and their note count.
func (r *Retriever) chunk(ids []string) (int, int) {
	notes := 0
	for i, id := range ids {
		st, _ := r.ix.PatientStats(id)
		if i > 0 && notes+st.Notes > chunkNotes {
			return i, notes
		}
		notes += st.Notes
	}
	return len(ids), notes
}

// search runs the disease query within the patients of scope (ids, sorted,
// holding at most maxHits notes) and returns each patient's snippets.
func (r *Retriever) search(ctx context.Context, scope query.Query, ids []string,
	maxHits int) ([]phenorag.PatientSnippets, error) {
	req := bleve.NewSearchRequestOptions(query.NewConjunctionQuery([]query.Query{scope, r.q}),
		maxHits+1, 0, false)
	req.Fields = storedFields
	req.IncludeLocations = true
	req.Score = "none"
	res, err := r.ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search patients %s..%s: %w", ids[0], ids[len(ids)-1], err)
	}

	byPatient := map[string][]phenorag.Snippet{}
	for _, h := range res.Hits {
		n, err := noteFromFields(h.ID, h.Fields)
		if err != nil {
			return nil, err
		}
		snips := r.cut.Note(n, r.regions(h, n.Text))
		byPatient[n.PatientID] = append(byPatient[n.PatientID], snips...)
	}

	out := make([]phenorag.PatientSnippets, len(ids))
	for i, id := range ids {
		st, _ := r.ix.PatientStats(id)
		out[i] = phenorag.PatientSnippets{PatientID: id, Notes: st.Notes,
			TextBytes: st.TextBytes, Snippets: r.cut.Select(byPatient[id])}
	}
	return out, nil
}

// regions turns a hit's term locations into the merged parts of the note to
// match in.
func (r *Retriever) regions(h *search.DocumentMatch, text string) []region {
	reach, size := r.cut.window+regionSlack, len(text)
	var rs []region
	for _, terms := range h.Locations {
		for _, locs := range terms {
			for _, l := range locs {
				s, e := int(l.Start), int(l.End)
				rs = append(rs, region{max(0, s-reach), min(size, e+reach)})
			}
		}
	}
	if len(rs) == 0 {
		return nil
	}
	rs = mergeRegions(rs)
	for i := range rs { // whole words only, so that \b means what it says
		rs[i].start = wordStart(text, rs[i].start)
		rs[i].end = wordEnd(text, rs[i].end)
	}
	return slices.Clip(rs)
}

// wordStart moves i forward to the start of a word unless it is at one.
func wordStart(text string, i int) int {
	for i > 0 && i < len(text) && !isSpace(text[i-1]) {
		i++
	}
	return i
}

// wordEnd moves i back to the end of a word unless it is at one.
func wordEnd(text string, i int) int {
	for i > 0 && i < len(text) && !isSpace(text[i]) {
		i--
	}
	return i
}
