package ingest

import (
	"sort"
	"strings"
)

// View is a normalised text derived from a note's original text, with a
// map back to it: later stages may search or show the view, and must
// report offsets into the original, which ToOriginal gives.
type View struct {
	Text string
	segs []segment // consecutive pieces of the view, in order
}

// segment is a piece of the view and the piece of the original it came
// from. A copied piece has the same bytes in both; a replaced piece stands
// for its original piece as a whole.
type segment struct {
	view, orig   int // where the piece starts in the view and the original
	viewN, origN int
	copied       bool
}

// ToOriginal maps the view span [start, end) to the smallest span of the
// original that holds everything it came from.
func (v *View) ToOriginal(start, end int) (int, int) {
	return v.mapStart(start), v.mapEnd(end)
}

func (v *View) mapStart(p int) int {
	i := sort.Search(len(v.segs), func(i int) bool {
		return v.segs[i].view+v.segs[i].viewN > p
	})
	if i == len(v.segs) {
		return v.originalLen()
	}
	s := v.segs[i]
	if s.copied {
		return s.orig + p - s.view
	}
	return s.orig
}

func (v *View) mapEnd(p int) int {
	i := sort.Search(len(v.segs), func(i int) bool {
		return v.segs[i].view+v.segs[i].viewN >= p
	})
	if i == len(v.segs) {
		return v.originalLen()
	}
	s := v.segs[i]
	switch {
	case s.copied:
		return s.orig + p - s.view
	case p == s.view:
		return s.orig
	}
	return s.orig + s.origN
}

func (v *View) originalLen() int {
	if len(v.segs) == 0 {
		return 0
	}
	s := v.segs[len(v.segs)-1]
	return s.orig + s.origN
}

// viewBuilder makes a View by copying and replacing pieces of the original.
type viewBuilder struct {
	orig string
	at   int // bytes of the original consumed
	b    strings.Builder
	segs []segment
}

// copyTo copies the original up to end.
func (vb *viewBuilder) copyTo(end int) {
	if end <= vb.at {
		return
	}
	vb.segs = append(vb.segs, segment{vb.b.Len(), vb.at, end - vb.at, end - vb.at, true})
	vb.b.WriteString(vb.orig[vb.at:end])
	vb.at = end
}

// replace writes with in place of the original up to end.
func (vb *viewBuilder) replace(end int, with string) {
	vb.segs = append(vb.segs, segment{vb.b.Len(), vb.at, len(with), end - vb.at, false})
	vb.b.WriteString(with)
	vb.at = end
}

func (vb *viewBuilder) view() *View {
	vb.copyTo(len(vb.orig))
	return &View{Text: vb.b.String(), segs: vb.segs}
}

// Placeholders returns the de-identification placeholders in text, which
// normalised views keep byte for byte: "[** ... **]" as in MIMIC-III and
// runs of three or more underscores as in MIMIC-IV.
func Placeholders(text string) []Sentence {
	var out []Sentence
	for i := 0; i < len(text); {
		switch {
		case strings.HasPrefix(text[i:], "[**"):
			end := strings.Index(text[i+3:], "**]")
			if end < 0 {
				i += 3
				continue
			}
			out = append(out, Sentence{i, i + 3 + end + 3})
			i += 3 + end + 3
		case text[i] == '_':
			j := i
			for j < len(text) && text[j] == '_' {
				j++
			}
			if j-i >= 3 {
				out = append(out, Sentence{i, j})
			}
			i = j
		default:
			i++
		}
	}
	return out
}

// inside reports whether p falls inside one of spans (sorted).
func inside(spans []Sentence, p int) bool {
	i := sort.Search(len(spans), func(i int) bool { return spans[i].End > p })
	return i < len(spans) && spans[i].Start <= p
}

// NormalizeLineEndings returns text with CR LF and lone CR turned into LF.
func NormalizeLineEndings(text string) *View {
	vb := &viewBuilder{orig: text}
	for i := strings.IndexByte(text, '\r'); i >= 0; i = strings.IndexByte(text[vb.at:], '\r') {
		i += vb.at
		vb.copyTo(i)
		end := i + 1
		if end < len(text) && text[end] == '\n' {
			end++
		}
		vb.replace(end, "\n")
	}
	return vb.view()
}

// JoinWrappedLines returns text with each line break inside a sentence (as
// Sentences finds them), together with the blanks around it, turned into
// one space: "history of\n   pulmonary" reads "history of pulmonary".
// Breaks between sentences, and placeholders, are kept.
func JoinWrappedLines(text string) *View {
	keep := Placeholders(text)
	vb := &viewBuilder{orig: text}
	for _, s := range Sentences(text) {
		for i := s.Start; i < s.End; i++ {
			if text[i] != '\n' || inside(keep, i) {
				continue
			}
			from, to := i, i+1
			for from > vb.at && (text[from-1] == ' ' || text[from-1] == '\t' ||
				text[from-1] == '\r') {
				from--
			}
			for to < s.End && (text[to] == ' ' || text[to] == '\t') {
				to++
			}
			vb.copyTo(from)
			vb.replace(to, " ")
			i = to - 1
		}
	}
	return vb.view()
}
