package retrieve

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"golang.org/x/sync/errgroup"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

// Retriever cuts per-patient snippets from an index.
type Retriever struct {
	ix      *Index
	cut     *Cutter
	q       query.Query // the notes that may name the disease
	workers int
	// chunkNotes bounds the notes of the patients searched in one request.
	chunkNotes int
}

// defaultChunkNotes bounds the notes of the patients searched in one
// request. Each request runs the whole disease query, so larger chunks cost
// less in all (on 104,000 notes: 5,000 took 3.5 s, 20,000 1.8 s, 100,000
// 1.6 s), while the hits of a chunk, stored text included, are held in memory.
const defaultChunkNotes = 50000

// A hit's region, where the exact matchers run, reaches regionBefore bytes
// before the term bleve located (a phrase may start a few words earlier, and
// a false friend before that) and anchorReach bytes after it (the longest
// match the anchored matchers take). Windows are cut from the whole note.
const regionBefore = 2 * friendReach

// NewRetriever returns a retriever of def's snippets from ix.
func NewRetriever(ix *Index, def *phenotype.Definition, opts Options) (*Retriever, error) {
	c, err := NewCutter(def, opts)
	if err != nil {
		return nil, err
	}
	return &Retriever{ix: ix, cut: c, q: diseaseQuery(def), workers: cmp.Or(opts.Workers, 2),
		chunkNotes: defaultChunkNotes}, nil
}

// diseaseQuery matches every note in which the definition's exact matchers
// could find something: each phrase and measurement name as a phrase of the
// lower-cased text, each abbreviation as a term of the case-kept field (or,
// when that field does not keep it, as a phrase of the text).
func diseaseQuery(def *phenotype.Definition) query.Query {
	var qs []query.Query
	phrase := func(p string) {
		q := query.NewMatchPhraseQuery(p)
		q.SetField(fieldText)
		qs = append(qs, q)
	}
	term := func(a string) {
		if firstWord(a) != a || len(a) > maxAbbrLen || !hasUpper([]byte(a)) {
			phrase(a) // not kept in the case-sensitive field: the text field finds more
			return
		}
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
// without a snippet come with Snippets empty. Chunks of patients are searched
// and cut by a few workers at once; fn is called from one goroutine. All
// stops at fn's first error.
func (r *Retriever) All(ctx context.Context, fn func(phenorag.PatientSnippets) error) error {
	ids, err := r.ix.Patients(ctx)
	if err != nil {
		return err
	}
	chunks := r.chunks(ids)
	results := make([]chan []phenorag.PatientSnippets, len(chunks))
	for i := range results {
		results[i] = make(chan []phenorag.PatientSnippets, 1)
	}

	// ahead bounds the chunks searched but not yet consumed, so that a slow
	// fn holds memory to a few chunks.
	ahead := make(chan struct{}, 2*r.workers)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		work := new(errgroup.Group)
		work.SetLimit(r.workers)
		defer work.Wait()
		for i, c := range chunks {
			select {
			case ahead <- struct{}{}:
			case <-gctx.Done():
				return gctx.Err()
			}
			work.Go(func() error {
				out, err := r.searchRange(gctx, c)
				if err != nil {
					return err
				}
				results[i] <- out
				return nil
			})
		}
		return work.Wait()
	})
	g.Go(func() error {
		for _, ch := range results {
			select {
			case out := <-ch:
				<-ahead
				for _, ps := range out {
					if err := fn(ps); err != nil {
						return err
					}
				}
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	return g.Wait()
}

// patientChunk is a run of consecutive patient ids and their note count.
type patientChunk struct {
	ids   []string
	notes int
}

// chunks splits sorted ids into runs of about r.chunkNotes notes.
func (r *Retriever) chunks(ids []string) []patientChunk {
	var out []patientChunk
	for len(ids) > 0 {
		n, notes := r.chunk(ids)
		out = append(out, patientChunk{ids[:n], notes})
		ids = ids[n:]
	}
	return out
}

// searchRange searches the patients of one chunk.
func (r *Retriever) searchRange(ctx context.Context, c patientChunk) (
	[]phenorag.PatientSnippets, error) {
	incl := true
	q := query.NewTermRangeInclusiveQuery(c.ids[0], c.ids[len(c.ids)-1], &incl, &incl)
	q.SetField(fieldPatient)
	return r.search(ctx, q, c.ids, c.notes)
}

// chunk returns how many of ids to search at once, and their note count.
func (r *Retriever) chunk(ids []string) (int, int) {
	notes := 0
	for i, id := range ids {
		st, _ := r.ix.PatientStats(id)
		if i > 0 && notes+st.Notes > r.chunkNotes {
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
		snips := r.cut.noteIn(n, r.regions(h, n.Text))
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
	size := len(text)
	var rs []region
	for _, terms := range h.Locations {
		for _, locs := range terms {
			for _, l := range locs {
				s, e := int(l.Start), int(l.End)
				rs = append(rs, region{max(0, s-regionBefore), min(size, e+anchorReach)})
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
