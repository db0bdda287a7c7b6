package tagger

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word or punctuation mark of a sentence: text[start:end].
type token struct {
	start, end int
	// word is true for a run of letters and digits, false for a single
	// punctuation mark; only words count towards a trigger's scope.
	word bool
}

// tokenize appends to toks the tokens of text[from:to]. A token is a
// maximal run of letters and digits, or any other single non-space
// character; offsets are bytes into text.
func tokenize(toks []token, text string, from, to int) []token {
	for i := from; i < to; {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case isSpaceASCII(c):
				i++
			case isAlnumASCII(c):
				j := wordEnd(text, i+1, to)
				toks = append(toks, token{start: i, end: j, word: true})
				i = j
			default:
				toks = append(toks, token{start: i, end: i + 1})
				i++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := wordEnd(text, i+size, to)
			toks = append(toks, token{start: i, end: j, word: true})
			i = j
		default:
			toks = append(toks, token{start: i, end: i + size})
			i += size
		}
	}
	return toks
}

// wordEnd returns the end of the run of letters and digits that starts at
// or continues through text[j], not going past to.
func wordEnd(text string, j, to int) int {
	for j < to {
		c := text[j]
		if c < utf8.RuneSelf {
			if !isAlnumASCII(c) {
				return j
			}
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[j:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return j
		}
		j += n
	}
	return to
}

func isAlnumASCII(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isSpaceASCII(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// lowerKey returns s in lower case, using buf to avoid allocating when s is
// ASCII; the result is valid until buf is reused.
func lowerKey(s string, buf []byte) []byte {
	buf = buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(buf[:0], strings.ToLower(s)...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// phraseWords splits a trigger phrase into its lower-case tokens.
func phraseWords(phrase string) []string {
	toks := tokenize(nil, phrase, 0, len(phrase))
	words := make([]string, len(toks))
	for i, tk := range toks {
		words[i] = strings.ToLower(phrase[tk.start:tk.end])
	}
	return words
}

// headerWords splits a section header into its lower-case words, leaving
// out punctuation.
func headerWords(header string) []string {
	var words []string
	for _, tk := range tokenize(nil, header, 0, len(header)) {
		if tk.word {
			words = append(words, strings.ToLower(header[tk.start:tk.end]))
		}
	}
	return words
}
