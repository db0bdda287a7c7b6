// Package ollama is a client for one or more local Ollama servers that
// answers one structured question per call: it spreads calls over the
// servers' parallel slots, retries what a retry can fix, routes around a
// server that fails, and returns only complete answers that parse as JSON
// and match the schema asked for.
//
// The package never logs, and its errors never contain prompt or answer
// text, so neither can leak clinical notes into logs.
package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

// Client sends chat requests to the configured endpoints. It is safe for
// concurrent use; run up to Slots() calls at once to keep every server busy
// (more calls only wait inside Chat for a free slot).
type Client struct {
	cfg    Config
	router *router
}

// New checks cfg, fills in defaults and returns a client. It makes no
// network call: use Check for that.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	eps := make([]*endpoint, len(cfg.Endpoints))
	for i, e := range cfg.Endpoints {
		u, err := url.Parse(e.URL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("ollama config: endpoint %d: bad URL %q", i+1, e.URL)
		}
		eps[i] = &endpoint{url: e.URL, slots: e.Slots, api: api.NewClient(u, cfg.HTTPClient)}
	}
	return &Client{cfg: cfg, router: newRouter(eps, cfg.Cooldown)}, nil
}

// Slots returns the number of calls the endpoints serve at once, summed.
func (c *Client) Slots() int { return c.router.slots() }

// Model returns the configured model name.
func (c *Client) Model() string { return c.cfg.Model }

// Options returns a copy of the options sent with every request (defaults
// merged with Config.Options), for recording beside results.
func (c *Client) Options() map[string]any {
	out := make(map[string]any, len(c.cfg.Options))
	for k, v := range c.cfg.Options {
		out[k] = v
	}
	return out
}

// Request is one question. Put text that is the same for many calls first
// (System, then the fixed start of Prompt): each server slot reuses the
// longest common start of its previous prompt.
type Request struct {
	System string          // system message; omitted when empty
	Prompt string          // user message
	Schema json.RawMessage // JSON schema the answer must match; free text when empty
}

// Response is a complete answer.
type Response struct {
	Content      string        // the answer; valid JSON matching the schema when one was given
	PromptTokens int           // prompt tokens the server evaluated (prompt_eval_count)
	OutputTokens int           // tokens generated (eval_count)
	DoneReason   string        // why generation stopped: "stop" for a complete answer
	Endpoint     string        // base URL of the server that answered
	Attempts     int           // attempts made, including the successful one
	Duration     time.Duration // from the call to the answer, including waits and retries
}

// Chat asks the model one question and returns its complete answer.
//
// Busy servers (503, 429), crashed runners (5xx), lost connections and
// timed-out attempts are retried up to Config.Retries times with exponential
// backoff and jitter, preferring another endpoint; the failing endpoint is
// avoided for a cool-down. An answer cut off at num_predict is retried once
// with num_predict doubled, and an answer that is not valid JSON for the
// schema is retried once as is; if the retry fails the same way, Chat
// returns ErrTruncated or ErrMalformed. Other client errors (4xx, an unknown
// model, a prompt longer than num_ctx) are returned at once: the client asks
// the server to refuse an over-long prompt (ErrPromptTooLong) instead of
// silently cutting its start off. Every error is an *Error naming the endpoint
// and attempt, except a canceled ctx, returned as ctx.Err() wrapped. With an
// error, the Response still says how many attempts were made, where and for
// how long, but carries no content.
func (c *Client) Chat(ctx context.Context, req Request) (Response, error) {
	start := time.Now()
	opts := c.cfg.Options
	retries, redone := 0, false
	for attempt := 1; ; attempt++ {
		t, err := c.router.acquire(ctx)
		if err != nil {
			err = fmt.Errorf("ollama chat: waiting for a slot: %w", err)
			return Response{Attempts: attempt - 1}, err
		}
		resp, err := c.attempt(ctx, t.ep, req, opts)
		c.router.release(t, outcomeOf(err))
		resp.Endpoint, resp.Attempts, resp.Duration = t.ep.url, attempt, time.Since(start)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, fmt.Errorf("ollama chat at %s (attempt %d): %w",
				t.ep.url, attempt, ctx.Err())
		}
		err = &Error{Op: "chat", Endpoint: t.ep.url, Attempt: attempt, Err: err}

		switch {
		case errors.Is(err, ErrTruncated) || errors.Is(err, ErrMalformed):
			if redone {
				return resp, err
			}
			redone = true
			if errors.Is(err, ErrTruncated) {
				opts = doublePredict(opts)
			}
		case retryable(err):
			if retries >= c.cfg.Retries {
				return resp, err
			}
			retries++
			if err := sleep(ctx, c.backoff(retries)); err != nil {
				return resp, fmt.Errorf("ollama chat: backing off after attempt %d: %w",
					attempt, err)
			}
		default:
			return resp, err
		}
	}
}

// attempt makes one request to ep and checks the answer.
func (c *Client) attempt(ctx context.Context, ep *endpoint, req Request,
	opts map[string]any) (Response, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.Timeout, ErrTimeout)
	defer cancel()

	stream, truncate := false, false
	msgs := make([]api.Message, 0, 2)
	if req.System != "" {
		msgs = append(msgs, api.Message{Role: "system", Content: req.System})
	}
	msgs = append(msgs, api.Message{Role: "user", Content: req.Prompt})
	areq := &api.ChatRequest{
		Model: c.cfg.Model, Messages: msgs, Stream: &stream, Format: req.Schema, Options: opts,
		Truncate: &truncate,
	}

	last, err := c.postChat(ctx, ep, areq)
	if err != nil {
		return Response{}, err
	}

	resp := Response{
		Content:      last.Message.Content,
		PromptTokens: last.PromptEvalCount,
		OutputTokens: last.EvalCount,
		DoneReason:   last.DoneReason,
	}
	if err := checkAnswer(resp, req.Schema); err != nil {
		resp.Content = "" // never hand out half an answer
		return resp, err
	}
	return resp, nil
}

// checkAnswer accepts only a complete answer that matches the schema.
func checkAnswer(resp Response, schema json.RawMessage) error {
	if resp.DoneReason == "length" {
		return fmt.Errorf("%w (%d tokens)", ErrTruncated, resp.OutputTokens)
	}
	if len(schema) == 0 {
		return nil
	}
	if err := validate(schema, []byte(resp.Content)); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

// classify maps an error from the api package to one of ours, dropping any
// text the server sent back that is not an error message.
func classify(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), ErrTimeout) {
		return ErrTimeout
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	var se api.StatusError
	if errors.As(err, &se) {
		return statusError(se.StatusCode, se.ErrorMessage)
	}
	var ae api.AuthorizationError
	if errors.As(err, &ae) {
		return fmt.Errorf("%w: HTTP %d unauthorized", ErrRequest, ae.StatusCode)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%w: %w", ErrUnreachable, ue.Err)
	}
	// The api package returns an unparsable response line as the error
	// text itself: keep it out of the message.
	return fmt.Errorf("%w: unreadable response", ErrProtocol)
}

// statusError maps an HTTP error status to a sentinel.
func statusError(code int, msg string) error {
	var kind error
	switch {
	case code == 404:
		kind = ErrModelNotFound
	case code == 400 && strings.Contains(msg, "exceeds the context length"):
		kind = ErrPromptTooLong
	case code == 429 || code == 503:
		kind = ErrBusy
	case code >= 500:
		kind = ErrServer
	default:
		kind = ErrRequest
	}
	return fmt.Errorf("%w: HTTP %d: %s", kind, code, clip(msg))
}

// retryable reports whether another attempt, perhaps elsewhere, may succeed.
func retryable(err error) bool {
	for _, kind := range []error{ErrUnreachable, ErrBusy, ErrServer, ErrTimeout, ErrProtocol} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

// outcomeOf says what an attempt's error means for its endpoint's health.
func outcomeOf(err error) outcome {
	switch {
	case err == nil, errors.Is(err, ErrTruncated), errors.Is(err, ErrMalformed):
		return healthy
	case retryable(err):
		return failed
	}
	return neutral
}

// backoff returns the wait before retry n (1-based): Backoff doubled n-1
// times, capped, then reduced by up to half at random so that calls that
// failed together do not retry together.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.Backoff << min(n-1, 16)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// doublePredict returns a copy of opts with num_predict doubled.
func doublePredict(opts map[string]any) map[string]any {
	n := predictLimit(opts)
	if n <= 0 {
		return opts
	}
	out := make(map[string]any, len(opts))
	for k, v := range opts {
		out[k] = v
	}
	out["num_predict"] = 2 * n
	return out
}
