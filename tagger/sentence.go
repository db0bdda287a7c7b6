package tagger

import "strings"

// maxSentence bounds how far, in bytes, the search for a sentence's ends
// goes from a mention, so that text without punctuation costs no more than
// a long sentence.
const maxSentence = 1000

// maxSection bounds how far back, in bytes, the search for a mention's
// section header goes.
const maxSection = 16 << 10

// sentenceAround returns the bounds of the sentence holding text[start:end]:
// text from the end of the previous sentence up to and including the
// punctuation that ends this one.
func sentenceAround(text string, start, end int) (from, to int) {
	from = max(0, start-maxSentence)
	for i := start - 1; i >= from; i-- {
		if endsSentence(text, i) {
			from = i + 1
			break
		}
	}
	to = min(len(text), end+maxSentence)
	for i := end; i < to; i++ {
		if endsSentence(text, i) {
			to = i + 1
			break
		}
	}
	return from, to
}

// endsSentence reports whether a sentence ends with text[i]: a full stop,
// question or exclamation mark before white space (but not the stop of an
// abbreviation such as "e.g." or "Dr."), or a line break that ends a
// paragraph, a header line, or precedes a list item or a header.
func endsSentence(text string, i int) bool {
	switch text[i] {
	case '.':
		return (i+1 == len(text) || isSpaceASCII(text[i+1])) && !abbreviationBefore(text, i)
	case '!', '?':
		return i+1 == len(text) || isSpaceASCII(text[i+1])
	case '\n':
		return lineEndsWithColon(text, i) || startsBlock(text, i+1)
	case ' ', '\t':
		return numberedItemAt(text, i+1)
	}
	return false
}

// numberedItemAt reports whether text[i:] opens an item of a list written
// on one line, such as "2) Large hiatal hernia".
func numberedItemAt(text string, i int) bool {
	j := i
	for j < len(text) && j-i < 2 && '0' <= text[j] && text[j] <= '9' {
		j++
	}
	return j > i && j+1 < len(text) && text[j] == ')' && isSpaceASCII(text[j+1])
}

// abbreviationBefore reports whether the full stop at text[i] ends a short
// abbreviation: a single letter ("e.g.", "M.D.") or a common title.
func abbreviationBefore(text string, i int) bool {
	j := i
	for j > 0 && isAlnumASCII(text[j-1]) {
		j--
	}
	word := text[j:i]
	for _, a := range abbreviations {
		if strings.EqualFold(word, a) {
			return true
		}
	}
	return i-j == 1 && j > 0 && text[j-1] == '.'
}

// abbreviations end with a full stop that does not end the sentence.
var abbreviations = []string{"dr", "mr", "mrs", "ms", "vs", "st", "approx", "hx", "pt"}

// lineEndsWithColon reports whether the line ending at text[i] ends with
// a colon, as a header line does.
func lineEndsWithColon(text string, i int) bool {
	for j := i - 1; j >= 0; j-- {
		switch c := text[j]; c {
		case ' ', '\t', '\r':
			continue
		case ':':
			return true
		default:
			return false
		}
	}
	return false
}

// startsBlock reports whether the line beginning at text[i] is blank, a
// list item ("- ", "* ", "1. ", "2) ") or a section header.
func startsBlock(text string, i int) bool {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r') {
		i++
	}
	if i == len(text) || text[i] == '\n' {
		return true
	}
	switch text[i] {
	case '-', '*', '#':
		return true
	}
	if strings.HasPrefix(text[i:], "•") {
		return true
	}
	j := i
	for j < len(text) && '0' <= text[j] && text[j] <= '9' {
		j++
	}
	if j > i && j < len(text) && (text[j] == '.' || text[j] == ')') {
		return true
	}
	_, _, ok := headerAt(text, i)
	return ok
}

// headerAt reports whether the line beginning at text[i] opens with a
// section header: up to six words before a colon ("Family History:"), or a
// short line in capitals with no colon ("PAST MEDICAL HISTORY"). It returns
// the header's words as text[i:end] and where the text under it may begin.
func headerAt(text string, i int) (end, after int, ok bool) {
	words, upper, lower := 0, true, false
	inWord := false
	for j := i; j < len(text) && j-i < 60; j++ {
		c := text[j]
		switch {
		case 'a' <= c && c <= 'z':
			lower, upper = true, false
		case 'A' <= c && c <= 'Z':
		case c == ' ' || c == '/' || c == '&' || c == '-' || c == '\t':
			inWord = false
			continue
		case c == ':':
			return j, j + 1, words > 0 && words <= 6
		case c == '\n' || c == '\r':
			return j, j, words > 0 && words <= 6 && upper && !lower
		default:
			return 0, 0, false
		}
		if !inWord {
			inWord = true
			words++
		}
	}
	return 0, 0, false
}

// sectionAt returns the category set by the section header above pos, or
// pseudo when the nearest header sets none (or there is none).
func (t *Tagger) sectionAt(sc *scratch, text string, pos int) category {
	stop := max(0, pos-maxSection)
	lineStart := strings.LastIndexByte(text[:pos], '\n') + 1
	for {
		if end, after, ok := headerAt(text, lineStart); ok && after <= pos {
			return t.sectionCategory(sc, text, lineStart, end)
		}
		if lineStart <= stop {
			return pseudo
		}
		lineStart = strings.LastIndexByte(text[:lineStart-1], '\n') + 1
	}
}

// sectionCategory looks up the header text[from:to] among the section
// headers; an unknown header sets no category.
func (t *Tagger) sectionCategory(sc *scratch, text string, from, to int) category {
	sc.toks = tokenize(sc.toks[:0], text, from, to)
	n := &t.sections
	for _, tk := range sc.toks {
		if !tk.word {
			continue
		}
		sc.key = lowerKey(text[tk.start:tk.end], sc.key)
		if n = n.next[string(sc.key)]; n == nil {
			return pseudo
		}
	}
	if n.rule == nil {
		return pseudo
	}
	return n.rule.cat
}
