package mapreduce

import (
	"context"
	"errors"
	"fmt"

	"github.com/phenorag/phenorag/mapreduce/ollama"
)

// ollamaLLM adapts an Ollama client to LLM.
type ollamaLLM struct{ c *ollama.Client }

// FromOllama returns an LLM that sends its calls through c.
func FromOllama(c *ollama.Client) LLM { return ollamaLLM{c} }

// Chat sends req through the client, which retries what a retry can fix.
func (o ollamaLLM) Chat(ctx context.Context, req Request) (Response, error) {
	r, err := o.c.Chat(ctx, ollama.Request{System: req.System, Prompt: req.Prompt,
		Schema: req.Schema})
	if errors.Is(err, ollama.ErrPromptTooLong) {
		return Response{}, fmt.Errorf("%w: %w", ErrPromptTooLong, err)
	}
	if err != nil {
		return Response{}, err
	}
	return Response{Content: r.Content, PromptTokens: r.PromptTokens,
		OutputTokens: r.OutputTokens}, nil
}

// Slots returns the calls the client's endpoints serve at once.
func (o ollamaLLM) Slots() int { return o.c.Slots() }
