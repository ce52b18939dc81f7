package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/store"
)

// CancelLogin drops the account's unfinished login. A first login, waiting
// or expired, goes with its pending account (the row holds nothing but the
// attempt); a rotation or re-login of a connected account is dropped and
// the account keeps its current credentials and session. Another user's
// account is not_found.
func (s *Service) CancelLogin(ctx context.Context, by Actor, accountID int64) error {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return err
	}
	row, err := s.row(ctx, by.UserID, accountID)
	if err != nil {
		return err
	}
	switch row.Status {
	case store.AccountDisconnected:
		return ErrNoLogin
	case store.AccountPending:
		// The cascade drops the login's sealed secrets.
		if err := s.st.DeletePendingAccount(ctx, by.UserID, accountID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("discard login %d: %w", accountID, err)
		}
		s.log.Info("telegram login discarded", slog.Int64("user", by.UserID), slog.Int64("account", accountID))
		return nil
	}
	p, err := s.st.PendingLoginByAccount(ctx, by.UserID, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoLogin
	}
	if err != nil {
		return fmt.Errorf("account %d login: %w", accountID, err)
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.DeletePendingLoginsOfAccount(ctx, by.UserID, accountID); err != nil {
			return err
		}
		detail := "The account keeps its current credentials and session"
		if p.APIID != row.APIID {
			detail = fmt.Sprintf("Rotation to API ID %d cancelled; the account keeps API ID %d", p.APIID, row.APIID)
		}
		s.record(ctx, tx, by, accountID, "login_cancelled", detail)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cancel login of account %d: %w", accountID, err)
	}
	s.log.Info("telegram login cancelled", slog.Int64("user", by.UserID), slog.Int64("account", accountID))
	return nil
}
