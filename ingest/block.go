package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// blockReader buffers a reader like bufio.Reader, and can lend out its
// buffer: once the bytes of a block have been lent (see lend), it never
// writes over them, and when it must make room it moves the unread bytes
// to another block from its pool instead. Whoever borrowed from a block
// gives it back to the pool when done with it (see takeRetired). Strings
// can then be cut from the buffer without a copy, and the memory a read
// holds stays a few blocks however long the file.
type blockReader struct {
	rd   io.Reader
	buf  []byte
	r, w int // buf[r:w] is buffered and unread
	err  error
	lent bool // buf[:r] may be pointed into

	pool    *blockPool // nil: nothing is ever lent
	retired [][]byte   // blocks left since the last takeRetired
}

func newBlockReader(rd io.Reader, size int) *blockReader {
	return &blockReader{rd: rd, buf: make([]byte, size)}
}

// Size returns the size of the buffer.
func (b *blockReader) Size() int { return len(b.buf) }

// Buffered returns how many unread bytes the buffer holds.
func (b *blockReader) Buffered() int { return b.w - b.r }

// lend marks the bytes read so far as pointed into: they are not written
// over until their block is back in the pool. It needs a pool.
func (b *blockReader) lend() { b.lent = true }

// takeRetired returns the blocks the reader has moved away from since the
// last call. Each goes back to the pool (blockPool.put) once nothing
// points into it any more.
func (b *blockReader) takeRetired() [][]byte {
	r := b.retired
	b.retired = nil
	return r
}

// fill reads once more. When less than a quarter of the buffer is left
// after the unread bytes, it first moves them to the front of a buffer:
// this one, or a new block if this one was lent.
func (b *blockReader) fill() {
	if b.r > 0 && len(b.buf)-b.w < len(b.buf)/4 {
		buf := b.buf
		if b.lent {
			var err error
			if buf, err = b.pool.get(); err != nil {
				b.err = err
				return
			}
			b.retired = append(b.retired, b.buf)
			b.lent = false
		}
		b.w = copy(buf, b.buf[b.r:b.w])
		b.buf, b.r = buf, 0
	}
	for range 100 {
		n, err := b.rd.Read(b.buf[b.w:])
		b.w += n
		if err != nil {
			b.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	b.err = io.ErrNoProgress
}

// readErr returns and clears the pending read error.
func (b *blockReader) readErr() error {
	err := b.err
	b.err = nil
	return err
}

// Peek returns the next n bytes without consuming them, as bufio.Reader
// does: with fewer, it also returns the error that stopped it
// (bufio.ErrBufferFull when n exceeds the buffer).
func (b *blockReader) Peek(n int) ([]byte, error) {
	for b.w-b.r < n && b.w-b.r < len(b.buf) && b.err == nil {
		b.fill()
	}
	if n > len(b.buf) {
		return b.buf[b.r:b.w], bufio.ErrBufferFull
	}
	if avail := b.w - b.r; avail < n {
		err := b.readErr()
		if err == nil {
			err = bufio.ErrBufferFull
		}
		return b.buf[b.r:b.w], err
	}
	return b.buf[b.r : b.r+n], nil
}

// Discard skips the next n bytes, which must be buffered.
func (b *blockReader) Discard(n int) {
	b.r += min(n, b.w-b.r)
}

// ReadSlice reads up to and including delim, as bufio.Reader does: the
// slice is valid until the next read, and a buffer full of bytes without
// delim is returned whole with bufio.ErrBufferFull.
func (b *blockReader) ReadSlice(delim byte) ([]byte, error) {
	searched := 0
	for {
		if i := bytes.IndexByte(b.buf[b.r+searched:b.w], delim); i >= 0 {
			end := b.r + searched + i + 1
			line := b.buf[b.r:end]
			b.r = end
			return line, nil
		}
		if b.err != nil {
			line := b.buf[b.r:b.w]
			b.r = b.w
			return line, b.readErr()
		}
		if b.Buffered() >= len(b.buf) {
			b.r = b.w
			return b.buf, bufio.ErrBufferFull
		}
		searched = b.w - b.r
		b.fill()
	}
}

// blockPool hands out at most a fixed number of equal blocks. A reader
// waiting for a block waits for a borrower to give one back, which bounds
// how far a reader runs ahead of those that use what it read.
type blockPool struct {
	size  int
	left  int // blocks not yet made
	free  chan []byte
	abort <-chan struct{}
}

// errAbandoned is the error of a reader whose borrower went away.
var errAbandoned = errors.New("read abandoned")

// newBlockPool returns a pool of blocks of size bytes. Its channel also
// takes back the reader's first buffer, which is not made by the pool.
func newBlockPool(size, blocks int, abort <-chan struct{}) *blockPool {
	return &blockPool{size: size, left: blocks, free: make(chan []byte, blocks+1),
		abort: abort}
}

// get returns a free block, waiting for one if all are out.
func (p *blockPool) get() ([]byte, error) {
	select {
	case b := <-p.free:
		return b, nil
	default:
	}
	if p.left > 0 {
		p.left--
		return make([]byte, p.size), nil
	}
	select {
	case b := <-p.free:
		return b, nil
	case <-p.abort:
		return nil, errAbandoned
	}
}

// put gives a block back.
func (p *blockPool) put(b []byte) { p.free <- b }
