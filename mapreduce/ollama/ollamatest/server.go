// Package ollamatest provides Ollama servers for tests: a fake that speaks
// Ollama's wire protocol from memory, with scripted answers, injected faults,
// a slot queue and a latency model; and a harness that runs a real Ollama
// binary on a loopback port.
package ollamatest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
)

// Model is a model the fake server holds.
type Model struct {
	Name   string // "stories" or "stories:latest"
	Digest string // as /api/tags reports it
	// ContextLength is the trained context /api/show reports; 0 means 512,
	// that of the tiny test model.
	ContextLength int
}

// DefaultModel is the model a Server holds unless WithModels says otherwise.
var DefaultModel = Model{
	Name:   "stories:latest",
	Digest: "3f1d2c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff001",
}

// Responder scripts the answer to one chat request.
type Responder func(req api.ChatRequest) (content string, promptTokens, outputTokens int)

// Latency models how long a slot is busy with one request:
// Base + PromptTokens*PerPromptToken + OutputTokens*PerOutputToken.
type Latency struct {
	Base           time.Duration
	PerPromptToken time.Duration
	PerOutputToken time.Duration
}

// Call records one request for assertions. It holds a hash of the prompt,
// never its text.
type Call struct {
	N          int             // 1-based number among calls to the same path
	Path       string          // "/api/chat", "/api/tags", ...
	Model      string          // requested model
	Roles      []string        // message roles in order
	PromptHash string          // sha256 of the messages' contents, hex
	Format     json.RawMessage // as sent
	Options    map[string]any  // as sent
	Stream     *bool           // as sent
	Truncate   *bool           // as sent
	Fault      Fault           // injected fault, FaultNone if none
	Status     int             // HTTP status written (0 after a reset)
	Slot       int             // slot that served it, -1 if none
}

// Server is a fake Ollama server. Create it with NewServer; it closes when
// the test ends.
type Server struct {
	URL string // base URL, such as http://127.0.0.1:PORT

	srv       *httptest.Server
	quit      chan struct{}
	closeOnce sync.Once

	// configuration, fixed after NewServer
	models    []Model
	version   string
	responder Responder
	nslots    int
	queue     int
	faultAt   map[int]Fault
	faultRate float64
	faultKind []Fault
	slowDelay time.Duration
	latency   Latency

	slots chan int // free slot ids

	mu         sync.Mutex
	rng        *rand.Rand
	calls      map[string]int
	log        []Call
	pending    int // chat requests holding or waiting for a slot
	maxPending int
	inflight   int
	maxIn      int
	busy       []time.Duration
}

// Option configures a Server.
type Option func(*Server)

// WithModels sets the models the server holds (default: DefaultModel).
func WithModels(models ...Model) Option { return func(s *Server) { s.models = models } }

// WithVersion sets what /api/version reports (default "0.17.4").
func WithVersion(v string) Option { return func(s *Server) { s.version = v } }

// WithResponder scripts the answers. The default answers with Instance of
// the requested format, or "ok" without one, and estimates token counts.
func WithResponder(r Responder) Option { return func(s *Server) { s.responder = r } }

// WithSlots sets how many chat requests are served at once (default 2);
// the rest wait in a queue.
func WithSlots(n int) Option { return func(s *Server) { s.nslots = max(n, 1) } }

// WithQueue sets how many chat requests may wait for a slot before the
// server answers 503, as OLLAMA_MAX_QUEUE does (default 512).
func WithQueue(n int) Option { return func(s *Server) { s.queue = max(n, 0) } }

// WithFaultAt makes the call-th /api/chat request (1-based) fail with f.
func WithFaultAt(call int, f Fault) Option {
	return func(s *Server) { s.faultAt[call] = f }
}

// WithFaultRate makes each /api/chat request not scripted by WithFaultAt fail
// with probability p, with one of faults chosen at random; seed makes the
// sequence repeatable for requests that arrive in the same order.
func WithFaultRate(p float64, seed uint64, faults ...Fault) Option {
	return func(s *Server) {
		s.faultRate, s.faultKind = p, faults
		s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	}
}

// WithSlowDelay sets how long a FaultSlow request waits before answering
// (default one minute); a client that gives up earlier ends it sooner.
func WithSlowDelay(d time.Duration) Option { return func(s *Server) { s.slowDelay = d } }

// WithLatency makes each chat request keep its slot busy for the modelled
// time before answering.
func WithLatency(l Latency) Option { return func(s *Server) { s.latency = l } }

// NewServer starts a fake Ollama server on a loopback port and closes it
// when tb ends. With a nil tb (in an example or a program) the caller
// closes it.
func NewServer(tb testing.TB, opts ...Option) *Server {
	if tb != nil {
		tb.Helper()
	}
	s := &Server{
		quit:      make(chan struct{}),
		models:    []Model{DefaultModel},
		version:   "0.17.4",
		nslots:    2,
		queue:     512,
		faultAt:   map[int]Fault{},
		slowDelay: time.Minute,
		rng:       rand.New(rand.NewPCG(1, 2)),
		calls:     map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.responder == nil {
		s.responder = defaultResponder
	}
	s.slots = make(chan int, s.nslots)
	for i := range s.nslots {
		s.slots <- i
	}
	s.busy = make([]time.Duration, s.nslots)

	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// Close stops the server, ending requests that still wait.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.quit)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat", s.handleChat)
	mux.HandleFunc("GET /api/tags", s.handleTags)
	mux.HandleFunc("POST /api/show", s.handleShow)
	mux.HandleFunc("GET /api/version", s.handleVersion)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		s.count(r.URL.Path)
		w.Write([]byte("Ollama is running"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.count(r.URL.Path)
		writeError(w, http.StatusNotFound, "404 page not found")
	})
	return mux
}

// Calls returns how many requests reached path.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// Log returns a copy of the record of chat requests, in arrival order.
func (s *Server) Log() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.log))
	copy(out, s.log)
	return out
}

// MaxConcurrent returns the largest number of chat requests that held a slot
// at the same time.
func (s *Server) MaxConcurrent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxIn
}

// MaxPending returns the largest number of chat requests that held or
// waited for a slot at the same time: more than the slots means a client
// queued work on the server.
func (s *Server) MaxPending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxPending
}

// Busy returns, per slot, the total time it spent serving requests.
func (s *Server) Busy() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]time.Duration, len(s.busy))
	copy(out, s.busy)
	return out
}

// Utilization returns the share of slot time spent serving requests over a
// wall-clock span the caller measured: total busy time / (slots * wall).
func (s *Server) Utilization(wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	var total time.Duration
	for _, b := range s.Busy() {
		total += b
	}
	return float64(total) / (float64(s.nslots) * float64(wall))
}

// HashPrompt returns the hash a Call records for these messages.
func HashPrompt(msgs []api.Message) string {
	h := sha256.New()
	for _, m := range msgs {
		h.Write([]byte(m.Role))
		h.Write([]byte{0})
		h.Write([]byte(m.Content))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// EstimateTokens approximates the token count of text: about four bytes
// per token, as for English with common tokenizers.
func EstimateTokens(text string) int {
	return (len(text) + 3) / 4
}

func defaultResponder(req api.ChatRequest) (string, int, int) {
	content := "ok"
	if len(req.Format) > 0 {
		content = Instance(req.Format)
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += EstimateTokens(m.Content)
	}
	return content, prompt, EstimateTokens(content)
}

// hasModel reports whether the server holds name, with or without the
// ":latest" tag.
func (s *Server) hasModel(name string) (Model, bool) {
	for _, m := range s.models {
		if fullName(m.Name) == fullName(name) {
			return m, true
		}
	}
	return Model{}, false
}

func fullName(name string) string {
	if !strings.Contains(name[strings.LastIndex(name, "/")+1:], ":") {
		return name + ":latest"
	}
	return name
}
