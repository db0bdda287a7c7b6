package mapreduce

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/phenorag/phenorag"
)

// reduce turns a patient's map answers into its result. It runs once, after
// every map call of the patient has run or been skipped.
func (e *Engine) reduce(ctx context.Context, p *patient) *Result {
	res := &Result{Snippets: p.in}
	d := &res.Diagnosis
	d.PatientID, d.Method, d.Status = p.in.PatientID, "llm", phenorag.StatusOK
	d.Counts.Notes, d.Counts.Snippets = p.in.Notes, len(p.in.Snippets)

	if len(p.calls) == 0 {
		d.Label, d.Confidence = phenorag.Absent, e.cfg.NoSnippetConfidence
		d.Rationale = "retrieval found no snippet about the disease"
		return res
	}

	answered, firstErr := gatherMap(res, p)
	label, conf, final := e.cfg.Reduce.decide(p.votes(), d.Counts.Failed, p.maxWeight)
	switch {
	case !final && d.Counts.Failed > 0:
		d.Label, d.Status = phenorag.Uncertain, phenorag.StatusError
		d.Error = fmt.Sprintf("%d of %d map calls failed: %s",
			d.Counts.Failed, len(p.calls), firstErr)
		return res
	case e.cfg.Reduce == PolicyLLM && len(answered) > 1:
		rec, err := e.reduceCall(ctx, p, answered, len(p.calls))
		res.Answers = append(res.Answers, rec)
		countAnswer(&d.Counts, rec.Answer)
		if err != nil {
			d.Label, d.Status = phenorag.Uncertain, phenorag.StatusError
			d.Error = "reduce call failed: " + err.Error()
			return res
		}
		label, d.Rationale = effective(rec.Answer), rec.Rationale
		conf = agreement(p.votes(), label)
	case len(answered) > 0:
		d.Rationale = bestAnswer(answered, label).Rationale
	}
	d.Label, d.Confidence = label, conf
	d.Evidence = evidence(res.Answers, label, p.in.Snippets)
	return res
}

// gatherMap records the map answers of p in res and counts them. It returns
// the calls that were answered and the first failed call's error.
func gatherMap(res *Result, p *patient) (answered []*mapCall, firstErr string) {
	counts := &res.Diagnosis.Counts
	for i, c := range p.calls {
		switch c.status {
		case callSkipped:
			counts.Skipped++
			continue
		case callSplit:
			continue
		case callFailed:
			counts.Failed++
			if firstErr == "" {
				firstErr = c.answer.Err
			}
		case callAnswered:
			answered = append(answered, c)
		}
		res.Answers = append(res.Answers, AnswerRecord{Kind: "map", Call: i, Answer: c.answer})
		countAnswer(counts, c.answer)
	}
	return answered, firstErr
}

// countAnswer adds an answer's cost to c.
func countAnswer(c *phenorag.Counts, a phenorag.Answer) {
	if a.Err != "" && a.PromptTokens == 0 {
		return
	}
	if a.Cached {
		c.CacheHits++
	} else if a.Err == "" {
		c.Calls++
	}
	c.PromptTokens += a.PromptTokens
	c.OutputTokens += a.OutputTokens
}

// reduceCall asks the model for one final answer over the map answers. Its
// quote is verified only if it lies within a verified map quote.
func (e *Engine) reduceCall(ctx context.Context, p *patient, answered []*mapCall, n int) (
	AnswerRecord, error) {
	in := make([]ReduceAnswer, len(answered))
	var sp []phenorag.Span
	for i, c := range answered {
		in[i] = ReduceAnswer{Ref: fmt.Sprintf("A%d", i+1), Label: effective(c.answer),
			Rationale: c.answer.Rationale}
		if c.answer.Verified {
			in[i].Quote = c.answer.Quote
		}
		sp = append(sp, c.answer.Snippets...)
	}
	rec := AnswerRecord{Kind: "reduce", Call: n,
		Answer: phenorag.Answer{PatientID: p.in.PatientID, Snippets: sp}}
	prompt, err := e.prompts.Reduce(in)
	if err != nil {
		return rec, err
	}
	r, ent, cached, err := e.ask(ctx, prompt, e.key(prompt), nil)
	if err != nil {
		rec.Err = err.Error()
		return rec, err
	}
	rec.Answer = answerFrom(p.in.PatientID, sp, r, ent, cached)
	for _, c := range answered {
		if span, ok := verifyWithin(r.Quote, c); ok {
			rec.Verified, rec.QuoteSpan = true, &span
			break
		}
	}
	return rec, nil
}

// verifyWithin looks for quote inside the verified quote of c's answer.
func verifyWithin(quote string, c *mapCall) (phenorag.Span, bool) {
	qs := c.answer.QuoteSpan
	if !c.answer.Verified || qs == nil {
		return phenorag.Span{}, false
	}
	for _, s := range c.snippets {
		if s.Span().Covers(*qs) {
			within := phenorag.Snippet{NoteID: s.NoteID, Start: qs.Start, End: qs.End,
				Text: s.Text[qs.Start-s.Start : qs.End-s.Start]}
			return Verify(quote, "", []phenorag.Snippet{within})
		}
	}
	return phenorag.Span{}, false
}

// agreement is the share of votes for label.
func agreement(votes []vote, label phenorag.Label) float64 {
	return share(tally(votes, false)[label], float64(len(votes)))
}

// bestAnswer returns the first answered call whose answer counts as label,
// preferring one with a verified quote.
func bestAnswer(answered []*mapCall, label phenorag.Label) phenorag.Answer {
	var found *phenorag.Answer
	for _, c := range answered {
		if effective(c.answer) != label {
			continue
		}
		if c.answer.Verified {
			return c.answer
		}
		if found == nil {
			found = &c.answer
		}
	}
	if found == nil {
		return answered[0].answer
	}
	return *found
}

// evidence collects the verified quotes of the answers that count as label,
// with the text exactly as the note has it; a quote overlapping one already
// taken is left out.
func evidence(answers []AnswerRecord, label phenorag.Label,
	snippets []phenorag.Snippet) []phenorag.Evidence {
	var out []phenorag.Evidence
	var seen []phenorag.Span
	// The reduce answer, if any, is last; its quote leads the evidence.
	for i := len(answers) - 1; i >= 0; i-- {
		a := answers[i].Answer
		if !a.Verified || a.QuoteSpan == nil || effective(a) != label ||
			slices.ContainsFunc(seen, a.QuoteSpan.Overlaps) {
			continue
		}
		seen = append(seen, *a.QuoteSpan)
		text, date := noteText(*a.QuoteSpan, snippets)
		out = append(out, phenorag.Evidence{NoteID: a.QuoteSpan.NoteID, NoteDate: date,
			Start: a.QuoteSpan.Start, End: a.QuoteSpan.End, Quote: text, Verified: true})
	}
	return out
}

// noteText returns the text of span and the date of its note, from the
// snippet that covers it.
func noteText(span phenorag.Span, snippets []phenorag.Snippet) (string, time.Time) {
	for _, s := range snippets {
		if s.Span().Covers(span) {
			return s.Text[span.Start-s.Start : span.End-s.Start], s.NoteDate
		}
	}
	return "", time.Time{}
}
