package accounts

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/connections"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// The account runtime (package connections) keeps one live connection per
// connected account on the node holding its lease; this file is how the
// accounts service opens one: the lease, the sealed session, the health
// Telegram reports, the refreshed session stored again at the end.

// Handle gives the runtime the messages' handler alone; call it before
// the jobs start, whose work opens connections (which would otherwise not
// listen), and Listen after.
func (s *Service) Handle(h connections.Handler) { s.rt.Handle(h) }

// Listen keeps every connected account live on this node (where its
// lease can be had) and hands every private message they receive or send
// to h, until ctx ends or Close; it also makes the calls of people on
// other nodes for the accounts held here (relayed.go).
func (s *Service) Listen(ctx context.Context, h connections.Handler) {
	s.rt.Listen(ctx, h)
	go s.relay.Serve(ctx)
}

// Close ends the account runtime's connections; call it before the
// database closes.
func (s *Service) Close() { s.rt.Close() }

// LiveCount is how many accounts have a live connection on this node.
func (s *Service) LiveCount() int { return s.rt.Count() }

// Live reports whether the account's connection is up on this node.
func (s *Service) Live(accountID int64) bool { return s.rt.Live(accountID) }

// StoreUpdatesStates stores the live connections' updates states now
// rather than at the runtime's next tick (connections.Runtime.StoreStates).
func (s *Service) StoreUpdatesStates(ctx context.Context) { s.rt.StoreStates(ctx) }

// wake tells the runtime an account may have become connectable.
func (s *Service) wake() { s.rt.Wake() }

// liveProblem refuses to connect an account that cannot be used at all:
// a limited account or one waiting for a FLOOD_WAIT is still listened
// to (people's messages still arrive), whatever its sends do.
func liveProblem(a Account) error {
	switch a.Status {
	case StatusActive, StatusFloodWait, StatusLimited:
		return nil
	}
	return a.Problem(a.FloodUntil)
}

// openLive is the runtime's Opener.
func (s *Service) openLive(ctx context.Context, ref store.AccountRef, live telegram.LiveOptions,
	serve func(ctx context.Context, api *tg.Client) error) error {
	row, err := s.row(ctx, ref.UserID, ref.AccountID)
	if err != nil {
		return err
	}
	if p := liveProblem(fromStore(row)); p != nil {
		return p
	}
	use, err := s.acquireLive(ctx, ref.AccountID)
	if err != nil {
		return err
	}
	defer use.Release()
	ctx = use.Context()
	// Read again under the lease: the session and health the previous
	// holder left are the ones to go on from.
	if row, err = s.row(ctx, ref.UserID, ref.AccountID); err != nil {
		return err
	}
	if p := liveProblem(fromStore(row)); p != nil {
		return p
	}
	open, err := s.openAccount(row)
	if err != nil {
		return err
	}
	// Opened: the sealed copies need not live as long as the connection
	// (a few KB each, times every connected account).
	row.SessionSealed, row.APIHashSealed = nil, nil
	live.SelfID = row.TGUserID
	if live.SelfID == 0 && live.OnMessages != nil {
		s.log.Warn("account's Telegram id unknown: its connection does not listen; log in again to fix", slog.Int64("account", row.ID))
		live.OnMessages, live.State = nil, nil
	}
	s.lives.Store(ref.AccountID, use)
	defer s.lives.CompareAndDelete(ref.AccountID, use)
	out, stepErr := s.tg.Live(ctx, open.creds, open.session, live, serve)
	fenced := errors.Is(stepErr, store.ErrFenced)
	if fenced {
		use.Lose(stepErr)
	}
	by := Actor{UserID: ref.UserID}
	s.finishUse(context.WithoutCancel(ctx), use.Fence(), by, row, open.session, out, stepErr)
	if cause := context.Cause(ctx); fenced || errors.Is(cause, lease.ErrLost) {
		return lease.ErrBusy.WithRetryAfter(s.leases.TTL()).Wrap(errors.Join(cause, stepErr))
	}
	return accountError(stepErr, s.now())
}

// acquireLive takes the account's lease for its connection. The hold
// gives way when another node asks for the account (lease.WithYield):
// listening alone must not keep a person's request there waiting. When a
// call here waits for the connection, the account is asked of the node
// holding it first, as a request of its own would.
func (s *Service) acquireLive(ctx context.Context, accountID int64) (*lease.Use, error) {
	if !connections.Wanted(ctx) {
		return s.leases.Acquire(lease.WithYield(ctx), accountID)
	}
	firm, err := s.leases.Acquire(ctx, accountID)
	if err != nil {
		return nil, err
	}
	defer firm.Release()
	return s.leases.Acquire(lease.WithYield(ctx), accountID)
}

// Use runs fn on the account's live connection (connecting it first if
// it is not up here), and records the account's health from what
// Telegram said: a revoked session (AUTH_KEY_UNREGISTERED,
// SESSION_REVOKED, …) makes it "needs re-login", PEER_FLOOD "limited"
// (until a person calls ResetLimited), a FLOOD_WAIT longer than the call
// honours "flood_wait" until the time Telegram named.
//
// It refuses, with an *apperr.Error saying why and what to do, an account
// that is not the user's (not_found), not connected, needing re-login,
// limited, or still waiting for Telegram (flood_wait with RetryAfter).
// Limits and waits are per kind of call (telegram.CallKind): ctx declares
// the kinds fn makes (telegram.WithKinds; none declared: any kind), and
// only a limit or a wait of one of them refuses it. PEER_FLOOD limits
// sending alone; a FLOOD_WAIT is recorded for the kind of the method
// Telegram answered it for. A call of a kind that waits is refused before
// it reaches Telegram whatever fn declared.
// Errors of fn come back as fn returned them, those three health errors
// wrapped in the *apperr.Error the user reads (errors.Is and errors.As
// still find telegram's errors).
//
// fn's context carries the lease's fence (lease.FromContext) for the
// writes it makes for the account, and ends when the node loses the
// lease; its calls wait their turn on the connection by the context's
// priority (connections.WithPriority). An account another node holds is
// refused with lease.ErrBusy, RetryAfter the time left on that node's
// lease. opts apply to fn's calls alone (telegram.HonourFloodWait).
func (s *Service) Use(ctx context.Context, userID, accountID int64, fn func(ctx context.Context, api *tg.Client) error, opts ...telegram.RunOption) error {
	row, err := s.row(ctx, userID, accountID)
	if err != nil {
		return err
	}
	acct := fromStore(row)
	if p := acct.ProblemFor(telegram.KindsFrom(ctx), s.now()); p != nil {
		return p
	}
	// Whatever fn declared, none of its calls reaches Telegram while the
	// kind of its method waits: a campaign's send that resolves a username
	// honours a wait on resolving that extraction was told.
	opts = append(slices.Clone(opts), telegram.RefuseWaiting(func(k telegram.CallKind) time.Duration {
		return acct.WaitLeft(k, s.now())
	}))
	ctx = telegram.WithCallOptions(ctx, opts...)
	if holder, ok := s.holderElsewhere(ctx, accountID); ok {
		// The holder records what Telegram says of the account.
		if made, err := s.useRelayed(ctx, store.AccountRef{UserID: userID, AccountID: accountID}, holder, fn); made {
			return accountError(err, s.now())
		}
	}
	var used store.Fence // the lease fn ran under, if it ran
	stepErr := s.rt.Do(ctx, store.AccountRef{UserID: userID, AccountID: accountID}, func(ctx context.Context, api *tg.Client) error {
		used, _ = lease.FromContext(ctx)
		// Work holds the account firmly while it runs: the connection's
		// own hold gives way to another node only while it just listens,
		// so a sending run or an extraction is not handed over mid-way
		// (two nodes would pass an account back and forth without
		// either getting on).
		firm, err := s.leases.Acquire(ctx, accountID)
		if err != nil {
			return err
		}
		defer firm.Release()
		return fn(ctx, api)
	})
	if e, ok := apperr.As(stepErr); ok && (errors.Is(e, lease.ErrBusy) || e.HTTPStatus() < 500) && !isTelegramVerdict(stepErr) {
		// The connection did not come up: why is already the user's.
		return stepErr
	}
	fenced := errors.Is(stepErr, store.ErrFenced)
	if fenced {
		// Only the lease the refused write ran under is lost: a
		// connection made since holds a lease of its own.
		if u, ok := s.lives.Load(accountID); ok && u.(*lease.Use).Token() == used.Token {
			u.(*lease.Use).Lose(stepErr)
		}
	}
	// Unfenced: by now the connection fn ran on may have ended and given
	// its lease back (it stops on PEER_FLOOD), and Telegram's verdict on
	// the account holds whoever holds it next. A lease taken over by
	// another node has already refused the work's own fenced writes.
	s.finishUse(context.WithoutCancel(ctx), store.Unfenced, Actor{UserID: userID, IP: IPFrom(ctx)}, row, nil, nil, stepErr)
	if fenced || errors.Is(stepErr, lease.ErrLost) {
		return lease.ErrBusy.WithRetryAfter(s.leases.TTL()).Wrap(stepErr)
	}
	return accountError(stepErr, s.now())
}

// isTelegramVerdict reports an error of Telegram's about the account, to
// record, as opposed to the runtime's refusal to connect.
func isTelegramVerdict(err error) bool {
	var fw *telegram.FloodWaitError
	return errors.As(err, &fw) || errors.Is(err, telegram.ErrSessionRevoked) || errors.Is(err, telegram.ErrPeerFlood)
}
