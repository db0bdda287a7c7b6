package mapreduce

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/phenorag/phenorag"
)

// Verify looks for quote in the snippets of one call and returns where it
// is. The match is case-sensitive, since a quote is meant to be copied
// verbatim, but any run of white space in either text matches any other, so
// a quote that joins a line break into a space still counts. Surrounding
// white space, quotation marks and a trailing ellipsis are ignored. The
// snippet named by ref ("S2") is searched first; then the others, in order.
// ok is false when the quote occurs in none of them, or is empty.
func Verify(quote, ref string, snippets []phenorag.Snippet) (span phenorag.Span, ok bool) {
	q := normalizeQuote(quote)
	if q == "" {
		return phenorag.Span{}, false
	}
	order := make([]int, 0, len(snippets))
	for i := range snippets {
		if snippetRef(i) == strings.TrimSpace(strings.Trim(ref, "[] ")) {
			order = append([]int{i}, order...)
		} else {
			order = append(order, i)
		}
	}
	for _, i := range order {
		s := snippets[i]
		if start, end, found := findCollapsed(s.Text, q); found {
			return phenorag.Span{NoteID: s.NoteID, Start: s.Start + start, End: s.Start + end}, true
		}
	}
	return phenorag.Span{}, false
}

// normalizeQuote trims what models tend to wrap a quote in and collapses
// its white space.
func normalizeQuote(q string) string {
	q = strings.TrimSpace(q)
	for {
		before := q
		q = strings.TrimSuffix(q, "...")
		q = strings.TrimSuffix(q, "…")
		q = strings.TrimPrefix(q, "...")
		q = strings.TrimPrefix(q, "…")
		if len(q) >= 2 && (q[0] == '"' && q[len(q)-1] == '"' || q[0] == '\'' && q[len(q)-1] == '\'') {
			q = q[1 : len(q)-1]
		}
		q = strings.TrimSpace(q)
		if q == before {
			break
		}
	}
	return collapse(q)
}

// collapse replaces every run of white space in s with one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// findCollapsed finds q, whose white space is already collapsed, in text
// with its white space collapsed, and returns the byte offsets in text of
// the match. The match starts and ends on a non-space character.
func findCollapsed(text, q string) (start, end int, ok bool) {
	// Build the collapsed text and, for each of its bytes, the offset of
	// the byte in text it came from.
	var b strings.Builder
	pos := make([]int, 0, len(text))
	space := false
	for i, r := range text {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			pos = append(pos, i)
			space = false
		}
		_, n := utf8.DecodeRuneInString(text[i:])
		b.WriteString(text[i : i+n])
		for k := range n {
			pos = append(pos, i+k)
		}
	}
	c := b.String()
	at := strings.Index(c, q)
	if at < 0 {
		return 0, 0, false
	}
	return pos[at], pos[at+len(q)-1] + 1, true
}
