package ollama

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

// checkTimeout bounds each request Check makes: listing models needs no
// model load.
const checkTimeout = 30 * time.Second

// ModelInfo records which model answered, for provenance beside results.
type ModelInfo struct {
	Model         string   // name as configured
	Digest        string   // from /api/tags; the same on every endpoint
	ServerVersion string   // from /api/version of the first endpoint
	Endpoints     []string // base URLs
	// ContextLength is the context the model was trained on, from
	// /api/show (0 when the server does not say). A num_ctx above it is
	// clamped by the server.
	ContextLength int
}

// Check asks every endpoint for its version and its model list, and returns
// the model's digest. It fails with ErrUnreachable when an endpoint does not
// answer, with ErrModelNotFound when one does not have the model, and when
// the endpoints hold different builds of the model (different digests).
func (c *Client) Check(ctx context.Context) (ModelInfo, error) {
	info := ModelInfo{Model: c.cfg.Model}
	for _, ep := range c.router.eps {
		version, digest, err := c.checkEndpoint(ctx, ep)
		if err != nil {
			return info, err
		}
		if info.Digest != "" && digest != info.Digest {
			return info, fmt.Errorf("ollama check: model %s differs between endpoints: "+
				"digest %s at %s, %s at %s",
				c.cfg.Model, info.Digest, info.Endpoints[0], digest, ep.url)
		}
		if info.ServerVersion == "" {
			info.ServerVersion = version
		}
		info.Digest = digest
		info.Endpoints = append(info.Endpoints, ep.url)
	}
	n, err := c.contextLength(ctx, c.router.eps[0])
	if err != nil {
		return info, err
	}
	info.ContextLength = n
	return info, nil
}

// contextLength reads the model's trained context length from /api/show.
func (c *Client) contextLength(ctx context.Context, ep *endpoint) (int, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, checkTimeout, ErrTimeout)
	defer cancel()
	show, err := ep.api.Show(ctx, &api.ShowRequest{Model: c.cfg.Model})
	if err != nil {
		return 0, &Error{Op: "show", Endpoint: ep.url, Err: classify(ctx, err)}
	}
	for key, v := range show.ModelInfo {
		if n, ok := v.(float64); ok && strings.HasSuffix(key, ".context_length") {
			return int(n), nil
		}
	}
	return 0, nil
}

// checkEndpoint returns one endpoint's server version and model digest.
func (c *Client) checkEndpoint(ctx context.Context, ep *endpoint) (
	version, digest string, err error) {
	ctx, cancel := context.WithTimeoutCause(ctx, checkTimeout, ErrTimeout)
	defer cancel()

	version, err = ep.api.Version(ctx)
	if err != nil {
		err = classify(ctx, err)
		if errors.Is(err, ErrUnreachable) || errors.Is(err, ErrTimeout) {
			err = fmt.Errorf("%w; start Ollama there (ollama serve), or point --ollama or "+
				"OLLAMA_HOST at the address it listens on", err)
		}
		return "", "", &Error{Op: "version", Endpoint: ep.url, Err: err}
	}

	list, err := ep.api.List(ctx)
	if err != nil {
		return "", "", &Error{Op: "tags", Endpoint: ep.url, Err: classify(ctx, err)}
	}
	want := fullName(c.cfg.Model)
	for _, m := range list.Models {
		if fullName(m.Name) == want || fullName(m.Model) == want {
			return version, m.Digest, nil
		}
	}
	err = fmt.Errorf("%w: %s is not among the %d models there; run `ollama pull %s` "+
		"(with OLLAMA_HOST set to that server)", ErrModelNotFound, c.cfg.Model, len(list.Models),
		c.cfg.Model)
	return "", "", &Error{Op: "tags", Endpoint: ep.url, Err: err}
}

// fullName adds the default tag to a model name without one, as Ollama
// does: "llama3" and "llama3:latest" are the same model.
func fullName(name string) string {
	base := name[strings.LastIndex(name, "/")+1:]
	if !strings.Contains(base, ":") {
		return name + ":latest"
	}
	return name
}
