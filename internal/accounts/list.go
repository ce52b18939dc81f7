package accounts

import (
	"context"
	"fmt"
	"log/slog"
)

// Get is one of the user's accounts, with its login in progress if any;
// another user's account is not_found.
func (s *Service) Get(ctx context.Context, userID, accountID int64) (Account, error) {
	return s.get(ctx, userID, accountID)
}

// Owned answers not_found unless the account is the user's, for domains
// that keep rows of their own per account (extraction's chat lists) and
// must not read accounts from the store themselves.
func (s *Service) Owned(ctx context.Context, userID, accountID int64) error {
	_, err := s.row(ctx, userID, accountID)
	return err
}

// List is the user's accounts, oldest first, disconnected ones included.
func (s *Service) List(ctx context.Context, userID int64) ([]Account, error) {
	// Cleaning up here keeps abandoned logins off the list without a job of
	// their own; the prune job removes their sealed secrets at expiry.
	if n, err := s.st.DeleteAbandonedPendingAccounts(ctx, s.now().UTC().Add(-AbandonedAfter)); err != nil {
		s.log.Warn("abandoned logins not cleaned up", slog.Any("err", err))
	} else if n > 0 {
		s.log.Info("abandoned logins cleaned up", slog.Int64("accounts", n))
	}
	rows, err := s.st.ListAccounts(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	waits, err := s.st.UserAccountWaits(ctx, userID, s.now().UTC())
	if err != nil {
		return nil, fmt.Errorf("list account waits: %w", err)
	}
	out := make([]Account, 0, len(rows))
	for _, r := range rows {
		for _, w := range waits {
			if w.AccountID == r.ID {
				r.Waits = append(r.Waits, w)
			}
		}
		a := fromStore(r)
		if err := s.attachLogin(ctx, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// ConnectedAccounts counts the user's live accounts (the dashboard's
// yellow alert shows while there are none).
func (s *Service) ConnectedAccounts(ctx context.Context, userID int64) (int, error) {
	rows, err := s.st.ListAccounts(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("list accounts: %w", err)
	}
	n := 0
	for _, r := range rows {
		if fromStore(r).Live() {
			n++
		}
	}
	return n, nil
}
