package ollamatest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/ollama/ollama/api"
)

// Error texts of a real server.
const (
	busyMessage    = "server busy, please try again.  maximum pending requests exceeded"
	crashMessage   = "llama runner process has terminated: exit status 2"
	tooLongMessage = "the input length exceeds the context length"
)

func (s *Server) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[path]++
	return s.calls[path]
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) {
	s.count(r.URL.Path)
	writeJSON(w, http.StatusOK, map[string]string{"version": s.version})
}

func (s *Server) handleTags(w http.ResponseWriter, r *http.Request) {
	s.count(r.URL.Path)
	var list api.ListResponse
	for _, m := range s.models {
		list.Models = append(list.Models, api.ListModelResponse{
			Name: fullName(m.Name), Model: fullName(m.Name), Digest: m.Digest, Size: 1 << 20,
			ModifiedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Details:    api.ModelDetails{Format: "gguf", Family: "llama", ParameterSize: "260K"},
		})
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) handleShow(w http.ResponseWriter, r *http.Request) {
	s.count(r.URL.Path)
	var req api.ShowRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body")
		return
	}
	name := req.Model
	if name == "" {
		name = req.Name
	}
	m, ok := s.hasModel(name)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("model '%s' not found", name))
		return
	}
	ctxLen := m.ContextLength
	if ctxLen == 0 {
		ctxLen = 512
	}
	writeJSON(w, http.StatusOK, api.ShowResponse{
		Modelfile: "FROM " + m.Name + "\nTEMPLATE \"\"\"{{ .Prompt }}\"\"\"\n",
		Template:  "{{ .Prompt }}",
		Details:   api.ModelDetails{Format: "gguf", Family: "llama", ParameterSize: "260K"},
		ModelInfo: map[string]any{"general.architecture": "llama", "llama.context_length": ctxLen},
	})
}

// handleChat answers /api/chat: model lookup, injected fault, a slot from
// the queue, the modelled latency, then the answer.
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var req api.ChatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.count(r.URL.Path)
		writeError(w, http.StatusBadRequest, "invalid request body")
		return
	}
	idx, fault := s.startChat(r.URL.Path, req)
	if _, ok := s.hasModel(req.Model); !ok {
		s.finish(idx, http.StatusNotFound, -1)
		writeError(w, http.StatusNotFound, fmt.Sprintf("model '%s' not found", req.Model))
		return
	}
	switch fault {
	case FaultBusy:
		s.finish(idx, http.StatusServiceUnavailable, -1)
		writeError(w, http.StatusServiceUnavailable, busyMessage)
		return
	case FaultReset:
		s.finish(idx, 0, -1)
		reset(w)
		return
	}

	slot, ok := s.acquire(r)
	if !ok {
		s.finish(idx, http.StatusServiceUnavailable, -1)
		writeError(w, http.StatusServiceUnavailable, busyMessage)
		return
	}
	start := time.Now()
	defer s.release(slot, start)
	s.serveChat(w, r, req, idx, slot, fault)
}

// serveChat answers a chat request that holds a slot.
func (s *Server) serveChat(w http.ResponseWriter, r *http.Request, req api.ChatRequest,
	idx, slot int, fault Fault) {
	if fault == FaultCrash {
		s.finish(idx, http.StatusInternalServerError, slot)
		writeError(w, http.StatusInternalServerError, crashMessage)
		return
	}

	content, pt, ot := s.responder(req)
	if numCtx, ok := req.Options["num_ctx"].(float64); ok && pt > int(numCtx) {
		// A real server drops the prompt's start to fit, or refuses when
		// asked not to truncate.
		if req.Truncate != nil && !*req.Truncate {
			s.finish(idx, http.StatusBadRequest, slot)
			writeError(w, http.StatusBadRequest, tooLongMessage)
			return
		}
		pt = int(numCtx)
	}
	resp := api.ChatResponse{
		Model: req.Model, CreatedAt: time.Now().UTC(), Done: true, DoneReason: "stop",
		Message: api.Message{Role: "assistant", Content: content},
		Metrics: api.Metrics{PromptEvalCount: pt, EvalCount: ot},
	}
	applyFault(&resp, fault, req.Options)

	delay := s.latency.Base + time.Duration(pt)*s.latency.PerPromptToken +
		time.Duration(ot)*s.latency.PerOutputToken
	if fault == FaultSlow {
		delay = s.slowDelay
	}
	if !s.wait(r, delay) {
		s.finish(idx, 0, slot)
		return
	}
	resp.TotalDuration = delay

	s.finish(idx, http.StatusOK, slot)
	if fault == FaultGarbled {
		w.WriteHeader(http.StatusOK)
		fmt.Fprintln(w, "<html>upstream error</html>")
		return
	}
	if req.Stream == nil || *req.Stream {
		writeStream(w, resp)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// applyFault spoils an answer the way fault says.
func applyFault(resp *api.ChatResponse, fault Fault, opts map[string]any) {
	content := resp.Message.Content
	switch fault {
	case FaultMalformed:
		resp.Message.Content = content[:len(content)/2] + `"`
	case FaultSchema:
		resp.Message.Content = "{}"
	case FaultLength:
		resp.Message.Content = content[:len(content)/2]
		resp.DoneReason = "length"
		if n, ok := opts["num_predict"].(float64); ok && n > 0 {
			resp.EvalCount = int(n)
		}
	}
}

// startChat counts and logs a chat request and decides its fault.
func (s *Server) startChat(path string, req api.ChatRequest) (int, Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[path]++
	n := s.calls[path]

	fault, scripted := s.faultAt[n]
	if !scripted && s.faultRate > 0 && len(s.faultKind) > 0 && s.rng.Float64() < s.faultRate {
		fault = s.faultKind[s.rng.IntN(len(s.faultKind))]
	}
	roles := make([]string, len(req.Messages))
	for i, m := range req.Messages {
		roles[i] = m.Role
	}
	s.log = append(s.log, Call{
		N: n, Path: path, Model: req.Model, Roles: roles, PromptHash: HashPrompt(req.Messages),
		Format: req.Format, Options: req.Options, Stream: req.Stream, Truncate: req.Truncate,
		Fault: fault, Slot: -1,
	})
	return len(s.log) - 1, fault
}

func (s *Server) finish(idx, status, slot int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log[idx].Status, s.log[idx].Slot = status, slot
}

// acquire waits for a free slot, or refuses at once when the queue is full.
func (s *Server) acquire(r *http.Request) (int, bool) {
	s.mu.Lock()
	if s.pending >= s.nslots+s.queue {
		s.mu.Unlock()
		return -1, false
	}
	s.pending++
	s.maxPending = max(s.maxPending, s.pending)
	s.mu.Unlock()

	slot := -1
	select {
	case slot = <-s.slots:
	case <-r.Context().Done():
	case <-s.quit:
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if slot < 0 {
		s.pending--
		return -1, false
	}
	s.inflight++
	s.maxIn = max(s.maxIn, s.inflight)
	return slot, true
}

func (s *Server) release(slot int, start time.Time) {
	s.mu.Lock()
	s.busy[slot] += time.Since(start)
	s.inflight--
	s.pending--
	s.mu.Unlock()
	s.slots <- slot
}

// wait sleeps for d unless the client goes away or the server closes first.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.quit:
	}
	return false
}

// reset closes the connection without a response, as a dying server or a
// network failure does.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("ollamatest: response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // send RST rather than FIN
	}
	conn.Close()
}

// writeJSON writes v as one line, as Ollama does.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding response"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeStream writes resp as Ollama streams it: a line per piece of the
// answer, then a final line with done true and the metrics.
func writeStream(w http.ResponseWriter, resp api.ChatResponse) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w) // Encode ends each value with a newline
	content := resp.Message.Content
	half := len(content) / 2
	for _, piece := range []string{content[:half], content[half:]} {
		enc.Encode(api.ChatResponse{Model: resp.Model, CreatedAt: resp.CreatedAt,
			Message: api.Message{Role: "assistant", Content: piece}})
	}
	resp.Message.Content = ""
	enc.Encode(resp)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
