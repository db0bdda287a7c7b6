package ollama

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/ollama/ollama/api"
)

// Limits on what a server may send back.
const (
	maxErrorBody  = 64 << 10 // an error status's body
	maxAnswerBody = 64 << 20 // a whole chat answer
)

// postChat sends one /api/chat request and reads the answer, merging the
// pieces when the server streams. It speaks the wire protocol directly with
// the api package's types: the api client allocates an 8 MB line buffer per
// call, which costs more than the rest of a call to a fast server.
func (c *Client) postChat(ctx context.Context, ep *endpoint,
	areq *api.ChatRequest) (api.ChatResponse, error) {
	body, err := json.Marshal(areq)
	if err != nil {
		return api.ChatResponse{}, fmt.Errorf("%w: encoding request: %w", ErrRequest, err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url+"/api/chat",
		bytes.NewReader(body))
	if err != nil {
		return api.ChatResponse{}, fmt.Errorf("%w: %w", ErrRequest, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/x-ndjson")

	resp, err := c.cfg.HTTPClient.Do(hreq)
	if err != nil {
		return api.ChatResponse{}, classify(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= http.StatusBadRequest {
		return api.ChatResponse{}, readStatusError(ctx, resp)
	}
	return readAnswer(ctx, resp.Body)
}

// readStatusError turns an error status into an error carrying the server's
// message when it sent one as JSON, and no body text otherwise.
func readStatusError(ctx context.Context, resp *http.Response) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil && ctx.Err() != nil {
		return classify(ctx, err)
	}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil || e.Error == "" {
		e.Error = http.StatusText(resp.StatusCode)
	}
	return statusError(resp.StatusCode, e.Error)
}

// readAnswer reads JSON objects until one says done, joining the message
// content of streamed pieces.
func readAnswer(ctx context.Context, body io.Reader) (api.ChatResponse, error) {
	dec := json.NewDecoder(io.LimitReader(body, maxAnswerBody))
	var content []byte
	for {
		var part struct {
			api.ChatResponse
			Error string `json:"error"`
		}
		err := dec.Decode(&part)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return api.ChatResponse{}, classify(ctx, err)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return api.ChatResponse{}, fmt.Errorf(
				"%w: connection closed before the answer was complete", ErrUnreachable)
		case isDecodeError(err):
			return api.ChatResponse{}, fmt.Errorf("%w: response is not Ollama's JSON", ErrProtocol)
		default:
			return api.ChatResponse{}, fmt.Errorf("%w: reading answer: %w", ErrUnreachable, err)
		}
		if part.Error != "" {
			return api.ChatResponse{}, fmt.Errorf("%w: %s", ErrServer, clip(part.Error))
		}
		content = append(content, part.Message.Content...)
		if part.Done {
			part.Message.Content = string(content)
			return part.ChatResponse, nil
		}
	}
}

func isDecodeError(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syn) || errors.As(err, &typ)
}

// clip shortens a server message for an error.
func clip(msg string) string {
	if len(msg) > 200 {
		return msg[:200] + "..."
	}
	return msg
}
