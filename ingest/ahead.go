package ingest

// ahead runs a producer on a goroutine of its own, which hands its values
// over a queue to one reader, in order, until it has no more or the reader
// stops it. The tables use it to read the next rows of a file while the
// caller works on the last ones.
type ahead[T any] struct {
	queue   chan T
	stop    chan struct{} // closed by close
	stopped chan struct{} // closed when the producer has returned
}

// newAhead returns an ahead whose queue holds up to n values. Its stop
// channel may be handed to whatever the producer waits on before start.
func newAhead[T any](n int) *ahead[T] {
	return &ahead[T]{queue: make(chan T, n), stop: make(chan struct{}),
		stopped: make(chan struct{})}
}

// start runs produce, which passes its values to send and returns when it
// has no more or send reports false.
func (a *ahead[T]) start(produce func()) {
	go func() {
		defer close(a.stopped)
		produce()
	}()
}

// send queues v; it reports false, without queuing, once close was called.
func (a *ahead[T]) send(v T) bool {
	select {
	case a.queue <- v:
		return true
	case <-a.stop:
		return false
	}
}

// next waits for the next value. A producer's last value must say that
// there are no more, so that the reader never waits for one after the
// producer has returned.
func (a *ahead[T]) next() T { return <-a.queue }

// close stops the producer and waits for it to return. An ahead that was
// never made (nil) has nothing to stop.
func (a *ahead[T]) close() {
	if a == nil {
		return
	}
	close(a.stop)
	<-a.stopped
}
