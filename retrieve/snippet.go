package retrieve

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
	"github.com/phenorag/phenorag/tagger"
)

// Tagger gives a mention its ConText attributes from the text around it;
// text is the whole note and [start, end) the mention.
type Tagger interface {
	Tag(text string, start, end int) phenorag.Context
}

// Options tune snippet cutting. Zero values take the definition's settings.
type Options struct {
	// TopK is how many snippets to keep per patient; 0 means the definition's.
	TopK int
	// Window is how many bytes to keep each side of a match; 0 means the
	// definition's.
	Window int
	// Workers is how many chunks of patients a Retriever searches at once;
	// 0 means 2.
	Workers int
	// Tagger tags mentions; nil means a tagger of the definition's context
	// rules.
	Tagger Tagger
}

// Cutter turns notes into scored snippets: it is the part of retrieval that
// needs no index.
type Cutter struct {
	def    *phenotype.Definition
	m      *Matcher
	tagger Tagger
	topK   int
	window int
}

// NewCutter compiles def for cutting snippets.
func NewCutter(def *phenotype.Definition, opts Options) (*Cutter, error) {
	m, err := NewMatcher(def)
	if err != nil {
		return nil, fmt.Errorf("phenotype %s: %w", def.Name, err)
	}
	c := &Cutter{def: def, m: m, tagger: opts.Tagger, topK: opts.TopK, window: opts.Window}
	if c.tagger == nil {
		t, err := tagger.New(def.Context)
		if err != nil {
			return nil, fmt.Errorf("phenotype %s: %w", def.Name, err)
		}
		c.tagger = t
	}
	if c.topK <= 0 {
		c.topK = cmp.Or(def.Snippets.TopK, 10)
	}
	if c.window <= 0 {
		c.window = cmp.Or(def.Snippets.Window, 200)
	}
	return c, nil
}

// Matcher returns the cutter's matcher.
func (c *Cutter) Matcher() *Matcher { return c.m }

// region is a part of a note worth matching in, half open.
type region struct{ start, end int }

// Patient returns the top snippets of one patient's notes, matching every
// note in full. It is what retrieval without an index does.
func (c *Cutter) Patient(id string, notes []phenorag.Note) phenorag.PatientSnippets {
	ps := phenorag.PatientSnippets{PatientID: id, Notes: len(notes), Snippets: []phenorag.Snippet{}}
	var all []phenorag.Snippet
	for _, n := range notes {
		ps.TextBytes += len(n.Text)
		all = append(all, c.Note(n)...)
	}
	ps.Snippets = c.Select(all)
	return ps
}

// Note returns the scored snippets of one note, before selection.
func (c *Cutter) Note(n phenorag.Note) []phenorag.Snippet { return c.noteIn(n, nil) }

// noteIn returns the snippets of one note, matching only inside regions
// (the whole note when regions is nil). Regions must be sorted and disjoint.
func (c *Cutter) noteIn(n phenorag.Note, regions []region) []phenorag.Snippet {
	if regions == nil {
		regions = []region{{0, len(n.Text)}}
	}
	var mentions []phenorag.Mention
	var values []phenorag.Value
	for _, r := range regions {
		if r.start >= r.end {
			continue
		}
		f := c.m.Find(n.Text[r.start:r.end])
		for _, m := range f.Mentions {
			m.Start, m.End = m.Start+r.start, m.End+r.start
			mentions = append(mentions, m)
		}
		for _, v := range f.Values {
			v.Start, v.End = v.Start+r.start, v.End+r.start
			values = append(values, v)
		}
	}
	if len(mentions) == 0 && len(values) == 0 {
		return nil
	}
	for i := range mentions {
		mentions[i].Context = c.tagger.Tag(n.Text, mentions[i].Start, mentions[i].End)
	}
	return c.windows(n, mentions, values)
}

// windows cuts a window around each match, merges overlapping ones, and
// fills each with the matches it holds.
func (c *Cutter) windows(n phenorag.Note, ms []phenorag.Mention,
	vs []phenorag.Value) []phenorag.Snippet {
	var spans []region
	for _, m := range ms {
		spans = append(spans, c.around(n.Text, m.Start, m.End))
	}
	for _, v := range vs {
		spans = append(spans, c.around(n.Text, v.Start, v.End))
	}
	spans = mergeRegions(spans)

	out := make([]phenorag.Snippet, 0, len(spans))
	for _, w := range spans {
		s := phenorag.Snippet{
			PatientID: n.PatientID, NoteID: n.ID, NoteDate: n.Date, NoteType: n.Type,
			Start: w.start, End: w.end, Text: n.Text[w.start:w.end],
		}
		for _, m := range ms {
			if m.Start >= w.start && m.End <= w.end {
				s.Mentions = append(s.Mentions, m)
				if !slices.Contains(s.Terms, m.Term) {
					s.Terms = append(s.Terms, m.Term)
				}
			}
		}
		for _, v := range vs {
			if v.Start >= w.start && v.End <= w.end {
				s.Measurements = append(s.Measurements, v)
			}
		}
		s.Score = c.score(s)
		out = append(out, s)
	}
	return out
}

// mergeRegions sorts regions and merges those that overlap or touch.
func mergeRegions(rs []region) []region {
	slices.SortFunc(rs, func(a, b region) int { return cmp.Or(a.start-b.start, a.end-b.end) })
	out := rs[:0]
	for _, r := range rs {
		if k := len(out) - 1; k >= 0 && r.start <= out[k].end {
			out[k].end = max(out[k].end, r.end)
			continue
		}
		out = append(out, r)
	}
	return out
}

// snapReach is how far a window edge may move to reach a sentence or word
// boundary.
const snapReach = 60

// around returns the window around text[s:e], its edges moved to a sentence
// boundary when one is near, else to a word boundary.
func (c *Cutter) around(text string, s, e int) region {
	start, end := max(0, s-c.window), min(len(text), e+c.window)
	start, end = snapStart(text, start, s), snapEnd(text, end, e)
	for start > 0 && start < s && !utf8.RuneStart(text[start]) {
		start++ // never split a character
	}
	for end < len(text) && end > e && !utf8.RuneStart(text[end]) {
		end--
	}
	return region{start, end}
}

// snapStart moves a window start to a sentence start within reach: back
// (the text's start counts), else forward, never past limit; failing both,
// forward to the next word.
func snapStart(text string, start, limit int) int {
	lo := max(0, start-snapReach)
	if i := lastSentenceEnd(text[lo:start]); i >= 0 {
		return skipSpace(text, lo+i, limit)
	}
	if lo == 0 {
		return 0
	}
	hi := min(limit, start+snapReach)
	if i := lastSentenceEnd(text[start:hi]); i >= 0 {
		return skipSpace(text, start+i, limit)
	}
	for i := start; i < hi; i++ {
		if isSpace(text[i]) {
			return skipSpace(text, i, limit)
		}
	}
	return start
}

// snapEnd moves a window end to a sentence end within reach: forward (the
// text's end counts), else back, never before limit; failing both, back to
// the end of the last whole word.
func snapEnd(text string, end, limit int) int {
	hi := min(len(text), end+snapReach)
	if i := firstSentenceEnd(text[end:hi]); i >= 0 {
		return end + i
	}
	if hi == len(text) {
		return hi
	}
	lo := max(limit, end-snapReach)
	if i := lastSentenceStop(text[lo:end]); i >= 0 {
		return lo + i
	}
	for i := end; i > lo; i-- {
		if isSpace(text[i-1]) {
			return i - 1
		}
	}
	return end
}

// lastSentenceStop returns the index just past the last sentence end in s
// (a full stop before white space, or the line break itself), or -1.
func lastSentenceStop(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return i
		}
		if strings.IndexByte(".?!;", s[i]) >= 0 && i+1 < len(s) && isSpace(s[i+1]) {
			return i + 1
		}
	}
	return -1
}

// lastSentenceEnd returns the index just past the last sentence end in s
// (". " or a line break), or -1.
func lastSentenceEnd(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' || (isSpace(s[i]) && i > 0 && strings.IndexByte(".?!;", s[i-1]) >= 0) {
			return i + 1
		}
	}
	return -1
}

// firstSentenceEnd returns the index just past the first sentence end in s
// (a full stop before white space, or a line break), or -1.
func firstSentenceEnd(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return i
		}
		if strings.IndexByte(".?!;", s[i]) >= 0 && (i+1 == len(s) || isSpace(s[i+1])) {
			return i + 1
		}
	}
	return -1
}

func skipSpace(text string, i, limit int) int {
	for i < limit && isSpace(text[i]) {
		i++
	}
	return i
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }
