package ollama

import (
	"context"
	"sync"
	"time"

	"github.com/ollama/ollama/api"
)

// endpoint is one server with its slot count and health, guarded by the
// router's mutex.
type endpoint struct {
	url   string
	slots int
	api   *api.Client

	busy      int       // calls in flight
	fails     int       // consecutive failures; 0 means healthy
	downUntil time.Time // while fails > 0, not used before this time
	probing   bool      // one call is testing whether it came back
}

// ticket is one acquired slot.
type ticket struct {
	ep    *endpoint
	probe bool
}

// outcome is what a call tells the router about its endpoint's health.
type outcome int

const (
	neutral outcome = iota // canceled, or the request itself was bad
	healthy                // the server answered
	failed                 // the server could not answer
)

// router hands out slots: each endpoint serves at most its slots calls at
// once; failing endpoints are avoided for a cool-down, then probed by a
// single call.
type router struct {
	mu       sync.Mutex
	eps      []*endpoint
	changed  chan struct{} // closed and replaced whenever a slot or health changes
	cooldown time.Duration
	now      func() time.Time // time.Now; tests move it forward
}

func newRouter(eps []*endpoint, cooldown time.Duration) *router {
	return &router{eps: eps, changed: make(chan struct{}), cooldown: cooldown, now: time.Now}
}

// acquire waits until some endpoint may take a call and reserves a slot on
// it.
func (r *router) acquire(ctx context.Context) (ticket, error) {
	for {
		r.mu.Lock()
		t, wait := r.pick(r.now())
		ch := r.changed
		r.mu.Unlock()
		if t.ep != nil {
			return t, nil
		}

		var timeout <-chan time.Time
		var timer *time.Timer
		if wait > 0 {
			timer = time.NewTimer(wait)
			timeout = timer.C
		}
		select {
		case <-ctx.Done():
			stopTimer(timer)
			return ticket{}, ctx.Err()
		case <-ch:
		case <-timeout:
		}
		stopTimer(timer)
	}
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// pick lets one call probe an endpoint whose cool-down has passed (so a
// recovered server gets work back even while others have room), or else
// reserves a slot on the least loaded healthy endpoint. With neither, it
// returns how long until the next cool-down ends (0: wait for a change).
// r.mu must be held.
func (r *router) pick(now time.Time) (ticket, time.Duration) {
	var best, probe *endpoint
	var wait time.Duration
	for _, ep := range r.eps {
		switch {
		case ep.fails == 0:
			if ep.busy < ep.slots && (best == nil || ep.busy*best.slots < best.busy*ep.slots) {
				best = ep
			}
		case ep.probing:
		case !now.Before(ep.downUntil):
			if probe == nil && ep.busy < ep.slots {
				probe = ep
			}
		default:
			if d := ep.downUntil.Sub(now); wait == 0 || d < wait {
				wait = d
			}
		}
	}
	if probe != nil {
		probe.busy++
		probe.probing = true
		return ticket{ep: probe, probe: true}, 0
	}
	if best != nil {
		best.busy++
		return ticket{ep: best}, 0
	}
	return ticket{}, wait
}

// release frees the slot and records what the call learned about the
// endpoint.
func (r *router) release(t ticket, o outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()

	ep := t.ep
	ep.busy--
	if t.probe {
		ep.probing = false
	}
	switch o {
	case healthy:
		ep.fails = 0
	case failed:
		ep.fails++
		mult := time.Duration(1) << min(ep.fails-1, 4)
		ep.downUntil = r.now().Add(min(r.cooldown*mult, r.cooldown*maxCooldownMult))
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// slots returns the total number of slots.
func (r *router) slots() int {
	n := 0
	for _, ep := range r.eps {
		n += ep.slots
	}
	return n
}
