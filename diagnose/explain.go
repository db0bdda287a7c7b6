package diagnose

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/phenorag/phenorag"
)

// ExplainOptions say how an explanation is shown.
type ExplainOptions struct {
	// NoteText returns a note's full text, to show each snippet within its
	// note; nil shows the snippets' own text only.
	NoteText func(id string) (string, error)
	// ContextLines is how many lines of the note to show before and after
	// each snippet.
	ContextLines int
	// Bold marks matched text with ANSI bold (for a terminal) instead of
	// »guillemets«.
	Bold bool
}

// mark is a span of note text shown marked, with its opening and closing
// marks.
type mark struct {
	start, end  int
	open, close string
}

// matched marks text a definition term or measurement matched: »…« or bold.
func (o ExplainOptions) matched(start, end int) mark {
	if o.Bold {
		return mark{start, end, "\x1b[1m", "\x1b[22m"}
	}
	return mark{start, end, "»", "«"}
}

// quoted marks text an answer quoted: ⟦…⟧ or underlined.
func (o ExplainOptions) quoted(start, end int) mark {
	if o.Bold {
		return mark{start, end, "\x1b[4m", "\x1b[24m"}
	}
	return mark{start, end, "⟦", "⟧"}
}

// Write shows the explanation: the snippets within their notes with the
// matched text marked, every map and reduce answer, the final diagnosis
// and the rules baseline's decision.
func (x *Explanation) Write(w io.Writer, opts ExplainOptions) error {
	var b strings.Builder
	fmt.Fprintf(&b, "patient %s\n", x.PatientID)
	if len(x.Missing) > 0 {
		fmt.Fprintf(&b, "not in the run: %s\n", strings.Join(x.Missing, ", "))
	}
	x.writeSnippets(&b, opts)
	x.writeAnswers(&b)
	if x.Diagnosis != nil {
		writeDiagnosis(&b, "diagnosis", *x.Diagnosis)
	}
	for _, d := range x.Rules {
		writeDiagnosis(&b, "rules baseline", d)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (x *Explanation) writeSnippets(b *strings.Builder, opts ExplainOptions) {
	ps := x.Snippets
	if ps == nil {
		return
	}
	fmt.Fprintf(b, "\n== snippets: %d (patient has %d notes) ==\n", len(ps.Snippets), ps.Notes)
	quotes := x.quoteSpans()
	m, q := opts.matched(0, 0), opts.quoted(0, 0)
	fmt.Fprintf(b, "%smatched%s by the definition, %squoted%s by an answer or the diagnosis\n",
		m.open, m.close, q.open, q.close)
	for i, s := range ps.Snippets {
		fmt.Fprintf(b, "\n[%d] note %s %s %s [%d:%d] score %.2f", i+1, s.NoteID,
			dateOf(s.NoteDate), s.NoteType, s.Start, s.End, s.Score)
		if len(s.Terms) > 0 {
			fmt.Fprintf(b, " terms: %s", strings.Join(s.Terms, ", "))
		}
		b.WriteByte('\n')
		for _, m := range s.Mentions {
			fmt.Fprintf(b, "    mention %q (%s) %s\n", m.Text, m.Term, contextWords(m.Context))
		}
		for _, v := range s.Measurements {
			fmt.Fprintf(b, "    measurement %s = %s %s\n", v.Name,
				strconv.FormatFloat(v.Value, 'g', -1, 64), v.Unit)
		}
		if len(s.Also) > 0 {
			also := make([]string, len(s.Also))
			for j, sp := range s.Also {
				also[j] = sp.String()
			}
			fmt.Fprintf(b, "    same text also at: %s\n", strings.Join(also, " "))
		}
		b.WriteString(indent(snippetInNote(s, quotes, opts), "    | "))
	}
}

// quoteSpans returns the distinct spans of the verified quotes of the
// answers and of the diagnosis.
func (x *Explanation) quoteSpans() []phenorag.Span {
	seen := map[phenorag.Span]bool{}
	var out []phenorag.Span
	add := func(sp phenorag.Span) {
		if !seen[sp] {
			seen[sp] = true
			out = append(out, sp)
		}
	}
	for _, a := range x.Answers {
		if a.Verified && a.QuoteSpan != nil {
			add(*a.QuoteSpan)
		}
	}
	if x.Diagnosis != nil {
		for _, e := range x.Diagnosis.Evidence {
			if e.Verified {
				add(phenorag.Span{NoteID: e.NoteID, Start: e.Start, End: e.End})
			}
		}
	}
	return out
}

// contextWords names a mention's ConText attributes.
func contextWords(c phenorag.Context) string {
	if c.Affirmed() {
		return "affirmed"
	}
	var w []string
	for _, a := range []struct {
		on   bool
		name string
	}{{c.Negated, "negated"}, {c.Possible, "possible"}, {c.Historical, "historical"},
		{c.Other, "other person"}} {
		if a.on {
			w = append(w, a.name)
		}
	}
	return strings.Join(w, ", ")
}

func dateOf(t time.Time) string {
	if t.IsZero() {
		return "undated"
	}
	return t.Format(dateLayout)
}

// snippetInNote returns the snippet with ContextLines lines of its note
// around it, its mentions and measurements marked, and the quotes (note
// spans) marked too. Without note text, or when the note cannot be read or
// does not hold the snippet, it returns the snippet's own text.
func snippetInNote(s phenorag.Snippet, quotes []phenorag.Span, opts ExplainOptions) string {
	var marks []mark
	for _, m := range s.Mentions {
		marks = append(marks, opts.matched(m.Start, m.End))
	}
	for _, v := range s.Measurements {
		marks = append(marks, opts.matched(v.Start, v.End))
	}
	for _, q := range quotes {
		if q.NoteID == s.NoteID {
			marks = append(marks, opts.quoted(q.Start, q.End))
		}
	}
	if opts.NoteText == nil {
		return markSpans(s.Text, s.Start, marks)
	}
	note, err := opts.NoteText(s.NoteID)
	switch {
	case err != nil:
		return "(note unavailable: " + err.Error() + ")\n" + markSpans(s.Text, s.Start, marks)
	case s.Start < 0 || s.End > len(note) || s.Start > s.End || note[s.Start:s.End] != s.Text:
		return "(the note does not hold this snippet at its offsets)\n" +
			markSpans(s.Text, s.Start, marks)
	}
	lo, hi := lineBounds(note, s.Start, s.End, opts.ContextLines)
	return markSpans(note[lo:hi], lo, marks)
}

// lineBounds widens [start, end) to whole lines plus n lines on each side.
func lineBounds(text string, start, end, n int) (int, int) {
	lo := strings.LastIndexByte(text[:start], '\n') + 1
	for i := 0; i < n && lo > 0; i++ {
		lo = strings.LastIndexByte(text[:lo-1], '\n') + 1
	}
	hi := end
	for i := 0; i <= n && hi < len(text); i++ {
		j := strings.IndexByte(text[hi:], '\n')
		if j < 0 {
			hi = len(text)
			break
		}
		hi += j + 1
	}
	return lo, hi
}

// markSpans inserts the marks (note offsets) into text, which starts at
// note offset base. Marks out of range are skipped; nested marks nest (an
// outer one opens first and closes last).
func markSpans(text string, base int, marks []mark) string {
	type event struct {
		pos, other int // other: the mark's opposite end, to order nesting
		n          int // the mark's place in marks, to order equal spans
		s          string
		open       bool
	}
	var evs []event
	for n, m := range marks {
		i, j := m.start-base, m.end-base
		if i < 0 || j > len(text) || i >= j {
			continue
		}
		evs = append(evs, event{i, j, n, m.open, true}, event{j, i, n, m.close, false})
	}
	sort.Slice(evs, func(a, b int) bool {
		x, y := evs[a], evs[b]
		switch {
		case x.pos != y.pos:
			return x.pos < y.pos
		case x.open != y.open:
			return !x.open // close what ends here before opening what starts
		case x.other != y.other:
			return x.other > y.other // the longer opens first, the later closes first
		case x.open:
			return x.n < y.n
		}
		return x.n > y.n
	})
	var b strings.Builder
	pos := 0
	for _, e := range evs {
		b.WriteString(text[pos:e.pos] + e.s)
		pos = e.pos
	}
	b.WriteString(text[pos:])
	return b.String()
}

func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}

func (x *Explanation) writeAnswers(b *strings.Builder) {
	if len(x.Answers) == 0 {
		return
	}
	fmt.Fprintf(b, "\n== answers: %d ==\n", len(x.Answers))
	for _, a := range x.Answers {
		fmt.Fprintf(b, "\n%s call %d: %s", a.Kind, a.Call, a.Label)
		switch {
		case a.Err != "":
			fmt.Fprintf(b, " (error: %s)", a.Err)
		case a.Verified && a.QuoteSpan != nil:
			fmt.Fprintf(b, " (quote verified at %s)", a.QuoteSpan)
		case a.Verified:
			b.WriteString(" (quote verified)")
		default:
			b.WriteString(" (quote NOT verified)")
		}
		if a.Cached {
			b.WriteString(" [cached]")
		}
		b.WriteByte('\n')
		if len(a.Snippets) > 0 {
			on := make([]string, len(a.Snippets))
			for i, s := range a.Snippets {
				on[i] = s.String()
			}
			fmt.Fprintf(b, "  on: %s\n", strings.Join(on, " "))
		}
		fmt.Fprintf(b, "  quote: %q\n  rationale: %s\n", a.Quote, a.Rationale)
	}
}

func writeDiagnosis(b *strings.Builder, title string, d phenorag.Diagnosis) {
	fmt.Fprintf(b, "\n== %s (%s) ==\n", title, d.Method)
	fmt.Fprintf(b, "label %s, confidence %.2f, status %s\n", d.Label, d.Confidence, d.Status)
	if d.Error != "" {
		fmt.Fprintf(b, "error: %s\n", d.Error)
	}
	if len(d.Rules) > 0 {
		fmt.Fprintf(b, "rules fired: %s\n", strings.Join(d.Rules, ", "))
	}
	if d.Rationale != "" {
		fmt.Fprintf(b, "rationale: %s\n", d.Rationale)
	}
	for _, e := range d.Evidence {
		v := "verified"
		if !e.Verified {
			v = "NOT verified"
		}
		fmt.Fprintf(b, "evidence %s %s [%d:%d] %s: %q\n", e.NoteID, dateOf(e.NoteDate),
			e.Start, e.End, v, e.Quote)
	}
}
