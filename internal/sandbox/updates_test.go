package sandbox

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/telegram/updates"
	"github.com/gotd/td/tg"
)

// TestGotdUpdatesManagerGetsRepliesAndCatchesUp runs gotd's own updates
// manager (gap handling over getState/getDifference) against the sandbox:
// a live reply arrives as an update, and a message sent while the account
// was offline arrives through getDifference on the next start.
func TestGotdUpdatesManagerGetsRepliesAndCatchesUp(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	got := make(chan string, 10)
	d := tg.NewUpdateDispatcher()
	d.OnNewMessage(func(ctx context.Context, _ tg.Entities, u *tg.UpdateNewMessage) error {
		if m, ok := u.Message.(*tg.Message); ok && !m.Out {
			got <- m.Message
		}
		return nil
	})
	state := &memState{}
	store, ref := fabricatedSession(t, s, 1)
	s.mu.Lock()
	s.auths[ref] = &authz{DC: 1, KeyID: ref.KeyID, UserID: 1001, Hash: 1}
	s.mu.Unlock()
	wait := func(want string) error {
		select {
		case m := <-got:
			if m != want {
				return fmt.Errorf("got message %q, want %q", m, want)
			}
			return nil
		case <-time.After(10 * time.Second):
			return fmt.Errorf("no %q update", want)
		}
	}
	// Each session is a new client on the same stored auth key.
	session := func(f func(ctx context.Context, api *tg.Client) error) {
		gaps := updates.New(updates.Config{Handler: d, Storage: state})
		ann := clientWith(t, s, 1, testAPIID, testAPIHash, store, gaps)
		run(t, ann, func(ctx context.Context) error {
			mctx, cancel := context.WithCancel(ctx)
			started := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- gaps.Run(mctx, ann.API(), 1001, updates.AuthOptions{OnStart: func(context.Context) { close(started) }})
			}()
			select {
			case <-started:
			case err := <-done:
				cancel()
				return err
			}
			err := f(ctx, ann.API())
			cancel()
			<-done
			return err
		})
	}
	session(func(ctx context.Context, api *tg.Client) error {
		if _, err := send(ctx, api, userInput(s, 1004), "Hello Dan", randInt64()); err != nil {
			return err
		}
		return wait("STOP")
	})
	bob := loggedIn(t, s, bobPhone)
	run(t, bob, func(ctx context.Context) error {
		_, err := send(ctx, bob.API(), userInput(s, 1001), "while you were away", randInt64())
		return err
	})
	session(func(context.Context, *tg.Client) error { return wait("while you were away") })
}

// memState is an updates.StateStorage that outlives a manager, as the
// product's stored state would.
type memState struct {
	mu    sync.Mutex
	state *updates.State
	chans map[int64]int
}

func (m *memState) GetState(_ context.Context, _ int64) (updates.State, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		return updates.State{}, false, nil
	}
	return *m.state, true, nil
}

func (m *memState) SetState(_ context.Context, _ int64, st updates.State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state = &st
	return nil
}

func (m *memState) update(f func(*updates.State)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		return fmt.Errorf("no state")
	}
	f(m.state)
	return nil
}

func (m *memState) SetPts(_ context.Context, _ int64, v int) error {
	return m.update(func(s *updates.State) { s.Pts = v })
}

func (m *memState) SetQts(_ context.Context, _ int64, v int) error {
	return m.update(func(s *updates.State) { s.Qts = v })
}

func (m *memState) SetDate(_ context.Context, _ int64, v int) error {
	return m.update(func(s *updates.State) { s.Date = v })
}

func (m *memState) SetSeq(_ context.Context, _ int64, v int) error {
	return m.update(func(s *updates.State) { s.Seq = v })
}

func (m *memState) SetDateSeq(_ context.Context, _ int64, date, seq int) error {
	return m.update(func(s *updates.State) { s.Date, s.Seq = date, seq })
}

func (m *memState) GetChannelPts(_ context.Context, _, ch int64) (int, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.chans[ch]
	return v, ok, nil
}

func (m *memState) SetChannelPts(_ context.Context, _, ch int64, pts int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.chans == nil {
		m.chans = map[int64]int{}
	}
	m.chans[ch] = pts
	return nil
}

func (m *memState) ForEachChannels(ctx context.Context, _ int64, f func(context.Context, int64, int) error) error {
	m.mu.Lock()
	chans := maps.Clone(m.chans)
	m.mu.Unlock()
	for ch, pts := range chans {
		if err := f(ctx, ch, pts); err != nil {
			return err
		}
	}
	return nil
}
