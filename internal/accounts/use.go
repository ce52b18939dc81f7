package accounts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Usable refuses, as Use would, an account that cannot be used now for a
// reason only a person can change (not the user's, not connected yet,
// disconnected, needing re-login, limited for the kinds of call ctx
// declares: telegram.WithKinds), so work that would fail later is refused
// before anything is created. An account waiting for Telegram is usable:
// queued work waits for Telegram's time.
func (s *Service) Usable(ctx context.Context, userID, accountID int64) error {
	row, err := s.row(ctx, userID, accountID)
	if err != nil {
		return err
	}
	if p := fromStore(row).ProblemFor(telegram.KindsFrom(ctx), s.now()); p != nil && p.Code != apperr.CodeFloodWait {
		return p
	}
	return nil
}

// row is the user's account; another user's is not_found.
func (s *Service) row(ctx context.Context, userID, accountID int64) (store.Account, error) {
	row, err := s.st.AccountByID(ctx, userID, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Account{}, errNotFound()
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("account %d: %w", accountID, err)
	}
	if row.Waits, err = s.st.AccountWaits(ctx, accountID, s.now().UTC()); err != nil {
		return store.Account{}, fmt.Errorf("account %d waits: %w", accountID, err)
	}
	return row, nil
}

// finishUse stores the refreshed session and Telegram's verdict, if any.
// Uses of one account overlap (a send and a reply check, two campaigns):
// the store compares the login generation, not the session bytes, so each
// use's verdict lands whatever the others wrote. f is the lease the use
// ran under: lost since, nothing is stored.
func (s *Service) finishUse(ctx context.Context, f store.Fence, by Actor, row store.Account, before, after telegram.Session, stepErr error) {
	now := s.now().UTC()
	u := store.AccountUse{ID: row.ID, LoginGeneration: row.LoginGeneration, Now: now}
	var (
		fw      *telegram.FloodWaitError
		changed string // the activity line for a health change
	)
	switch {
	case errors.Is(stepErr, telegram.ErrStillWaiting):
		// Refused here, before Telegram: the wait is recorded already.
	case errors.As(stepErr, &fw) && telegram.KindOf(fw.Method) != telegram.KindSend:
		// A wait on one kind of call: the account goes on with the others.
		kind := telegram.KindOf(fw.Method)
		u.Wait = &store.AccountWait{AccountID: row.ID, Kind: string(kind), Until: now.Add(fw.Wait),
			Detail: telegramCode(stepErr) + " on " + fw.Method}
		changed = fmt.Sprintf("Telegram asked to wait %s for %s (%s)", apperr.FormatWait(fw.Wait),
			strings.ToLower(kind.Label()), u.Wait.Detail)
	case errors.As(stepErr, &fw):
		u.Verdict, u.FloodUntil, u.StatusDetail = store.AccountFloodWait, now.Add(fw.Wait), telegramCode(stepErr)
		changed = fmt.Sprintf("Telegram asked to wait %s (%s on %s)", apperr.FormatWait(fw.Wait), u.StatusDetail, fw.Method)
	case errors.Is(stepErr, telegram.ErrSessionRevoked):
		u.Verdict, u.StatusDetail = store.AccountNeedsRelogin, telegramCode(stepErr)
		changed = "Telegram ended the session: the account needs to log in again"
	case errors.Is(stepErr, telegram.ErrPeerFlood):
		u.Verdict, u.StatusDetail = store.AccountLimited, telegramCode(stepErr)
		changed = "Telegram limited the account (PEER_FLOOD): it stops until someone resets it"
	case row.Status == store.AccountFloodWait:
		// Only a usable account gets here: its wait is over.
		u.Verdict = store.AccountActive
	}
	if len(after) > 0 && !bytes.Equal(after, before) {
		sealed, err := s.seal(after, adAccount("session_sealed", row.ID))
		if err != nil {
			s.log.Error("refreshed session not sealed", slog.Int64("account", row.ID), slog.Any("err", err))
		} else {
			u.SessionSealed = sealed
		}
	}
	if u.SessionSealed == nil && u.Verdict == "" && u.Wait == nil {
		return
	}
	landed, err := s.st.FinishAccountUse(ctx, f, u)
	switch {
	case errors.Is(err, store.ErrFenced):
		// Another node holds the account now; what it learns counts.
		s.log.Info("account use not stored: the node lost the account's lease", slog.Int64("account", row.ID))
		return
	case err != nil:
		s.log.Error("account use not stored", slog.Int64("account", row.ID), slog.Any("err", err))
		return
	case !landed:
		// Rotated, renewed or disconnected meanwhile (what this use learned
		// is about a login that is no longer the account's), or a graver
		// verdict already stands.
		return
	}
	if changed != "" && u.Wait != nil && u.Verdict == "" {
		s.record(ctx, s.st, by, row.ID, "wait_"+u.Wait.Kind, changed)
		s.log.Warn("telegram account waits for one kind of call", slog.Int64("account", row.ID),
			slog.String("kind", u.Wait.Kind), slog.String("telegram", u.Wait.Detail), slog.Time("until", u.Wait.Until))
		return
	}
	if changed != "" {
		s.record(ctx, s.st, by, row.ID, "status_"+u.Verdict, changed)
		s.log.Warn("telegram account health changed", slog.Int64("account", row.ID), slog.String("status", u.Verdict),
			slog.String("telegram", u.StatusDetail))
		s.tellHealth(ctx, row, u.Verdict, u.StatusDetail)
	}
}

// ResetLimited is a person's word that Telegram lifted a PEER_FLOOD limit:
// the account is active again. An account that is not limited is left as
// it is.
func (s *Service) ResetLimited(ctx context.Context, userID, accountID int64) error {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return err
	}
	row, err := s.row(ctx, userID, accountID)
	if err != nil {
		return err
	}
	if row.Status != store.AccountLimited {
		return nil
	}
	if err := s.st.SetAccountStatus(ctx, row.ID, store.AccountActive, time.Time{}, "", s.now().UTC()); err != nil {
		return fmt.Errorf("reset account %d: %w", accountID, err)
	}
	s.record(ctx, s.st, Actor{UserID: userID, IP: IPFrom(ctx)}, row.ID, "limit_reset", "Marked active again after a PEER_FLOOD limit")
	s.log.Info("telegram account limit reset", slog.Int64("user", userID), slog.Int64("account", accountID))
	return nil
}

type ipKey struct{}

// WithIP tells the activity log which client address a request came from,
// for calls whose signature has no Actor (Use, ResetLimited).
func WithIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

// IPFrom is the client address WithIP recorded, "" when none.
func IPFrom(ctx context.Context) string {
	ip, _ := ctx.Value(ipKey{}).(string)
	return ip
}
