package mapreduce

import (
	"cmp"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/phenorag/phenorag"
)

// DefaultBytesPerToken is the assumed size of a token: English prose
// averages about 4 bytes per token with common tokenizers; clinical text,
// dense with numbers and abbreviations, somewhat less.
const DefaultBytesPerToken = 3.5

// EstimateTokens estimates how many tokens text takes at
// DefaultBytesPerToken, rounding up.
func EstimateTokens(text string) int { return estimate(len(text), DefaultBytesPerToken) }

func estimate(n int, bytesPerToken float64) int {
	return int(math.Ceil(float64(n) / bytesPerToken))
}

// Budget sets how much snippet text fits in one map call.
type Budget struct {
	// Tokens is the room for snippets: the context window minus the fixed
	// prompt and the output budget.
	Tokens int
	// Overhead is the estimated cost of one snippet's label and header in
	// the prompt, beyond its text.
	Overhead int
	// BytesPerToken converts text to tokens; 0 means DefaultBytesPerToken.
	BytesPerToken float64
}

// tokens estimates the tokens of text.
func (b Budget) tokens(text string) int {
	if b.BytesPerToken <= 0 {
		return EstimateTokens(text)
	}
	return estimate(len(text), b.BytesPerToken)
}

// Pack splits snippets into calls that each fit the budget. Snippets are
// taken best score first and kept whole; a call holds as many consecutive
// snippets as fit. A snippet too long for a call of its own is cut to fit,
// keeping its start, and its End is moved back to match: it is never
// dropped.
func Pack(snippets []phenorag.Snippet, b Budget) [][]phenorag.Snippet {
	sorted := slices.Clone(snippets)
	slices.SortStableFunc(sorted, func(x, y phenorag.Snippet) int {
		return cmp.Compare(y.Score, x.Score)
	})

	var calls [][]phenorag.Snippet
	var cur []phenorag.Snippet
	used := 0
	for _, s := range sorted {
		cost := b.tokens(s.Text) + b.Overhead
		if len(cur) > 0 && used+cost > b.Tokens {
			calls = append(calls, cur)
			cur, used = nil, 0
		}
		if cost > b.Tokens {
			s = cut(s, b.Tokens-b.Overhead, b.BytesPerToken)
			cost = b.Tokens
		}
		cur = append(cur, s)
		used += cost
	}
	if len(cur) > 0 {
		calls = append(calls, cur)
	}
	return calls
}

// cut shortens s to the bytes that tokens estimated tokens hold.
func cut(s phenorag.Snippet, tokens int, bytesPerToken float64) phenorag.Snippet {
	if bytesPerToken <= 0 {
		bytesPerToken = DefaultBytesPerToken
	}
	return cutBytes(s, int(float64(tokens)*bytesPerToken))
}

// cutBytes shortens s to at most n bytes, at a rune boundary, keeping at
// least one rune.
func cutBytes(s phenorag.Snippet, n int) phenorag.Snippet {
	n = max(n, 1)
	if n >= len(s.Text) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s.Text[n]) {
		n--
	}
	if n == 0 {
		_, n = utf8.DecodeRuneInString(s.Text)
	}
	s.Text = s.Text[:n]
	s.End = s.Start + n
	s.Also = slices.Clone(s.Also)
	for i := range s.Also {
		s.Also[i].End = s.Also[i].Start + n
	}
	s.Mentions = slices.DeleteFunc(slices.Clone(s.Mentions), func(m phenorag.Mention) bool {
		return m.End > s.End
	})
	s.Measurements = slices.DeleteFunc(slices.Clone(s.Measurements), func(v phenorag.Value) bool {
		return v.End > s.End
	})
	return s
}
