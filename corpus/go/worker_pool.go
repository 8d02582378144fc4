// Package pool runs jobs concurrently on a fixed number of goroutines.
package pool

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrPoolClosed is returned by Submit after Close has been called.
var ErrPoolClosed = errors.New("pool: closed")

// Result pairs a job's output with its error and its submission index.
type Result[T any] struct {
	Index int
	Value T
	Err   error
}

// Pool executes functions of type func(context.Context) (T, error).
type Pool[T any] struct {
	jobs    chan job[T]
	results chan Result[T]
	wg      sync.WaitGroup
	mu      sync.Mutex
	closed  bool
	next    int
}

type job[T any] struct {
	index int
	fn    func(context.Context) (T, error)
}

// New starts workers goroutines that stop when ctx is cancelled or Close is called.
// queueSize bounds how many submitted jobs may wait for a free worker.
func New[T any](ctx context.Context, workers, queueSize int) (*Pool[T], error) {
	if workers < 1 {
		return nil, fmt.Errorf("pool: workers must be at least 1, got %d", workers)
	}
	p := &Pool[T]{
		jobs:    make(chan job[T], queueSize),
		results: make(chan Result[T], queueSize),
	}
	p.wg.Add(workers)
	for i := 0; i < workers; i++ {
		go p.work(ctx)
	}
	// Close results once every worker has returned, so callers can range over it.
	go func() {
		p.wg.Wait()
		close(p.results)
	}()
	return p, nil
}

func (p *Pool[T]) work(ctx context.Context) {
	defer p.wg.Done()
	for j := range p.jobs {
		// Jobs still queued after cancellation are drained, not run.
		r := Result[T]{Index: j.index, Err: ctx.Err()}
		if r.Err == nil {
			r.Value, r.Err = j.fn(ctx)
		}
		p.results <- r
	}
}

// Submit queues fn and returns its index. It blocks while the queue is full.
// Results must be drained concurrently, or Submit may block forever.
func (p *Pool[T]) Submit(fn func(context.Context) (T, error)) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, ErrPoolClosed
	}
	index := p.next
	p.next++
	p.jobs <- job[T]{index: index, fn: fn}
	return index, nil
}

// Results returns the channel of completed jobs, in completion order.
func (p *Pool[T]) Results() <-chan Result[T] { return p.results }

// Close stops accepting jobs; workers exit after finishing the queued ones.
func (p *Pool[T]) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
}

// Map applies fn to every input using n workers and returns outputs in input order.
// It returns the first error encountered, after all jobs have finished.
func Map[In, Out any](ctx context.Context, n int, inputs []In, fn func(context.Context, In) (Out, error)) ([]Out, error) {
	p, err := New[Out](ctx, n, len(inputs))
	if err != nil {
		return nil, err
	}
	for _, in := range inputs {
		in := in // capture the loop variable (needed before Go 1.22)
		if _, err := p.Submit(func(ctx context.Context) (Out, error) { return fn(ctx, in) }); err != nil {
			return nil, err
		}
	}
	p.Close()
	out := make([]Out, len(inputs))
	var firstErr error
	for r := range p.Results() {
		out[r.Index] = r.Value
		if r.Err != nil && firstErr == nil {
			firstErr = r.Err
		}
	}
	return out, firstErr
}
