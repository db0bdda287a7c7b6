package mapreduce

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/phenorag/phenorag"
)

// job is one map call of one patient.
type job struct {
	p *patient
	i int
}

// Run maps and reduces every patient src gives and hands each result to
// sink, in source order. One pool of workers serves the calls of all
// patients, with at most as many calls in flight as the LLM has slots, so
// the model is kept busy without being flooded. A patient whose calls fail
// ends with status error; only a failing source or sink, or ctx, stops the
// run. Answers already stored are reused, so after a cancelled run, running
// again repeats no finished call. Runs of one Engine must not overlap.
func (e *Engine) Run(ctx context.Context, src Source, sink Sink) (Stats, error) {
	e.requests.Store(0)
	slots := cap(e.slots)
	// Twice as many workers as slots: a worker waiting for an identical call
	// that another patient has in flight holds no slot, and the others keep
	// the model busy meanwhile. The slots bound the calls themselves.
	workers := 2 * slots
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan job, 2*slots)
	results := make(chan *patient, 2*slots)
	// window bounds the patients read but not yet written, so that a slow
	// patient cannot make the others pile up in memory.
	window := make(chan struct{}, 8*slots+256)

	// results closes once the producer and every worker are done with it.
	var senders sync.WaitGroup
	senders.Add(1 + workers)
	g.Go(func() error {
		defer senders.Done()
		defer close(jobs)
		return e.produce(gctx, src, jobs, results, window)
	})
	for range workers {
		g.Go(func() error {
			defer senders.Done()
			return e.work(gctx, jobs, results)
		})
	}
	go func() {
		senders.Wait()
		close(results)
	}()

	var stats Stats
	g.Go(func() error { return e.collect(gctx, results, window, sink, &stats) })
	err := g.Wait()
	stats.Requests, stats.BytesPerToken = int(e.requests.Load()), e.seenRatio()
	if err != nil {
		return stats, fmt.Errorf("mapreduce: %w", err)
	}
	return stats, nil
}

// produce reads patients, packs their calls and queues them.
func (e *Engine) produce(ctx context.Context, src Source, jobs chan<- job,
	results chan<- *patient, window chan struct{}) error {
	seq := 0
	return src(ctx, func(ps phenorag.PatientSnippets) error {
		select {
		case window <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		var p *patient
		err := recovered(func() (err error) {
			p, err = e.newPatient(seq, ps)
			return err
		})
		if pe, ok := errors.AsType[*panicError](err); ok {
			p, err = failedPatient(seq, ps, pe), nil
		}
		seq++
		if err != nil {
			return err
		}
		if len(p.calls) == 0 {
			if p.result == nil {
				p.finish(ctx, e)
			}
			return send(ctx, results, p)
		}
		for i := range p.calls {
			if err := send(ctx, jobs, job{p, i}); err != nil {
				return err
			}
			if e.cfg.EarlyStop {
				break // the worker runs the rest in turn
			}
		}
		return nil
	})
}

// work runs queued calls; the worker that finishes a patient's last call
// also reduces it. With early stopping, only a patient's first call is
// queued and the worker runs the others in turn, best snippets first, so
// that no call is sent after the answer is settled; patients still run in
// parallel.
func (e *Engine) work(ctx context.Context, jobs <-chan job, results chan<- *patient) error {
	for j := range jobs {
		for i := j.i; ; i++ {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			last := j.p.run(ctx, e, i)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if last {
				j.p.finish(ctx, e)
				if err := send(ctx, results, j.p); err != nil {
					return err
				}
				break
			}
			if !e.cfg.EarlyStop {
				break
			}
		}
	}
	return nil
}

// collect writes finished patients to sink in source order.
func (e *Engine) collect(ctx context.Context, results <-chan *patient, window <-chan struct{},
	sink Sink, stats *Stats) error {
	waiting := map[int]*patient{}
	next := 0
	for p := range results {
		waiting[p.seq] = p
		for q := waiting[next]; q != nil; q = waiting[next] {
			delete(waiting, next)
			next++
			if err := sink.Write(q.result); err != nil {
				return fmt.Errorf("write patient results: %w", err)
			}
			<-window
			stats.add(q.result.Diagnosis)
			if e.cfg.Progress != nil {
				stats.Requests, stats.BytesPerToken = int(e.requests.Load()), e.seenRatio()
				e.cfg.Progress(*stats)
			}
		}
	}
	return ctx.Err()
}

func (s *Stats) add(d phenorag.Diagnosis) {
	s.Patients++
	if d.Status == phenorag.StatusOK {
		s.OK++
	} else {
		s.Errors++
	}
	s.Calls += d.Counts.Calls
	s.CacheHits += d.Counts.CacheHits
	s.Skipped += d.Counts.Skipped
	s.Failed += d.Counts.Failed
	s.PromptTokens += d.Counts.PromptTokens
	s.OutputTokens += d.Counts.OutputTokens
}

// send delivers v unless ctx ends first.
func send[T any](ctx context.Context, ch chan<- T, v T) error {
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// panicError is a panic turned into an error.
type panicError struct{ value any }

func (p *panicError) Error() string { return fmt.Sprintf("internal error: %v", p.value) }

// recovered runs f, turning a panic into a *panicError, so that one bad
// patient cannot end a long run.
func recovered(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{r}
		}
	}()
	return f()
}

// failedPatient is a patient that could not be prepared: it ends in error
// without a call.
func failedPatient(seq int, ps phenorag.PatientSnippets, err error) *patient {
	return &patient{seq: seq, in: ps, result: &Result{Snippets: ps,
		Diagnosis: errorDiagnosis(ps, err)}}
}
