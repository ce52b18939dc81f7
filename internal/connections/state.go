package connections

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// states keeps every account's updates state for gotd's updates manager.
//
// Writes are kept in memory and stored together every flushEvery, one
// transaction for all accounts: every message an account sends or
// receives moves its pts, and a write of its own each would queue the
// sends behind SQLite's lock. A state stored late is safe: after a crash
// the difference from an older pts brings messages again, and the inbox
// keeps each once. A state stored ahead of what was handled would lose
// messages, and the connection's guard (telegram.Live) prevents that.
//
// Channels' pts are kept in memory only: the product keeps private
// conversations, and a channel's gap after a restart is nothing to us.
type states struct {
	st  Store
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	loaded   map[int64]telegram.UpdatesState // account → state as known
	dirty    map[int64]bool
	channels map[int64]map[int64]int // account → channel → pts
}

func newStates(st Store, log *slog.Logger, now func() time.Time) *states {
	return &states{st: st, log: log, now: now, loaded: map[int64]telegram.UpdatesState{}, dirty: map[int64]bool{},
		channels: map[int64]map[int64]int{}}
}

// of is the storage of one account; gotd's user id is ignored (the
// account is the key).
func (s *states) of(accountID int64) telegram.UpdatesStorage { return accountState{s, accountID} }

// forget drops what is kept of an account whose connection ended, after
// storing it.
func (s *states) forget(ctx context.Context, accountID int64) {
	s.flush(ctx)
	s.mu.Lock()
	if !s.dirty[accountID] {
		delete(s.loaded, accountID)
		delete(s.channels, accountID)
	}
	s.mu.Unlock()
}

// flush stores the states written since the last flush.
func (s *states) flush(ctx context.Context) {
	s.mu.Lock()
	if len(s.dirty) == 0 {
		s.mu.Unlock()
		return
	}
	batch := make(map[int64]store.UpdatesState, len(s.dirty))
	for id := range s.dirty {
		batch[id] = store.UpdatesState(s.loaded[id])
	}
	s.dirty = map[int64]bool{}
	s.mu.Unlock()
	now := s.now().UTC()
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		for id, st := range batch {
			if err := tx.SetUpdatesState(ctx, id, st, now); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Kept for the next flush, unless a newer state came meanwhile.
		s.mu.Lock()
		for id := range batch {
			s.dirty[id] = true
		}
		s.mu.Unlock()
		s.log.Warn("updates state not stored; tried again shortly", slog.Int("accounts", len(batch)), slog.Any("err", err))
	}
}

type accountState struct {
	s  *states
	id int64
}

func (a accountState) GetState(ctx context.Context, _ int64) (telegram.UpdatesState, bool, error) {
	a.s.mu.Lock()
	st, ok := a.s.loaded[a.id]
	a.s.mu.Unlock()
	if ok {
		return st, true, nil
	}
	stored, found, err := a.s.st.UpdatesStateOf(ctx, a.id)
	if err != nil || !found {
		return telegram.UpdatesState{}, false, err
	}
	st = telegram.UpdatesState(stored)
	a.s.mu.Lock()
	a.s.loaded[a.id] = st
	a.s.mu.Unlock()
	return st, true, nil
}

func (a accountState) set(fn func(*telegram.UpdatesState)) error {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	st := a.s.loaded[a.id]
	fn(&st)
	a.s.loaded[a.id] = st
	a.s.dirty[a.id] = true
	return nil
}

func (a accountState) SetState(ctx context.Context, _ int64, st telegram.UpdatesState) error {
	a.s.mu.Lock()
	_, known := a.s.loaded[a.id]
	a.s.mu.Unlock()
	if !known {
		// The account's first state (none was stored, so gotd took
		// Telegram's current one) is stored before the manager goes on:
		// a node killed before the next flush would otherwise start
		// over from Telegram's state of then, and never see what was
		// written while it was dead.
		err := a.s.st.InTx(ctx, func(tx store.Tx) error {
			return tx.SetUpdatesState(ctx, a.id, store.UpdatesState(st), a.s.now().UTC())
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return a.set(func(s *telegram.UpdatesState) { *s = st })
}

func (a accountState) SetPts(_ context.Context, _ int64, pts int) error {
	return a.set(func(s *telegram.UpdatesState) { s.Pts = pts })
}

func (a accountState) SetQts(_ context.Context, _ int64, qts int) error {
	return a.set(func(s *telegram.UpdatesState) { s.Qts = qts })
}

func (a accountState) SetDate(_ context.Context, _ int64, date int) error {
	return a.set(func(s *telegram.UpdatesState) { s.Date = date })
}

func (a accountState) SetSeq(_ context.Context, _ int64, seq int) error {
	return a.set(func(s *telegram.UpdatesState) { s.Seq = seq })
}

func (a accountState) SetDateSeq(_ context.Context, _ int64, date, seq int) error {
	return a.set(func(s *telegram.UpdatesState) { s.Date, s.Seq = date, seq })
}

func (a accountState) GetChannelPts(_ context.Context, _, channelID int64) (int, bool, error) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	pts, ok := a.s.channels[a.id][channelID]
	return pts, ok, nil
}

func (a accountState) SetChannelPts(_ context.Context, _, channelID int64, pts int) error {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	m := a.s.channels[a.id]
	if m == nil {
		m = map[int64]int{}
		a.s.channels[a.id] = m
	}
	m[channelID] = pts
	return nil
}

func (a accountState) ForEachChannels(ctx context.Context, _ int64, f func(ctx context.Context, channelID int64, pts int) error) error {
	a.s.mu.Lock()
	m := make(map[int64]int, len(a.s.channels[a.id]))
	for k, v := range a.s.channels[a.id] {
		m[k] = v
	}
	a.s.mu.Unlock()
	for ch, pts := range m {
		if err := f(ctx, ch, pts); err != nil {
			return err
		}
	}
	return nil
}
