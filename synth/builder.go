package synth

import (
	"bytes"
	"strconv"
	"strings"
)

// builder writes one note's text and records where evidence lands.
type builder struct {
	p     *plan
	n     *noteSpec
	buf   []byte
	marks []mark
	// width is the column at which dictated paragraphs of this note are
	// hard-wrapped; 0 leaves them on one line.
	width int
}

// mark is evidence for a case at buf[start:end].
type mark struct {
	start, end int
	tag        string
}

func (b *builder) reset(n *noteSpec) {
	b.n, b.buf, b.marks, b.width = n, b.buf[:0], b.marks[:0], 0
	if b.p.r.IntN(5) < 2 {
		b.width = 68 + b.p.r.IntN(14)
	}
}

// para writes s expanded as a dictated paragraph, hard-wrapped at the
// note's width.
func (b *builder) para(s string) {
	start := len(b.buf)
	b.x(s)
	b.wrapFrom(start)
}

// wrapFrom hard-wraps the text written since start at the note's width, by
// turning spaces into line breaks, so offsets do not move. It is used only
// on text that holds no evidence, so no span gains a line break it was not
// written with.
func (b *builder) wrapFrom(start int) {
	if b.width == 0 {
		return
	}
	line := bytes.LastIndexByte(b.buf[:start], '\n') + 1
	space := -1
	for i := start; i < len(b.buf); i++ {
		switch b.buf[i] {
		case '\n':
			line, space = i+1, -1
			continue
		case ' ':
			space = i
		}
		if i-line >= b.width && space >= start {
			b.buf[space] = '\n'
			line, space = space+1, -1
		}
	}
}

// w writes s as it is.
func (b *builder) w(s string) { b.buf = append(b.buf, s...) }

// line writes s expanded, then a newline.
func (b *builder) line(s string) {
	b.x(s)
	b.buf = append(b.buf, '\n')
}

// header writes an ALL-CAPS section header on its own line after a blank
// line; inline headers keep their text on the same line.
func (b *builder) header(h string) {
	b.w("\n")
	b.w(h)
	b.w("\n")
}

func (b *builder) part(pt part) {
	start := len(b.buf)
	b.w(pt.text)
	if pt.tag != "" {
		b.marks = append(b.marks, mark{start, len(b.buf), pt.tag})
	}
}

// injected reports whether case text waits at slot s of the note.
func (b *builder) injected(s slot) bool {
	for _, in := range b.n.inject {
		if in.slot == s {
			return true
		}
	}
	return false
}

// slot writes the case text waiting at s, each injection after prefix and
// ending with a newline; it returns how many it wrote.
func (b *builder) slot(s slot, prefix string, number int) int {
	k := 0
	for _, in := range b.n.inject {
		if in.slot != s {
			continue
		}
		if number > 0 {
			b.num(number + k)
			b.w(". ")
		}
		b.w(prefix)
		for _, pt := range in.parts {
			b.part(pt)
		}
		b.w("\n")
		k++
	}
	return k
}

// inline writes the case text waiting at s on the current line, each after
// a space.
func (b *builder) inline(s slot) {
	for _, in := range b.n.inject {
		if in.slot != s {
			continue
		}
		b.w(" ")
		for _, pt := range in.parts {
			b.part(pt)
		}
	}
}

func (b *builder) num(v int) { b.buf = strconv.AppendInt(b.buf, int64(v), 10) }

func (b *builder) dec(v float64) { b.buf = strconv.AppendFloat(b.buf, v, 'f', 1, 64) }

// between writes a whole number drawn from [lo, hi].
func (b *builder) between(lo, hi int) { b.num(lo + b.p.r.IntN(hi-lo+1)) }

// betweenDec writes a number with one decimal drawn from [lo, hi].
func (b *builder) betweenDec(lo, hi float64) {
	b.dec(lo + float64(b.p.r.IntN(int((hi-lo)*10)+1))/10)
}

// x writes s, filling each {key} with a plausible value.
func (b *builder) x(s string) {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.w(s)
			return
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.w(s)
			return
		}
		b.w(s[:i])
		b.value(s[i+1 : i+j])
		s = s[i+j+1:]
	}
}

// value writes the value of one placeholder.
func (b *builder) value(key string) {
	p := b.p
	if v, ok := placeholders[key]; ok {
		if v.tenths {
			b.betweenDec(v.lo, v.hi)
		} else {
			b.between(int(v.lo), int(v.hi))
		}
		return
	}
	switch key {
	case "age":
		b.num(p.age)
	case "sex":
		b.w(p.sexWord())
	case "pron":
		b.w(map[bool]string{true: "she", false: "he"}[p.female])
	case "bp":
		b.between(104, 156)
		b.w("/")
		b.between(58, 92)
	case "dr":
		b.w(pick(p.r, doctors))
	default:
		b.w("{" + key + "}")
	}
}

// valueRange is the range a placeholder's value is drawn from, in whole numbers
// or in tenths.
type valueRange struct {
	lo, hi float64
	tenths bool
}

// placeholders are the numeric placeholders of note templates.
var placeholders = map[string]valueRange{
	"a1c": {6.4, 10.8, true}, "ins": {12, 44, false}, "ldl": {52, 148, false},
	"cr": {0.7, 2.6, true}, "egfr": {24, 58, false}, "k": {3.5, 5.3, true},
	"na": {131, 144, false}, "glu": {88, 242, false}, "fev1": {0.9, 2.4, true},
	"wt": {58, 121, false}, "bnp": {35, 2400, false}, "hr": {58, 104, false},
	"tsh": {0.6, 5.8, true}, "hgb": {8.1, 14.6, true}, "wbc": {4.2, 14.8, true},
	"plt": {128, 410, false}, "o2": {1, 4, false}, "temp": {97.1, 100.6, true},
	"rr": {12, 24, false}, "spo2": {89, 99, false}, "year": {1988, 2012, false},
}
