package diagnose

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

// ErrRule marks a rule of a definition that cannot be applied.
var ErrRule = errors.New("invalid rule")

// compiledRule is a phenotype.Rule made ready to test facts against.
type compiledRule struct {
	name string
	kind phenorag.FactKind

	// codes
	icd10, icd9, exclude []string // normalized prefixes
	minDates             int

	// measurements: lower-case names (and aliases) -> plausible bounds
	names    map[string]bounds
	above    float64
	minCount int

	// drugs: lower-case names, matched as words inside the fact's name
	drugs []string

	// veto: normal results of a more decisive test (nil names: no veto)
	vetoNames  map[string]bounds
	vetoAtMost float64
}

type bounds struct{ min, max float64 }

func (b bounds) contains(v float64) bool {
	return (b.min == 0 || v >= b.min) && (b.max == 0 || v <= b.max)
}

// compileRule checks r and prepares it; defs supplies the aliases and
// plausible ranges of the measurements it names.
func compileRule(r phenotype.Rule, defs []phenotype.Measurement) (compiledRule, error) {
	set := 0
	for _, p := range []bool{r.Codes != nil, r.Measurement != nil, r.Drugs != nil} {
		if p {
			set++
		}
	}
	if set != 1 {
		return compiledRule{}, fmt.Errorf("%w: set exactly one of codes, measurement, drugs",
			ErrRule)
	}
	if r.Name == "" || strings.ContainsAny(r.Name, ";,|") {
		return compiledRule{}, fmt.Errorf("%w: name %q is empty or holds ; , or |", ErrRule,
			r.Name)
	}
	c := compiledRule{name: r.Name}
	if r.Veto != nil {
		c.vetoNames = measurementNames(r.Veto.Names, defs)
		c.vetoAtMost = r.Veto.AtMost
		if len(c.vetoNames) == 0 {
			return c, fmt.Errorf("%w: veto: no names", ErrRule)
		}
	}
	err := c.compileKind(r, defs)
	return c, err
}

// compileKind prepares the codes, measurement or drugs part of the rule.
func (c *compiledRule) compileKind(r phenotype.Rule, defs []phenotype.Measurement) error {
	switch {
	case r.Codes != nil:
		c.kind = phenorag.FactDiagnosis
		c.icd10 = normalizeCodes(r.Codes.ICD10)
		c.icd9 = normalizeCodes(r.Codes.ICD9)
		c.exclude = normalizeCodes(r.Codes.Exclude)
		c.minDates = max(r.Codes.MinDates, 1)
		if len(c.icd10)+len(c.icd9) == 0 {
			return fmt.Errorf("%w: codes: no icd10 or icd9 prefix", ErrRule)
		}
	case r.Measurement != nil:
		c.kind = phenorag.FactMeasurement
		c.names = measurementNames(r.Measurement.Names, defs)
		c.above = r.Measurement.Above
		c.minCount = max(r.Measurement.MinCount, 1)
		if len(c.names) == 0 {
			return fmt.Errorf("%w: measurement: no names", ErrRule)
		}
	default:
		c.kind = phenorag.FactDrug
		for _, n := range r.Drugs.Names {
			c.drugs = append(c.drugs, strings.ToLower(strings.TrimSpace(n)))
		}
		c.minDates = max(r.Drugs.MinDates, 1)
		if len(c.drugs) == 0 {
			return fmt.Errorf("%w: drugs: no names", ErrRule)
		}
	}
	return nil
}

// measurementNames maps each name, and the aliases of the definition's
// measurement of that name, to the measurement's plausible range.
func measurementNames(names []string, defs []phenotype.Measurement) map[string]bounds {
	out := map[string]bounds{}
	for _, n := range names {
		key := strings.ToLower(strings.TrimSpace(n))
		if key == "" {
			continue
		}
		out[key] = bounds{}
		for _, m := range defs {
			if !strings.EqualFold(m.Name, n) {
				continue
			}
			b := bounds{m.Min, m.Max}
			out[key] = b
			for _, a := range m.Aliases {
				out[strings.ToLower(a)] = b
			}
		}
	}
	return out
}

// normalizeCode makes codes comparable: upper case, no dots or spaces.
func normalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

func normalizeCodes(in []string) []string {
	var out []string
	for _, s := range in {
		if n := normalizeCode(s); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// codeSystem reduces spellings like "ICD-10-CM", "icd10cm" or "10" (as in
// MIMIC-IV's icd_version) to "ICD10" or "ICD9"; anything else yields "".
func codeSystem(s string) string {
	if s == "ICD10" || s == "ICD9" { // what ingest writes
		return s
	}
	n := strings.ToUpper(systemSeparators.Replace(s))
	switch {
	case n == "10" || strings.HasPrefix(n, "ICD10"):
		return "ICD10"
	case n == "9" || strings.HasPrefix(n, "ICD9"):
		return "ICD9"
	}
	return ""
}

var systemSeparators = strings.NewReplacer("-", "", " ", "", "_", "")

func hasPrefix(code string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(code, p) {
			return true
		}
	}
	return false
}

// matchCode reports whether a diagnosis fact carries one of the rule's
// codes. A fact without a recognised system is tried against both lists:
// ICD10 codes start with a letter and ICD9 codes with a digit (or V/E), so
// the lists rarely collide.
func (c *compiledRule) matchCode(f phenorag.Fact) bool {
	code := normalizeCode(f.Code)
	if code == "" || hasPrefix(code, c.exclude) {
		return false
	}
	switch codeSystem(f.System) {
	case "ICD10":
		return hasPrefix(code, c.icd10)
	case "ICD9":
		return hasPrefix(code, c.icd9)
	}
	return hasPrefix(code, c.icd10) || hasPrefix(code, c.icd9)
}

// matchDrug reports whether the fact's name holds one of the drugs as a
// whole word ("treprostinil 2.5 mg" matches "treprostinil").
func (c *compiledRule) matchDrug(name string) bool {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		for _, d := range c.drugs {
			if w == d {
				return true
			}
		}
	}
	return false
}

// add records f in st when it bears on the rule. Undated codes and drugs
// are counted apart: they cannot show that two dates differ.
func (c *compiledRule) add(st *ruleState, f phenorag.Fact) {
	c.addVeto(st, f)
	if f.Kind != c.kind {
		return
	}
	switch c.kind {
	case phenorag.FactDiagnosis, phenorag.FactDrug:
		if c.kind == phenorag.FactDiagnosis && !c.matchCode(f) {
			return
		}
		if c.kind == phenorag.FactDrug && !c.matchDrug(f.Name) {
			return
		}
		if f.Date.IsZero() {
			st.undated++
			return
		}
		if st.dates == nil {
			st.dates = map[string]bool{}
		}
		st.dates[f.Date.Format(dateLayout)] = true
	case phenorag.FactMeasurement:
		b, ok := c.names[strings.ToLower(strings.TrimSpace(f.Name))]
		if ok && f.HasValue && b.contains(f.Value) && f.Value > c.above {
			st.values = append(st.values, datedValue{f.Date, f.Value})
		}
	}
}

// addVeto keeps the latest dated normal result of the veto test. An
// undated result cannot be placed before or after any evidence: it is
// ignored.
func (c *compiledRule) addVeto(st *ruleState, f phenorag.Fact) {
	if c.vetoNames == nil || f.Kind != phenorag.FactMeasurement || !f.HasValue ||
		f.Date.IsZero() {
		return
	}
	b, ok := c.vetoNames[strings.ToLower(strings.TrimSpace(f.Name))]
	if ok && b.contains(f.Value) && f.Value <= c.vetoAtMost && !f.Date.Before(st.veto.date) {
		st.veto = datedValue{f.Date, f.Value}
	}
}

const dateLayout = "2006-01-02"

// fired reports whether the rule fired for st, why, and the dates of the
// evidence that fired it. Evidence dated on or before a normal result of the
// veto test is superseded by it; when that alone keeps the rule from firing,
// fired is false and reason says so.
func (c *compiledRule) fired(st *ruleState) (fired bool, reason string, dates []time.Time) {
	cut := ""
	if !st.veto.date.IsZero() {
		cut = st.veto.date.Format(dateLayout)
	}
	var all, kept int
	switch c.kind {
	case phenorag.FactMeasurement:
		var vs []datedValue
		for _, v := range st.values {
			if v.date.IsZero() || v.date.Format(dateLayout) > cut {
				vs = append(vs, v)
				if !v.date.IsZero() {
					dates = append(dates, v.date)
				}
			}
		}
		if len(vs) >= c.minCount {
			return true, valuesReason(vs, c.above), dates
		}
		all, kept = len(st.values), len(vs)
	default:
		var days []string
		for d := range st.dates {
			if d > cut {
				days = append(days, d)
			}
		}
		if len(days) >= c.minDates {
			sort.Strings(days)
			for _, d := range days {
				t, _ := time.Parse(dateLayout, d)
				dates = append(dates, t)
			}
			return true, fmt.Sprintf("on %d dates (%s)", len(days), listShort(days)), dates
		}
		all, kept = len(st.dates), len(days)
	}
	if kept < all && all >= max(c.minCount, c.minDates) {
		return false, fmt.Sprintf("superseded by a normal result (%s on %s)",
			strconv.FormatFloat(st.veto.value, 'g', -1, 64), cut), nil
	}
	return false, "", nil
}

// valuesReason lists the values above the threshold, earliest first.
func valuesReason(vs []datedValue, above float64) string {
	sorted := append([]datedValue(nil), vs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].date.Before(sorted[j].date) })
	items := make([]string, len(sorted))
	for i, v := range sorted {
		date := "undated"
		if !v.date.IsZero() {
			date = v.date.Format(dateLayout)
		}
		items[i] = strconv.FormatFloat(v.value, 'g', -1, 64) + " on " + date
	}
	return fmt.Sprintf("%d above %s (%s)", len(items),
		strconv.FormatFloat(above, 'g', -1, 64), listShort(items))
}

// listShort joins items, eliding the middle of a long list.
func listShort(items []string) string {
	const keep = 6
	if len(items) <= keep {
		return strings.Join(items, ", ")
	}
	head := strings.Join(items[:keep-1], ", ")
	return fmt.Sprintf("%s, ... %d more, %s", head, len(items)-keep, items[len(items)-1])
}
