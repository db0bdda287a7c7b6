// Package mapreduce asks a local LLM about each patient's snippets and
// reduces its answers to one diagnosis per patient.
//
// Map: a patient's snippets, best first, are packed into as few calls as fit
// the model's context window. Each call asks for a label (present, absent or
// uncertain), a verbatim quote and a rationale, as JSON that a schema bounds.
// Every answer is validated in Go and asked once more if it breaks the
// schema. A quote counts as evidence only when it is found in the snippets
// of its own call (see Verify); a "present" answer without such a quote
// counts as "uncertain". A call the model refuses as longer than its
// context is split in two and sent again.
//
// Reduce: a policy (see Policy) turns a patient's map answers into one
// phenorag.Diagnosis, either by rule or by one more call to the model.
//
// Engine runs both for a whole cohort with one bounded pool of workers sized
// to the model's parallel slots, asks identical prompts once, and keeps every
// answer in a store so that an interrupted run resumes where it stopped.
// The package never logs; errors carry no note or answer text, except that
// a Diagnosis keeps the model's rationale and the verified quotes.
package mapreduce

import (
	"context"
	"encoding/json"
	"errors"
)

// Request is one chat call: a system prompt, a user prompt, and the JSON
// schema the answer must fit.
type Request struct {
	System string
	Prompt string
	Schema json.RawMessage
}

// Response is the model's reply to a Request.
type Response struct {
	Content      string
	PromptTokens int
	OutputTokens int
}

// LLM is a chat model the engine can call. Slots is how many calls it serves
// at once; the engine keeps that many in flight and no more.
type LLM interface {
	Chat(ctx context.Context, req Request) (Response, error)
	Slots() int
}

// ErrPromptTooLong is what an LLM's Chat returns, wrapped, when a prompt
// does not fit the model's context. The engine then splits the call.
var ErrPromptTooLong = errors.New("prompt does not fit the context window")
