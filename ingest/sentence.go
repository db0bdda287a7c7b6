package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentence locates one sentence: text[Start:End], trimmed of surrounding
// white space. Offsets are bytes.
type Sentence struct{ Start, End int }

// abbreviations end with a period without ending a sentence. Keys are
// lower case, without the final period.
var abbreviations = map[string]bool{
	"dr": true, "mr": true, "mrs": true, "ms": true, "prof": true, "st": true, "sr": true,
	"jr": true, "vs": true, "e.g": true, "i.e": true, "eg": true, "ie": true, "cf": true,
	"approx": true, "appt": true, "pt": true, "pts": true, "hx": true, "dx": true,
	"b.i.d": true, "t.i.d": true, "q.i.d": true, "q.d": true, "q.h": true, "q.o.d": true,
	"q.a.m": true, "q.p.m": true, "q.h.s": true, "h.s": true, "p.o": true, "p.r.n": true,
	"a.m": true, "p.m": true, "y.o": true, "i.v": true, "i.m": true, "s.c": true,
	"o.d": true, "o.s": true, "o.u": true, "no": true, "nos": true, "fig": true, "ca": true,
	"mt": true, "ft": true, "wk": true, "wks": true, "yr": true, "yrs": true, "mo": true,
	"mos": true, "min": true, "max": true, "est": true, "incl": true, "dept": true,
}

// titles are abbreviations even when written in capitals ("DR. SMITH");
// other words in capitals are acronyms ("PT." for physical therapy ends
// its sentence).
var titles = map[string]bool{"dr": true, "mr": true, "mrs": true, "ms": true,
	"prof": true, "st": true}

// isAllCaps reports whether w has two or more letters, all upper case.
func isAllCaps(w string) bool {
	letters := 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= 'a' && c <= 'z':
			return false
		case c >= 'A' && c <= 'Z':
			letters++
		}
	}
	return letters >= 2
}

// Sentences splits clinical text into sentences. A sentence ends at ".",
// "!" or "?" followed by white space (not after an abbreviation such as
// "Dr." or "b.i.d.", not inside a number such as "7.31", not before a lower
// case word), at a blank line, before a line that starts a section header,
// a list item or a labelled field ("Date: ..."), after a header, and
// between a short line and a capitalised one (rows such as "RVSP 64 mmHg").
// Any other single line break, as in hard-wrapped text, does not end a
// sentence.
func Sentences(text string) []Sentence {
	s := splitter{text: text, start: -1}
	prev := lineGoesOn
	for at := 0; at < len(text); {
		end := strings.IndexByte(text[at:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += at
		}
		prev = s.line(at, end, prev)
		at = end + 1
	}
	s.emit(len(text))
	return s.out
}

// splitter collects sentences line by line.
type splitter struct {
	text  string
	start int // start of the open sentence, or -1
	out   []Sentence
}

// lineEnd says what the end of a line means for the next line.
type lineEnd int

const (
	lineGoesOn lineEnd = iota // the sentence may go on over the line break
	lineHeader                // a header: the next line starts a sentence
	lineShort                 // short: a capitalised next line starts a sentence
)

// line scans the line text[at:end], given how the line before it ended,
// and says how this one ends.
func (s *splitter) line(at, end int, prev lineEnd) lineEnd {
	line := s.text[at:end]
	if strings.TrimSpace(line) == "" {
		s.emit(at)
		return lineGoesOn
	}
	i := at + indent(line)
	rest := s.text[i:end]
	if prev == lineHeader || (prev == lineShort && startsCapital(rest)) || startsBlock(rest) {
		s.emit(at)
	}
	if n := headerPrefix(s.text[i:end]); n > 0 {
		s.open(i)
		s.emit(i + n)
		i += n
	} else if n := listMarker(s.text[i:end]); n > 0 {
		s.open(i)
		i += n
	}
	s.scan(i, end)
	switch {
	case isHeaderLine(line):
		return lineHeader
	case isShortLine(line):
		return lineShort
	}
	return lineGoesOn
}

// shortLine is the length under which a line followed by a capitalised
// line reads as a row of a list or table ("RVSP 64 mmHg"), not as a
// hard-wrapped line, which runs close to the wrap width.
const shortLine = 40

// isShortLine reports whether line is short and does not end in a way
// that asks for more (a comma, a hyphen, a joining word).
func isShortLine(line string) bool {
	t := strings.TrimSpace(line)
	if len(t) >= shortLine || strings.ContainsAny(t[len(t)-1:], ",-(/&") {
		return false
	}
	last := t[strings.LastIndexAny(t, " \t")+1:]
	switch strings.ToLower(last) {
	case "a", "an", "and", "or", "of", "with", "the", "to", "in", "for", "by", "on", "at",
		"from", "without", "but", "as", "was", "is", "were", "are", "no", "not":
		return false
	}
	return true
}

// startsCapital reports whether a line starts with an upper case letter or
// a digit.
func startsCapital(line string) bool {
	r, _ := utf8.DecodeRuneInString(line)
	return unicode.IsUpper(r) || unicode.IsDigit(r)
}

// scan looks for sentence ends in text[i:end].
func (s *splitter) scan(i, end int) {
	for i < end {
		if s.start < 0 {
			for i < end && (s.text[i] == ' ' || s.text[i] == '\t' || s.text[i] == '\r') {
				i++
			}
			if i == end {
				return
			}
			s.start = i
		}
		j := strings.IndexAny(s.text[i:end], ".!?")
		if j < 0 {
			return
		}
		i += j
		if e, ok := s.endsAt(i); ok {
			s.emit(e)
			i = e
		} else {
			i++
		}
	}
}

// open starts a sentence at i unless one is open.
func (s *splitter) open(i int) {
	if s.start < 0 {
		s.start = i
	}
}

// emit closes the open sentence at end, trimming trailing white space.
func (s *splitter) emit(end int) {
	if s.start < 0 {
		return
	}
	for end > s.start && isSpace(s.text[end-1]) {
		end--
	}
	if end > s.start {
		s.out = append(s.out, Sentence{s.start, end})
	}
	s.start = -1
}

// endsAt decides whether the punctuation at i ends a sentence, and if so
// where the sentence ends (after any closing quotes or brackets).
func (s *splitter) endsAt(i int) (int, bool) {
	t := s.text
	j := i + 1
	for j < len(t) && (t[j] == '.' || t[j] == '!' || t[j] == '?') {
		j++
	}
	for j < len(t) && strings.IndexByte(`"')]`, t[j]) >= 0 {
		j++
	}
	if j < len(t) && !isSpace(t[j]) {
		return 0, false
	}
	if t[i] == '.' && j == i+1 && isAbbreviation(t[:i]) {
		return 0, false
	}
	if startsLower(t[j:]) {
		return 0, false
	}
	return j, true
}

// isAbbreviation reports whether the word that ends before reads as an
// abbreviation or an initial when followed by a period.
func isAbbreviation(before string) bool {
	k := len(before)
	for k > 0 && !isSpace(before[k-1]) && strings.IndexByte(`("'[`, before[k-1]) < 0 {
		k--
	}
	w := before[k:]
	if len(w) == 1 {
		return unicode.IsLetter(rune(w[0]))
	}
	var lower [8]byte
	if len(w) > len(lower) || (isAllCaps(w) && !titles[strings.ToLower(w)]) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return abbreviations[string(lower[:len(w)])]
}

// startsLower reports whether the next word after white space begins with
// a lower case letter, which makes the punctuation before it not an end.
func startsLower(rest string) bool {
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return unicode.IsLower(r)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// indent returns the number of leading blanks of line.
func indent(line string) int {
	return len(line) - len(strings.TrimLeft(line, " \t\r"))
}

// startsBlock reports whether a line (without its indent) opens a new
// block: a header, a list item or a labelled field ("Date: ...").
func startsBlock(line string) bool {
	return headerPrefix(line) > 0 || listMarker(line) > 0 || isHeaderLine(line) ||
		isLabelLine(line)
}

// isLabelLine reports whether line starts with a short capitalised label
// and a colon, as in "Date: 02/04/2016" or "Gen: comfortable".
func isLabelLine(line string) bool {
	colon := strings.IndexByte(line, ':')
	if colon < 1 || colon > 24 || line[0] < 'A' || line[0] > 'Z' {
		return false
	}
	if colon+1 < len(line) && line[colon+1] != ' ' && line[colon+1] != '\t' {
		return false
	}
	words := 1
	for i := 1; i < colon; i++ {
		c := line[i]
		switch {
		case c == ' ':
			words++
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', isDigit(c), c == '/', c == '-',
			c == '(', c == ')', c == '&':
		default:
			return false
		}
	}
	return words <= 3
}

// listMarker returns the length of a list marker at the start of line,
// with the blanks after it: "- ", "* ", "• ", "1. ", "2) ", "(3) ", "#4 ".
func listMarker(line string) int {
	for _, b := range []string{"- ", "* ", "• ", "+ ", "# "} {
		if strings.HasPrefix(line, b) {
			return len(b) + indent(line[len(b):])
		}
	}
	i := 0
	if strings.HasPrefix(line, "(") || strings.HasPrefix(line, "#") {
		i = 1
	}
	d := i
	for d < len(line) && d-i < 3 && isDigit(line[d]) {
		d++
	}
	if d == i || d >= len(line) {
		return 0
	}
	switch {
	case line[d] == '.' || line[d] == ')':
		d++
	case line[0] != '#':
		return 0
	}
	if d >= len(line) || (line[d] != ' ' && line[d] != '\t') {
		return 0
	}
	return d + indent(line[d:])
}

// headerPrefix returns the length of an upper-case section header that
// starts line and ends with a colon ("HISTORY OF PRESENT ILLNESS:",
// "HPI:"), or 0.
func headerPrefix(line string) int {
	colon := strings.IndexByte(line, ':')
	if colon < 0 || colon > 60 {
		return 0
	}
	letters := 0
	for i := 0; i < colon; i++ {
		c := line[i]
		switch {
		case c >= 'A' && c <= 'Z':
			letters++
		case c == ' ' || c == '/' || c == '&' || c == '-' || c == '(' || c == ')' ||
			c == ',' || c == '\'' || isDigit(c):
		default:
			return 0
		}
	}
	if letters < 3 || line[0] < 'A' || line[0] > 'Z' {
		return 0
	}
	return colon + 1
}

// isHeaderLine reports whether a whole line is a section header: upper
// case words with or without a colon, or a few capitalised words ending
// with a colon ("Past Medical History:").
func isHeaderLine(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" || len(t) > 60 {
		return false
	}
	if strings.HasSuffix(t, ":") && headerPrefix(t) == len(t) {
		return true
	}
	words := strings.Fields(strings.TrimSuffix(t, ":"))
	if strings.HasSuffix(t, ":") && len(words) <= 6 {
		for _, w := range words {
			r, _ := utf8.DecodeRuneInString(w)
			if !unicode.IsUpper(r) && !isShortWord(w) {
				return false
			}
		}
		return true
	}
	return allCapsLine(t)
}

// isShortWord allows the small words of title-case headers.
func isShortWord(w string) bool {
	switch w {
	case "of", "and", "or", "on", "at", "to", "for", "in", "the", "&", "/":
		return true
	}
	return false
}

// allCapsLine reports whether t is a stand-alone upper-case header such as
// "ASSESSMENT AND PLAN": at least four letters and no lower case letter
// or sentence punctuation.
func allCapsLine(t string) bool {
	letters := 0
	for _, r := range t {
		switch {
		case unicode.IsLower(r):
			return false
		case unicode.IsUpper(r):
			letters++
		case r == '.' || r == '!' || r == '?' || r == ',' || r == ';' || r == '=':
			return false
		}
	}
	return letters >= 4
}
