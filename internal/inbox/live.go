package inbox

import "sync"

// broker hands events to the live pages of one node. A page subscribes
// for its user; a slow page misses events rather than slowing ingestion
// (it reloads what it shows on the next event anyway).
type broker struct {
	mu   sync.Mutex
	next int
	subs map[int]sub
}

type sub struct {
	userID int64
	ch     chan Event
}

func newBroker() broker { return broker{subs: map[int]sub{}} }

// Subscribe returns the user's events on this node until cancel is
// called. Messages ingested on another node are seen here only through
// the page's own reload; SSE pages also refresh every few seconds.
func (s *Service) Subscribe(userID int64) (events <-chan Event, cancel func()) {
	b := &s.live
	ch := make(chan Event, 64)
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = sub{userID: userID, ch: ch}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, id)
			b.mu.Unlock()
		})
	}
}

func (s *Service) publish(e Event) {
	b := &s.live
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, sb := range b.subs {
		if sb.userID != e.UserID {
			continue
		}
		select {
		case sb.ch <- e:
		default:
		}
	}
}
