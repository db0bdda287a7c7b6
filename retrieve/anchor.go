package retrieve

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/phenorag/phenorag"
)

// Running dozens of case-insensitive alternations over every byte of a note
// is slow (a few MB/s). Every pattern starts with a whole word, so Find
// walks the words of the text once, looks each up in a table of first words,
// and runs only the patterns that can start there, anchored, on a short
// stretch of text. False friends are sought only around what was found.

// anchorReach bounds how far a match may run from its first word.
const anchorReach = 320

// friendReach is how far around a match a false friend is looked for: a
// false friend that overlaps a match yet starts or ends further from it than
// this is missed. The built-in ones span under 40 bytes.
const friendReach = 64

// Bits of an anchor's mask: which patterns may start at a word.
const (
	anchorPhrase  = 1 << 0
	anchorMeasure = 1 << 1 // measurement i uses bit anchorMeasure << i
)

// anchors is the word-anchored form of a Matcher.
type anchors struct {
	first     map[string]uint64 // lower-cased first word -> pattern bits
	abbrFirst map[string]bool   // first word of an abbreviation, case kept
	phrases   *regexp.Regexp    // anchored at the start of the text
	abbrs     *regexp.Regexp
	measures  []*regexp.Regexp
}

// newAnchors compiles anchored patterns; ok is false when some pattern does
// not start with a word, or there are too many measurements for the mask,
// and Find must then run every pattern over the whole text.
func newAnchors(phrases, abbrs []string, ms []measure) (a *anchors, ok bool) {
	if len(ms) > 62 {
		return nil, false
	}
	a = &anchors{first: map[string]uint64{}, abbrFirst: map[string]bool{}}
	add := func(p string, bit uint64) bool {
		w := firstWord(p)
		a.first[strings.ToLower(w)] |= bit
		return w != ""
	}
	for _, p := range phrases {
		if !add(p, anchorPhrase) {
			return nil, false
		}
	}
	for i, m := range ms {
		for _, al := range m.def.Aliases {
			if !add(al, anchorMeasure<<i) {
				return nil, false
			}
		}
		a.measures = append(a.measures, regexp.MustCompile(`\A`+m.re.String()))
	}
	for _, ab := range abbrs {
		w := firstWord(ab)
		if w == "" {
			return nil, false
		}
		a.abbrFirst[w] = true
	}
	a.phrases = regexp.MustCompile(`\A(?i)(?:` + alternation(phrases) + `)\b`)
	if len(abbrs) > 0 {
		a.abbrs = regexp.MustCompile(`\A(?:` + alternation(abbrs) + `)\b`)
	}
	return a, true
}

// firstWord returns the leading ASCII word characters of s.
func firstWord(s string) string {
	i := 0
	for i < len(s) && isWordByte(s[i]) {
		i++
	}
	return s[:i]
}

// isWordByte reports whether b is a word character as \b sees it.
func isWordByte(b byte) bool {
	return b == '_' || ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
}

// Find returns every term, measurement and false friend in text. It finds
// what running every pattern over the whole text would.
func (m *Matcher) Find(text string) Found {
	if m.anchors == nil {
		return m.findPlain(text)
	}
	a := m.anchors
	var f Found
	var vals []numbered
	nextPhrase, nextAbbr := 0, 0
	nextMeasure := make([]int, len(a.measures))
	var buf [32]byte
	for i := 0; i < len(text); {
		if !isWordByte(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isWordByte(text[j]) {
			j++
		}
		word := text[i:j]
		var bits uint64
		if len(word) <= len(buf) {
			bits = a.first[string(lowerASCII(buf[:0], word))]
		}
		isAbbr := a.abbrs != nil && i >= nextAbbr && a.abbrFirst[word]
		if bits != 0 || isAbbr {
			sub := text[i:stretchEnd(text, i)]
			if bits&anchorPhrase != 0 && i >= nextPhrase {
				if loc := a.phrases.FindStringIndex(sub); loc != nil {
					s := text[i : i+loc[1]]
					f.Mentions = append(f.Mentions, phenorag.Mention{
						Term: m.byPhrase[normalise(s)], Text: s, Start: i, End: i + loc[1]})
					nextPhrase = i + loc[1]
				}
			}
			if isAbbr {
				if loc := a.abbrs.FindStringIndex(sub); loc != nil {
					s := text[i : i+loc[1]]
					f.Mentions = append(f.Mentions, phenorag.Mention{
						Term: m.byAbbr[s], Text: s, Start: i, End: i + loc[1]})
					nextAbbr = i + loc[1]
				}
			}
			for k, re := range a.measures {
				if bits&(anchorMeasure<<k) == 0 || i < nextMeasure[k] {
					continue
				}
				if sm := re.FindStringSubmatchIndex(sub); sm != nil {
					for x := range sm {
						if sm[x] >= 0 {
							sm[x] += i
						}
					}
					vals = m.measures[k].parse(text, sm, vals)
					nextMeasure[k] = sm[1]
				}
			}
		}
		i = j
	}
	f.Values = longestValues(vals)
	f.Friends = m.friendsAround(text, f)
	f.finish()
	return f
}

// stretchEnd returns where the text a match starting at i may span ends: at
// most anchorReach bytes on, moved forward to the end of a word.
func stretchEnd(text string, i int) int {
	e := min(len(text), i+anchorReach)
	for e < len(text) && isWordByte(text[e]) {
		e++
	}
	return e
}

// lowerASCII appends s to buf with ASCII letters lower-cased.
func lowerASCII(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// friendsAround looks for false friends near each mention and value.
func (m *Matcher) friendsAround(text string, f Found) []FriendSpan {
	if len(m.friends) == 0 || (len(f.Mentions) == 0 && len(f.Values) == 0) {
		return nil
	}
	var rs []region
	near := func(s, e int) {
		rs = append(rs, region{wordStart(text, max(0, s-friendReach)),
			wordEnd(text, min(len(text), e+friendReach))})
	}
	for _, x := range f.Mentions {
		near(x.Start, x.End)
	}
	for _, v := range f.Values {
		near(v.Start, v.End)
	}
	var out []FriendSpan
	var lower []byte
	for _, r := range mergeRegions(rs) {
		lower = lowerASCII(lower[:0], text[r.start:r.end])
		for _, fr := range m.friends {
			if len(fr.must) > 0 && !bytes.Contains(lower, fr.must) {
				continue
			}
			for _, loc := range fr.re.FindAllStringIndex(text[r.start:r.end], -1) {
				out = append(out, FriendSpan{Name: fr.name, Start: r.start + loc[0],
					End: r.start + loc[1]})
			}
		}
	}
	return out
}
