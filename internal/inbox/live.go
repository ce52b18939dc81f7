package inbox

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

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

// ChangesEvery is how often a live page asks the database what other
// nodes changed (PostgreSQL, where several nodes share the work: the
// message may be stored, or the answer sent, by a node other than the one
// serving the page).
const ChangesEvery = 2 * time.Second

// Subscribe returns the user's events until cancel is called: at once for
// what this node stores, and on PostgreSQL within ChangesEvery for what
// other nodes store (as EventConversation with the conversation's id).
func (s *Service) Subscribe(userID int64) (events <-chan Event, cancel func()) {
	b := &s.live
	ch := make(chan Event, 64)
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = sub{userID: userID, ch: ch}
	b.mu.Unlock()
	ctx, stop := context.WithCancel(context.Background())
	if s.st.Dialect() == "postgres" {
		go s.pollChanges(ctx, userID, s.now(), ch)
	}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			stop()
			b.mu.Lock()
			delete(b.subs, id)
			b.mu.Unlock()
		})
	}
}

// changesOverlap is how far back each poll looks again: a transaction
// that took its time stamp earlier may commit after a later one was seen.
const changesOverlap = 10 * time.Second

// pollChanges announces the user's conversations changed since the page
// subscribed, whichever node changed them, each change once.
func (s *Service) pollChanges(ctx context.Context, userID int64, since time.Time, ch chan Event) {
	announced := map[int64]time.Time{}
	t := time.NewTicker(ChangesEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		from := since
		if latest := s.now().Add(-changesOverlap); latest.After(from) {
			from = latest
		}
		changes, err := s.st.ConversationsChangedSince(ctx, userID, from)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("inbox changes not read", slog.Int64("user", userID), slog.Any("err", err))
			}
			continue
		}
		for id, at := range announced {
			if at.Before(from) {
				delete(announced, id)
			}
		}
		for _, c := range changes {
			if at, ok := announced[c.ID]; ok && !c.At.After(at) {
				continue
			}
			announced[c.ID] = c.At
			select {
			case ch <- Event{Kind: EventConversation, UserID: userID, ConversationID: c.ID}:
			default:
			}
		}
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
