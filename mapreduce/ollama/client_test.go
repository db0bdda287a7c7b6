package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
)

// answerSchema is a schema of the shape the map stage asks for.
var answerSchema = json.RawMessage(`{"type":"object","properties":{` +
	`"answer":{"type":"string","enum":["yes","no","unknown"]},` +
	`"quote":{"type":"string","maxLength":60}},"required":["answer","quote"]}`)

// newTestClient returns a client for the given servers with fast retries.
func newTestClient(t *testing.T, cfg Config, urls ...string) *Client {
	t.Helper()
	for _, u := range urls {
		cfg.Endpoints = append(cfg.Endpoints, Endpoint{URL: u, Slots: 2})
	}
	if cfg.Model == "" {
		cfg.Model = "stories"
	}
	cfg.Backoff = orDefault(cfg.Backoff, time.Millisecond)
	cfg.Cooldown = orDefault(cfg.Cooldown, time.Millisecond)
	cfg.Timeout = orDefault(cfg.Timeout, 5*time.Second)
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// closedURL returns the URL of a loopback port that nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestChatSendsRequestAsOllamaExpects(t *testing.T) {
	srv := ollamatest.NewServer(t)
	c := newTestClient(t, Config{Options: map[string]any{"num_thread": 1}}, srv.URL)

	req := Request{System: "fixed instructions", Prompt: "patient text", Schema: answerSchema}
	resp, err := c.Chat(context.Background(), req)
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if want := `{"answer":"yes","quote":""}`; resp.Content != want {
		t.Errorf("Content = %s, want %s", resp.Content, want)
	}
	if resp.Attempts != 1 || resp.Endpoint != srv.URL || resp.DoneReason != "stop" {
		t.Errorf("Attempts, Endpoint, DoneReason = %d, %s, %q", resp.Attempts, resp.Endpoint,
			resp.DoneReason)
	}
	if resp.PromptTokens == 0 || resp.OutputTokens == 0 {
		t.Errorf("token counts not copied: %+v", resp)
	}

	log := srv.Log()
	if len(log) != 1 {
		t.Fatalf("server saw %d chat calls, want 1", len(log))
	}
	call := log[0]
	if call.Stream == nil || *call.Stream {
		t.Errorf("stream = %v, want false", call.Stream)
	}
	if !jsonEqual(t, call.Format, answerSchema) {
		t.Errorf("format = %s, want the schema", call.Format)
	}
	if strings.Join(call.Roles, ",") != "system,user" {
		t.Errorf("roles = %v, want system then user", call.Roles)
	}
	wantHash := ollamatest.HashPrompt([]api.Message{
		{Role: "system", Content: req.System}, {Role: "user", Content: req.Prompt}})
	if call.PromptHash != wantHash {
		t.Errorf("prompt hash differs: messages not sent as given")
	}
	wantOpts := map[string]float64{
		"temperature": 0, "seed": 42, "num_ctx": 8192, "num_predict": 256, "num_thread": 1}
	for k, want := range wantOpts {
		if got, ok := call.Options[k]; !ok || got != want {
			t.Errorf("options[%s] = %v (present %v), want %v", k, got, ok, want)
		}
	}
}

func TestChatWithoutSystemOrSchema(t *testing.T) {
	srv := ollamatest.NewServer(t)
	c := newTestClient(t, Config{}, srv.URL)
	resp, err := c.Chat(context.Background(), Request{Prompt: "hello"})
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if resp.Content != "ok" {
		t.Errorf("Content = %q, want ok", resp.Content)
	}
	call := srv.Log()[0]
	if len(call.Format) != 0 || strings.Join(call.Roles, ",") != "user" {
		t.Errorf("format %s, roles %v: want none and user only", call.Format, call.Roles)
	}
}

func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestChatFaults(t *testing.T) {
	tests := []struct {
		name         string
		faults       []ollamatest.Fault // by call number, from 1
		retries      int
		wantErr      error // nil: success
		wantAttempts int
	}{
		{"busy retried", faults(ollamatest.FaultBusy), 0, nil, 2},
		{"runner crash retried", faults(ollamatest.FaultCrash), 0, nil, 2},
		{"slow answer times out, retried", faults(ollamatest.FaultSlow), 0, nil, 2},
		{"connection reset retried", faults(ollamatest.FaultReset), 0, nil, 2},
		{"garbled line retried", faults(ollamatest.FaultGarbled), 0, nil, 2},
		{"malformed retried once", faults(ollamatest.FaultMalformed), 0, nil, 2},
		{"schema break retried once", faults(ollamatest.FaultSchema), 0, nil, 2},
		{"cut off retried once", faults(ollamatest.FaultLength), 0, nil, 2},
		{"malformed twice fails", faults(ollamatest.FaultMalformed, ollamatest.FaultSchema), 0,
			ErrMalformed, 2},
		{"cut off twice fails", faults(ollamatest.FaultLength, ollamatest.FaultLength), 0,
			ErrTruncated, 2},
		{"busy beyond retries fails", faults(ollamatest.FaultBusy, ollamatest.FaultBusy,
			ollamatest.FaultBusy), 2, ErrBusy, 3},
		{"crash with retries off fails", faults(ollamatest.FaultCrash), -1, ErrServer, 1},
		{"transient then malformed", faults(ollamatest.FaultCrash, ollamatest.FaultMalformed,
			ollamatest.FaultReset), 0, nil, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []ollamatest.Option
			for i, f := range tt.faults {
				opts = append(opts, ollamatest.WithFaultAt(i+1, f))
			}
			opts = append(opts, ollamatest.WithSlowDelay(time.Hour))
			srv := ollamatest.NewServer(t, opts...)
			timeout := time.Minute
			if slices.Contains(tt.faults, ollamatest.FaultSlow) {
				timeout = time.Second // the slow answer must time out; the next must not
			}
			c := newTestClient(t, Config{Retries: tt.retries, Timeout: timeout}, srv.URL)

			resp, err := c.Chat(context.Background(), Request{Prompt: "p", Schema: answerSchema})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if resp.Attempts != tt.wantAttempts || srv.Calls("/api/chat") != tt.wantAttempts {
				t.Errorf("attempts = %d, server calls = %d, want %d", resp.Attempts,
					srv.Calls("/api/chat"), tt.wantAttempts)
			}
			var ce *Error
			if err != nil && (!errors.As(err, &ce) || ce.Attempt != tt.wantAttempts ||
				ce.Endpoint != srv.URL) {
				t.Errorf("error %v does not name endpoint and attempt %d", err, tt.wantAttempts)
			}
		})
	}
}

func faults(fs ...ollamatest.Fault) []ollamatest.Fault { return fs }

func TestChatDoublesNumPredictAfterCutOff(t *testing.T) {
	srv := ollamatest.NewServer(t, ollamatest.WithFaultAt(1, ollamatest.FaultLength))
	c := newTestClient(t, Config{Options: map[string]any{"num_predict": 100}}, srv.URL)
	_, err := c.Chat(context.Background(), Request{Prompt: "p", Schema: answerSchema})
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	log := srv.Log()
	got := []any{log[0].Options["num_predict"], log[1].Options["num_predict"]}
	if got[0] != 100.0 || got[1] != 200.0 {
		t.Errorf("num_predict per attempt = %v, want [100 200]", got)
	}
	if log[0].Options["num_ctx"] != log[1].Options["num_ctx"] {
		t.Errorf("num_ctx changed between attempts: the model would reload")
	}
}

func TestChatModelNotFoundIsNotRetried(t *testing.T) {
	srv := ollamatest.NewServer(t)
	c := newTestClient(t, Config{Model: "nosuch"}, srv.URL)
	_, err := c.Chat(context.Background(), Request{Prompt: "p"})
	if !errors.Is(err, ErrModelNotFound) {
		t.Fatalf("err = %v, want ErrModelNotFound", err)
	}
	var se api.StatusError
	if errors.As(err, &se) {
		t.Errorf("api.StatusError leaked through: %v", se)
	}
	if n := srv.Calls("/api/chat"); n != 1 {
		t.Errorf("server saw %d calls, want 1 (a 404 is not retried)", n)
	}
}

func TestChatErrorsNeverContainText(t *testing.T) {
	const secret = "Jane Doe has PAH"
	echo := func(req api.ChatRequest) (string, int, int) {
		return `{"answer":"yes","quote":"` + secret + `"`, 10, 10 // cut short: invalid JSON
	}
	srv := ollamatest.NewServer(t, ollamatest.WithResponder(echo))
	c := newTestClient(t, Config{}, srv.URL)
	resp, err := c.Chat(context.Background(), Request{Prompt: secret, Schema: answerSchema})
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
	if resp.Content != "" || resp.Attempts != 2 {
		t.Errorf("failed call returned content %q after %d attempts: want none after 2",
			resp.Content, resp.Attempts)
	}
	if strings.Contains(err.Error(), "Jane") {
		t.Errorf("error message contains note text: %v", err)
	}
}

func TestChatRoutesAroundDeadEndpoint(t *testing.T) {
	srv := ollamatest.NewServer(t)
	dead := closedURL(t)
	c := newTestClient(t, Config{Cooldown: time.Hour}, dead, srv.URL)

	const calls = 20
	errs := runConcurrently(t, c, calls)
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if n := srv.Calls("/api/chat"); n != calls {
		t.Errorf("live server answered %d calls, want %d", n, calls)
	}
}

func TestChatAllEndpointsDead(t *testing.T) {
	dead := closedURL(t)
	c := newTestClient(t, Config{Retries: 2}, dead)
	resp, err := c.Chat(context.Background(), Request{Prompt: "p"})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if resp.Attempts != 3 || !strings.Contains(err.Error(), dead) {
		t.Errorf("attempts %d, error %q: want 3 attempts and the URL named", resp.Attempts, err)
	}
}

func TestChatProbesRecoveredEndpoint(t *testing.T) {
	flaky := ollamatest.NewServer(t, ollamatest.WithFaultAt(1, ollamatest.FaultCrash))
	steady := ollamatest.NewServer(t)
	c := newTestClient(t, Config{Cooldown: time.Minute}, flaky.URL, steady.URL)
	var mu sync.Mutex
	now := time.Now()
	c.router.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}

	ctx := context.Background()
	first, err := c.Chat(ctx, Request{Prompt: "p"})
	if err != nil || first.Endpoint != steady.URL || first.Attempts != 2 {
		t.Fatalf("first call: %+v, %v: want success on the steady server at attempt 2", first, err)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute) // past the cool-down
	mu.Unlock()
	second, err := c.Chat(ctx, Request{Prompt: "p"})
	if err != nil || second.Endpoint != flaky.URL {
		t.Fatalf("second call: %+v, %v: want the recovered server probed", second, err)
	}
}

func TestChatNeverExceedsSlots(t *testing.T) {
	latency := ollamatest.WithLatency(ollamatest.Latency{Base: 2 * time.Millisecond})
	a := ollamatest.NewServer(t, ollamatest.WithSlots(2), latency)
	b := ollamatest.NewServer(t, ollamatest.WithSlots(2), latency)
	c := newTestClient(t, Config{}, a.URL, b.URL)

	for i, err := range runConcurrently(t, c, 40) {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	for _, s := range []*ollamatest.Server{a, b} {
		if s.MaxPending() > 2 {
			t.Errorf("%s had %d requests outstanding, more than its 2 slots", s.URL, s.MaxPending())
		}
		if s.Calls("/api/chat") == 0 {
			t.Errorf("%s got no work", s.URL)
		}
	}
}

// runConcurrently makes n calls from 2*c.Slots() goroutines and returns
// their errors.
func runConcurrently(t *testing.T, c *Client, n int) []error {
	t.Helper()
	errs := make([]error, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 2 * c.Slots() {
		wg.Go(func() {
			for i := range jobs {
				req := Request{Prompt: "p", Schema: answerSchema}
				_, errs[i] = c.Chat(context.Background(), req)
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return errs
}

func TestChatCancelStopsWaiting(t *testing.T) {
	started := make(chan struct{}, 1)
	respond := func(req api.ChatRequest) (string, int, int) {
		started <- struct{}{}
		return "ok", 1, 1
	}
	srv := ollamatest.NewServer(t, ollamatest.WithResponder(respond),
		ollamatest.WithFaultAt(1, ollamatest.FaultSlow), ollamatest.WithSlowDelay(time.Hour))
	c := newTestClient(t, Config{Timeout: time.Hour}, srv.URL)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	resp, err := c.Chat(ctx, Request{Prompt: "p"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if resp.Attempts != 1 {
		t.Errorf("attempts = %d, want 1: a canceled call is not retried", resp.Attempts)
	}
}

func TestChatCancelWhileWaitingForSlot(t *testing.T) {
	srv := ollamatest.NewServer(t, ollamatest.WithFaultAt(1, ollamatest.FaultSlow),
		ollamatest.WithSlowDelay(time.Hour))
	c, err := New(Config{Endpoints: []Endpoint{{URL: srv.URL, Slots: 1}}, Model: "stories"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Chat(ctx, Request{Prompt: "holds the only slot"})

	waitCtx, stop := context.WithCancel(context.Background())
	go func() {
		for srv.Calls("/api/chat") == 0 {
			time.Sleep(time.Millisecond)
		}
		stop()
	}()
	_, err = c.Chat(waitCtx, Request{Prompt: "waits"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := srv.Calls("/api/chat"); n != 1 {
		t.Errorf("server saw %d calls, want 1: the second call must wait for the slot", n)
	}
}

func TestChatRefusesPromptLongerThanContext(t *testing.T) {
	srv := ollamatest.NewServer(t)
	c := newTestClient(t, Config{Options: map[string]any{"num_ctx": 64}}, srv.URL)
	long := strings.Repeat("word ", 100) // about 125 tokens
	_, err := c.Chat(context.Background(), Request{Prompt: long})
	if !errors.Is(err, ErrPromptTooLong) {
		t.Fatalf("err = %v, want ErrPromptTooLong", err)
	}
	if n := srv.Calls("/api/chat"); n != 1 {
		t.Errorf("server saw %d calls, want 1: a prompt too long is not retried", n)
	}
	if tr := srv.Log()[0].Truncate; tr == nil || *tr {
		t.Errorf("truncate = %v, want false", tr)
	}
}

func TestChatUnderRandomTransientFaults(t *testing.T) {
	transient := []ollamatest.Fault{ollamatest.FaultBusy, ollamatest.FaultCrash,
		ollamatest.FaultReset, ollamatest.FaultGarbled}
	a := ollamatest.NewServer(t, ollamatest.WithFaultRate(0.2, 1, transient...))
	b := ollamatest.NewServer(t, ollamatest.WithFaultRate(0.2, 2, transient...))
	// With 8 retries a call fails only if 9 attempts in a row fail: 0.2^9.
	c := newTestClient(t, Config{Retries: 8}, a.URL, b.URL)

	const calls = 100
	for i, err := range runConcurrently(t, c, calls) {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	faults := 0
	for _, s := range []*ollamatest.Server{a, b} {
		for _, call := range s.Log() {
			if call.Fault != ollamatest.FaultNone {
				faults++
			}
		}
		if s.MaxPending() > 2 {
			t.Errorf("%s had %d requests outstanding, more than its 2 slots", s.URL, s.MaxPending())
		}
	}
	if total := a.Calls("/api/chat") + b.Calls("/api/chat"); total != calls+faults {
		t.Errorf("servers saw %d calls, want %d answers + %d faults", total, calls, faults)
	}
	if faults == 0 {
		t.Error("no fault was injected")
	}
}
