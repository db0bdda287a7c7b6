package tagger

import (
	"sort"
	"strings"

	"github.com/phenorag/phenorag/ingest"
)

// maxSection bounds how far back, in bytes, the search for a mention's
// section header goes.
const maxSection = 16 << 10

// sentenceAround returns the bounds of the sentence holding text[start:end]
// (of the sentences, should the mention straddle a boundary), as ingest
// splits the text. The split is kept in sc, so tagging the mentions of one
// note one after another splits it once.
func (sc *scratch) sentenceAround(text string, start, end int) (from, to int) {
	if !sc.split || sc.text != text {
		sc.text, sc.sents, sc.split = text, ingest.Sentences(text), true
	}
	ss := sc.sents
	i := sort.Search(len(ss), func(i int) bool { return ss[i].End > start })
	if i == len(ss) || ss[i].Start >= end {
		return start, end
	}
	j := i
	for j+1 < len(ss) && ss[j+1].Start < end {
		j++
	}
	return narrowToItem(text, min(ss[i].Start, start), max(ss[j].End, end), start, end)
}

// narrowToItem narrows the sentence text[from:to] around the mention
// text[start:end] to one item of a numbered list written on one line, as in
// "1) Esophagitis s/p biopsy 2) Large hiatal hernia": the scope of a trigger
// in one item does not reach into the next.
func narrowToItem(text string, from, to, start, end int) (int, int) {
	for i := start - 1; i > from; i-- {
		if isSpaceASCII(text[i]) && numberedItemAt(text, i+1) {
			from = i + 1
			break
		}
	}
	for i := end; i < to; i++ {
		if isSpaceASCII(text[i]) && numberedItemAt(text, i+1) {
			to = i
			break
		}
	}
	return from, to
}

// numberedItemAt reports whether text[i:] opens an item of a numbered list,
// such as "2) Large hiatal hernia".
func numberedItemAt(text string, i int) bool {
	j := i
	for j < len(text) && j-i < 2 && '0' <= text[j] && text[j] <= '9' {
		j++
	}
	return j > i && j+1 < len(text) && text[j] == ')' && isSpaceASCII(text[j+1])
}

// header is a section header found at the start of a line.
type header struct {
	from, to int  // the header's words are text[from:to]
	after    int  // where the text under it may begin
	caps     bool // written in capitals, with no lower-case letter
}

// headerAt reports whether the line beginning at text[i] opens with a
// section header: up to six words before a colon ("Family History:"), or a
// line of up to six words in capitals with no colon ("PAST MEDICAL HISTORY").
func headerAt(text string, i int) (header, bool) {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	h := header{from: i, caps: true}
	words, inWord := 0, false
	for j := i; j < len(text) && j-i < 60; j++ {
		c := text[j]
		switch {
		case 'a' <= c && c <= 'z':
			h.caps = false
		case 'A' <= c && c <= 'Z':
		case c == ' ' || c == '/' || c == '&' || c == '-' || c == '\t':
			inWord = false
			continue
		case c == ':':
			h.to, h.after = j, j+1
			return h, words > 0 && words <= 6
		case c == '\n' || c == '\r':
			h.to, h.after = j, j
			return h, words > 0 && words <= 6 && h.caps
		default:
			return h, false
		}
		if !inWord {
			inWord = true
			words++
		}
	}
	return h, false
}

// sectionAt returns the category set by the section header above pos, or
// pseudo when the nearest header sets none (or there is none). Headers are
// found at the start of a line or, in capitals, within it ("... HTN.
// FAMILY HISTORY: mother with PAH"). A header the rules do not name ends
// the section above it only when it is written in capitals: a label such as
// "Mother:" inside a family history does not.
func (t *Tagger) sectionAt(sc *scratch, text string, pos int) category {
	stop := max(0, pos-maxSection)
	lineStart := strings.LastIndexByte(text[:pos], '\n') + 1
	limit := pos // on the mention's own line, only headers before it count
	for {
		if cat, found := t.lineSection(sc, text, lineStart, limit); found {
			return cat
		}
		if lineStart <= stop {
			return pseudo
		}
		limit = lineStart - 1
		lineStart = strings.LastIndexByte(text[:limit], '\n') + 1
	}
}

// lineSection looks for a header that starts or ends a section on the line
// text[from:to], last first: each header a colon ends, then a line in
// capitals without a colon. It returns the header's category and whether
// one was found.
func (t *Tagger) lineSection(sc *scratch, text string, from, to int) (category, bool) {
	decide := func(h header) (category, bool) {
		cat, known := t.sectionCategory(sc, text, h.from, h.to)
		return cat, known || h.caps
	}
	for c := to - 1; c >= from; c-- {
		if text[c] != ':' {
			continue
		}
		if h, ok := headerBefore(text, from, c); ok {
			if cat, found := decide(h); found {
				return cat, true
			}
		}
	}
	if h, ok := headerAt(text, from); ok && h.after <= to {
		return decide(h)
	}
	return pseudo, false
}

// headerBefore finds the header that the colon at text[colon] ends, on the
// line starting at lineFrom: up to six words that start the line, or else
// the run of words in capitals just before the colon (three letters at
// least, so that "BP:" is no header).
func headerBefore(text string, lineFrom, colon int) (header, bool) {
	i, words, letters := colon, 0, 0
	capsFrom, capsLetters, capsRun := -1, 0, true
	for words <= 6 {
		k := i
		for k > lineFrom && strings.IndexByte(" \t&/-", text[k-1]) >= 0 {
			k--
		}
		w := k
		for w > lineFrom && isLetterASCII(text[w-1]) {
			w--
		}
		if w == k {
			break
		}
		words++
		letters += k - w
		if capsRun && !hasLower(text[w:k]) {
			capsFrom, capsLetters = w, letters
		} else {
			capsRun = false
		}
		i = w
	}
	if words > 0 && words <= 6 && strings.TrimLeft(text[lineFrom:i], " \t") == "" {
		return header{from: i, to: colon, after: colon + 1, caps: capsRun}, true
	}
	if capsFrom >= 0 && capsLetters >= 3 {
		return header{from: capsFrom, to: colon, after: colon + 1, caps: true}, true
	}
	return header{}, false
}

func isLetterASCII(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func hasLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			return true
		}
	}
	return false
}

// sectionCategory looks up the header text[from:to] among the section
// headers, reporting whether it is one; a known header may set no category
// (pseudo).
func (t *Tagger) sectionCategory(sc *scratch, text string, from, to int) (category, bool) {
	sc.toks = tokenize(sc.toks[:0], text, from, to)
	n := &t.sections
	for _, tk := range sc.toks {
		if !tk.word {
			continue
		}
		sc.key = lowerKey(text[tk.start:tk.end], sc.key)
		if n = n.next[string(sc.key)]; n == nil {
			return pseudo, false
		}
	}
	if n.rule == nil {
		return pseudo, false
	}
	return n.rule.cat, true
}
