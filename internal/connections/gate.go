package connections

import (
	"container/heap"
	"context"
	"sync"
)

// Priority orders the calls waiting for an account's connection: lower
// goes first. Calls of equal priority go in the order they came.
type Priority int

const (
	// Person is a page waiting on Telegram's answer (a chat list, the
	// sessions page, a test send), and the updates manager's own calls:
	// the default for a context that names none.
	Person Priority = iota
	// Answer is an inbox answer.
	Answer
	// Extraction is a page of members.
	Extraction
	// Campaign is a campaign's send.
	Campaign
)

type priorityKey struct{}

// WithPriority marks the calls made with ctx as of priority p.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// IsPerson reports whether ctx's calls are a person's request (Person,
// also when ctx names no priority).
func IsPerson(ctx context.Context) bool { return priorityOf(ctx) == Person }

func priorityOf(ctx context.Context) Priority {
	p, _ := ctx.Value(priorityKey{}).(Priority)
	return p
}

// gate lets one call of an account go at a time, the waiting one of the
// highest priority next. One call in flight is what a paced account
// needs, and it makes the order real: a person's request waits for at
// most the call on its way, never for a queue of sends.
type gate struct {
	mu      sync.Mutex
	busy    bool
	seq     uint64
	waiting waiters
}

type waiter struct {
	prio  Priority
	seq   uint64
	go_   chan struct{}
	index int // in the heap; -1 once handed the gate
}

// Enter waits for the account's turn for a call of ctx's priority.
func (g *gate) Enter(ctx context.Context) (func(), error) {
	g.mu.Lock()
	if !g.busy {
		g.busy = true
		g.mu.Unlock()
		return g.leaver(), nil
	}
	g.seq++
	w := &waiter{prio: priorityOf(ctx), seq: g.seq, go_: make(chan struct{})}
	heap.Push(&g.waiting, w)
	g.mu.Unlock()
	select {
	case <-w.go_:
		return g.leaver(), nil
	case <-ctx.Done():
		g.mu.Lock()
		if w.index >= 0 {
			heap.Remove(&g.waiting, w.index)
			g.mu.Unlock()
			return nil, ctx.Err()
		}
		g.mu.Unlock()
		// Handed the gate as ctx ended: pass it on.
		g.leave()
		return nil, ctx.Err()
	}
}

func (g *gate) leaver() func() {
	var once sync.Once
	return func() { once.Do(g.leave) }
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.waiting.Len() == 0 {
		g.busy = false
		return
	}
	w := heap.Pop(&g.waiting).(*waiter)
	close(w.go_)
}

// waiters is a heap by priority, then arrival.
type waiters []*waiter

func (w waiters) Len() int { return len(w) }
func (w waiters) Less(i, j int) bool {
	if w[i].prio != w[j].prio {
		return w[i].prio < w[j].prio
	}
	return w[i].seq < w[j].seq
}
func (w waiters) Swap(i, j int) {
	w[i], w[j] = w[j], w[i]
	w[i].index, w[j].index = i, j
}
func (w *waiters) Push(x any) {
	v := x.(*waiter)
	v.index = len(*w)
	*w = append(*w, v)
}
func (w *waiters) Pop() any {
	old := *w
	v := old[len(old)-1]
	old[len(old)-1] = nil
	*w = old[:len(old)-1]
	v.index = -1
	return v
}
