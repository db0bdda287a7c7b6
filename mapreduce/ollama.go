package mapreduce

import (
	"context"

	"github.com/phenorag/phenorag/mapreduce/ollama"
)

// ollamaLLM adapts an Ollama client to LLM.
type ollamaLLM struct{ c *ollama.Client }

// FromOllama returns an LLM that sends its calls through c.
func FromOllama(c *ollama.Client) LLM { return ollamaLLM{c} }

func (o ollamaLLM) Chat(ctx context.Context, req Request) (Response, error) {
	r, err := o.c.Chat(ctx, ollama.Request{System: req.System, Prompt: req.Prompt,
		Schema: req.Schema})
	if err != nil {
		return Response{}, err
	}
	return Response{Content: r.Content, PromptTokens: r.PromptTokens,
		OutputTokens: r.OutputTokens}, nil
}

func (o ollamaLLM) Slots() int { return o.c.Slots() }
