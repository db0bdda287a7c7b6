package ingest

import (
	"bytes"
	"strings"
)

// flatObject is one JSON object whose values are all scalars, parsed
// without encoding/json, which spends most of a JSONL read scanning each
// line twice. Keys point into the line; values are fresh strings.
type flatObject struct {
	keys [][]byte
	vals []string
	null []bool
}

// parse reads line as a flat object. It reports false for anything it
// does not handle (a nested value, an escaped surrogate, a syntax error),
// which encoding/json then reads and, if need be, rejects.
func (o *flatObject) parse(line []byte) bool {
	o.keys, o.vals, o.null = o.keys[:0], o.vals[:0], o.null[:0]
	i := skipWS(line, 0)
	if i >= len(line) || line[i] != '{' {
		return false
	}
	i = skipWS(line, i+1)
	if i < len(line) && line[i] == '}' {
		return skipWS(line, i+1) == len(line)
	}
	for {
		var ok bool
		if i, ok = o.pair(line, i); !ok {
			return false
		}
		i = skipWS(line, i)
		switch {
		case i < len(line) && line[i] == ',':
			i = skipWS(line, i+1)
		case i < len(line) && line[i] == '}':
			return skipWS(line, i+1) == len(line)
		default:
			return false
		}
	}
}

// pair reads `"key": value` at line[i:].
func (o *flatObject) pair(line []byte, i int) (int, bool) {
	if i >= len(line) || line[i] != '"' {
		return 0, false
	}
	end := i + 1
	for end < len(line) && line[end] != '"' && line[end] != '\\' && line[end] >= 0x20 {
		end++
	}
	if end >= len(line) || line[end] != '"' {
		return 0, false
	}
	key := line[i+1 : end]
	i = skipWS(line, end+1)
	if i >= len(line) || line[i] != ':' {
		return 0, false
	}
	val, null, next, ok := scalar(line, skipWS(line, i+1))
	if !ok {
		return 0, false
	}
	o.keys, o.vals, o.null = append(o.keys, key), append(o.vals, val), append(o.null, null)
	return next, true
}

// lookup returns the value of name: the last key spelt exactly so, or else
// the last that matches regardless of case.
func (o *flatObject) lookup(name string) (val string, found, null bool) {
	at := -1
	for k := len(o.keys) - 1; k >= 0 && at < 0; k-- {
		if string(o.keys[k]) == name {
			at = k
		}
	}
	for k := len(o.keys) - 1; k >= 0 && at < 0; k-- {
		if bytes.EqualFold(o.keys[k], []byte(name)) {
			at = k
		}
	}
	if at < 0 || name == "" {
		return "", false, false
	}
	return o.vals[at], true, o.null[at]
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// scalar reads a string, number, boolean or null at b[i:], rendered as a
// CSV would hold it.
func scalar(b []byte, i int) (val string, null bool, next int, ok bool) {
	if i >= len(b) {
		return "", false, 0, false
	}
	switch c := b[i]; {
	case c == '"':
		val, next, ok = jsonStringAt(b, i+1)
		return val, false, next, ok
	case c == 't' && bytes.HasPrefix(b[i:], []byte("true")):
		return "true", false, i + 4, true
	case c == 'f' && bytes.HasPrefix(b[i:], []byte("false")):
		return "false", false, i + 5, true
	case c == 'n' && bytes.HasPrefix(b[i:], []byte("null")):
		return "", true, i + 4, true
	case c == '-' || isDigit(c):
		n := numberLen(b[i:])
		return string(b[i : i+n]), false, i + n, n > 0
	}
	return "", false, 0, false
}

// jsonStringAt reads the rest of a string whose opening quote is at b[i-1].
func jsonStringAt(b []byte, i int) (string, int, bool) {
	j := i
	for j < len(b) && b[j] != '"' && b[j] != '\\' && b[j] >= 0x20 {
		j++
	}
	if j < len(b) && b[j] == '"' {
		return string(b[i:j]), j + 1, true
	}
	var sb strings.Builder
	sb.Grow(j - i + 64)
	sb.Write(b[i:j])
	for j < len(b) {
		switch c := b[j]; {
		case c == '"':
			return sb.String(), j + 1, true
		case c < 0x20:
			return "", 0, false
		case c != '\\':
			sb.WriteByte(c)
			j++
			continue
		}
		n, ok := unescape(&sb, b[j:])
		if !ok {
			return "", 0, false
		}
		j += n
	}
	return "", 0, false
}

// unescape writes the escape at the start of b and returns its length.
func unescape(sb *strings.Builder, b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	if i := strings.IndexByte(`"\/bfnrt`, b[1]); i >= 0 {
		sb.WriteByte("\"\\/\b\f\n\r\t"[i])
		return 2, true
	}
	if b[1] != 'u' || len(b) < 6 {
		return 0, false
	}
	r := rune(0)
	for _, c := range b[2:6] {
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	if r >= 0xD800 && r <= 0xDFFF {
		return 0, false // surrogates: left to encoding/json
	}
	sb.WriteRune(r)
	return 6, true
}

// numberLen returns the length of the JSON number at the start of b, or 0.
func numberLen(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digitsEnd(b, i)
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		if j := digitsEnd(b, i+1); j > i+1 {
			i = j
		} else {
			return 0
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if k := digitsEnd(b, j); k > j {
			i = k
		} else {
			return 0
		}
	}
	return i
}

func digitsEnd(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}
