package ollama

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the client returns wraps at most one of them,
// so callers can sort failures with errors.Is.
var (
	// ErrUnreachable: no connection could be made to an endpoint, or it reset
	// the connection.
	ErrUnreachable = errors.New("ollama unreachable")
	// ErrModelNotFound: the server does not have the model (HTTP 404).
	ErrModelNotFound = errors.New("model not found")
	// ErrBusy: the server's queue was full (HTTP 503 or 429).
	ErrBusy = errors.New("ollama busy")
	// ErrServer: the server failed while answering (HTTP 5xx other than 503),
	// for example because its model runner crashed.
	ErrServer = errors.New("ollama server error")
	// ErrTimeout: one attempt took longer than Config.Timeout.
	ErrTimeout = errors.New("ollama call timed out")
	// ErrRequest: the server rejected the request (HTTP 4xx other than 404
	// and 429); retrying the same request cannot help.
	ErrRequest = errors.New("ollama rejected request")
	// ErrProtocol: the server answered something that is not the Ollama wire
	// protocol.
	ErrProtocol = errors.New("ollama protocol error")
	// ErrTruncated: the model stopped at num_predict before finishing its
	// answer (done_reason "length"), so the answer is cut off.
	ErrTruncated = errors.New("answer cut off at num_predict")
	// ErrPromptTooLong: the prompt does not fit in num_ctx. The client asks
	// the server to refuse such a prompt rather than silently drop its start.
	ErrPromptTooLong = errors.New("prompt longer than num_ctx")
	// ErrMalformed: the answer is not valid JSON or does not match the schema.
	ErrMalformed = errors.New("answer is not valid JSON for the schema")
	// ErrNoEndpoints: the configuration names no endpoint.
	ErrNoEndpoints = errors.New("no ollama endpoints")
)

// Error is a failed call: which endpoint, which attempt, and why. Its
// message never contains prompt or answer text.
type Error struct {
	Op       string // "chat", "version", "tags"
	Endpoint string // base URL of the endpoint that failed
	Attempt  int    // 1-based attempt number within one Chat call; 0 outside Chat
	Err      error  // wraps one of the sentinel errors above
}

// Error formats the failure with its endpoint and attempt.
func (e *Error) Error() string {
	if e.Attempt > 0 {
		return fmt.Sprintf("ollama %s at %s (attempt %d): %v", e.Op, e.Endpoint, e.Attempt, e.Err)
	}
	return fmt.Sprintf("ollama %s at %s: %v", e.Op, e.Endpoint, e.Err)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }
