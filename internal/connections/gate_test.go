package connections

import (
	"context"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestGateOrder: with a call on its way, the calls waiting go one at a
// time, a person's request before an answer, an answer before an
// extraction page, a page before campaign sends, and sends in the order
// they came.
func TestGateOrder(t *testing.T) {
	var g gate
	first, err := g.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 8)
	waiting := []struct {
		name string
		p    Priority
	}{{"send 1", Campaign}, {"send 2", Campaign}, {"page", Extraction}, {"answer", Answer}, {"person", Person}}
	for _, w := range waiting {
		go func() {
			leave, err := g.Enter(WithPriority(context.Background(), w.p))
			if err != nil {
				t.Error(err)
				return
			}
			order <- w.name
			leave()
		}()
		// Queued in this order (the gate is busy, so each waits).
		testkit.Eventually(t, 5*time.Second, w.name+" to queue", func() bool {
			g.mu.Lock()
			n := g.waiting.Len()
			g.mu.Unlock()
			return n > 0 && n == indexOf(waiting, w.name)+1
		})
	}
	first()
	want := []string{"person", "answer", "page", "send 1", "send 2"}
	for i, w := range want {
		select {
		case got := <-order:
			if got != w {
				t.Fatalf("call %d through the gate: %s, want %s", i+1, got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("call %d (%s) never went", i+1, w)
		}
	}
}

// TestGateWaiterGivesUp: a call whose context ends while it waits leaves
// the queue, and the gate goes on to the next one.
func TestGateWaiterGivesUp(t *testing.T) {
	var g gate
	first, _ := g.Enter(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := g.Enter(ctx)
		gaveUp <- err
	}()
	for {
		g.mu.Lock()
		n := g.waiting.Len()
		g.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-gaveUp; err == nil {
		t.Fatal("a call whose context ended went through")
	}
	first()
	leave, err := g.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	leave()
}

func indexOf(ws []struct {
	name string
	p    Priority
}, name string) int {
	for i, w := range ws {
		if w.name == name {
			return i
		}
	}
	return -1
}
