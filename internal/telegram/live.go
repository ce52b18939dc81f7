package telegram

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/updates"
	"github.com/gotd/td/tg"
)

// UpdatesStorage keeps where an account's updates stand (pts, qts, date,
// seq and each channel's pts), so a connection picks up after the last
// update it handled, across restarts, gaps and nodes. gotd's updates
// manager calls it with the account's Telegram user id.
type UpdatesStorage = updates.StateStorage

// UpdatesState is updates.State under our name, for storages.
type UpdatesState = updates.State

// Gate orders the calls made on a live connection: Enter blocks until the
// call may go (or ctx ends) and returns the function that lets the next
// one go. The account runtime's scheduler implements it.
type Gate interface {
	Enter(ctx context.Context) (leave func(), err error)
}

// LiveOptions make Live's connection one that stays: gotd's updates
// manager runs on it, so every update reaches OnMessages once, in order,
// with getDifference after any gap and at start (what arrived while no
// connection was up).
type LiveOptions struct {
	// SelfID is the account's Telegram user id (the manager's key).
	SelfID int64
	// State is the account's stored updates state.
	State UpdatesStorage
	// OnMessages receives the private messages among the updates (nil:
	// nobody listens, and Telegram is asked to push nothing), in both
	// directions (an outgoing one as the account's apps or our own sends
	// made it). It runs on the manager's goroutine; an error means the
	// messages could not be kept: the connection then stops moving the
	// stored state and ends, so the next one reads them again.
	OnMessages func(ctx context.Context, msgs []PrivateMessage) error
	// Gate, when set, orders every call of the connection, the manager's
	// own included.
	Gate Gate
	// FloodWaitMax: a FLOOD_WAIT of at most this is waited out (outside
	// the gate, so other calls go meanwhile) and the call repeated.
	FloodWaitMax time.Duration
	// Ready, when set, is called once the updates manager has caught up
	// with the stored state and the connection takes work.
	Ready func(api *tg.Client)
}

// ErrUpdatesLost ends a live connection whose update handler could not
// keep what Telegram gave it; the stored state stands where it was.
var ErrUpdatesLost = errors.New("telegram: updates not kept")

// Live connects with session, starts the updates manager from the stored
// state, calls fn with the raw API once the manager runs, and keeps the
// connection until fn returns or ctx ends. The session is returned as in
// Run.
func (g *Gateway) Live(ctx context.Context, creds Credentials, session Session, o LiveOptions, fn func(ctx context.Context, api *tg.Client) error) (Session, error) {
	if o.OnMessages == nil {
		// Nobody listens: the connection serves calls only.
		ro := runOptions{mws: []telegram.Middleware{callFloodWaitMiddleware(o.FloodWaitMax, realSleep)}}
		if o.Gate != nil {
			ro.mws = append(ro.mws, gateMiddleware(o.Gate))
		}
		return g.run(ctx, creds, session, ro, func(ctx context.Context, api *tg.Client) error {
			if o.Ready != nil {
				o.Ready(api)
			}
			return fn(ctx, api)
		})
	}
	if o.State == nil || o.SelfID == 0 {
		return session, errors.New("telegram: Live needs State and SelfID to listen")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	state := &guardedState{StateStorage: o.State}
	users := &userHashes{m: map[int64]int64{}}
	sent := &sentIDs{m: map[int]int64{}}
	handler := telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
		msgs := pushedMessages(u)
		if len(msgs) == 0 {
			return nil
		}
		for i := range msgs {
			if msgs[i].Out {
				msgs[i].RandomID = sent.take(msgs[i].ID)
			}
		}
		if err := o.OnMessages(ctx, msgs); err != nil {
			// The manager moves its state on whatever the handler says:
			// stop it storing, and end the connection, so what was not
			// kept is read again from the stored state.
			state.stop()
			cancel(fmt.Errorf("%w: %w", ErrUpdatesLost, err))
			return err
		}
		return nil
	})
	mgr := updates.New(updates.Config{
		Handler:          handler,
		Storage:          state,
		UserAccessHasher: users,
		Logger:           gotdLogger(g.log),
	})
	ro := runOptions{updates: mgr, mws: []telegram.Middleware{callFloodWaitMiddleware(o.FloodWaitMax, realSleep), sentHook(mgr, users, sent)}}
	if o.Gate != nil {
		ro.mws = append(ro.mws, gateMiddleware(o.Gate))
	}
	out, err := g.run(ctx, creds, session, ro, func(ctx context.Context, api *tg.Client) error {
		started := make(chan struct{})
		done := make(chan error, 1)
		mctx, stop := context.WithCancel(ctx)
		defer stop()
		// fn runs here, not in a goroutine of its own (one per connected
		// account adds up), on a context the manager ends if it stops on
		// its own: the connection is then no longer live.
		fctx, endFn := context.WithCancelCause(ctx)
		defer endFn(nil)
		go func() {
			err := mgr.Run(mctx, api, o.SelfID, updates.AuthOptions{OnStart: func(context.Context) { close(started) }})
			endFn(updatesStopped{err})
			done <- err
		}()
		select {
		case <-started:
		case err := <-done:
			return fmt.Errorf("telegram updates: %w", err)
		}
		if o.Ready != nil {
			o.Ready(api)
		}
		fnErr := fn(fctx, api)
		var stopped updatesStopped
		first := errors.As(context.Cause(fctx), &stopped)
		stop()
		mgrErr := <-done
		if !first {
			return fnErr
		}
		// The manager stopped on its own (a fatal error, or the
		// connection's end) while fn worked.
		cancel(fmt.Errorf("telegram updates stopped: %w", mgrErr))
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return cause
		}
		return fmt.Errorf("telegram updates stopped: %w", mgrErr)
	})
	if cause := context.Cause(ctx); errors.Is(cause, ErrUpdatesLost) {
		return out, cause
	}
	return out, err
}

// updatesStopped is the cause of fn's context ending because the updates
// manager stopped.
type updatesStopped struct{ err error }

func (u updatesStopped) Error() string { return fmt.Sprintf("telegram updates stopped: %v", u.err) }
func (u updatesStopped) Unwrap() error { return u.err }

// guardedState is the stored state until an update is lost: from then
// on nothing moves it, so the next connection starts before that update.
type guardedState struct {
	updates.StateStorage
	stopped atomic.Bool
}

func (s *guardedState) stop() { s.stopped.Store(true) }

func (s *guardedState) SetState(ctx context.Context, userID int64, st updates.State) error {
	if s.stopped.Load() {
		return nil
	}
	return s.StateStorage.SetState(ctx, userID, st)
}

func (s *guardedState) SetPts(ctx context.Context, userID int64, pts int) error {
	if s.stopped.Load() {
		return nil
	}
	return s.StateStorage.SetPts(ctx, userID, pts)
}

func (s *guardedState) SetQts(ctx context.Context, userID int64, qts int) error {
	if s.stopped.Load() {
		return nil
	}
	return s.StateStorage.SetQts(ctx, userID, qts)
}

func (s *guardedState) SetDate(ctx context.Context, userID int64, date int) error {
	if s.stopped.Load() {
		return nil
	}
	return s.StateStorage.SetDate(ctx, userID, date)
}

func (s *guardedState) SetSeq(ctx context.Context, userID int64, seq int) error {
	if s.stopped.Load() {
		return nil
	}
	return s.StateStorage.SetSeq(ctx, userID, seq)
}

func (s *guardedState) SetDateSeq(ctx context.Context, userID int64, date, seq int) error {
	if s.stopped.Load() {
		return nil
	}
	return s.StateStorage.SetDateSeq(ctx, userID, date, seq)
}

func (s *guardedState) SetChannelPts(ctx context.Context, userID, channelID int64, pts int) error {
	if s.stopped.Load() {
		return nil
	}
	return s.StateStorage.SetChannelPts(ctx, userID, channelID, pts)
}

// userHashes are the people this connection has seen or written to: the
// manager asks for the difference when a message names someone unknown,
// and every campaign recipient would be unknown without our own sends.
type userHashes struct {
	mu sync.Mutex
	m  map[int64]int64
}

func (u *userHashes) SetUserAccessHash(_ context.Context, _, id, hash int64) error {
	u.mu.Lock()
	u.m[id] = hash
	u.mu.Unlock()
	return nil
}

func (u *userHashes) GetUserAccessHash(_ context.Context, _, id int64) (int64, bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	h, ok := u.m[id]
	return h, ok, nil
}

// sentHook hands the manager what our own calls return (their pts move
// the account's state). A sent message comes back as
// updateShortSentMessage, which names neither the recipient nor the
// text: the request does, so the inbox gets the whole message at once
// instead of through a getDifference after the next gap.
func sentHook(mgr *updates.Manager, users *userHashes, sent *sentIDs) telegram.Middleware {
	return telegram.MiddlewareFunc(func(next tg.Invoker) telegram.InvokeFunc {
		return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
			if err := next.Invoke(ctx, input, output); err != nil {
				return err
			}
			box, ok := output.(*tg.UpdatesBox)
			if raw, isRaw := output.(*rawAnswer); isRaw {
				box, ok = raw.updates()
			}
			if !ok {
				return nil
			}
			u := box.Updates
			req, isSend := input.(*tg.MessagesSendMessageRequest)
			switch v := u.(type) {
			case *tg.UpdateShortSentMessage:
				if !isSend {
					break
				}
				if p, ok := req.Peer.(*tg.InputPeerUser); ok {
					_ = users.SetUserAccessHash(ctx, 0, p.UserID, p.AccessHash)
					sent.put(v.ID, req.RandomID)
					u = sentMessage(v, p.UserID, req.Message)
				}
			case *tg.Updates:
				for _, x := range v.Updates {
					if m, ok := x.(*tg.UpdateMessageID); ok {
						sent.put(m.ID, m.RandomID)
					}
				}
			}
			// What the manager does with it is its own affair; the call
			// itself succeeded.
			_ = mgr.Handle(ctx, u)
			return nil
		}
	})
}

func sentMessage(short *tg.UpdateShortSentMessage, to int64, text string) *tg.UpdateShort {
	m := &tg.Message{Out: true, ID: short.ID, PeerID: &tg.PeerUser{UserID: to}, Message: text, Date: short.Date}
	if media, ok := short.GetMedia(); ok {
		m.SetMedia(media)
	}
	if ents, ok := short.GetEntities(); ok {
		m.SetEntities(ents)
	}
	return &tg.UpdateShort{
		Update: &tg.UpdateNewMessage{Message: m, Pts: short.Pts, PtsCount: short.PtsCount},
		Date:   short.Date,
	}
}

// sentIDs are the random_ids of the messages our own calls sent, by
// message id, until the manager hands the message on: the inbox tells
// by them a message it already keeps (an answer) from one it does not.
type sentIDs struct {
	mu sync.Mutex
	m  map[int]int64
}

// sentKept bounds sentIDs: an entry the manager never hands on (a
// duplicate it drops) must not stay for ever.
const sentKept = 10_000

func (s *sentIDs) put(id int, randomID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= sentKept {
		clear(s.m)
	}
	s.m[id] = randomID
}

func (s *sentIDs) take(id int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.m[id]
	delete(s.m, id)
	return r
}

type inGateKey struct{}

// gateMiddleware makes every call pass the gate. A call gotd makes while
// making one that holds the gate (auth.exportAuthorization when it
// follows a FILE_MIGRATE by itself) goes on without waiting for it: it
// would wait for ever for the call it is part of.
func gateMiddleware(g Gate) telegram.Middleware {
	held := new(byte) // this gate's mark in a call's context
	return telegram.MiddlewareFunc(func(next tg.Invoker) telegram.InvokeFunc {
		return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
			if ctx.Value(inGateKey{}) == held {
				return next.Invoke(ctx, input, output)
			}
			leave, err := g.Enter(ctx)
			if err != nil {
				return err
			}
			defer leave()
			return next.Invoke(context.WithValue(ctx, inGateKey{}, held), input, output)
		}
	})
}

type callOptionsKey struct{}

// WithCallOptions applies opts to the calls made with ctx on a live
// connection (Live), which other work shares: HonourFloodWait then waits
// out that call's FLOOD_WAIT alone, outside the connection's gate.
func WithCallOptions(ctx context.Context, opts ...RunOption) context.Context {
	if len(opts) == 0 {
		return ctx
	}
	var o runOptions
	for _, opt := range opts {
		opt(&o)
	}
	return context.WithValue(ctx, callOptionsKey{}, o)
}

// FloodWaitMaxOf is the longest FLOOD_WAIT ctx's calls wait out, as
// WithCallOptions set it; 0 when it sets none (the connection's own).
func FloodWaitMaxOf(ctx context.Context) time.Duration {
	o, _ := ctx.Value(callOptionsKey{}).(runOptions)
	return o.floodWaitMax
}

// callFloodWaitMiddleware is floodWaitMiddleware with the limit of each
// call's context (WithCallOptions), def when it names none.
func callFloodWaitMiddleware(def time.Duration, sleep sleepFunc) telegram.Middleware {
	return telegram.MiddlewareFunc(func(next tg.Invoker) telegram.InvokeFunc {
		return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
			limit := def
			o, _ := ctx.Value(callOptionsKey{}).(runOptions)
			if o.floodWaitMax > 0 {
				limit = o.floodWaitMax
			}
			call := func(ctx context.Context) error {
				if err := o.refuseWaiting(methodName(input)); err != nil {
					return err
				}
				return next.Invoke(ctx, input, output)
			}
			if limit <= 0 {
				return call(ctx)
			}
			return waitFlood(ctx, limit, sleep, call)
		}
	})
}
