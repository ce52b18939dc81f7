package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Disconnected says how a disconnection went at Telegram.
type Disconnected struct {
	// LoggedOut is false when Telegram could not be reached to end the
	// session: the secrets are deleted all the same, and the person should
	// end the session from a Telegram app (Settings → Devices).
	LoggedOut bool
}

// Disconnect logs the account's session out at Telegram (auth.logOut),
// then deletes its sealed API hash and session; the account stays listed as
// disconnected with its activity log, and its API ID and phone are free to
// connect again. A login that never finished is simply removed.
func (s *Service) Disconnect(ctx context.Context, by Actor, accountID int64) (Disconnected, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return Disconnected{}, err
	}
	row, err := s.row(ctx, by.UserID, accountID)
	if err != nil {
		return Disconnected{}, err
	}
	switch row.Status {
	case store.AccountDisconnected:
		return Disconnected{LoggedOut: true}, nil
	case store.AccountPending:
		// Nothing is authorized yet; the cascade drops the login's secrets.
		if err := s.st.DeletePendingAccount(ctx, by.UserID, accountID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Disconnected{}, fmt.Errorf("cancel login %d: %w", accountID, err)
		}
		s.log.Info("telegram login cancelled", slog.Int64("user", by.UserID), slog.Int64("account", accountID))
		return Disconnected{LoggedOut: true}, nil
	}

	res := Disconnected{LoggedOut: true}
	detail := "Logged out at Telegram; stored credentials and session deleted"
	// Its live connection ends first: nothing speaks for the account
	// once it is logged out.
	s.rt.Drop(accountID)
	open, err := s.openAccount(row)
	if err == nil {
		err = s.tg.LogOut(ctx, open.creds, open.session)
	}
	if err != nil && !errors.Is(err, telegram.ErrSessionRevoked) {
		res.LoggedOut = false
		detail = "Telegram could not be reached to log out (" + telegramCode(err) + "); stored credentials and session deleted"
		s.log.Warn("telegram session not logged out on disconnect", slog.Int64("account", accountID), slog.Any("err", err))
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.DeletePendingLoginsOfAccount(ctx, by.UserID, accountID); err != nil {
			return err
		}
		if err := tx.DisconnectAccount(ctx, by.UserID, accountID, s.now().UTC()); err != nil {
			return err
		}
		s.record(ctx, tx, by, accountID, "disconnected", detail)
		return s.audit(ctx, tx, by, row, "disconnected", detail)
	})
	if err != nil {
		return Disconnected{}, fmt.Errorf("disconnect account %d: %w", accountID, err)
	}
	s.log.Info("telegram account disconnected", slog.Int64("user", by.UserID), slog.Int64("account", accountID), slog.Bool("logged_out", res.LoggedOut))
	return res, nil
}
