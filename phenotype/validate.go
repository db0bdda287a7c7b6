package phenotype

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/template/parse"
)

// The categories a context trigger can have.
const (
	CategoryNegated    = "negated"
	CategoryPossible   = "possible"
	CategoryHistorical = "historical"
	CategoryOther      = "other"
	CategoryPseudo     = "pseudo"
	CategoryTerminate  = "terminate"
)

// The directions a context trigger can reach in.
const (
	DirectionForward  = "forward"
	DirectionBackward = "backward"
	DirectionBoth     = "both"
)

// Defaults for values a definition may leave out.
const (
	DefaultWindow = 240 // Snippets.Window
	DefaultTopK   = 12  // Snippets.TopK
	DefaultScope  = 8   // ContextRules.Scope
)

// SetDefaults fills in every defaultable value that is zero. Parse applies
// defaults only to values the YAML leaves out, so that an explicit 0 is
// reported rather than silently replaced.
func (d *Definition) SetDefaults() {
	d.setDefaults(func(string) bool { return false })
}

// setDefaults fills in zero values whose field written reports as absent.
func (d *Definition) setDefaults(written func(field string) bool) {
	if d.Snippets.Window == 0 && !written("snippets.window") {
		d.Snippets.Window = DefaultWindow
	}
	if d.Snippets.TopK == 0 && !written("snippets.top_k") {
		d.Snippets.TopK = DefaultTopK
	}
	if d.Context.Scope == 0 && !written("context.scope") {
		d.Context.Scope = DefaultScope
	}
}

// Validate checks that the definition can be used and compiles its false
// friends. It reports every problem found, each an *Error naming its field,
// joined with errors.Join.
func (d *Definition) Validate() error {
	v := &validator{}
	v.required("name", d.Name)
	v.required("title", d.Title)
	v.terms(d.Terms)
	v.measurements(d.Measurements)
	d.compiled = v.falseFriends(d.FalseFriends)
	v.snippets(d.Snippets)
	v.context(d.Context)
	v.rules(d.Rules)
	v.prompts(d.Prompts)
	return v.err()
}

// validator collects the problems of one definition.
type validator struct {
	problems []*Error
}

func (v *validator) add(field, format string, a ...any) {
	v.problems = append(v.problems, invalidf(field, format, a...))
}

func (v *validator) err() error {
	errs := make([]error, len(v.problems))
	for i, p := range v.problems {
		errs[i] = p
	}
	return errors.Join(errs...)
}

func (v *validator) required(field, value string) {
	if strings.TrimSpace(value) == "" {
		v.add(field, "missing")
	}
}

// unique reports field when name was already seen under another index.
func (v *validator) unique(seen map[string]int, field, name string) {
	key := strings.ToLower(strings.Join(strings.Fields(name), " "))
	if key == "" {
		return
	}
	if first, ok := seen[key]; ok {
		v.add(field, "duplicate %q (first at index %d)", name, first)
		return
	}
	seen[key] = len(seen)
}

func (v *validator) terms(terms []Term) {
	if len(terms) == 0 {
		v.add("terms", "at least one term is needed")
	}
	names, phrases := map[string]int{}, map[string]int{}
	for i, t := range terms {
		at := fmt.Sprintf("terms[%d]", i)
		v.required(at+".name", t.Name)
		v.unique(names, at+".name", t.Name)
		if len(t.Phrases)+len(t.Abbreviations) == 0 {
			v.add(at, "a term needs at least one phrase or abbreviation")
		}
		for j, p := range t.Phrases {
			v.required(fmt.Sprintf("%s.phrases[%d]", at, j), p)
			v.unique(phrases, fmt.Sprintf("%s.phrases[%d]", at, j), p)
		}
		for j, a := range t.Abbreviations {
			if strings.TrimSpace(a) == "" || strings.ContainsAny(a, " \t\n") {
				v.add(fmt.Sprintf("%s.abbreviations[%d]", at, j), "must be one word")
			}
		}
		if t.Weight < 0 {
			v.add(at+".weight", "must not be negative")
		}
	}
}

func (v *validator) measurements(ms []Measurement) {
	names := map[string]int{}
	for i, m := range ms {
		at := fmt.Sprintf("measurements[%d]", i)
		v.required(at+".name", m.Name)
		v.unique(names, at+".name", m.Name)
		if len(m.Aliases) == 0 {
			v.add(at+".aliases", "at least one alias is needed")
		}
		for j, a := range m.Aliases {
			v.required(fmt.Sprintf("%s.aliases[%d]", at, j), a)
		}
		if m.Max != 0 && m.Min > m.Max {
			v.add(at+".min", "min %g is above max %g", m.Min, m.Max)
		}
	}
}

// falseFriends checks and compiles the patterns, returning them in order
// (nil for one that does not compile).
func (v *validator) falseFriends(ffs []FalseFriend) []*regexp.Regexp {
	names := map[string]int{}
	res := make([]*regexp.Regexp, len(ffs))
	for i, f := range ffs {
		at := fmt.Sprintf("false_friends[%d]", i)
		v.required(at+".name", f.Name)
		v.unique(names, at+".name", f.Name)
		if f.Pattern == "" {
			v.add(at+".pattern", "missing")
			continue
		}
		re, err := regexp.Compile(f.Pattern)
		if err != nil {
			v.add(at+".pattern", "%v", err)
			continue
		}
		if re.MatchString("") {
			v.add(at+".pattern", "matches the empty string")
		}
		res[i] = re
	}
	return res
}

func (v *validator) snippets(s Snippets) {
	if s.Window < 1 {
		v.add("snippets.window", "must be at least 1, got %d", s.Window)
	}
	if s.TopK < 1 {
		v.add("snippets.top_k", "must be at least 1, got %d", s.TopK)
	}
}

func (v *validator) context(c ContextRules) {
	if c.Scope < 1 {
		v.add("context.scope", "must be at least 1 word, got %d", c.Scope)
	}
	phrases := map[string]int{}
	for i, t := range c.Triggers {
		at := fmt.Sprintf("context.triggers[%d]", i)
		v.required(at+".phrase", t.Phrase)
		v.unique(phrases, at+".phrase", t.Phrase)
		switch t.Category {
		case CategoryNegated, CategoryPossible, CategoryHistorical, CategoryOther,
			CategoryPseudo, CategoryTerminate:
		default:
			v.add(at+".category", "unknown category %q (want negated, possible, "+
				"historical, other, pseudo or terminate)", t.Category)
		}
		for j, c := range t.Ends {
			switch {
			case t.Category != CategoryTerminate:
				v.add(at+".ends", "only a terminate trigger ends other triggers")
			case c != CategoryNegated && c != CategoryPossible && c != CategoryHistorical &&
				c != CategoryOther:
				v.add(fmt.Sprintf("%s.ends[%d]", at, j), "unknown category %q", c)
			}
		}
		switch t.Direction {
		case "", DirectionForward, DirectionBackward, DirectionBoth:
		default:
			v.add(at+".direction", "unknown direction %q (want forward, backward or both)",
				t.Direction)
		}
	}
	headers := map[string]int{}
	for i, s := range c.Sections {
		at := fmt.Sprintf("context.sections[%d]", i)
		v.required(at+".header", s.Header)
		v.unique(headers, at+".header", s.Header)
		switch s.Category {
		case "", CategoryNegated, CategoryPossible, CategoryHistorical, CategoryOther:
		default:
			v.add(at+".category", "unknown category %q (want negated, possible, "+
				"historical, other or empty)", s.Category)
		}
	}
}

func (v *validator) rules(r Rules) {
	names := map[string]int{}
	for i, rule := range r.Any {
		at := fmt.Sprintf("rules.any[%d]", i)
		v.required(at+".name", rule.Name)
		v.unique(names, at+".name", rule.Name)
		n := 0
		if rule.Codes != nil {
			n++
			if len(rule.Codes.ICD10)+len(rule.Codes.ICD9) == 0 {
				v.add(at+".codes", "at least one icd10 or icd9 prefix is needed")
			}
		}
		if rule.Measurement != nil {
			n++
			if len(rule.Measurement.Names) == 0 {
				v.add(at+".measurement.names", "at least one name is needed")
			}
		}
		if rule.Drugs != nil {
			n++
			if len(rule.Drugs.Names) == 0 {
				v.add(at+".drugs.names", "at least one drug is needed")
			}
		}
		if n != 1 {
			v.add(at, "exactly one of codes, measurement and drugs is needed, got %d", n)
		}
	}
	if r.NLP.MinMentions < 0 || r.NLP.MinAbnormal < 0 {
		v.add("rules.nlp", "counts must not be negative")
	}
}

func (v *validator) prompts(p Prompts) {
	for _, f := range []struct{ field, text string }{
		{"prompts.system", p.System}, {"prompts.map", p.Map}, {"prompts.reduce", p.Reduce},
	} {
		if strings.TrimSpace(f.text) == "" {
			v.add(f.field, "missing")
			continue
		}
		// Functions are not checked: the stage that executes a prompt
		// supplies them.
		tree := parse.New(f.field)
		tree.Mode = parse.SkipFuncCheck
		if _, err := tree.Parse(f.text, "", "", map[string]*parse.Tree{}); err != nil {
			v.add(f.field, "not a valid template: %v", err)
		}
	}
}
