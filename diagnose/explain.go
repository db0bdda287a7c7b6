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

func (o ExplainOptions) marks() (string, string) {
	if o.Bold {
		return "\x1b[1m", "\x1b[0m"
	}
	return "»", "«"
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
		b.WriteString(indent(snippetInNote(s, opts), "    | "))
	}
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
// around it, its mentions and measurements marked. Without note text, or
// when the note cannot be read or does not hold the snippet, it returns the
// snippet's own text.
func snippetInNote(s phenorag.Snippet, opts ExplainOptions) string {
	var spans [][2]int
	for _, m := range s.Mentions {
		spans = append(spans, [2]int{m.Start, m.End})
	}
	for _, v := range s.Measurements {
		spans = append(spans, [2]int{v.Start, v.End})
	}
	if opts.NoteText == nil {
		return markSpans(s.Text, s.Start, spans, opts)
	}
	note, err := opts.NoteText(s.NoteID)
	switch {
	case err != nil:
		return "(note unavailable: " + err.Error() + ")\n" + markSpans(s.Text, s.Start, spans, opts)
	case s.Start < 0 || s.End > len(note) || s.Start > s.End || note[s.Start:s.End] != s.Text:
		return "(the note does not hold this snippet at its offsets)\n" +
			markSpans(s.Text, s.Start, spans, opts)
	}
	lo, hi := lineBounds(note, s.Start, s.End, opts.ContextLines)
	return markSpans(note[lo:hi], lo, spans, opts)
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

// markSpans wraps each span (note offsets) inside text, which starts at
// note offset base, in marks; overlapping or out-of-range spans are skipped.
func markSpans(text string, base int, spans [][2]int, opts ExplainOptions) string {
	open, close := opts.marks()
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var b strings.Builder
	pos := 0
	for _, sp := range spans {
		i, j := sp[0]-base, sp[1]-base
		if i < pos || j > len(text) || i >= j {
			continue
		}
		b.WriteString(text[pos:i] + open + text[i:j] + close)
		pos = j
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
