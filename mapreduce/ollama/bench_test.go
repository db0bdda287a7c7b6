package ollama

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
)

// BenchmarkChatOverhead measures what the client and the fake server add to
// one call when the model itself takes no time.
func BenchmarkChatOverhead(b *testing.B) {
	srv := ollamatest.NewServer(b)
	c, err := New(Config{Endpoints: []Endpoint{{URL: srv.URL, Slots: 2}}, Model: "stories"})
	if err != nil {
		b.Fatal(err)
	}
	req := Request{System: "fixed instructions", Prompt: "patient text", Schema: answerSchema}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Chat(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChatVersusAPIClient times one call through Client.Chat and one
// through the api package's own client (which allocates an 8 MB line buffer
// per call) against the same fake server, alternating, and reports both and
// their ratio.
func BenchmarkChatVersusAPIClient(b *testing.B) {
	srv := ollamatest.NewServer(b)
	c, err := New(Config{Endpoints: []Endpoint{{URL: srv.URL, Slots: 2}}, Model: "stories"})
	if err != nil {
		b.Fatal(err)
	}
	base, _ := url.Parse(srv.URL)
	direct := api.NewClient(base, c.cfg.HTTPClient)
	stream := false
	areq := &api.ChatRequest{Model: "stories", Stream: &stream, Format: answerSchema,
		Messages: []api.Message{{Role: "user", Content: "patient text"}},
		Options:  DefaultOptions()}
	req := Request{Prompt: "patient text", Schema: answerSchema}

	var ours, theirs time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := c.Chat(context.Background(), req); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		err := direct.Chat(context.Background(), areq, func(api.ChatResponse) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		ours, theirs = ours+mid.Sub(start), theirs+time.Since(mid)
	}
	n := float64(b.N)
	b.ReportMetric(float64(ours.Microseconds())/n, "client-µs/call")
	b.ReportMetric(float64(theirs.Microseconds())/n, "api-µs/call")
	b.ReportMetric(float64(theirs)/float64(ours), "api/client")
}

// BenchmarkChatSlotUtilization runs calls from Slots() goroutines against
// latency-modelled servers and reports the share of slot time spent
// answering (1.0: the client never left a slot idle) beside the calls per
// second a single sequential caller reaches on the same servers.
func BenchmarkChatSlotUtilization(b *testing.B) {
	latency := ollamatest.Latency{
		Base: 10 * time.Millisecond, PerPromptToken: 2 * time.Microsecond,
		PerOutputToken: 50 * time.Microsecond,
	}
	const perServer = 4
	a := ollamatest.NewServer(b, ollamatest.WithSlots(perServer), ollamatest.WithLatency(latency))
	z := ollamatest.NewServer(b, ollamatest.WithSlots(perServer), ollamatest.WithLatency(latency))
	c, err := New(Config{Model: "stories", Endpoints: []Endpoint{
		{URL: a.URL, Slots: perServer}, {URL: z.URL, Slots: perServer}}})
	if err != nil {
		b.Fatal(err)
	}
	req := Request{System: "fixed instructions", Prompt: string(make([]byte, 2000)),
		Schema: answerSchema}

	const calls = 200
	seqStart := time.Now()
	for range calls / 10 {
		if _, err := c.Chat(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	seqRate := float64(calls/10) / time.Since(seqStart).Seconds()

	var util, rate float64
	for b.Loop() {
		a, z = restartBusy(b, a, z, perServer, latency)
		c, _ = New(Config{Model: "stories", Endpoints: []Endpoint{
			{URL: a.URL, Slots: perServer}, {URL: z.URL, Slots: perServer}}})
		start := time.Now()
		runCalls(b, c, req, calls)
		wall := time.Since(start)
		util = (a.Utilization(wall) + z.Utilization(wall)) / 2
		rate = calls / wall.Seconds()
	}
	b.ReportMetric(util, "slot-busy")
	b.ReportMetric(rate, "calls/s")
	b.ReportMetric(rate/seqRate, "x-sequential")
}

// restartBusy returns fresh servers so that busy time counts one run only.
func restartBusy(b *testing.B, a, z *ollamatest.Server, slots int,
	l ollamatest.Latency) (*ollamatest.Server, *ollamatest.Server) {
	b.Helper()
	a.Close()
	z.Close()
	return ollamatest.NewServer(b, ollamatest.WithSlots(slots), ollamatest.WithLatency(l)),
		ollamatest.NewServer(b, ollamatest.WithSlots(slots), ollamatest.WithLatency(l))
}

// runCalls makes n calls from c.Slots() goroutines.
func runCalls(b *testing.B, c *Client, req Request, n int) {
	b.Helper()
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	for range c.Slots() {
		wg.Go(func() {
			for range jobs {
				if _, err := c.Chat(context.Background(), req); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
}
