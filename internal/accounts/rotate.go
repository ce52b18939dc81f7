package accounts

import (
	"context"
	"log/slog"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Rotate starts replacing a live account's API credentials, as the article
// asks users to do regularly: Telegram sends a code to the account's phone
// for a login with the new API ID and Hash; when it finishes (SubmitCode,
// SubmitPassword) the new session replaces the old one, which is logged
// out. Until then the account keeps working with its old credentials.
func (s *Service) Rotate(ctx context.Context, by Actor, accountID int64, in RotateInput) (Account, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return Account{}, err
	}
	c, errs := checkCredentials(in.APIID, in.APIHash)
	if len(errs) > 0 {
		return Account{}, firstOf(errs)
	}
	acct, err := s.liveAccount(ctx, by.UserID, accountID)
	if err != nil {
		return Account{}, err
	}
	if err := s.refuseOwnInUse(ctx, by.UserID, c, "", acct.ID); err != nil {
		return Account{}, err
	}
	creds := telegram.Credentials{APIID: int(c.apiID), APIHash: c.apiHash}
	return s.startRenewal(ctx, by, acct, creds, "rotation_started")
}

// Relogin starts a new login with the account's stored credentials, for an
// account whose session Telegram ended (status needs re-login).
func (s *Service) Relogin(ctx context.Context, by Actor, accountID int64) (Account, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return Account{}, err
	}
	acct, err := s.liveAccount(ctx, by.UserID, accountID)
	if err != nil {
		return Account{}, err
	}
	open, err := s.openAccount(acct)
	if err != nil {
		return Account{}, err
	}
	return s.startRenewal(ctx, by, acct, open.creds, "relogin_started")
}

func (s *Service) startRenewal(ctx context.Context, by Actor, acct store.Account, creds telegram.Credentials, event string) (Account, error) {
	sent, err := s.tg.SendCode(ctx, creds, acct.Phone)
	if err != nil {
		s.record(ctx, s.st, by, acct.ID, "code_request_failed", telegramCode(err))
		return Account{}, loginError(err, s.now())
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		if err := s.saveNewLogin(ctx, tx, acct.ID, by.UserID, int64(creds.APIID), acct.Phone, creds.APIHash, sent); err != nil {
			return err
		}
		s.record(ctx, tx, by, acct.ID, event, "Login code sent "+via(sent.CodeType))
		return nil
	})
	if err != nil {
		return Account{}, err
	}
	s.log.Info("telegram account "+event, slog.Int64("user", by.UserID), slog.Int64("account", acct.ID))
	return s.get(ctx, by.UserID, acct.ID)
}

// liveAccount is the user's account if it finished its login and is not
// disconnected.
func (s *Service) liveAccount(ctx context.Context, userID, accountID int64) (store.Account, error) {
	acct, err := s.row(ctx, userID, accountID)
	if err != nil {
		return acct, err
	}
	switch acct.Status {
	case store.AccountDisconnected:
		return acct, ErrDisconnected
	case store.AccountPending:
		return acct, ErrNotConnectedYet
	}
	return acct, nil
}
