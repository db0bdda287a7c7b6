package eval

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/phenorag/phenorag"
)

// Formats lists the output formats Write accepts.
var Formats = []string{"text", "csv", "json", "markdown"}

// maxIDs is how many patient ids the text and markdown outputs list before
// eliding the rest; the JSON output lists all.
const maxIDs = 20

// Write writes the report in the format (see Formats).
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case "text", "":
		return r.WriteText(w)
	case "csv":
		return r.WriteCSV(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			*Report
			Notes []string `json:"notes"`
		}{r, r.Notes()})
	case "markdown", "md":
		return r.WriteMarkdown(w)
	}
	return fmt.Errorf("%w: format %q: want one of %s", ErrOption, format,
		strings.Join(Formats, ", "))
}

// Notes returns the sentences that say what was scored and how: the gold
// labels, the policies for uncertain and missing labels, and the intervals.
func (r *Report) Notes() []string {
	g := r.Gold
	total := g[phenorag.Present] + g[phenorag.Absent] + g[phenorag.Uncertain]
	notes := []string{fmt.Sprintf(
		"gold: %d patients (present %d, absent %d, uncertain %d); %d scored",
		total, g[phenorag.Present], g[phenorag.Absent], g[phenorag.Uncertain], r.Scored)}
	o := r.Options
	switch o.Uncertain {
	case Exclude:
		notes = append(notes, "uncertain gold labels: patients excluded; "+
			"uncertain predictions: counted as absent")
	default:
		notes = append(notes, fmt.Sprintf("uncertain gold labels and predictions: "+
			"counted as %s", o.Uncertain))
	}
	if o.Missing == Exclude {
		notes = append(notes, "gold patients missing from a prediction file: "+
			"excluded from that method and its pairwise tests")
	} else {
		notes = append(notes, "gold patients missing from a prediction file: "+
			"counted as predicted absent")
	}
	notes = append(notes, "predicted patients without a gold label: listed, not scored")
	if o.Bootstrap > 0 {
		notes = append(notes, fmt.Sprintf("95%% CI: percentile bootstrap over patients, "+
			"%d resamples, seed %d", o.Bootstrap, o.Seed))
	} else {
		notes = append(notes, "no confidence intervals (bootstrap 0)")
	}
	return notes
}

// header is the table's columns.
func header() []string {
	return append([]string{"method", "n", "TP", "FP", "FN", "TN"}, MetricNames...)
}

// row is one method's table row, each metric with its interval.
func (res Result) row(ci bool) []string {
	c := res.Confusion
	row := []string{res.Method, strconv.Itoa(res.N), strconv.Itoa(c.TP), strconv.Itoa(c.FP),
		strconv.Itoa(c.FN), strconv.Itoa(c.TN)}
	for _, m := range res.Metrics {
		s := m.Value.String()
		if ci && m.Value.OK {
			s += " [" + m.Lo.String() + ", " + m.Hi.String() + "]"
		}
		row = append(row, s)
	}
	return row
}

// lines returns the text that follows the table: missing and extra
// patients, the pairwise tests, and the discordant count.
func (r *Report) lines() []string {
	var out []string
	for _, m := range r.Methods {
		if len(m.Missing) > 0 {
			out = append(out, fmt.Sprintf("%s: %d gold patients missing: %s", m.Method,
				len(m.Missing), idList(m.Missing)))
		}
		if len(m.Extra) > 0 {
			out = append(out, fmt.Sprintf("%s: %d predicted patients not in gold: %s",
				m.Method, len(m.Extra), idList(m.Extra)))
		}
		if m.Errors > 0 {
			out = append(out, fmt.Sprintf("%s: %d patients ended in error", m.Method, m.Errors))
		}
		if m.Cited > 0 {
			out = append(out, fmt.Sprintf("%s: evidence overlaps a reviewer's span for %d of "+
				"%d true positives that cite any", m.Method, m.Supported, m.Cited))
		}
	}
	for _, p := range r.Pairs {
		out = append(out, fmt.Sprintf("McNemar exact, %s vs %s: n %d, only %s right %d, "+
			"only %s right %d, p = %s", p.A, p.B, p.N, p.A, p.AB, p.B, p.BA, formatP(p.P)))
	}
	out = append(out, fmt.Sprintf("discordant patients (a method disagrees with gold): %d",
		len(r.Discordant)))
	return out
}

func formatP(p float64) string {
	if p < 0.0001 {
		return "< 0.0001"
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}

func idList(ids []string) string {
	if len(ids) <= maxIDs {
		return strings.Join(ids, " ")
	}
	return strings.Join(ids[:maxIDs], " ") + fmt.Sprintf(" ... and %d more", len(ids)-maxIDs)
}

// WriteText writes the report as an aligned plain-text table.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header(), "\t"))
	for _, m := range r.Methods {
		fmt.Fprintln(tw, strings.Join(m.row(r.Options.Bootstrap > 0), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteByte('\n')
	for _, l := range r.lines() {
		b.WriteString(l + "\n")
	}
	b.WriteByte('\n')
	for _, n := range r.Notes() {
		b.WriteString(n + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report as a Markdown table with notes.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	h := header()
	b.WriteString("| " + strings.Join(h, " | ") + " |\n|")
	for i := range h {
		if i == 0 {
			b.WriteString(" --- |")
		} else {
			b.WriteString(" ---: |")
		}
	}
	b.WriteByte('\n')
	for _, m := range r.Methods {
		b.WriteString("| " + strings.Join(m.row(r.Options.Bootstrap > 0), " | ") + " |\n")
	}
	b.WriteByte('\n')
	for _, l := range append(r.lines(), r.Notes()...) {
		b.WriteString("- " + l + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes one row per method: the counts, each metric with its
// interval bounds in columns NAME_lo and NAME_hi, the McNemar p-value
// against every other method in columns p_vs_OTHER, the errors, the
// evidence counts (Result.Cited and Supported), the missing and extra
// patients (ids separated by spaces), and the policies. Undefined numbers
// are written as "n/a".
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	h := []string{"method", "n", "tp", "fp", "fn", "tn"}
	for _, n := range MetricNames {
		h = append(h, n, n+"_lo", n+"_hi")
	}
	for _, m := range r.Methods {
		h = append(h, "p_vs_"+m.Method)
	}
	h = append(h, "errors", "cited", "supported", "missing", "missing_ids", "extra", "extra_ids",
		"uncertain_policy", "missing_policy", "bootstrap", "seed")
	if err := cw.Write(h); err != nil {
		return err
	}
	for _, m := range r.Methods {
		if err := cw.Write(r.csvRow(m)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (r *Report) csvRow(m Result) []string {
	c := m.Confusion
	row := []string{m.Method, strconv.Itoa(m.N), strconv.Itoa(c.TP), strconv.Itoa(c.FP),
		strconv.Itoa(c.FN), strconv.Itoa(c.TN)}
	for _, x := range m.Metrics {
		row = append(row, x.Value.String(), x.Lo.String(), x.Hi.String())
	}
	for _, o := range r.Methods {
		row = append(row, r.pairP(m.Method, o.Method))
	}
	o := r.Options
	return append(row, strconv.Itoa(m.Errors), strconv.Itoa(m.Cited),
		strconv.Itoa(m.Supported), strconv.Itoa(len(m.Missing)),
		strings.Join(m.Missing, " "), strconv.Itoa(len(m.Extra)), strings.Join(m.Extra, " "),
		string(o.Uncertain), string(o.Missing), strconv.Itoa(o.Bootstrap),
		strconv.FormatUint(o.Seed, 10))
}

// pairP returns the McNemar p-value of a against b, or "n/a" for a method
// against itself.
func (r *Report) pairP(a, b string) string {
	for _, p := range r.Pairs {
		if (p.A == a && p.B == b) || (p.A == b && p.B == a) {
			return strconv.FormatFloat(p.P, 'g', 6, 64)
		}
	}
	return "n/a"
}

// WriteDiscordant writes the discordant patients as CSV: patient_id, gold,
// one column per method with its label as given (or "missing"), and wrong,
// the methods that disagree with gold separated by spaces.
func (r *Report) WriteDiscordant(w io.Writer) error {
	cw := csv.NewWriter(w)
	h := []string{"patient_id", "gold"}
	for _, m := range r.Methods {
		h = append(h, m.Method)
	}
	if err := cw.Write(append(h, "wrong")); err != nil {
		return err
	}
	for _, d := range r.Discordant {
		row := append([]string{d.PatientID, d.Gold}, d.Labels...)
		if err := cw.Write(append(row, strings.Join(d.Wrong, " "))); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
