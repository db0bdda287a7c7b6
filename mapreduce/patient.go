package mapreduce

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/phenorag/phenorag"
)

// callStatus is where a map call stands.
type callStatus int

const (
	callPending callStatus = iota
	callAnswered
	callFailed
	callSkipped
	callSplit // too long for the model: replaced by two shorter calls
)

// mapCall is one map call of a patient: a batch of snippets and, once run,
// its answer.
type mapCall struct {
	snippets []phenorag.Snippet
	prompt   string
	key      string
	weight   float64 // the best retrieval score among the snippets

	// Set under the patient's lock once the call has run.
	status callStatus
	answer phenorag.Answer
}

// patient is one patient in flight.
type patient struct {
	seq       int
	in        phenorag.PatientSnippets
	calls     []*mapCall
	maxWeight float64

	mu      sync.Mutex
	left    int  // calls not yet run or skipped
	decided bool // the answer can no longer change: skip the remaining calls

	result *Result // set by finish
}

// ErrSnippet marks a snippet whose span and text disagree.
var ErrSnippet = errors.New("snippet text does not match its span")

// newPatient packs a patient's snippets into map calls. A patient with a bad
// snippet ends in error without a call; an error returned stops the run.
func (e *Engine) newPatient(seq int, ps phenorag.PatientSnippets) (*patient, error) {
	for i, s := range ps.Snippets {
		if s.Start < 0 || s.End-s.Start != len(s.Text) {
			err := fmt.Errorf("snippet %d (note %s [%d:%d], %d bytes of text): %w",
				i, s.NoteID, s.Start, s.End, len(s.Text), ErrSnippet)
			return failedPatient(seq, ps, err), nil
		}
	}
	p := &patient{seq: seq, in: ps}
	for _, batch := range Pack(ps.Snippets, e.budget) {
		prompt, err := e.prompts.Map(batch)
		if err != nil {
			return nil, err
		}
		c := &mapCall{snippets: batch, prompt: prompt, key: e.key(prompt)}
		for _, s := range batch {
			c.weight = max(c.weight, s.Score)
		}
		p.maxWeight = max(p.maxWeight, c.weight)
		p.calls = append(p.calls, c)
	}
	p.left = len(p.calls)
	return p, nil
}

// run runs call i of p, unless an early stop made it unnecessary, and
// reports whether it was the patient's last.
func (p *patient) run(ctx context.Context, e *Engine, i int) (last bool) {
	p.mu.Lock()
	c := p.calls[i]
	p.mu.Unlock()
	skip := !p.needed()

	status, answer := callSkipped, phenorag.Answer{}
	if !skip {
		status = callAnswered
		err := recovered(func() error {
			var err error
			answer, err = e.askMap(ctx, p.in.PatientID, c, p.needed)
			return err
		})
		if errors.Is(err, ErrPromptTooLong) {
			if halves := e.split(c); halves != nil {
				return p.runSplit(ctx, e, c, halves)
			}
		}
		if errors.Is(err, errNotNeeded) {
			status, answer = callSkipped, phenorag.Answer{}
		} else if err != nil {
			status = callFailed
			answer.PatientID, answer.Snippets = p.in.PatientID, spans(c.snippets)
			answer.Err = err.Error()
		}
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	c.status, c.answer = status, answer
	p.left--
	if e.cfg.EarlyStop && !p.decided && p.left > 0 {
		_, _, p.decided = e.cfg.Reduce.decide(p.votes(), p.unresolved(), p.maxWeight)
	}
	return p.left == 0
}

// runSplit replaces c, which was too long for the model, by halves, and
// runs them in turn. It reports whether it ran the patient's last call.
func (p *patient) runSplit(ctx context.Context, e *Engine, c *mapCall,
	halves []*mapCall) (last bool) {
	p.mu.Lock()
	c.status = callSplit
	first := len(p.calls)
	p.calls = append(p.calls, halves...)
	p.left += len(halves) - 1 // c is done; its halves are not
	p.mu.Unlock()

	for i := range halves {
		if p.run(ctx, e, first+i) {
			last = true
		}
	}
	return last
}

// needed reports whether p's remaining calls may still change its answer.
func (p *patient) needed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.decided
}

// votes returns the answered map calls as votes. The caller holds p.mu, or
// every call has run.
func (p *patient) votes() []vote {
	var vs []vote
	for _, c := range p.calls {
		if c.status == callAnswered {
			vs = append(vs, vote{label: effective(c.answer), weight: c.weight})
		}
	}
	return vs
}

// unresolved counts the calls that may still change the answer: those not
// yet run and those that failed.
func (p *patient) unresolved() int {
	n := 0
	for _, c := range p.calls {
		if c.status == callPending || c.status == callFailed {
			n++
		}
	}
	return n
}

// finish reduces the patient's answers into its result.
func (p *patient) finish(ctx context.Context, e *Engine) {
	err := recovered(func() error {
		p.result = e.reduce(ctx, p)
		return nil
	})
	if err != nil {
		p.result = &Result{Snippets: p.in, Diagnosis: errorDiagnosis(p.in, err)}
	}
}

// errorDiagnosis is the diagnosis of a patient whose run failed.
func errorDiagnosis(ps phenorag.PatientSnippets, err error) phenorag.Diagnosis {
	return phenorag.Diagnosis{PatientID: ps.PatientID, Method: "llm",
		Label: phenorag.Uncertain, Status: phenorag.StatusError, Error: err.Error(),
		Counts: phenorag.Counts{Notes: ps.Notes, Snippets: len(ps.Snippets)}}
}

func spans(snippets []phenorag.Snippet) []phenorag.Span {
	out := make([]phenorag.Span, len(snippets))
	for i, s := range snippets {
		out[i] = s.Span()
	}
	return out
}

// minSplit is the shortest snippet text worth halving to fit the model.
const minSplit = 64

// split halves a call that was too long for the model: its snippets into
// two calls, or its single snippet's text into its first half. It returns
// nil when the call cannot be made shorter.
func (e *Engine) split(c *mapCall) []*mapCall {
	var batches [][]phenorag.Snippet
	switch n := len(c.snippets); {
	case n > 1:
		batches = [][]phenorag.Snippet{c.snippets[:n/2], c.snippets[n/2:]}
	case n == 1 && len(c.snippets[0].Text) >= minSplit:
		s := c.snippets[0]
		batches = [][]phenorag.Snippet{{cutBytes(s, len(s.Text)/2)}}
	default:
		return nil
	}
	var calls []*mapCall
	for _, b := range batches {
		prompt, err := e.prompts.Map(b)
		if err != nil {
			return nil
		}
		calls = append(calls, &mapCall{snippets: b, prompt: prompt, key: e.key(prompt),
			weight: c.weight})
	}
	return calls
}
