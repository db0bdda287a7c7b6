package ollama

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRouterPick(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &endpoint{url: "a", slots: 2}
	b := &endpoint{url: "b", slots: 4}
	r := newRouter([]*endpoint{a, b}, time.Second)
	r.now = func() time.Time { return now }

	// Least loaded by share of slots, ties to the first listed.
	var got []string
	for range 6 {
		tk, _ := r.pick(now)
		got = append(got, tk.ep.url)
	}
	if want := "a b b a b b"; strings.Join(got, " ") != want {
		t.Errorf("picks = %s, want %s", strings.Join(got, " "), want)
	}
	if tk, wait := r.pick(now); tk.ep != nil || wait != 0 {
		t.Errorf("all slots busy: got %v, wait %v; want none and wait for a release", tk.ep, wait)
	}

	// a fails: avoided for the cool-down, then probed by one call only.
	r.release(ticket{ep: a}, failed)
	r.release(ticket{ep: b}, healthy)
	if tk, _ := r.pick(now); tk.ep != b {
		t.Errorf("after a failed, picked %v, want b", tk.ep)
	}
	if _, wait := r.pick(now); wait != time.Second {
		t.Errorf("wait = %v, want the 1s left of a's cool-down", wait)
	}
	now = now.Add(time.Second)
	probe, _ := r.pick(now)
	if probe.ep != a || !probe.probe {
		t.Fatalf("after the cool-down, picked %+v, want a probe of a", probe)
	}
	r.release(ticket{ep: b}, healthy)
	if tk, _ := r.pick(now); tk.ep != b {
		t.Errorf("while a is probed, picked %v, want b", tk.ep)
	}

	// The probe fails again: the cool-down doubles.
	r.release(probe, failed)
	r.release(ticket{ep: a}, neutral) // free a's other slot: a is down, not full
	r.release(ticket{ep: b}, healthy)
	r.pick(now) // takes b's free slot
	if _, wait := r.pick(now); wait != 2*time.Second {
		t.Errorf("wait = %v, want 2s after a second failure", wait)
	}
}

func TestRouterAcquireWaitsForRelease(t *testing.T) {
	ep := &endpoint{url: "a", slots: 1}
	r := newRouter([]*endpoint{ep}, time.Second)
	first, err := r.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan ticket)
	go func() {
		tk, _ := r.acquire(context.Background())
		got <- tk
	}()
	r.release(first, healthy)
	if tk := <-got; tk.ep != ep {
		t.Errorf("second acquire got %v", tk.ep)
	}
}

func TestBackoff(t *testing.T) {
	c := &Client{cfg: Config{Backoff: 100 * time.Millisecond}}
	for n, want := range map[int]time.Duration{
		1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond,
		20: maxBackoff,
	} {
		for range 50 {
			if d := c.backoff(n); d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
}
