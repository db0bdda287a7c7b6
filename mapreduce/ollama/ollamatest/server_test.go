package ollamatest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
)

var schema = json.RawMessage(`{"type":"object","properties":{` +
	`"answer":{"type":"string","enum":["yes","no"]},"n":{"type":"integer","minimum":2}},` +
	`"required":["answer","n"]}`)

// apiClient returns the official client pointed at srv: if it understands
// the fake, so will code written against a real server.
func apiClient(t *testing.T, srv *ollamatest.Server) *api.Client {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return api.NewClient(u, &http.Client{Timeout: 30 * time.Second})
}

// chat sends one request and returns every response line the client saw.
func chat(t *testing.T, c *api.Client, req api.ChatRequest) ([]api.ChatResponse, error) {
	t.Helper()
	var got []api.ChatResponse
	err := c.Chat(context.Background(), &req, func(r api.ChatResponse) error {
		got = append(got, r)
		return nil
	})
	return got, err
}

func noStream() *bool { f := false; return &f }

func TestServerSpeaksOllamaProtocol(t *testing.T) {
	srv := ollamatest.NewServer(t, ollamatest.WithVersion("9.9.9"))
	c := apiClient(t, srv)
	ctx := context.Background()

	if v, err := c.Version(ctx); err != nil || v != "9.9.9" {
		t.Errorf("Version = %q, %v", v, err)
	}
	list, err := c.List(ctx)
	if err != nil || len(list.Models) != 1 ||
		list.Models[0].Digest != ollamatest.DefaultModel.Digest {
		t.Errorf("List = %+v, %v", list, err)
	}
	if _, err := c.Show(ctx, &api.ShowRequest{Model: "stories"}); err != nil {
		t.Errorf("Show(stories): %v", err)
	}
	var se api.StatusError
	if _, err := c.Show(ctx, &api.ShowRequest{Model: "nosuch"}); !errors.As(err, &se) ||
		se.StatusCode != 404 {
		t.Errorf("Show(nosuch) = %v, want a 404 StatusError", err)
	}

	msgs := []api.Message{{Role: "user", Content: "hi"}}
	whole, err := chat(t, c, api.ChatRequest{Model: "stories", Messages: msgs, Format: schema,
		Stream: noStream()})
	if err != nil || len(whole) != 1 || !whole[0].Done {
		t.Fatalf("unstreamed chat: %d lines, %v: want one final line", len(whole), err)
	}
	if want := `{"answer":"yes","n":2}`; whole[0].Message.Content != want {
		t.Errorf("content = %s, want %s", whole[0].Message.Content, want)
	}

	pieces, err := chat(t, c, api.ChatRequest{Model: "stories", Messages: msgs, Format: schema})
	if err != nil || len(pieces) < 2 || !pieces[len(pieces)-1].Done {
		t.Fatalf("streamed chat: %d lines, %v: want pieces then a final line", len(pieces), err)
	}
	var joined strings.Builder
	for _, p := range pieces {
		joined.WriteString(p.Message.Content)
	}
	if joined.String() != whole[0].Message.Content {
		t.Errorf("streamed pieces join to %q, want %q", joined.String(), whole[0].Message.Content)
	}

	_, err = chat(t, c, api.ChatRequest{Model: "nosuch", Messages: msgs})
	if !errors.As(err, &se) || se.StatusCode != 404 ||
		!strings.Contains(se.ErrorMessage, "not found") {
		t.Errorf("chat with unknown model = %v, want 404 not found", err)
	}
}

func TestServerFaultsOnTheWire(t *testing.T) {
	tests := []struct {
		fault ollamatest.Fault
		check func(t *testing.T, got []api.ChatResponse, err error)
	}{
		{ollamatest.FaultBusy, wantStatus(503, "server busy")},
		{ollamatest.FaultCrash, wantStatus(500, "llama runner process has terminated")},
		{ollamatest.FaultReset, wantError},
		{ollamatest.FaultGarbled, wantError},
		{ollamatest.FaultLength, func(t *testing.T, got []api.ChatResponse, err error) {
			if err != nil || got[0].DoneReason != "length" || isJSON(got[0]) {
				t.Errorf("got %+v, %v: want a cut-off answer", got, err)
			}
		}},
		{ollamatest.FaultMalformed, func(t *testing.T, got []api.ChatResponse, err error) {
			if err != nil || got[0].DoneReason != "stop" || isJSON(got[0]) {
				t.Errorf("got %+v, %v: want a finished answer that is not JSON", got, err)
			}
		}},
		{ollamatest.FaultSchema, func(t *testing.T, got []api.ChatResponse, err error) {
			if err != nil || got[0].Message.Content != "{}" {
				t.Errorf("got %+v, %v: want {}", got, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			t.Parallel()
			srv := ollamatest.NewServer(t, ollamatest.WithFaultAt(1, tt.fault))
			c := apiClient(t, srv)
			req := api.ChatRequest{Model: "stories", Format: schema, Stream: noStream(),
				Messages: []api.Message{{Role: "user", Content: "hi"}},
				Options:  map[string]any{"num_predict": 7}}
			got, err := chat(t, c, req)
			tt.check(t, got, err)

			got, err = chat(t, c, req)
			if err != nil || len(got) != 1 || !json.Valid([]byte(got[0].Message.Content)) {
				t.Errorf("second call: %+v, %v: want a clean answer", got, err)
			}
			if log := srv.Log(); log[0].Fault != tt.fault || log[1].Fault != ollamatest.FaultNone {
				t.Errorf("log faults = %v, %v", log[0].Fault, log[1].Fault)
			}
		})
	}
}

func wantStatus(code int, msg string) func(*testing.T, []api.ChatResponse, error) {
	return func(t *testing.T, _ []api.ChatResponse, err error) {
		t.Helper()
		var se api.StatusError
		if !errors.As(err, &se) || se.StatusCode != code ||
			!strings.Contains(se.ErrorMessage, msg) {
			t.Errorf("err = %v, want HTTP %d %q", err, code, msg)
		}
	}
}

func isJSON(r api.ChatResponse) bool { return json.Valid([]byte(r.Message.Content)) }

func wantError(t *testing.T, got []api.ChatResponse, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("got %+v, want an error", got)
	}
}

func TestServerQueueFullAnswers503(t *testing.T) {
	srv := ollamatest.NewServer(t, ollamatest.WithSlots(1), ollamatest.WithQueue(0),
		ollamatest.WithFaultAt(1, ollamatest.FaultSlow), ollamatest.WithSlowDelay(time.Hour))
	c := apiClient(t, srv)
	req := api.ChatRequest{Model: "stories", Stream: noStream(),
		Messages: []api.Message{{Role: "user", Content: "hi"}}}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Chat(ctx, &req, func(api.ChatResponse) error { return nil })
	}()
	for srv.MaxConcurrent() == 0 { // wait until the slow call holds the slot
		time.Sleep(time.Millisecond)
	}

	_, err := chat(t, c, req)
	wantStatus(503, "server busy")(t, nil, err)
	cancel()
	<-done
	if got := srv.MaxPending(); got != 1 {
		t.Errorf("MaxPending = %d, want 1", got)
	}
}

func TestServerFaultRateIsRepeatable(t *testing.T) {
	run := func() []ollamatest.Fault {
		srv := ollamatest.NewServer(t, ollamatest.WithFaultRate(0.5, 7,
			ollamatest.FaultBusy, ollamatest.FaultCrash, ollamatest.FaultSchema))
		c := apiClient(t, srv)
		req := api.ChatRequest{Model: "stories", Stream: noStream(),
			Messages: []api.Message{{Role: "user", Content: "hi"}}}
		var faults []ollamatest.Fault
		for range 20 {
			chat(t, c, req)
		}
		for _, call := range srv.Log() {
			faults = append(faults, call.Fault)
		}
		return faults
	}
	a, b := run(), run()
	failed := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d: fault %v then %v with the same seed", i+1, a[i], b[i])
		}
		if a[i] != ollamatest.FaultNone {
			failed++
		}
	}
	if failed == 0 || failed == len(a) {
		t.Errorf("%d of %d calls failed at rate 0.5", failed, len(a))
	}
}

func TestServerRecordsBusyTime(t *testing.T) {
	srv := ollamatest.NewServer(t, ollamatest.WithSlots(1),
		ollamatest.WithLatency(ollamatest.Latency{Base: 5 * time.Millisecond,
			PerPromptToken: time.Millisecond}))
	c := apiClient(t, srv)
	req := api.ChatRequest{Model: "stories", Stream: noStream(),
		Messages: []api.Message{{Role: "user", Content: strings.Repeat("word ", 4)}}} // 5 tokens
	start := time.Now()
	for range 3 {
		if _, err := chat(t, c, req); err != nil {
			t.Fatal(err)
		}
	}
	wall := time.Since(start)
	if busy := srv.Busy()[0]; busy < 3*10*time.Millisecond {
		t.Errorf("slot busy %v, want at least 3 x (5ms + 5 tokens x 1ms)", busy)
	}
	if u := srv.Utilization(wall); u <= 0 || u > 1 {
		t.Errorf("Utilization = %v, want in (0, 1]", u)
	}
}

func TestInstance(t *testing.T) {
	tests := []struct{ schema, want string }{
		{`{"type":"object","properties":{"b":{"type":"boolean"},` +
			`"a":{"type":"string","minLength":2}}}`,
			`{"a":"xx","b":false}`},
		{`{"type":"array","items":{"type":"number","minimum":1.5},"minItems":2}`, `[1.5,1.5]`},
		{`{"type":["null","string"]}`, `null`},
		{`{"enum":["x","y"]}`, `"x"`},
		{`"json"`, `{}`},
		{`{"type":"object"}`, `{}`},
	}
	for _, tt := range tests {
		if got := ollamatest.Instance(json.RawMessage(tt.schema)); got != tt.want {
			t.Errorf("Instance(%s) = %s, want %s", tt.schema, got, tt.want)
		}
	}
}
