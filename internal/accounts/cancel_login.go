package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/telegramate/telegramate/internal/store"
)

// CancelLogin drops the account's unfinished first login, waiting or
// expired: the pending account goes with it (its row holds nothing but
// the attempt). Another user's account is not_found.
func (s *Service) CancelLogin(ctx context.Context, by Actor, accountID int64) error {
	row, err := s.st.AccountByID(ctx, by.UserID, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound()
	}
	if err != nil {
		return fmt.Errorf("account %d: %w", accountID, err)
	}
	if row.Status != store.AccountPending {
		return ErrNoLogin
	}
	// The cascade drops the login's sealed secrets.
	if err := s.st.DeletePendingAccount(ctx, by.UserID, accountID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("discard login %d: %w", accountID, err)
	}
	s.log.Info("telegram login discarded", slog.Int64("user", by.UserID), slog.Int64("account", accountID))
	return nil
}
