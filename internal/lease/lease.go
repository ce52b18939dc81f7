// Package lease gives a node its Telegram accounts one at a time: before a
// node uses an account's session it takes the account's lease in the
// database, renews it while the account is in use, and gives it up after
// the last use. Telegram may invalidate an auth key used from two places
// at once (AUTH_KEY_DUPLICATED), and an account's pace is its own, so no
// two nodes may speak for one account.
//
// Expiry is decided by the database's clock. Every write made for the
// account under a lease carries its token (FromContext; the store checks
// it in the same statement), so a node that lost its lease, however late
// it notices, cannot write after the next holder started. A node that
// cannot renew (it lost its database) cancels everything using the
// account before the lease could expire, so it stops sending before
// another node may start.
package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/node"
	"github.com/telegramate/telegramate/internal/store"
)

// DefaultTTL is how long a lease lasts unless renewed: the longest a
// dead node keeps its accounts from the others.
const DefaultTTL = 15 * time.Second

// Store is the part of the store this package uses.
type Store interface {
	AcquireLease(ctx context.Context, accountID int64, holder string, ttl time.Duration) (store.Lease, bool, error)
	RenewLeases(ctx context.Context, holder string, ttl time.Duration) ([]store.Lease, error)
	ReleaseLease(ctx context.Context, f store.Fence) error
	WantLease(ctx context.Context, accountID int64, by string) error
}

// ErrBusy refuses an account another node holds. Copies carry the time
// left on that node's lease in RetryAfter: work waits that long and asks
// again.
var ErrBusy = &apperr.Error{
	Code:    "account_busy",
	Message: "The account is in use on another node",
	Hint:    "Telegramate nodes take turns with an account so Telegram never sees it used from two places at once; it is free again when that node stops using it. Try again shortly.",
	Status:  http.StatusServiceUnavailable,
}

// ErrLost is the cause of a use's context ending because this node lost
// the account's lease (taken over after expiry, or not renewed in time
// because the database did not answer).
var ErrLost = errors.New("lease: this node lost the account's lease")

// ErrYielded is the cause of a yielding use's context ending because
// another node asked for the account (see WithYield). It is an ErrLost:
// the use's work waits and asks again.
var ErrYielded = fmt.Errorf("%w: it gave way to another node that asked for the account", ErrLost)

type yieldKey struct{}

// WithYield marks the uses made with ctx as giving way: while every use
// of the account on this node gives way, another node that asks for it
// (an Acquire refused there) gets it at this node's next renewal, the
// uses' contexts ending with ErrYielded. The inbox's listener holds every
// account this way, so a person's request or a campaign on another node
// waits seconds for the account, not until the listener's run ends.
func WithYield(ctx context.Context) context.Context { return context.WithValue(ctx, yieldKey{}, true) }

func yields(ctx context.Context) bool { y, _ := ctx.Value(yieldKey{}).(bool); return y }

// Options configure a Manager. A node has one Manager: two with the same
// NodeID on one database would take the account from each other.
type Options struct {
	Store Store
	// NodeID names this node as the holder (required).
	NodeID string
	// TTL is how long a lease lasts unless renewed (default DefaultTTL);
	// it is renewed every TTL/3. Tests shorten it.
	TTL    time.Duration
	Logger *slog.Logger
}

// Manager holds this node's leases. Uses of one account inside the node
// share one lease (counted); it is released after the last.
type Manager struct {
	st   Store
	node string
	ttl  time.Duration
	log  *slog.Logger

	mu      sync.Mutex
	holds   map[int64]*hold
	looping bool // the renewal loop runs (only while something is held)

	closed chan struct{}
	now    chan struct{} // RenewNow
	loops  sync.WaitGroup
	once   sync.Once
}

// hold is the node's lease on one account.
type hold struct {
	accountID int64
	ready     chan struct{} // closed once the acquisition is decided
	err       error         // the acquisition's refusal
	refs      int
	firm      int  // uses that do not give way (not WithYield)
	yielded   bool // given up to another node: released once the uses end
	fence     store.Fence
	// lastOK is when the last successful acquisition or renewal was sent
	// (this process's monotonic clock): the database set the expiry at
	// least TTL after it, so the lease is certainly valid until lastOK+TTL.
	lastOK time.Time
	// lost ends when the lease is lost; the uses' contexts follow it.
	lost context.Context
	lose context.CancelCauseFunc
}

// New returns a Manager. It renews in a goroutine of its own only while
// it holds something; Close ends the uses still running.
func New(o Options) (*Manager, error) {
	if o.Store == nil || o.NodeID == "" {
		return nil, errors.New("lease: Store and NodeID are required")
	}
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.TTL < 30*time.Millisecond {
		return nil, fmt.Errorf("lease: TTL %s is too short", o.TTL)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := node.ValidID(o.NodeID); err != nil {
		return nil, fmt.Errorf("lease: %w", err)
	}
	return &Manager{st: o.Store, node: o.NodeID, ttl: o.TTL, log: o.Logger, holds: map[int64]*hold{},
		closed: make(chan struct{}), now: make(chan struct{}, 1)}, nil
}

var defaults sync.Map // Store → *Manager

// Default is the process's Manager on st, named node.ProcessID, with the
// default TTL: the parts built without a Manager of their own (tests,
// tools) share it, so they never take an account from each other.
func Default(st Store) *Manager {
	if m, ok := defaults.Load(st); ok {
		return m.(*Manager)
	}
	m, _ := New(Options{Store: st, NodeID: node.ProcessID()})
	actual, _ := defaults.LoadOrStore(st, m)
	return actual.(*Manager)
}

// NodeID is the holder name this node's leases carry.
func (m *Manager) NodeID() string { return m.node }

// TTL is the leases' time to live.
func (m *Manager) TTL() time.Duration { return m.ttl }

// Use is one use of a held account.
type Use struct {
	ctx     context.Context
	release func()
	fence   store.Fence
	lose    func(error)
}

// Lose tells the manager a write under the lease was refused
// (store.ErrFenced): every use of the account on this node stops, and
// the next Acquire asks the database afresh.
func (u *Use) Lose(cause error) { u.lose(cause) }

// Context is the use's context: the caller's, carrying the lease's fence
// (FromContext), and cancelled with cause ErrLost when the lease is lost.
func (u *Use) Context() context.Context { return u.ctx }

// Token is the lease's fencing token.
func (u *Use) Token() int64 { return u.fence.Token }

// Fence is the lease as the fenced writes made under it present it.
func (u *Use) Fence() store.Fence { return u.fence }

// Release ends the use (the lease goes after the last one). Safe to call
// twice.
func (u *Use) Release() { u.release() }

type fenceKey struct{}

// WithFence is ctx carrying f, for work run on a held account's
// connection to learn the lease it runs under (FromContext, FenceOf). The
// store never reads it: a fenced write takes its store.Fence as an
// argument.
func WithFence(ctx context.Context, f store.Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FromContext is the lease a use's context runs under.
func FromContext(ctx context.Context) (store.Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(store.Fence)
	return f, ok
}

// FenceOf is the lease ctx runs under, store.Unfenced outside any.
func FenceOf(ctx context.Context) store.Fence {
	if f, ok := FromContext(ctx); ok {
		return f
	}
	return store.Unfenced
}

// Acquire takes the account for this node, or joins the node's current
// use of it. Another node's lease is refused with a copy of ErrBusy that
// names the holder and carries the time left in RetryAfter.
func (m *Manager) Acquire(ctx context.Context, accountID int64) (*Use, error) {
	firm := !yields(ctx)
	u, err := m.acquireOnce(ctx, accountID, firm)
	if err == nil || !firm || !errors.Is(err, ErrBusy) {
		return u, err
	}
	// Ask the holder to give way, and wait for its next renewal (a third
	// of the TTL) in case its uses may: a person's request then takes a
	// few seconds instead of failing.
	if werr := m.st.WantLease(ctx, accountID, m.node); werr != nil {
		return nil, err
	}
	deadline := time.Now().Add(m.ttl/3 + m.ttl/10)
	poll := min(m.ttl/30, 250*time.Millisecond)
	asked := time.Now()
	for time.Now().Before(deadline) {
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
		u, err = m.acquireOnce(ctx, accountID, firm)
		if err == nil || !errors.Is(err, ErrBusy) {
			return u, err
		}
		if time.Since(asked) >= askAgainEvery {
			// The holder heard the last ask while work held the account
			// there; asking again makes it look again (at once on
			// PostgreSQL) instead of at its next renewal.
			asked = time.Now()
			_ = m.st.WantLease(ctx, accountID, m.node)
		}
	}
	return nil, err
}

func (m *Manager) acquireOnce(ctx context.Context, accountID int64, firm bool) (*Use, error) {
	n := 0
	if firm {
		n = 1
	}
	for {
		select {
		case <-m.closed:
			return nil, errShuttingDown
		default:
		}
		m.mu.Lock()
		h := m.holds[accountID]
		if h == nil {
			h = &hold{accountID: accountID, ready: make(chan struct{}), refs: 1, firm: n}
			m.holds[accountID] = h
			m.mu.Unlock()
			if err := m.acquire(ctx, h); err != nil {
				return nil, err
			}
			return m.use(ctx, h, n), nil
		}
		h.refs++
		h.firm += n
		m.mu.Unlock()
		select {
		case <-h.ready:
		case <-ctx.Done():
			m.release(h, n)
			return nil, ctx.Err()
		}
		if h.err != nil {
			return nil, h.err
		}
		if h.lost.Err() != nil {
			// Lost while we waited: the map no longer has it; try afresh.
			m.release(h, n)
			continue
		}
		return m.use(ctx, h, n), nil
	}
}

// acquire asks the database for h's account and settles h.
func (m *Manager) acquire(ctx context.Context, h *hold) error {
	sent := time.Now()
	l, ok, err := m.st.AcquireLease(ctx, h.accountID, m.node, m.ttl)
	switch {
	case err != nil:
		h.err = fmt.Errorf("lease of account %d: %w", h.accountID, err)
	case !ok:
		wait := max(l.Left, 100*time.Millisecond)
		h.err = ErrBusy.WithRetryAfter(wait).Wrap(fmt.Errorf("account %d is held by node %s until %s (database time)",
			h.accountID, l.Holder, l.ExpiresAt.Format(time.RFC3339Nano)))
	}
	m.mu.Lock()
	closing := false
	if h.err == nil {
		select {
		case <-m.closed:
			// Nothing would renew it: give it back.
			closing = true
			h.err = errShuttingDown
		default:
			h.fence, h.lastOK = l.Fence(), sent
			h.lost, h.lose = context.WithCancelCause(context.Background())
			if !m.looping {
				m.looping = true
				m.loops.Add(1)
				go m.loop()
			}
		}
	}
	if h.err != nil && m.holds[h.accountID] == h {
		delete(m.holds, h.accountID)
	}
	m.mu.Unlock()
	close(h.ready)
	if closing {
		_ = m.st.ReleaseLease(context.WithoutCancel(ctx), l.Fence())
	}
	if h.err == nil {
		m.log.Debug("account lease taken", slog.Int64("account", h.accountID), slog.Int64("token", l.Token))
	}
	return h.err
}

var errShuttingDown = errors.New("lease: the node is shutting down")

func (m *Manager) use(parent context.Context, h *hold, firm int) *Use {
	ctx, cancel := context.WithCancelCause(WithFence(parent, h.fence))
	stop := context.AfterFunc(h.lost, func() { cancel(context.Cause(h.lost)) })
	var once sync.Once
	return &Use{ctx: ctx, fence: h.fence, lose: func(cause error) { m.lost(h, fmt.Errorf("%w: %w", ErrLost, cause)) }, release: func() {
		once.Do(func() {
			stop()
			cancel(context.Canceled)
			m.release(h, firm)
		})
	}}
}

// release drops one reference; the last one gives the lease up.
func (m *Manager) release(h *hold, firm int) {
	m.mu.Lock()
	h.refs--
	h.firm -= firm
	yielded := h.yielded
	last := h.refs == 0
	current := m.holds[h.accountID] == h
	if last && current {
		delete(m.holds, h.accountID)
	}
	m.mu.Unlock()
	if !last || h.err != nil || h.lost == nil {
		return
	}
	lost := h.lost.Err() != nil
	h.lose(context.Canceled)
	if lost && !yielded {
		return
	}
	// Given up only now that the uses ended (their connections are
	// closed), so the node that asked never overlaps them.
	ctx, cancel := context.WithTimeout(context.Background(), m.ttl)
	defer cancel()
	if err := m.st.ReleaseLease(ctx, h.fence); err != nil {
		// It expires on its own.
		m.log.Warn("account lease not released", slog.Int64("account", h.accountID), slog.Any("err", err))
	}
}

// loop renews the node's leases every TTL/3, all in one write; after a
// failed renewal it tries again sooner. A lease not renewed by 2/3 of
// its TTL is given up, so the uses stop before it could expire.
func (m *Manager) loop() {
	defer m.loops.Done()
	every := m.ttl / 3
	retry := min(every/5, time.Second)
	next := every
	for {
		t := time.NewTimer(next)
		select {
		case <-m.closed:
			t.Stop()
			return
		case <-t.C:
		case <-m.now:
			t.Stop()
		}
		if m.renew() {
			next = every
		} else {
			next = retry
		}
		m.mu.Lock()
		if len(m.holds) == 0 {
			// Idle: the next acquisition starts the loop again.
			m.looping = false
			m.mu.Unlock()
			return
		}
		m.mu.Unlock()
	}
}

// askAgainEvery is how often a node waiting for an account asks its
// holder again.
const askAgainEvery = time.Second

// RenewNow renews the node's leases at once, giving way on those another
// node asked for (told by NOTIFY on PostgreSQL), instead of at the next
// renewal: a job elsewhere then gets its account in a moment, not in up
// to a third of the TTL.
func (m *Manager) RenewNow() {
	select {
	case m.now <- struct{}{}:
	default:
	}
}

// renew renews every lease of the node; it reports whether the database
// answered.
func (m *Manager) renew() bool {
	m.mu.Lock()
	held := make([]*hold, 0, len(m.holds))
	pending := map[int64]bool{}
	deadline := time.Time{}
	for id, h := range m.holds {
		select {
		case <-h.ready:
		default:
			pending[id] = true
			continue
		}
		if h.err != nil || h.lost.Err() != nil {
			continue
		}
		held = append(held, h)
		if d := h.lastOK.Add(m.giveUpAfter()); deadline.IsZero() || d.Before(deadline) {
			deadline = d
		}
	}
	m.mu.Unlock()
	if len(held) == 0 {
		return true
	}
	sent := time.Now()
	// A database that does not answer must not keep the node sending past
	// the moment it has to give up.
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	renewed, err := m.st.RenewLeases(ctx, m.node, m.ttl)
	cancel()
	if err != nil {
		now := time.Now()
		for _, h := range held {
			if !now.Before(h.lastOK.Add(m.giveUpAfter())) {
				m.lost(h, fmt.Errorf("%w: not renewed in time: %w", ErrLost, err))
			}
		}
		m.log.Warn("account leases not renewed", slog.Int("accounts", len(held)), slog.Any("err", err))
		return false
	}
	tokens := make(map[int64]int64, len(renewed))
	wanted := map[int64]bool{}
	for _, l := range renewed {
		tokens[l.AccountID] = l.Token
		wanted[l.AccountID] = l.Wanted
	}
	var yield []*hold
	m.mu.Lock()
	for _, h := range held {
		if tokens[h.accountID] == h.fence.Token {
			h.lastOK = sent
			delete(tokens, h.accountID)
			if wanted[h.accountID] && h.firm == 0 && m.holds[h.accountID] == h {
				// Decided under the lock a firm use joins under, so none
				// joins a hold being given up: it starts a new one.
				h.yielded = true
				delete(m.holds, h.accountID)
				yield = append(yield, h)
			}
		}
	}
	for id := range pending {
		delete(tokens, id)
	}
	for id := range tokens {
		if h := m.holds[id]; h != nil {
			delete(tokens, id) // acquired since the snapshot
		}
	}
	m.mu.Unlock()
	for _, h := range yield {
		h.lose(ErrYielded)
		m.log.Info("account lease given to the node that asked for it", slog.Int64("account", h.accountID), slog.Int64("token", h.fence.Token))
	}
	for _, h := range held {
		if h.lastOK.Before(sent) {
			m.lost(h, fmt.Errorf("%w: %w", ErrLost, store.ErrFenced))
		}
	}
	// A lease of this node that no use knows of (its release failed) is
	// given up rather than renewed for ever.
	for id, token := range tokens {
		ctx, cancel := context.WithTimeout(context.Background(), m.ttl)
		_ = m.st.ReleaseLease(ctx, store.Fence{AccountID: id, Holder: m.node, Token: token})
		cancel()
	}
	return true
}

// giveUpAfter is how long after its last renewal a lease is given up
// when renewals fail: TTL/3 before it could expire.
func (m *Manager) giveUpAfter() time.Duration { return m.ttl - m.ttl/3 }

// lost ends h: the uses' contexts are cancelled with ErrLost, and a new
// Acquire starts afresh.
func (m *Manager) lost(h *hold, cause error) {
	m.mu.Lock()
	if m.holds[h.accountID] == h {
		delete(m.holds, h.accountID)
	}
	m.mu.Unlock()
	if h.lost.Err() != nil {
		return
	}
	h.lose(cause)
	m.log.Warn("account lease lost: its uses stop", slog.Int64("account", h.accountID), slog.Int64("token", h.fence.Token),
		slog.Any("err", cause))
}

// Close stops renewing and ends the uses still running (their contexts
// are cancelled with ErrLost; their leases expire on their own).
// Call it after the work using accounts has stopped.
func (m *Manager) Close() {
	m.once.Do(func() {
		m.mu.Lock()
		close(m.closed)
		m.mu.Unlock()
		m.loops.Wait()
		m.mu.Lock()
		var left []*hold
		for _, h := range m.holds {
			select {
			case <-h.ready:
				if h.err == nil {
					left = append(left, h)
				}
			default:
			}
		}
		m.mu.Unlock()
		for _, h := range left {
			m.lost(h, fmt.Errorf("%w: the node is shutting down", ErrLost))
		}
	})
}
