package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func toAccount(a gen.TelegramAccount) store.Account {
	return store.Account{
		ID:             a.ID,
		UserID:         a.UserID,
		APIID:          a.ApiID,
		APIHashSealed:  a.ApiHashSealed,
		Phone:          a.Phone,
		TGUserID:       a.TgUserID.Int64,
		FirstName:      a.FirstName,
		LastName:       a.LastName,
		Username:       a.Username,
		DC:             int(a.Dc),
		SessionSealed:  a.SessionSealed,
		Status:         a.Status,
		FloodUntil:     fromNullTime(a.FloodUntil),
		StatusDetail:   a.StatusDetail,
		CreatedAt:      a.CreatedAt.UTC(),
		UpdatedAt:      a.UpdatedAt.UTC(),
		ConnectedAt:    fromNullTime(a.ConnectedAt),
		DisconnectedAt: fromNullTime(a.DisconnectedAt),

		LoginGeneration: a.LoginGeneration,
	}
}

func toPendingLogin(p gen.PendingLogin) store.PendingLogin {
	return store.PendingLogin{
		ID:                  p.ID,
		UserID:              p.UserID,
		AccountID:           p.AccountID.Int64,
		APIID:               p.ApiID,
		APIHashSealed:       p.ApiHashSealed,
		Phone:               p.Phone,
		PhoneCodeHashSealed: p.PhoneCodeHashSealed,
		SessionSealed:       p.SessionSealed,
		CodeType:            p.CodeType,
		NextType:            p.NextType,
		CodeTimeoutSeconds:  int(p.CodeTimeoutSeconds),
		CodeLength:          int(p.CodeLength),
		CodeSentAt:          fromNullTime(p.CodeSentAt),
		PasswordHint:        p.PasswordHint,
		State:               p.State,
		FailedAttempts:      int(p.FailedAttempts),
		CreatedAt:           p.CreatedAt.UTC(),
		ExpiresAt:           p.ExpiresAt.UTC(),
	}
}

func toActivity(a gen.AccountActivity) store.Activity {
	return store.Activity{
		ID:        a.ID,
		AccountID: a.AccountID.Int64,
		UserID:    a.UserID,
		ByUserID:  a.ByUserID.Int64,
		Event:     a.Event,
		Detail:    a.Detail,
		IP:        a.Ip,
		CreatedAt: a.CreatedAt.UTC(),
	}
}

// nullID maps 0 to NULL.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func (q queries) CreatePendingLogin(ctx context.Context, p store.PendingLogin) (store.PendingLogin, error) {
	r, err := q.q.CreatePendingLogin(ctx, gen.CreatePendingLoginParams{
		UserID:              p.UserID,
		AccountID:           nullID(p.AccountID),
		ApiID:               p.APIID,
		ApiHashSealed:       p.APIHashSealed,
		Phone:               p.Phone,
		PhoneCodeHashSealed: p.PhoneCodeHashSealed,
		SessionSealed:       p.SessionSealed,
		CodeType:            p.CodeType,
		NextType:            p.NextType,
		CodeTimeoutSeconds:  int64(p.CodeTimeoutSeconds),
		PasswordHint:        p.PasswordHint,
		State:               p.State,
		CreatedAt:           p.CreatedAt,
		ExpiresAt:           p.ExpiresAt,
		CodeLength:          int64(p.CodeLength),
		CodeSentAt:          nullTime(p.CodeSentAt),
	})
	return one(q.d, r, err, toPendingLogin)
}

func (q queries) PendingLoginByID(ctx context.Context, userID, id int64) (store.PendingLogin, error) {
	r, err := q.q.PendingLoginByID(ctx, gen.PendingLoginByIDParams{ID: id, UserID: userID})
	return one(q.d, r, err, toPendingLogin)
}

func (q queries) UpdatePendingLogin(ctx context.Context, p store.PendingLogin) error {
	n, err := q.q.UpdatePendingLogin(ctx, gen.UpdatePendingLoginParams{
		PhoneCodeHashSealed: p.PhoneCodeHashSealed,
		SessionSealed:       p.SessionSealed,
		CodeType:            p.CodeType,
		NextType:            p.NextType,
		CodeTimeoutSeconds:  int64(p.CodeTimeoutSeconds),
		PasswordHint:        p.PasswordHint,
		State:               p.State,
		ExpiresAt:           p.ExpiresAt,
		CodeLength:          int64(p.CodeLength),
		CodeSentAt:          nullTime(p.CodeSentAt),
		ID:                  p.ID,
		UserID:              p.UserID,
	})
	return affected(q.d, n, err)
}

func (q queries) DeletePendingLogin(ctx context.Context, userID, id int64) error {
	n, err := q.q.DeletePendingLogin(ctx, gen.DeletePendingLoginParams{ID: id, UserID: userID})
	return affected(q.d, n, err)
}

func (q queries) DeleteExpiredPendingLogins(ctx context.Context, now time.Time) (int64, error) {
	n, err := q.q.DeleteExpiredPendingLogins(ctx, now)
	return n, mapErr(q.d, err)
}

func (q queries) CreateAccount(ctx context.Context, userID int64, l store.AccountLogin) (store.Account, error) {
	r, err := q.q.CreateAccount(ctx, gen.CreateAccountParams{
		UserID:        userID,
		ApiID:         l.APIID,
		ApiHashSealed: l.APIHashSealed,
		Phone:         l.Phone,
		TgUserID:      nullID(l.TGUserID),
		FirstName:     l.FirstName,
		LastName:      l.LastName,
		Username:      l.Username,
		Dc:            int64(l.DC),
		SessionSealed: l.SessionSealed,
		Now:           l.Now,
	})
	return one(q.d, r, err, toAccount)
}

func (q queries) ActivateAccount(ctx context.Context, userID, accountID int64, l store.AccountLogin) (store.Account, error) {
	r, err := q.q.ActivateAccount(ctx, gen.ActivateAccountParams{
		ApiID:         l.APIID,
		ApiHashSealed: l.APIHashSealed,
		Phone:         l.Phone,
		TgUserID:      nullID(l.TGUserID),
		FirstName:     l.FirstName,
		LastName:      l.LastName,
		Username:      l.Username,
		Dc:            int64(l.DC),
		SessionSealed: l.SessionSealed,
		Now:           l.Now,
		ID:            accountID,
		UserID:        userID,
	})
	return one(q.d, r, err, toAccount)
}

func (q queries) AccountByID(ctx context.Context, userID, id int64) (store.Account, error) {
	r, err := q.q.AccountByID(ctx, gen.AccountByIDParams{ID: id, UserID: userID})
	return one(q.d, r, err, toAccount)
}

func (q queries) ListAccounts(ctx context.Context, userID int64) ([]store.Account, error) {
	rs, err := q.q.ListAccounts(ctx, userID)
	return many(q.d, rs, err, toAccount)
}

func (q queries) AccountsByStatus(ctx context.Context, status string) ([]store.Account, error) {
	rs, err := q.q.AccountsByStatus(ctx, status)
	return many(q.d, rs, err, toAccount)
}

func (q queries) AccountByAPIIDOrPhone(ctx context.Context, apiID int64, phone string) (store.Account, error) {
	r, err := q.q.LiveAccountByAPIIDOrPhone(ctx, gen.LiveAccountByAPIIDOrPhoneParams{ApiID: apiID, Phone: phone})
	return one(q.d, r, err, toAccount)
}

func (q queries) UpdateAccountSession(ctx context.Context, id int64, sessionSealed []byte, now time.Time) error {
	n, err := q.q.UpdateAccountSession(ctx, gen.UpdateAccountSessionParams{ID: id, SessionSealed: sessionSealed, Now: now})
	return affected(q.d, n, err)
}

func (q queries) SetAccountStatus(ctx context.Context, id int64, status string, floodUntil time.Time, detail string, now time.Time) error {
	n, err := q.q.SetAccountStatus(ctx, gen.SetAccountStatusParams{
		ID: id, Status: status, FloodUntil: nullTime(floodUntil), StatusDetail: detail, Now: now,
	})
	return affected(q.d, n, err)
}

func (q queries) DisconnectAccount(ctx context.Context, userID, id int64, now time.Time) error {
	n, err := q.q.DisconnectAccount(ctx, gen.DisconnectAccountParams{ID: id, UserID: userID, Now: now})
	return affected(q.d, n, err)
}

func (q queries) AddActivity(ctx context.Context, a store.Activity) (store.Activity, error) {
	r, err := q.q.AddActivity(ctx, gen.AddActivityParams{
		AccountID: nullID(a.AccountID), UserID: a.UserID, ByUserID: nullID(a.ByUserID), Event: a.Event, Detail: a.Detail, Ip: a.IP, CreatedAt: a.CreatedAt,
	})
	return one(q.d, r, err, toActivity)
}

func (q queries) ListActivity(ctx context.Context, userID, accountID int64, limit int) ([]store.Activity, error) {
	rs, err := q.q.ListActivity(ctx, gen.ListActivityParams{AccountID: nullID(accountID), UserID: userID, MaxRows: int64(limit)})
	return many(q.d, rs, err, toActivity)
}

func (q queries) PendingLoginByAccount(ctx context.Context, userID, accountID int64) (store.PendingLogin, error) {
	r, err := q.q.PendingLoginByAccount(ctx, gen.PendingLoginByAccountParams{AccountID: nullID(accountID), UserID: userID})
	return one(q.d, r, err, toPendingLogin)
}

func (q queries) DeletePendingLoginsOfAccount(ctx context.Context, userID, accountID int64) error {
	_, err := q.q.DeletePendingLoginsOfAccount(ctx, gen.DeletePendingLoginsOfAccountParams{AccountID: nullID(accountID), UserID: userID})
	return mapErr(q.d, err)
}

func (q queries) CreatePendingAccount(ctx context.Context, userID, apiID int64, phone string, now time.Time) (store.Account, error) {
	r, err := q.q.CreatePendingAccount(ctx, gen.CreatePendingAccountParams{UserID: userID, ApiID: apiID, Phone: phone, Now: now})
	return one(q.d, r, err, toAccount)
}

func (q queries) DeletePendingAccount(ctx context.Context, userID, id int64) error {
	n, err := q.q.DeletePendingAccount(ctx, gen.DeletePendingAccountParams{ID: id, UserID: userID})
	return affected(q.d, n, err)
}

func (q queries) DeleteAbandonedPendingAccounts(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.q.DeleteAbandonedPendingAccounts(ctx, before)
	return n, mapErr(q.d, err)
}

func (q queries) LiveAccountsByAPIIDOrPhone(ctx context.Context, apiID int64, phone string) ([]store.Account, error) {
	rs, err := q.q.LiveAccountsByAPIIDOrPhone(ctx, gen.LiveAccountsByAPIIDOrPhoneParams{ApiID: apiID, Phone: phone})
	return many(q.d, rs, err, toAccount)
}

func (q queries) FinishAccountUse(ctx context.Context, f store.Fence, u store.AccountUse) (bool, error) {
	landed := false
	err := q.inTx(ctx, func(q queries) error {
		// A use under a lease that the node lost since stores nothing:
		// the next holder's uses are the account's now.
		if !f.IsUnfenced() {
			if err := q.holdFence(ctx, f); err != nil {
				return err
			}
		}
		if u.SessionSealed != nil {
			if _, err := q.q.StoreUseSession(ctx, gen.StoreUseSessionParams{
				SessionSealed: u.SessionSealed, Now: u.Now, ID: u.ID, LoginGeneration: u.LoginGeneration,
			}); err != nil {
				return mapErr(q.d, err)
			}
		}
		var (
			n   int64
			err error
		)
		if w := u.Wait; w != nil {
			// Kept whatever the login: Telegram's wait is the account's,
			// not one session's.
			n, err = q.q.RecordAccountWait(ctx, gen.RecordAccountWaitParams{
				AccountID: u.ID, Kind: w.Kind, WaitUntil: w.Until, Detail: w.Detail,
			})
			if err != nil {
				return mapErr(q.d, err)
			}
			landed = n > 0
		}
		switch u.Verdict {
		case "":
			return nil
		case store.AccountActive:
			n, err = q.q.EndFloodWait(ctx, gen.EndFloodWaitParams{Now: u.Now, ID: u.ID, LoginGeneration: u.LoginGeneration})
		default:
			n, err = q.q.RecordUseVerdict(ctx, gen.RecordUseVerdictParams{
				Status: u.Verdict, FloodUntil: nullTime(u.FloodUntil), StatusDetail: u.StatusDetail, Now: u.Now,
				ID: u.ID, LoginGeneration: u.LoginGeneration, Rank: verdictRank(u.Verdict),
			})
		}
		landed = landed || n > 0
		return mapErr(q.d, err)
	})
	return landed, err
}

func (q queries) AccountWaits(ctx context.Context, accountID int64, now time.Time) ([]store.AccountWait, error) {
	rs, err := q.q.AccountWaits(ctx, gen.AccountWaitsParams{AccountID: accountID, Now: now})
	return many(q.d, rs, err, toAccountWait)
}

func (q queries) UserAccountWaits(ctx context.Context, userID int64, now time.Time) ([]store.AccountWait, error) {
	rs, err := q.q.UserAccountWaits(ctx, gen.UserAccountWaitsParams{UserID: userID, Now: now})
	return many(q.d, rs, err, toAccountWait)
}

func toAccountWait(w gen.AccountWait) store.AccountWait {
	return store.AccountWait{AccountID: w.AccountID, Kind: w.Kind, Until: w.WaitUntil.UTC(), Detail: w.Detail}
}

// verdictRank orders verdicts by gravity, as RecordUseVerdict's CASE does.
func verdictRank(status string) int64 {
	switch status {
	case store.AccountNeedsRelogin:
		return 3
	case store.AccountLimited:
		return 2
	case store.AccountFloodWait:
		return 1
	}
	return 0
}
