package ollama_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/phenorag/phenorag/mapreduce/ollama"
	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
)

func Example() {
	srv := ollamatest.NewServer(nil) // a real server in production
	defer srv.Close()

	eps, err := ollama.ParseEndpoints(srv.URL+"#slots=2", "", 0)
	if err != nil {
		panic(err)
	}
	c, err := ollama.New(ollama.Config{Endpoints: eps, Model: "stories"})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	info, err := c.Check(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("model digest known:", info.Digest != "")

	schema := json.RawMessage(`{"type":"object","properties":{` +
		`"answer":{"type":"string","enum":["yes","no"]}},"required":["answer"]}`)
	resp, err := c.Chat(ctx, ollama.Request{
		System: "Answer from the note only.", // fixed text first: servers reuse it
		Prompt: "Note: ...",
		Schema: schema,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Content, resp.Attempts)
	// Output:
	// model digest known: true
	// {"answer":"yes"} 1
}
