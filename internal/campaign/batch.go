package campaign

import (
	"context"
	"sync"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// batcher runs the sending accounts' database steps (record an answer,
// claim the next send) in shared transactions. Each step is one short
// transaction of its own in meaning, but a commit waits for the disk
// (about half a millisecond on SQLite, which commits one writer at a
// time): twenty accounts sending at once would queue behind each other's
// commits. One transaction for the steps that are waiting pays one commit
// for all of them — group commit.
type batcher struct {
	st Store

	mu      sync.Mutex
	queue   []*batchOp
	running bool
}

type batchOp struct {
	fn   func(ctx context.Context, tx store.Tx) error
	done chan error
}

// maxBatch bounds one transaction's steps (and how long its locks are held).
const maxBatch = 64

// do runs fn in a transaction shared with other steps waiting at the same
// time. fn may run twice (after a failed batch it runs alone), so it must
// only read and write the database, and set its results afresh each time.
// A step whose context ends while waiting returns the context's error; its
// transaction may still commit, as after any lost answer from a database.
func (b *batcher) do(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	op := &batchOp{fn: fn, done: make(chan error, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, op)
	if !b.running {
		b.running = true
		go b.run()
	}
	b.mu.Unlock()
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run commits batches until the queue is empty, then ends (the next step
// starts it again), so an idle service holds no goroutine.
func (b *batcher) run() {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		n := min(len(b.queue), maxBatch)
		batch := b.queue[:n:n]
		b.queue = b.queue[n:]
		b.mu.Unlock()
		b.commit(batch)
	}
}

// commit runs a batch in one transaction; if it fails, each step runs
// again alone, so one step's error is its own.
func (b *batcher) commit(batch []*batchOp) {
	// A step's own context may end while it waits; the batch's work
	// runs to its end either way.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if len(batch) > 1 {
		err := b.st.InTx(ctx, func(tx store.Tx) error {
			for _, op := range batch {
				if err := op.fn(ctx, tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			for _, op := range batch {
				op.done <- nil
			}
			return
		}
	}
	for _, op := range batch {
		op.done <- b.st.InTx(ctx, func(tx store.Tx) error { return op.fn(ctx, tx) })
	}
}
