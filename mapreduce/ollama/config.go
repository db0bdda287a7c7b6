package ollama

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout  = 10 * time.Minute // one attempt, including a cold model load
	DefaultRetries  = 4
	DefaultBackoff  = 500 * time.Millisecond
	DefaultCooldown = 5 * time.Second
	maxBackoff      = 30 * time.Second
	maxCooldownMult = 12 // a failing endpoint is retried at least once a minute by default
)

// DefaultOptions returns the model options every request carries unless
// Config.Options overrides them: greedy decoding with a fixed seed, a fixed
// context window (the server otherwise chooses one and silently truncates
// longer prompts) and a bounded answer length.
func DefaultOptions() map[string]any {
	return map[string]any{
		"temperature": 0,
		"seed":        42,
		"num_ctx":     8192,
		"num_predict": 256,
	}
}

// Config configures a Client. The zero value of each field but Endpoints and
// Model means its documented default.
type Config struct {
	// Endpoints are the servers to spread calls over (see ParseEndpoints).
	Endpoints []Endpoint
	// Model is the model name as the servers know it, e.g. "llama3.1:8b".
	Model string
	// Options are merged over DefaultOptions and sent with every request as
	// a map, so that zeros such as temperature 0 reach the server. Keep
	// num_ctx, num_batch and num_thread fixed: changing them reloads the model.
	Options map[string]any
	// Timeout bounds one attempt; DefaultTimeout when zero.
	Timeout time.Duration
	// Retries is how many more attempts a call may make after a transient
	// failure (busy, crashed runner, lost connection, timeout), on any
	// endpoint; DefaultRetries when zero, none when negative.
	Retries int
	// Backoff is the wait before the first retry; it doubles with each retry
	// up to 30s, with random jitter. DefaultBackoff when zero.
	Backoff time.Duration
	// Cooldown is how long an endpoint that failed is avoided before one call
	// probes it again; it doubles with consecutive failures up to 12 times
	// its value. DefaultCooldown when zero.
	Cooldown time.Duration
	// HTTPClient sends the requests. When nil the client builds its own: no
	// proxy (calls never leave for a proxy named in the environment), dial
	// timeout, enough idle connections per host for every slot.
	HTTPClient *http.Client
}

// withDefaults returns cfg with zero values replaced by defaults, or an
// error when a field is invalid.
func (cfg Config) withDefaults() (Config, error) {
	if len(cfg.Endpoints) == 0 {
		return cfg, ErrNoEndpoints
	}
	if cfg.Model == "" {
		return cfg, fmt.Errorf("ollama config: empty model name")
	}
	for i, ep := range cfg.Endpoints {
		if ep.Slots < 1 {
			return cfg, fmt.Errorf("ollama config: endpoint %d (%s): slots %d < 1",
				i+1, ep.URL, ep.Slots)
		}
	}

	opts := DefaultOptions()
	maps.Copy(opts, cfg.Options)
	if _, err := json.Marshal(opts); err != nil {
		return cfg, fmt.Errorf("ollama config: options: %w", err)
	}
	cfg.Options = opts

	cfg.Timeout = orDefault(cfg.Timeout, DefaultTimeout)
	cfg.Backoff = orDefault(cfg.Backoff, DefaultBackoff)
	cfg.Cooldown = orDefault(cfg.Cooldown, DefaultCooldown)
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = newHTTPClient(cfg.Endpoints)
	}
	return cfg, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// newHTTPClient builds a client with no overall timeout (each attempt has
// its own deadline), no proxy, and an idle pool large enough that every slot
// keeps its connection between calls.
func newHTTPClient(eps []Endpoint) *http.Client {
	total, most := 0, 0
	for _, ep := range eps {
		total += ep.Slots
		most = max(most, ep.Slots)
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		MaxIdleConns:        total + 2*len(eps),
		MaxIdleConnsPerHost: most + 2,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// predictLimit returns the num_predict option as an int, or 0 when it is
// missing or not a whole number.
func predictLimit(opts map[string]any) int {
	switch v := opts["num_predict"].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	case json.Number:
		n, _ := v.Int64()
		return int(n)
	}
	return 0
}
