// Package connections holds one live Telegram connection per connected
// account on the node that holds the account's lease: the account
// runtime. gotd's updates manager runs on each connection for as long as
// the account is connected, so what people write reaches the inbox
// within seconds whatever the account's other work is doing (a campaign
// waiting for its cap, its window or a FLOOD_WAIT included), and every
// Telegram call of the account (sends, answers, extraction pages, a
// person's request) goes over that one connection, in the order of its
// priority (gate.go).
//
// The runtime does not know what an account is: the accounts service
// opens a connection for it (lease, session, health) and the inbox takes
// the messages.
package connections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Store is what the runtime reads and writes: the accounts' updates state.
type Store interface {
	UpdatesStateOf(ctx context.Context, accountID int64) (store.UpdatesState, bool, error)
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}

// Opener opens an account's connection and serves it: it takes the
// account (its lease, its session), connects with live (adding what only
// it knows: the account's Telegram id), calls serve once the connection
// is up, and returns when serve does or the connection ends, with why.
// Wanted(ctx) tells it whether a call waits for the connection (worth
// asking another node to give the account way) or only the listener
// does. The accounts service implements it.
type Opener func(ctx context.Context, a store.AccountRef, live telegram.LiveOptions,
	serve func(ctx context.Context, api *tg.Client) error) error

type wantedKey struct{}

// Wanted reports whether a call waits for the connection being opened.
func Wanted(ctx context.Context) bool { w, _ := ctx.Value(wantedKey{}).(bool); return w }

// Handler receives the private messages of an account's updates; an
// error makes the connection read them again (see telegram.Live).
type Handler func(ctx context.Context, userID, accountID int64, msgs []telegram.PrivateMessage) error

// Options are a Runtime's parts and settings.
type Options struct {
	Store  Store
	Open   Opener
	Logger *slog.Logger
	Now    func() time.Time
	// Connected lists the accounts to keep live (Keep's pass).
	Connected func(ctx context.Context) ([]store.AccountRef, error)
	// KeepEvery is how often Keep looks for accounts to connect, besides
	// being woken (default 30 s).
	KeepEvery time.Duration
	// FlushEvery is how often updates states are stored (default 1 s).
	FlushEvery time.Duration
	// Opening bounds the connections that come up at once only to listen
	// (default 64): a node starting with thousands of accounts ramps them
	// up instead of opening all at once, which starved its own lease
	// renewal until it gave every account up and started over. A
	// connection that work waits for does not queue.
	Opening int
}

// Runtime is the node's account runtime. Safe for concurrent use.
type Runtime struct {
	o      Options
	log    *slog.Logger
	states *states

	ctx    context.Context // the runtime's life
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	conns   map[int64]*conn
	handler Handler
	wake    chan struct{}
	// opening holds a slot for each listening-only connection coming up.
	opening chan struct{}
}

// conn is one account's connection, up or coming up.
type conn struct {
	id   int64
	user int64
	gate gate
	stop context.CancelFunc

	mu   sync.Mutex
	api  *tg.Client
	ctx  context.Context // the live connection's (its lease's fence)
	up   chan struct{}   // closed when the connection is up
	down chan struct{}   // closed when an attempt fails; err says why
	err  error
	// errWanted: the attempt that failed with err was made for work
	// waiting (it asked another node for the account); a Do call that
	// came after an attempt made for listening alone waits for the next.
	errWanted bool
	kept      bool // Keep wants it
	users     int  // Do calls on it
	// kick ends the wait before the next attempt: work came.
	kick chan struct{}
}

// New returns a Runtime; Close ends it.
func New(o Options) (*Runtime, error) {
	if o.Store == nil || o.Open == nil {
		return nil, errors.New("connections: Store and Open are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.KeepEvery <= 0 {
		o.KeepEvery = 30 * time.Second
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = time.Second
	}
	if o.Opening <= 0 {
		o.Opening = 64
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runtime{o: o, log: o.Logger, states: newStates(o.Store, o.Logger, o.Now), ctx: ctx, cancel: cancel,
		conns: map[int64]*conn{}, wake: make(chan struct{}, 1), opening: make(chan struct{}, o.Opening)}
	r.wg.Add(1)
	go r.flushLoop()
	return r, nil
}

// StoreStates stores now the updates states written since they were last
// stored, instead of at the next FlushEvery: for a caller that reads the
// stored state to know the account's messages are all in (a campaign
// before a follow-up or its end).
func (r *Runtime) StoreStates(ctx context.Context) { r.states.flush(ctx) }

// Close ends every connection and stores the updates states.
func (r *Runtime) Close() {
	r.cancel()
	r.wg.Wait()
	r.states.flush(context.Background())
}

func (r *Runtime) flushLoop() {
	defer r.wg.Done()
	t := time.NewTicker(r.o.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			r.states.flush(r.ctx)
		}
	}
}

// Listen hands every account's messages to h and keeps every connected
// account live until ctx ends (or Close): an account is connected when
// it appears in Options.Connected, at once when Wake is called.
func (r *Runtime) Listen(ctx context.Context, h Handler) {
	r.Handle(h)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(r.ctx, cancel)
		defer stop()
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-r.wake:
			}
			r.keepPass(ctx)
			t.Reset(r.o.KeepEvery)
		}
	}()
}

// Handle makes every connection opened from now on hand its messages to
// h. Give it before any work can open a connection (before the jobs
// start): a connection opened without it does not listen until it
// reconnects.
func (r *Runtime) Handle(h Handler) {
	r.mu.Lock()
	r.handler = h
	r.mu.Unlock()
}

// Wake makes Listen look for accounts to connect now (an account was
// connected, logged in again, or reset).
func (r *Runtime) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Runtime) keepPass(ctx context.Context) {
	if r.o.Connected == nil {
		return
	}
	refs, err := r.o.Connected(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("connected accounts not listed; tried again shortly", slog.Any("err", err))
		}
		return
	}
	want := make(map[int64]bool, len(refs))
	for _, a := range refs {
		want[a.AccountID] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, c := range r.conns {
		c.mu.Lock()
		if c.kept && !want[id] {
			// Disconnected, or no longer usable: let it go once its
			// work is done.
			c.kept = false
			if c.users == 0 {
				delete(r.conns, id)
				c.stop()
			}
		}
		c.mu.Unlock()
	}
	for _, a := range refs {
		c := r.conns[a.AccountID]
		if c == nil {
			c = r.start(a, 0)
		}
		c.mu.Lock()
		c.kept = true
		c.mu.Unlock()
	}
}

// Drop ends the account's connection on this node (disconnected, or
// logged in again with a new session): calls on it end; Listen's next
// pass connects it again if it is still connected.
func (r *Runtime) Drop(accountID int64) {
	r.mu.Lock()
	c := r.conns[accountID]
	if c != nil {
		delete(r.conns, accountID)
	}
	r.mu.Unlock()
	if c == nil {
		return
	}
	c.mu.Lock()
	c.kept = false
	c.mu.Unlock()
	c.stop()
}

// Live reports whether the account's connection is up on this node.
func (r *Runtime) Live(accountID int64) bool {
	r.mu.Lock()
	c := r.conns[accountID]
	r.mu.Unlock()
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.api != nil
}

// Count is how many accounts have a connection up on this node.
func (r *Runtime) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.conns {
		c.mu.Lock()
		if c.api != nil {
			n++
		}
		c.mu.Unlock()
	}
	return n
}

// Do runs fn on the account's live connection, connecting it first if it
// is not up. fn's context carries the connection's lease (its writes are
// fenced with it) and ends with the connection; its calls wait their turn
// by the priority of ctx (WithPriority). When the connection cannot come
// up, Do returns why (the account's problem, another node holding it).
func (r *Runtime) Do(ctx context.Context, a store.AccountRef, fn func(ctx context.Context, api *tg.Client) error) error {
	r.mu.Lock()
	if r.ctx.Err() != nil {
		r.mu.Unlock()
		return errors.New("connections: the node is shutting down")
	}
	c := r.conns[a.AccountID]
	if c == nil {
		// Counted before its loop starts: its first attempt must know
		// that work waits (and ask another node for the account).
		c = r.start(a, 1)
	} else {
		c.mu.Lock()
		c.users++
		c.mu.Unlock()
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		c.mu.Lock()
		c.users--
		idle := c.users == 0 && !c.kept
		if idle && r.conns[c.id] == c {
			// Gone from the map at once: the next call makes a new
			// connection instead of finding this one closing.
			delete(r.conns, c.id)
		}
		c.mu.Unlock()
		r.mu.Unlock()
		if idle {
			c.stop()
		}
	}()
	for {
		c.mu.Lock()
		api, cctx, up, down := c.api, c.ctx, c.up, c.down
		c.mu.Unlock()
		if api != nil {
			return run(ctx, cctx, api, fn)
		}
		select {
		case <-up:
		case <-down:
			c.mu.Lock()
			err, forWork := c.err, c.errWanted
			c.mu.Unlock()
			if !forWork {
				// An attempt for listening alone failed (another node
				// holds the account): the next, kicked, asks for it.
				continue
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// run calls fn with a context that is the caller's, carrying the
// connection's fence and ending with the connection.
func run(ctx, connCtx context.Context, api *tg.Client, fn func(ctx context.Context, api *tg.Client) error) error {
	if f, ok := lease.FromContext(connCtx); ok {
		ctx = lease.WithFence(ctx, f)
	}
	if open, ok := telegram.OtherDCsOf(connCtx); ok {
		// A file kept on another DC comes over the connection's own
		// client, authorised there.
		ctx = telegram.WithOtherDCs(ctx, open)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(connCtx, func() { cancel(context.Cause(connCtx)) })
	defer stop()
	err := fn(ctx, api)
	if err != nil && connCtx.Err() != nil {
		// Say why the connection ended (its lease lost, the node
		// stopping), not only that the call was cut short.
		return fmt.Errorf("%w (%w)", err, context.Cause(connCtx))
	}
	return err
}

// start makes the account's connection and its loop; r.mu is held.
func (r *Runtime) start(a store.AccountRef, users int) *conn {
	ctx, stop := context.WithCancel(r.ctx)
	c := &conn{id: a.AccountID, user: a.UserID, users: users, stop: stop, kick: make(chan struct{}, 1), up: make(chan struct{}), down: make(chan struct{})}
	r.conns[a.AccountID] = c
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.loop(ctx, c)
	}()
	return c
}

// slot waits for a turn to open a connection only to listen (Opening).
// release gives the turn back, once, whenever called. kicked: work came
// meanwhile, and the attempt is to be made at once, for it.
func (r *Runtime) slot(ctx context.Context, c *conn, forWork bool) (release func(), kicked bool) {
	none := func() {}
	if forWork {
		return none, false
	}
	select {
	case r.opening <- struct{}{}:
	case <-c.kick:
		return none, true
	case <-ctx.Done():
		return none, false
	}
	var once sync.Once
	return func() { once.Do(func() { <-r.opening }) }, false
}

// retryWait is the wait after n failed attempts in a row: a second,
// doubling to a minute.
func retryWait(n int) time.Duration {
	w := time.Second
	for i := 0; i < n && w < time.Minute; i++ {
		w *= 2
	}
	return min(w, time.Minute)
}

// loop keeps the account connected while it is wanted.
func (r *Runtime) loop(ctx context.Context, c *conn) {
	// Not r.log.With: a handler clone for each connected account, kept
	// for the connection's life, to say two rare things.
	account := slog.Int64("account", c.id)
	defer func() {
		r.mu.Lock()
		if r.conns[c.id] == c {
			delete(r.conns, c.id)
		}
		r.mu.Unlock()
		c.mu.Lock()
		if c.err == nil {
			c.err = errors.New("connections: the account's connection ended")
		}
		select {
		case <-c.down:
		default:
			close(c.down)
		}
		c.mu.Unlock()
		r.states.forget(context.WithoutCancel(ctx), c.id)
	}()
	failures := 0
	for ctx.Err() == nil {
		began := r.o.Now()
		c.mu.Lock()
		forWork := c.users > 0
		octx := context.WithValue(ctx, wantedKey{}, forWork)
		c.mu.Unlock()
		select {
		case <-c.kick: // this attempt is the one work asked for
		default:
		}
		release, kicked := r.slot(ctx, c, forWork)
		if ctx.Err() != nil {
			return
		}
		if kicked {
			continue // work came: try at once, as that work's attempt
		}
		err := r.o.Open(octx, store.AccountRef{UserID: c.user, AccountID: c.id}, r.liveOptions(c), func(cctx context.Context, api *tg.Client) error {
			release()
			c.mu.Lock()
			c.api, c.ctx = api, cctx
			close(c.up)
			c.mu.Unlock()
			<-cctx.Done()
			return nil
		})
		release()
		c.mu.Lock()
		wasUp := c.api != nil
		c.api, c.ctx, c.err, c.errWanted = nil, nil, err, forWork
		if c.err == nil {
			c.err = errors.New("connections: the account's connection ended; try again")
		}
		close(c.down)
		c.up, c.down = make(chan struct{}), make(chan struct{})
		wanted := c.kept || c.users > 0
		waiting := c.users > 0
		c.mu.Unlock()
		if ctx.Err() != nil || !wanted {
			return
		}
		if wasUp && r.o.Now().Sub(began) > time.Minute {
			failures = 0
		}
		wait, again := r.afterFailure(err, failures)
		if waiting && errors.Is(err, lease.ErrBusy) {
			// Work here waits for the account: ask again soon (the
			// holder gives it up when it next has only listening on it),
			// not when the holder's lease would end.
			wait = min(wait, busyRetry)
		}
		if !again {
			r.log.Info("account connection stopped", account, slog.Any("reason", err))
			return
		}
		failures++
		if wasUp {
			r.log.Info("account connection ended; connecting again", account, slog.Duration("after", wait), slog.Any("err", err))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-c.kick:
			// Work came for an account listened to in vain (or waited
			// out): try for it now.
			t.Stop()
		}
	}
}

// busyRetry is how soon a connection that work waits for asks another
// node for the account again.
const busyRetry = 500 * time.Millisecond

// afterFailure decides whether to connect again, and when.
func (r *Runtime) afterFailure(err error, failures int) (time.Duration, bool) {
	if err == nil {
		return retryWait(failures), true
	}
	if e, ok := apperr.As(err); ok {
		if errors.Is(e, lease.ErrBusy) {
			// Another node holds it: ask again when its lease would end,
			// so a node that died is taken over within the lease's time.
			return max(e.RetryAfter, 100*time.Millisecond), true
		}
		if e.RetryAfter > 0 {
			return e.RetryAfter, true
		}
		if e.HTTPStatus() < 500 {
			// Not connected, logged out, needing a login: a person acts,
			// and Keep connects it again once it is listed.
			return 0, false
		}
	}
	return retryWait(failures), true
}

// keepFor is how long a message that could not be stored is tried
// again before the connection gives up on it and starts over from the
// stored state: a database busy for a moment must not cost the account
// its connection, and the work on it.
const keepFor = 30 * time.Second

// keep hands msgs to h, again after a short wait while it fails.
func (r *Runtime) keep(ctx context.Context, c *conn, h Handler, msgs []telegram.PrivateMessage) error {
	deadline := r.o.Now().Add(keepFor)
	wait := 100 * time.Millisecond
	for {
		err := h(ctx, c.user, c.id, msgs)
		if err == nil || ctx.Err() != nil || r.o.Now().After(deadline) {
			return err
		}
		r.log.Warn("received messages not stored; trying again", slog.Int64("account", c.id), slog.Any("err", err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

func (r *Runtime) liveOptions(c *conn) telegram.LiveOptions {
	r.mu.Lock()
	h := r.handler
	r.mu.Unlock()
	if h == nil {
		// Nobody listens (a node's tools, tests of one domain): a
		// connection without updates, whose state stays as it is.
		return telegram.LiveOptions{Gate: &c.gate}
	}
	return telegram.LiveOptions{
		State: r.states.of(c.id),
		Gate:  &c.gate,
		OnMessages: func(ctx context.Context, msgs []telegram.PrivateMessage) error {
			return r.keep(ctx, c, h, msgs)
		},
	}
}
