// Package tagger tags each mention of a finding in clinical text, ConText
// style, as negated ("no pulmonary hypertension"), possible ("r/o PH"),
// historical ("history of PH") or about someone other than the patient
// ("mother had PAH").
//
// The trigger phrases come from a phenotype definition, not from code. New
// compiles them once into a trie of lower-case words. Tag splits the note
// into sentences with ingest.Sentences (once per note when its mentions are
// tagged one after another), then reads only the sentence around the
// mention, and the lines above it when the definition names section
// headers.
//
// A trigger's scope reaches over at most Scope words in its direction(s),
// and stops at the end of the sentence and at a terminating trigger (such as
// "but"). It does not stop at a trigger of another category, so that "no
// history of PH" is both negated and historical. Pseudo-triggers ("no
// increase") are matched like triggers, longest match first, and so block
// the shorter triggers they contain; they mark nothing.
package tagger

import (
	"fmt"
	"sync"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/ingest"
	"github.com/phenorag/phenorag/phenotype"
)

// category is what a trigger marks.
type category uint8

const (
	negated category = iota
	possible
	historical
	other
	pseudo
	terminate
)

var categories = map[string]category{
	phenotype.CategoryNegated:    negated,
	phenotype.CategoryPossible:   possible,
	phenotype.CategoryHistorical: historical,
	phenotype.CategoryOther:      other,
	phenotype.CategoryPseudo:     pseudo,
	phenotype.CategoryTerminate:  terminate,
}

// direction is a set of the ways a trigger reaches.
type direction uint8

const (
	forward  direction = 1
	backward direction = 2
)

var directions = map[string]direction{
	"":                          forward,
	phenotype.DirectionForward:  forward,
	phenotype.DirectionBackward: backward,
	phenotype.DirectionBoth:     forward | backward,
}

// rule is a compiled trigger.
type rule struct {
	cat category
	dir direction
	// ends is the set of categories (bit 1<<cat) a terminate trigger ends.
	ends uint8
}

const allCategories = 1<<negated | 1<<possible | 1<<historical | 1<<other

// node is a node of a trie over lower-case tokens.
type node struct {
	next map[string]*node
	rule *rule // set when the path to this node spells a whole phrase
}

// Tagger tags mentions. It is safe for concurrent use.
type Tagger struct {
	scope    int
	triggers node
	sections node // section headers; rule.cat is the section's category
	pool     sync.Pool
}

// scratch is the per-call working memory, reused through a pool.
type scratch struct {
	toks    []token
	nth     []int // nth[i] is the number of words before toks[i]
	matches []match
	key     []byte

	// text is the note last split into sentences, sents its sentences.
	text  string
	sents []ingest.Sentence
	split bool
}

// match is a trigger found at toks[from:to].
type match struct {
	rule     *rule
	from, to int
}

// New compiles the context rules of a definition.
func New(rules phenotype.ContextRules) (*Tagger, error) {
	t := &Tagger{scope: rules.Scope}
	if t.scope <= 0 {
		t.scope = phenotype.DefaultScope
	}
	for i, tr := range rules.Triggers {
		r, err := compileTrigger(tr)
		if err != nil {
			return nil, fmt.Errorf("context trigger %d (%q): %w", i, tr.Phrase, err)
		}
		if err := t.triggers.insert(phraseWords(tr.Phrase), r); err != nil {
			return nil, fmt.Errorf("context trigger %d: %w", i, err)
		}
	}
	for i, s := range rules.Sections {
		r := &rule{cat: pseudo}
		if s.Category != "" {
			c, ok := categories[s.Category]
			if !ok || c >= pseudo {
				return nil, fmt.Errorf("context section %d (%q): unknown category %q",
					i, s.Header, s.Category)
			}
			r.cat = c
		}
		if err := t.sections.insert(headerWords(s.Header), r); err != nil {
			return nil, fmt.Errorf("context section %d: %w", i, err)
		}
	}
	t.pool.New = func() any { return new(scratch) }
	return t, nil
}

func compileTrigger(tr phenotype.Trigger) (*rule, error) {
	c, ok := categories[tr.Category]
	if !ok {
		return nil, fmt.Errorf("unknown category %q", tr.Category)
	}
	d, ok := directions[tr.Direction]
	if !ok {
		return nil, fmt.Errorf("unknown direction %q", tr.Direction)
	}
	r := &rule{cat: c, dir: d}
	for _, e := range tr.Ends {
		ec, ok := categories[e]
		if !ok || ec >= pseudo {
			return nil, fmt.Errorf("unknown category %q in ends", e)
		}
		r.ends |= 1 << ec
	}
	if c == terminate && r.ends == 0 {
		r.ends = allCategories
	}
	return r, nil
}

// insert adds a phrase to the trie under n.
func (n *node) insert(words []string, r *rule) error {
	if len(words) == 0 {
		return fmt.Errorf("empty phrase")
	}
	for _, w := range words {
		if n.next == nil {
			n.next = map[string]*node{}
		}
		child := n.next[w]
		if child == nil {
			child = &node{}
			n.next[w] = child
		}
		n = child
	}
	if n.rule != nil {
		return fmt.Errorf("duplicate phrase %q", words)
	}
	n.rule = r
	return nil
}

// Tag returns the context of the mention text[start:end], judged within its
// sentence and, when the rules name section headers, its section. Offsets
// outside text give the zero Context.
func (t *Tagger) Tag(text string, start, end int) phenorag.Context {
	if start < 0 || end > len(text) || start > end {
		return phenorag.Context{}
	}
	sc := t.pool.Get().(*scratch)
	defer t.pool.Put(sc)
	from, to := sc.sentenceAround(text, start, end)
	ctx := t.tagSentence(sc, text, from, to, start, end)
	if t.sections.next != nil {
		setCategory(&ctx, t.sectionAt(sc, text, start))
	}
	return ctx
}

// TagMentions sets the Context of each mention, whose offsets are into text.
func (t *Tagger) TagMentions(text string, ms []phenorag.Mention) {
	for i := range ms {
		ms[i].Context = t.Tag(text, ms[i].Start, ms[i].End)
	}
}

// tagSentence judges the mention text[start:end] by the triggers of the
// sentence text[from:to].
func (t *Tagger) tagSentence(sc *scratch, text string, from, to, start, end int) phenorag.Context {
	sc.toks = tokenize(sc.toks[:0], text, from, to)
	toks := sc.toks
	sc.nth = sc.nth[:0]
	words := 0
	for _, tk := range toks {
		sc.nth = append(sc.nth, words)
		if tk.word {
			words++
		}
	}
	sc.nth = append(sc.nth, words)

	// The mention covers toks[ms:me].
	ms, me := len(toks), len(toks)
	for i, tk := range toks {
		if tk.end > start && ms == len(toks) {
			ms = i
		}
		if tk.start >= end {
			me = i
			break
		}
	}
	if me < ms {
		me = ms
	}

	sc.matches = t.findTriggers(sc, text, 0, ms, sc.matches[:0])
	sc.matches = t.findTriggers(sc, text, me, len(toks), sc.matches)
	return t.judge(sc.matches, sc.nth, ms, me)
}

// findTriggers appends the triggers found in sc.toks[from:to], longest
// match first, none reaching past to.
func (t *Tagger) findTriggers(sc *scratch, text string, from, to int, ms []match) []match {
	for i := from; i < to; {
		var best *rule
		bestEnd := i
		n := &t.triggers
		for j := i; j < to && n.next != nil; j++ {
			sc.key = lowerKey(text[sc.toks[j].start:sc.toks[j].end], sc.key)
			n = n.next[string(sc.key)]
			if n == nil {
				break
			}
			if n.rule != nil {
				best, bestEnd = n.rule, j+1
			}
		}
		if best == nil {
			i++
			continue
		}
		ms = append(ms, match{rule: best, from: i, to: bestEnd})
		i = bestEnd
	}
	return ms
}

// judge decides the context of the mention toks[ms:me] from the triggers
// found around it; nth counts the words before each token.
func (t *Tagger) judge(matches []match, nth []int, ms, me int) phenorag.Context {
	var ctx phenorag.Context
	for _, m := range matches {
		c := m.rule.cat
		if c >= pseudo {
			continue
		}
		reaches := false
		if m.rule.dir&forward != 0 && m.to <= ms {
			reaches = nth[ms]-nth[m.to] < t.scope && !terminated(matches, c, m.to, ms)
		}
		if !reaches && m.rule.dir&backward != 0 && m.from >= me {
			reaches = nth[m.from]-nth[me] < t.scope && !terminated(matches, c, me, m.from)
		}
		if reaches {
			setCategory(&ctx, c)
		}
	}
	return ctx
}

// terminated reports whether a trigger that ends category c lies wholly
// within tokens [from, to).
func terminated(matches []match, c category, from, to int) bool {
	for _, m := range matches {
		if m.rule.cat == terminate && m.rule.ends&(1<<c) != 0 && m.from >= from && m.to <= to {
			return true
		}
	}
	return false
}

func setCategory(ctx *phenorag.Context, c category) {
	switch c {
	case negated:
		ctx.Negated = true
	case possible:
		ctx.Possible = true
	case historical:
		ctx.Historical = true
	case other:
		ctx.Other = true
	}
}
