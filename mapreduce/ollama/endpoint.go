package ollama

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// DefaultHost is where Ollama listens when OLLAMA_HOST is unset.
const DefaultHost = "http://127.0.0.1:11434"

// DefaultSlots is the number of parallel requests assumed for an endpoint
// that does not say: Ollama's own default is one per loaded model, and two
// keeps a single-slot server's queue from running dry between calls.
const DefaultSlots = 2

// Endpoint is one Ollama server and the number of requests it may be sent at
// once (its OLLAMA_NUM_PARALLEL; more only queue on the server).
type Endpoint struct {
	URL   string // base URL, such as http://127.0.0.1:11434
	Slots int    // parallel requests it serves; at least 1
}

// ParseEndpoints reads endpoints from a flag value of comma-separated
// addresses, or from ollamaHostEnv (the value of OLLAMA_HOST) when the flag is
// empty, or from DefaultHost when both are. An address is anything
// OLLAMA_HOST accepts ("host", "host:port", "http://host:port/path", ":port")
// and may end in "#slots=N" to set its slots; slots (DefaultSlots when < 1)
// applies to the addresses that do not. A scheme-less address defaults to
// http and port 11434.
func ParseEndpoints(flagValue, ollamaHostEnv string, slots int) ([]Endpoint, error) {
	if slots < 1 {
		slots = DefaultSlots
	}
	src, value := "--ollama", flagValue
	if strings.TrimSpace(value) == "" {
		src, value = "OLLAMA_HOST", ollamaHostEnv
	}
	if strings.TrimSpace(value) == "" {
		src, value = "default", DefaultHost
	}

	var eps []Endpoint
	seen := map[string]bool{}
	for i, field := range strings.Split(value, ",") {
		ep, err := parseEndpoint(strings.TrimSpace(field), slots)
		if err != nil {
			return nil, fmt.Errorf("%s address %d %q: %w", src, i+1, field, err)
		}
		if seen[ep.URL] {
			return nil, fmt.Errorf("%s address %d: %s given twice", src, i+1, ep.URL)
		}
		seen[ep.URL] = true
		eps = append(eps, ep)
	}
	return eps, nil
}

// parseEndpoint reads one address with an optional "#slots=N" suffix.
func parseEndpoint(s string, slots int) (Endpoint, error) {
	addr, frag, hasFrag := strings.Cut(s, "#")
	if hasFrag {
		v, ok := strings.CutPrefix(frag, "slots=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 1 {
			return Endpoint{}, fmt.Errorf("suffix %q: want #slots=N with N >= 1", "#"+frag)
		}
		slots = n
	}
	u, err := baseURL(addr)
	if err != nil {
		return Endpoint{}, err
	}
	return Endpoint{URL: u, Slots: slots}, nil
}

// baseURL turns an OLLAMA_HOST-style address into a base URL with scheme
// and port.
func baseURL(addr string) (string, error) {
	if addr == "" {
		return "", fmt.Errorf("empty address")
	}
	scheme, hostport, ok := strings.Cut(addr, "://")
	port := "11434"
	switch {
	case !ok:
		scheme, hostport = "http", addr
	case scheme == "http":
		port = "80"
	case scheme == "https":
		port = "443"
	default:
		return "", fmt.Errorf("scheme %q: want http or https", scheme)
	}

	hostport, path, _ := strings.Cut(hostport, "/")
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		host, p = strings.Trim(hostport, "[]"), port
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q: want 1-65535", p)
	}

	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, p)}
	if path != "" {
		u.Path = "/" + strings.TrimSuffix(path, "/")
	}
	back, err := url.Parse(u.String())
	if err != nil || back.Host != u.Host {
		return "", fmt.Errorf("host %q: not a valid host name", host)
	}
	return u.String(), nil
}
