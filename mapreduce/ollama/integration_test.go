//go:build integration && unix

package ollama_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phenorag/phenorag/mapreduce/ollama"
	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
)

// smallSchema bounds every string: the test model rambles otherwise and
// runs into num_predict.
var smallSchema = json.RawMessage(`{"type":"object","properties":{` +
	`"answer":{"type":"string","enum":["yes","no"]},` +
	`"quote":{"type":"string","maxLength":20}},"required":["answer","quote"]}`)

func TestRealServer(t *testing.T) {
	real := ollamatest.StartRealFromEnv(t)
	c, err := ollama.New(ollama.Config{
		Endpoints: []ollama.Endpoint{{URL: real.URL, Slots: 2}},
		Model:     real.Model,
		Options:   map[string]any{"num_thread": 1, "num_predict": 64, "num_ctx": 512},
		Timeout:   2 * time.Minute,
		Retries:   -1,
		Cooldown:  50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	info, err := c.Check(ctx)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if info.Digest == "" || info.ServerVersion == "" || info.ContextLength == 0 {
		t.Errorf("Check = %+v: want a digest and a version", info)
	}
	t.Logf("model %s digest %s server %s context %d", info.Model, info.Digest,
		info.ServerVersion, info.ContextLength)

	req := ollama.Request{System: "Answer in JSON.", Prompt: "Once upon a time",
		Schema: smallSchema}
	resp, err := c.Chat(ctx, req)
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	var answer struct{ Answer, Quote string }
	if err := json.Unmarshal([]byte(resp.Content), &answer); err != nil || answer.Answer == "" {
		t.Errorf("content %q: %v", resp.Content, err)
	}
	if resp.DoneReason != "stop" || resp.OutputTokens == 0 || resp.PromptTokens == 0 {
		t.Errorf("response %+v: want done_reason stop and token counts", resp)
	}

	// Both slots at once: answers stay whole and valid.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			r := req
			r.Prompt = fmt.Sprintf("Once upon a time, story %d", i)
			_, errs[i] = c.Chat(ctx, r)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("parallel call %d: %v", i, err)
		}
	}

	long := ollama.Request{Prompt: strings.Repeat("once upon a time there was a girl. ", 100)}
	if _, err := c.Chat(ctx, long); !errors.Is(err, ollama.ErrPromptTooLong) {
		t.Errorf("Chat with a prompt over num_ctx: err = %v, want ErrPromptTooLong", err)
	}

	real.Kill()
	if _, err := c.Chat(ctx, req); !errors.Is(err, ollama.ErrUnreachable) {
		t.Errorf("Chat after Kill: err = %v, want ErrUnreachable", err)
	}

	real.Restart()
	if resp, err := c.Chat(ctx, req); err != nil || !json.Valid([]byte(resp.Content)) {
		t.Errorf("Chat after Restart: %+v, %v", resp, err)
	}
}
