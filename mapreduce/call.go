package mapreduce

import (
	"context"
	"errors"
	"fmt"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/mapreduce/store"
)

// key is the store key of an answer to prompt.
func (e *Engine) key(prompt string) string {
	return store.Key(e.cfg.ModelID, e.prompts.Hash, e.options, string(e.schema), e.system, prompt)
}

// askMap asks one map call and verifies the quote against its snippets.
func (e *Engine) askMap(ctx context.Context, patientID string, c *mapCall,
	needed func() bool) (phenorag.Answer, error) {
	r, ent, cached, err := e.ask(ctx, c.prompt, c.key, needed)
	if err != nil {
		return phenorag.Answer{}, err
	}
	a := answerFrom(patientID, spans(c.snippets), r, ent, cached)
	if span, ok := Verify(r.Quote, r.Snippet, c.snippets); ok {
		a.Verified, a.QuoteSpan = true, &span
	}
	return a, nil
}

func answerFrom(patientID string, sp []phenorag.Span, r reply, ent store.Entry,
	cached bool) phenorag.Answer {
	return phenorag.Answer{
		PatientID: patientID, Snippets: sp,
		Label: r.Label, Quote: r.Quote, Rationale: r.Rationale,
		Cached: cached, PromptTokens: ent.PromptTokens, OutputTokens: ent.OutputTokens,
	}
}

// errNotNeeded reports a call left out because its patient's answer could
// no longer change by the time a slot was free.
var errNotNeeded = errors.New("call no longer needed")

// ask returns a valid answer to prompt: from the store, from an identical
// call already in flight, or from the model. cached is true unless this
// caller's own call produced it. needed, if set, is asked once a slot is
// free; when it returns false the call is not sent and ask returns
// errNotNeeded.
func (e *Engine) ask(ctx context.Context, prompt, key string, needed func() bool) (
	r reply, ent store.Entry, cached bool, err error) {
	if e.cfg.Store != nil {
		ent, ok, err := e.cfg.Store.Get(key)
		if err != nil {
			return reply{}, store.Entry{}, false, err
		}
		if ok && ent.TooLong {
			return reply{}, store.Entry{}, false, fmt.Errorf("stored: %w", ErrPromptTooLong)
		}
		if ok {
			if r, err := parseReply(ent.Content); err == nil {
				return r, ent, true, nil
			}
		}
	}

	for {
		ran := false
		v, err, _ := e.flight.Do(key, func() (any, error) {
			ran = true
			return e.fetch(ctx, prompt, key, needed)
		})
		if errors.Is(err, errNotNeeded) && !ran {
			continue // the caller that ran it stopped needing it; this one has not
		}
		if err != nil {
			return reply{}, store.Entry{}, false, err
		}
		f := v.(fetched)
		r, err = parseReply(f.ent.Content)
		return r, f.ent, !ran || f.fromStore, err
	}
}

// fetched is an answer and whether it was found in the store.
type fetched struct {
	ent       store.Entry
	fromStore bool
}

// fetch waits for a free slot and asks the model, unless the answer was
// stored meanwhile or is no longer needed.
func (e *Engine) fetch(ctx context.Context, prompt, key string, needed func() bool) (
	fetched, error) {
	if e.cfg.Store != nil {
		if ent, ok, err := e.cfg.Store.Get(key); err == nil && ok && !ent.TooLong {
			return fetched{ent, true}, nil
		}
	}
	ent, err := e.chatInSlot(ctx, prompt, needed)
	if errors.Is(err, ErrPromptTooLong) && e.cfg.Store != nil {
		if err := e.cfg.Store.Put(key, store.Entry{TooLong: true}); err != nil {
			return fetched{}, err
		}
	}
	if err != nil {
		return fetched{}, err
	}
	// The slot is free again before the answer is written: a write waits
	// for the disk, and the model should not.
	if e.cfg.Store != nil {
		if err := e.cfg.Store.Put(key, ent); err != nil {
			return fetched{}, err
		}
	}
	return fetched{ent: ent}, nil
}

// chatInSlot waits for a free slot, then asks the model unless needed says
// the answer is no longer needed.
func (e *Engine) chatInSlot(ctx context.Context, prompt string, needed func() bool) (
	store.Entry, error) {
	if err := ctx.Err(); err != nil {
		return store.Entry{}, err
	}
	select {
	case e.slots <- struct{}{}:
		defer func() { <-e.slots }()
	case <-ctx.Done():
		return store.Entry{}, ctx.Err()
	}
	if needed != nil && !needed() {
		return store.Entry{}, errNotNeeded
	}
	return e.chat(ctx, Request{System: e.system, Prompt: prompt, Schema: e.schema})
}

// chat sends req and validates the answer, asking once more after a failed
// call or an answer that does not fit the schema. The caller holds a slot.
func (e *Engine) chat(ctx context.Context, req Request) (store.Entry, error) {
	var ent store.Entry
	var first error
	for attempt := range 2 {
		if attempt == 1 && errors.Is(first, ErrSchema) {
			req.Prompt += retryHint
		}
		resp, err := e.chatOnce(ctx, req)
		if ctx.Err() != nil {
			return store.Entry{}, ctx.Err()
		}
		ent.PromptTokens += resp.PromptTokens
		ent.OutputTokens += resp.OutputTokens
		if err == nil {
			_, err = parseReply(resp.Content)
		}
		if err == nil {
			ent.Content = resp.Content
			return ent, nil
		}
		if errors.Is(err, ErrPromptTooLong) {
			return store.Entry{}, err // the same prompt cannot fit the second time
		}
		if attempt == 1 {
			return store.Entry{}, fmt.Errorf("%w (first try: %v)", err, first)
		}
		first = err
	}
	panic("unreachable")
}

func (e *Engine) chatOnce(ctx context.Context, req Request) (Response, error) {
	e.requests.Add(1)
	if e.cfg.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.cfg.CallTimeout)
		defer cancel()
	}
	resp, err := e.cfg.LLM.Chat(ctx, req)
	if err == nil {
		e.observe(len(req.System)+len(req.Prompt), resp.PromptTokens)
	}
	return resp, err
}
