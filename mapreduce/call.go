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
func (e *Engine) askMap(ctx context.Context, patientID string, c *mapCall) (
	phenorag.Answer, error) {
	r, ent, cached, err := e.ask(ctx, c.prompt, c.key)
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

// ask returns a valid answer to prompt: from the store, from an identical
// call already in flight, or from the model. cached is true unless this
// caller's own call produced it.
func (e *Engine) ask(ctx context.Context, prompt, key string) (
	r reply, ent store.Entry, cached bool, err error) {
	if e.cfg.Store != nil {
		ent, ok, err := e.cfg.Store.Get(key)
		if err != nil {
			return reply{}, store.Entry{}, false, err
		}
		if ok {
			if r, err := parseReply(ent.Content); err == nil {
				return r, ent, true, nil
			}
		}
	}

	ran := false
	v, err, _ := e.flight.Do(key, func() (any, error) {
		// An identical call may have finished since the look-up above.
		if e.cfg.Store != nil {
			if ent, ok, err := e.cfg.Store.Get(key); err == nil && ok {
				return ent, nil
			}
		}
		ran = true
		ent, err := e.chat(ctx, Request{System: e.system, Prompt: prompt, Schema: e.schema})
		if err != nil {
			return nil, err
		}
		if e.cfg.Store != nil {
			if err := e.cfg.Store.Put(key, ent); err != nil {
				return nil, err
			}
		}
		return ent, nil
	})
	if err != nil {
		return reply{}, store.Entry{}, false, err
	}
	ent = v.(store.Entry)
	r, err = parseReply(ent.Content)
	return r, ent, !ran, err
}

// chat sends req and validates the answer, asking once more after a failed
// call or an answer that does not fit the schema.
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
		if attempt == 1 {
			return store.Entry{}, fmt.Errorf("%w (first try: %v)", err, first)
		}
		first = err
	}
	panic("unreachable")
}

func (e *Engine) chatOnce(ctx context.Context, req Request) (Response, error) {
	if err := ctx.Err(); err != nil {
		return Response{}, err
	}
	select {
	case e.slots <- struct{}{}:
		defer func() { <-e.slots }()
	case <-ctx.Done():
		return Response{}, ctx.Err()
	}
	e.requests.Add(1)
	if e.cfg.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.cfg.CallTimeout)
		defer cancel()
	}
	return e.cfg.LLM.Chat(ctx, req)
}
