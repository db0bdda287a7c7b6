package retrieve

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

// Matcher finds a definition's terms, measurements and false friends in
// note text, exactly: phrases case-insensitively with any white space between
// words, abbreviations case-sensitively as whole words.
//
// TODO(retrieve): a misspelling is found only when the definition lists it;
// matching long words within one edit (with a fuzzy phrase query on the
// bleve side) would find the unlisted ones.
type Matcher struct {
	phrases  *regexp.Regexp     // every phrase of every term, longest first
	byPhrase map[string]string  // normalised phrase -> term name
	abbrs    *regexp.Regexp     // nil when the definition has none
	byAbbr   map[string]string  // abbreviation -> term name
	weight   map[string]float64 // term name -> weight
	measures []measure
	friends  []friend
	anchors  *anchors // nil: run every pattern over the whole text
}

// measure is a compiled measurement pattern.
type measure struct {
	def  phenotype.Measurement
	re   *regexp.Regexp
	mean *phenotype.Measurement // where a trailing "mean N" goes, if any
}

// friend is a compiled false friend.
type friend struct {
	name string
	re   *regexp.Regexp
	// must is lower-case text every match contains, or "" if none is
	// known; text without it is not searched.
	must []byte
}

// Found is what a Matcher found in some text. Offsets are into the text
// given to Find. Friends holds the false friends near the mentions and
// values (which are left out when a false friend overlaps them).
type Found struct {
	Mentions []phenorag.Mention // Context is left zero
	Values   []phenorag.Value
	Friends  []FriendSpan
}

// FriendSpan is a false friend found in text.
type FriendSpan struct {
	Name       string
	Start, End int
}

// NewMatcher compiles the definition's terms, measurements and false friends.
func NewMatcher(def *phenotype.Definition) (*Matcher, error) {
	m := &Matcher{
		byPhrase: map[string]string{}, byAbbr: map[string]string{},
		weight: map[string]float64{},
	}
	var phrases, abbrs []string
	for i, t := range def.Terms {
		m.weight[t.Name] = t.Weight
		if t.Weight == 0 {
			m.weight[t.Name] = 1
		}
		for j, p := range t.Phrases {
			if strings.TrimSpace(p) == "" {
				return nil, fmt.Errorf("terms[%d].phrases[%d]: empty phrase", i, j)
			}
			m.byPhrase[normalise(p)] = t.Name
			phrases = append(phrases, p)
		}
		for _, a := range t.Abbreviations {
			m.byAbbr[a] = t.Name
			abbrs = append(abbrs, a)
		}
	}
	var err error
	if m.phrases, err = compileWords(phrases, true); err != nil {
		return nil, fmt.Errorf("terms: %w", err)
	}
	if len(abbrs) > 0 {
		if m.abbrs, err = compileWords(abbrs, false); err != nil {
			return nil, fmt.Errorf("terms: abbreviations: %w", err)
		}
	}
	if m.measures, err = compileMeasures(def.Measurements); err != nil {
		return nil, err
	}
	if a, ok := newAnchors(phrases, abbrs, m.measures); ok {
		m.anchors = a
	}
	for i, f := range def.FalseFriends {
		re, err := regexp.Compile(f.Pattern)
		if err != nil {
			return nil, fmt.Errorf("false_friends[%d] %q: %w", i, f.Name, err)
		}
		m.friends = append(m.friends, friend{name: f.Name, re: re, must: []byte(mustContain(f.Pattern))})
	}
	return m, nil
}

// normalise lower-cases s and collapses its white space to single spaces.
func normalise(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// wordsPattern turns a phrase into a pattern that allows any white space
// between its words.
func wordsPattern(p string) string {
	words := strings.Fields(p)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(words, `\s+`)
}

// alternation joins phrases into one alternation, longest first so that the
// leftmost match is also the longest.
func alternation(phrases []string) string {
	ps := slices.Clone(phrases)
	slices.SortStableFunc(ps, func(a, b string) int { return len(b) - len(a) })
	alts := make([]string, len(ps))
	for i, p := range ps {
		alts[i] = wordsPattern(p)
	}
	return strings.Join(alts, "|")
}

// compileWords compiles phrases into one whole-word pattern.
func compileWords(phrases []string, fold bool) (*regexp.Regexp, error) {
	flags := ""
	if fold {
		flags = "(?i)"
	}
	return regexp.Compile(flags + `\b(?:` + alternation(phrases) + `)\b`)
}

// Words that may stand between a measurement's name and its value.
const (
	number = `(\d{1,3}(?:\.\d{1,2})?)`
	filler = `(?:\s*(?:[:=~(]|>=?|<=?|was|were|is|are|of|at|to|be|now|` +
		`estimated|measured|calculated|approximately|approx\.?|about|around|roughly)){0,5}`
	mean = `(?:\s*[,;(]?\s*(?:mean|m)\s*(?:of|=|:)?\s*` + number + `)?`
)

// compileMeasures compiles each measurement's pattern: an alias, filler
// words, a value or a systolic/diastolic pair, an optional mean, a unit.
func compileMeasures(ms []phenotype.Measurement) ([]measure, error) {
	var meanDef *phenotype.Measurement
	for i := range ms {
		for _, a := range ms[i].Aliases {
			if strings.HasPrefix(strings.ToLower(a), "mean ") && meanDef == nil {
				meanDef = &ms[i]
			}
		}
	}
	out := make([]measure, 0, len(ms))
	for i, md := range ms {
		if len(md.Aliases) == 0 {
			return nil, fmt.Errorf("measurements[%d] %q: no aliases", i, md.Name)
		}
		unit := ""
		if len(md.Units) > 0 {
			unit = `(?:\s*(?:` + alternation(md.Units) + `)\b)?`
		}
		pat := `(?i)\b(?:` + alternation(md.Aliases) + `)\b` + filler + `\s*` + number +
			`(?:\s*/\s*` + number + `)?` + unit + mean + unit
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, fmt.Errorf("measurements[%d] %q: %w", i, md.Name, err)
		}
		out = append(out, measure{def: md, re: re, mean: meanDef})
	}
	return out, nil
}

// Weight returns the weight of a term name.
func (m *Matcher) Weight(term string) float64 {
	if w, ok := m.weight[term]; ok {
		return w
	}
	return 1
}

// findPlain runs every pattern over the whole of text: the plain approach,
// which the word-anchored Find must agree with.
func (m *Matcher) findPlain(text string) Found {
	var f Found
	for _, loc := range m.phrases.FindAllStringIndex(text, -1) {
		s := text[loc[0]:loc[1]]
		f.Mentions = append(f.Mentions, phenorag.Mention{
			Term: m.byPhrase[normalise(s)], Text: s, Start: loc[0], End: loc[1]})
	}
	if m.abbrs != nil {
		for _, loc := range m.abbrs.FindAllStringIndex(text, -1) {
			s := text[loc[0]:loc[1]]
			f.Mentions = append(f.Mentions, phenorag.Mention{
				Term: m.byAbbr[s], Text: s, Start: loc[0], End: loc[1]})
		}
	}
	var all []numbered
	for _, ms := range m.measures {
		all = append(all, ms.find(text)...)
	}
	f.Values = longestValues(all)
	for _, fr := range m.friends {
		for _, loc := range fr.re.FindAllStringIndex(text, -1) {
			f.Friends = append(f.Friends, FriendSpan{Name: fr.name, Start: loc[0], End: loc[1]})
		}
	}
	f.finish()
	return f
}

// finish drops the matches that overlap a false friend and sorts the rest.
func (f *Found) finish() {
	f.dropFriends()
	slices.SortFunc(f.Mentions, func(a, b phenorag.Mention) int { return a.Start - b.Start })
	slices.SortFunc(f.Values, func(a, b phenorag.Value) int { return a.Start - b.Start })
	slices.SortFunc(f.Friends, func(a, b FriendSpan) int { return a.Start - b.Start })
}

// dropFriends removes mentions and values that overlap a false friend.
func (f *Found) dropFriends() {
	if len(f.Friends) == 0 {
		return
	}
	hit := func(s, e int) bool {
		for _, fr := range f.Friends {
			if s < fr.End && fr.Start < e {
				return true
			}
		}
		return false
	}
	f.Mentions = slices.DeleteFunc(f.Mentions, func(m phenorag.Mention) bool {
		return hit(m.Start, m.End)
	})
	f.Values = slices.DeleteFunc(f.Values, func(v phenorag.Value) bool {
		return hit(v.Start, v.End)
	})
}

// longestValues keeps one value per number. When two names claim the same
// number ("mean PA pressure of 38" holds "PA pressure" too), the longer
// match wins.
func longestValues(all []numbered) []phenorag.Value {
	best := map[int]phenorag.Value{} // by the offset of the number
	for _, nv := range all {
		if old, ok := best[nv.at]; !ok || nv.v.Start < old.Start {
			best[nv.at] = nv.v
		}
	}
	vals := make([]phenorag.Value, 0, len(best))
	for _, v := range best {
		vals = append(vals, v)
	}
	return vals
}

// numbered is a value and the offset of its number.
type numbered struct {
	v  phenorag.Value
	at int
}

// find returns the plausible values of one measurement in text.
func (ms measure) find(text string) []numbered {
	var vals []numbered
	for _, sm := range ms.re.FindAllStringSubmatchIndex(text, -1) {
		vals = ms.parse(text, sm, vals)
	}
	return vals
}

// parse appends the values of one match to vals; sm holds the offsets in
// text of the whole match, the value, the diastolic value and the mean.
func (ms measure) parse(text string, sm []int, vals []numbered) []numbered {
	unit := ""
	if len(ms.def.Units) > 0 {
		unit = ms.def.Units[0]
	}
	if v, ok := parseIn(text, sm[2], sm[3], ms.def); ok {
		vals = append(vals, numbered{phenorag.Value{Name: ms.def.Name, Value: v,
			Unit: unit, Text: text[sm[0]:sm[1]], Start: sm[0], End: sm[1]}, sm[2]})
	}
	if ms.mean == nil || sm[6] < 0 || sm[4] < 0 {
		return vals // a mean only follows a systolic/diastolic pair
	}
	if v, ok := parseIn(text, sm[6], sm[7], *ms.mean); ok {
		s := meanStart(text, sm[5], sm[6])
		mu := ""
		if len(ms.mean.Units) > 0 {
			mu = ms.mean.Units[0]
		}
		vals = append(vals, numbered{phenorag.Value{Name: ms.mean.Name, Value: v,
			Unit: mu, Text: text[s:sm[7]], Start: s, End: sm[7]}, sm[6]})
	}
	return vals
}

// meanStart finds where the word "mean" (or "m") begins between from and to.
func meanStart(text string, from, to int) int {
	seg := strings.ToLower(text[from:to])
	if j := strings.LastIndex(seg, "mean"); j >= 0 {
		return from + j
	}
	if i := strings.LastIndex(seg, "m"); i >= 0 {
		return from + i
	}
	return to
}

// parseIn parses text[s:e] as a value of md and checks it is plausible.
func parseIn(text string, s, e int, md phenotype.Measurement) (float64, bool) {
	if s < 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(text[s:e], 64)
	if err != nil {
		return 0, false
	}
	if (md.Min != 0 && v < md.Min) || (md.Max != 0 && v > md.Max) {
		return 0, false
	}
	return v, true
}

// mustContain returns the longest literal, lower-cased, that every match of
// pattern contains, or "" when there is none or pattern does not parse.
func mustContain(pattern string) string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return ""
	}
	return strings.ToLower(required(re.Simplify()))
}

// required returns the longest literal every match of re contains.
func required(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune)
	case syntax.OpCapture:
		return required(re.Sub[0])
	case syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		best := ""
		for _, sub := range re.Sub {
			if r := required(sub); len(r) > len(best) {
				best = r
			}
		}
		return best
	}
	return ""
}
