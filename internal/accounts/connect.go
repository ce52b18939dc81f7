package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// MaxLoginAttempts is how many wrong login codes or 2FA passwords end a
// login in progress: enough for typos, too few to guess a 5-digit code.
const MaxLoginAttempts = 5

// ErrTooManyLoginAttempts ends a login after MaxLoginAttempts wrong codes
// or passwords.
var ErrTooManyLoginAttempts = &apperr.Error{
	Code:    "too_many_attempts",
	Message: "Too many wrong codes or passwords: this login has ended",
	Hint:    "For the account's safety the login was stopped after 5 wrong attempts. Start again to get a new code, and check the account's activity log if these attempts were not yours.",
	Status:  http.StatusTooManyRequests,
}

// Start is the connect form's submit: it checks the input, refuses an API
// ID or phone the same user has connected already, asks Telegram to send a
// login code and returns the new pending account, whose Login says where
// the code went.
//
// Other users' accounts are never looked at here: a stranger typing
// someone's phone with a made-up API hash must get "Invalid API
// credentials" from Telegram, not learn that the phone is connected. A
// number or API ID live under another user is refused only when the login
// completes (finish), that is, to whoever holds the Telegram account and
// its API hash.
func (s *Service) Start(ctx context.Context, by Actor, in ConnectInput) (Account, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return Account{}, err
	}
	c, phone, errs := checkConnect(in)
	if len(errs) > 0 {
		return Account{}, firstOf(errs)
	}
	if err := s.refuseOwnInUse(ctx, by.UserID, c, phone, 0); err != nil {
		return Account{}, err
	}
	creds := telegram.Credentials{APIID: int(c.apiID), APIHash: c.apiHash}
	sent, err := s.tg.SendCode(ctx, creds, phone)
	if err != nil {
		s.log.Info("telegram login code refused", slog.Int64("user", by.UserID), slog.String("telegram", telegramCode(err)))
		return Account{}, loginError(err, s.now())
	}

	var id int64
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		// A retry replaces the same user's earlier attempts with this number.
		if err := s.dropEarlierAttempts(ctx, tx, by.UserID, c.apiID, phone); err != nil {
			return err
		}
		now := s.now().UTC()
		acct, err := tx.CreatePendingAccount(ctx, by.UserID, c.apiID, phone, now)
		if err != nil {
			return fmt.Errorf("create pending account: %w", err)
		}
		id = acct.ID
		if err := s.saveNewLogin(ctx, tx, acct.ID, by.UserID, c.apiID, phone, creds.APIHash, sent); err != nil {
			return err
		}
		s.record(ctx, tx, by, acct.ID, "code_requested", "Login code sent "+via(sent.CodeType))
		return nil
	})
	if err != nil {
		return Account{}, err
	}
	s.log.Info("telegram login started", slog.Int64("user", by.UserID), slog.Int64("account", id), slog.String("code_type", sent.CodeType))
	return s.get(ctx, by.UserID, id)
}

// refuseOwnInUse is the article's "Phone number already in use" for the
// real case: the user connected this API ID, or this phone, already (self
// is the account a rotation renews). Only the user's own accounts are
// read. An API ID has one API hash: a different hash for the user's own
// API ID is a typo, answered as Telegram would, "Invalid API credentials".
func (s *Service) refuseOwnInUse(ctx context.Context, userID int64, c credentials, phone string, self int64) error {
	mine, err := s.st.ListAccounts(ctx, userID)
	if err != nil {
		return fmt.Errorf("check credentials in use: %w", err)
	}
	for _, a := range mine {
		if a.ID == self || a.Status == store.AccountPending || a.Status == store.AccountDisconnected {
			continue
		}
		if a.APIID == c.apiID {
			open, err := s.openAccount(a)
			if err == nil && open.creds.APIHash != c.apiHash {
				return ErrInvalidAPICredentials
			}
			return ErrPhoneInUse
		}
		if phone != "" && a.Phone == phone {
			return ErrPhoneInUse
		}
	}
	return nil
}

// countFailedStep records a wrong code or password on the login in
// progress and ends the login at MaxLoginAttempts; the attempts are in the
// account's activity log.
func (s *Service) countFailedStep(ctx context.Context, by Actor, accountID int64, event, what string, stepErr error) error {
	n, err := s.st.AddPendingLoginFailure(ctx, by.UserID, accountID)
	if err != nil {
		return fmt.Errorf("count failed login step: %w", err)
	}
	s.record(ctx, s.st, by, accountID, event, fmt.Sprintf("%s (attempt %d of %d)", what, n, MaxLoginAttempts))
	if n < MaxLoginAttempts {
		return loginError(stepErr, s.now())
	}
	if err := s.st.DeletePendingLoginsOfAccount(ctx, by.UserID, accountID); err != nil {
		return fmt.Errorf("end login after failed attempts: %w", err)
	}
	// A first login's account stays pending until discarded or pruned; it
	// must read as stopped, not as a login that ran out of time.
	if acct, err := s.row(ctx, by.UserID, accountID); err == nil && acct.Status == store.AccountPending {
		if err := s.st.SetAccountStatus(ctx, accountID, store.AccountPending, time.Time{}, loginEndedDetail, s.now().UTC()); err != nil {
			return fmt.Errorf("mark login stopped: %w", err)
		}
	}
	s.record(ctx, s.st, by, accountID, "login_ended", fmt.Sprintf("Login ended after %d wrong attempts", n))
	s.log.Warn("telegram login ended after wrong attempts", slog.Int64("user", by.UserID), slog.Int64("account", accountID), slog.Int("attempts", n))
	return ErrTooManyLoginAttempts.Wrap(stepErr)
}

func (s *Service) dropEarlierAttempts(ctx context.Context, tx store.Tx, userID, apiID int64, phone string) error {
	mine, err := tx.ListAccounts(ctx, userID)
	if err != nil {
		return fmt.Errorf("list accounts: %w", err)
	}
	for _, a := range mine {
		if a.Status == store.AccountPending && (a.APIID == apiID || a.Phone == phone) {
			if err := tx.DeletePendingAccount(ctx, userID, a.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("drop earlier attempt %d: %w", a.ID, err)
			}
		}
	}
	return nil
}

// saveNewLogin stores a login that just had its code sent, replacing the
// account's earlier one.
func (s *Service) saveNewLogin(ctx context.Context, tx store.Tx, accountID, userID, apiID int64, phone string, apiHash secrets.Secret, sent telegram.Pending) error {
	now := s.now().UTC()
	p := store.PendingLogin{
		UserID: userID, AccountID: accountID, APIID: apiID, Phone: phone,
		State: store.LoginCodeSent, CreatedAt: now, ExpiresAt: now.Add(LoginTTL),
	}
	setCode(&p, sent, now)
	if err := s.sealLogin(&p, apiHash, sent); err != nil {
		return err
	}
	if err := tx.DeletePendingLoginsOfAccount(ctx, userID, accountID); err != nil {
		return fmt.Errorf("replace login: %w", err)
	}
	if _, err := tx.CreatePendingLogin(ctx, p); err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	return nil
}

func setCode(p *store.PendingLogin, sent telegram.Pending, now time.Time) {
	p.CodeType, p.NextType, p.CodeLength = sent.CodeType, sent.NextType, sent.CodeLength
	p.CodeTimeoutSeconds = int(sent.Timeout / time.Second)
	p.CodeSentAt = now
}

// via says where a code went, for the activity log.
func via(codeType string) string {
	switch codeType {
	case "app":
		return "to the Telegram app"
	case "sms", "sms_word", "sms_phrase", "firebase_sms":
		return "by SMS"
	case "call", "flash_call", "missed_call":
		return "by phone call"
	case "email", "email_setup_required":
		return "by email"
	case "fragment":
		return "to Fragment"
	}
	return "by Telegram"
}

// liveLogin is the account's login in progress, opened; an expired one is
// deleted and reported as ErrLoginExpired.
func (s *Service) liveLogin(ctx context.Context, userID, accountID int64) (store.Account, openLogin, error) {
	acct, err := s.row(ctx, userID, accountID)
	if err != nil {
		return acct, openLogin{}, err
	}
	if acct.Status == store.AccountDisconnected {
		return acct, openLogin{}, errNotFound()
	}
	p, err := s.st.PendingLoginByAccount(ctx, userID, accountID)
	if errors.Is(err, store.ErrNotFound) {
		if acct.Status == store.AccountPending && acct.StatusDetail == loginEndedDetail {
			return acct, openLogin{}, ErrTooManyLoginAttempts
		}
		if acct.Status == store.AccountPending {
			return acct, openLogin{}, ErrLoginExpired
		}
		return acct, openLogin{}, ErrNoLogin
	}
	if err != nil {
		return acct, openLogin{}, fmt.Errorf("account %d login: %w", accountID, err)
	}
	if !s.now().Before(p.ExpiresAt) {
		if err := s.st.DeletePendingLoginsOfAccount(ctx, userID, accountID); err != nil {
			return acct, openLogin{}, fmt.Errorf("drop expired login: %w", err)
		}
		return acct, openLogin{}, ErrLoginExpired
	}
	l, err := s.openLogin(p)
	return acct, l, err
}

// ResendCode asks Telegram to send the code again, the next way it offers
// (auth.resendCode).
func (s *Service) ResendCode(ctx context.Context, by Actor, accountID int64) (Account, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return Account{}, err
	}
	acct, l, err := s.liveLogin(ctx, by.UserID, accountID)
	if err != nil {
		return Account{}, err
	}
	if l.row.State != store.LoginCodeSent {
		return Account{}, ErrResendUnavailable
	}
	// auth.sentCode's timeout is the seconds before next_type may be used
	// (TDLib refuses to resend before it, too): asking earlier would only
	// get a Telegram error, or count against the number's limits.
	if after := loginFrom(l.row, s.now()).ResendAfter; s.now().Before(after) {
		return Account{}, resendTooEarly(after, s.now())
	}
	sent, err := s.tg.ResendCode(ctx, l.creds, l.row.Phone, l.pending)
	if err != nil {
		s.record(ctx, s.st, by, acct.ID, "code_resend_failed", telegramCode(err))
		if errors.Is(err, telegram.ErrPhoneCodeExpired) {
			return Account{}, ErrLoginExpired.Wrap(err)
		}
		return Account{}, loginStepError(err, l.row.ExpiresAt, s.now())
	}
	now := s.now().UTC()
	p := l.row
	setCode(&p, sent, now)
	p.ExpiresAt = now.Add(LoginTTL)
	if err := s.sealLogin(&p, l.creds.APIHash, sent); err != nil {
		return Account{}, err
	}
	if err := s.st.UpdatePendingLogin(ctx, p); err != nil {
		return Account{}, fmt.Errorf("save resent code: %w", err)
	}
	s.record(ctx, s.st, by, acct.ID, "code_resent", "Login code sent again "+via(sent.CodeType))
	return s.get(ctx, by.UserID, accountID)
}

// SubmitCode checks the login code with Telegram. The account comes back
// active, or with Login.State LoginPasswordNeeded and the password hint
// when the account has two-step verification.
func (s *Service) SubmitCode(ctx context.Context, by Actor, accountID int64, code string) (Account, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return Account{}, err
	}
	acct, l, err := s.liveLogin(ctx, by.UserID, accountID)
	if err != nil {
		return Account{}, err
	}
	if l.row.State == store.LoginPasswordNeeded {
		// The code was taken already (a double submit): go on to the password.
		return s.get(ctx, by.UserID, accountID)
	}
	secret, verr := parseCode(code, l.row.CodeType)
	if verr != nil {
		return Account{}, verr
	}
	res, err := s.tg.SignIn(ctx, l.creds, l.row.Phone, l.pending, secret)
	var needPwd *telegram.PasswordNeededError
	switch {
	case errors.As(err, &needPwd):
		// The session that passed the code is the one the password must
		// be checked on.
		now := s.now().UTC()
		p := l.row
		p.State, p.PasswordHint, p.ExpiresAt = store.LoginPasswordNeeded, needPwd.Hint, now.Add(LoginTTL)
		l.pending.Session = needPwd.Session
		if err := s.sealLogin(&p, l.creds.APIHash, l.pending); err != nil {
			return Account{}, err
		}
		if err := s.st.UpdatePendingLogin(ctx, p); err != nil {
			return Account{}, fmt.Errorf("save login awaiting password: %w", err)
		}
		s.record(ctx, s.st, by, acct.ID, "code_accepted", "Two-step verification password requested")
		return s.get(ctx, by.UserID, accountID)
	case errors.Is(err, telegram.ErrPhoneCodeInvalid):
		return Account{}, s.countFailedStep(ctx, by, acct.ID, "code_failed", "Wrong login code", err)
	case err != nil:
		s.record(ctx, s.st, by, acct.ID, "code_failed", telegramCode(err))
		return Account{}, loginStepError(err, l.row.ExpiresAt, s.now())
	}
	return s.finish(ctx, by, acct, l, res)
}

// SubmitPassword completes a login that needs the 2FA password. The
// password is proven to Telegram with SRP and never stored.
func (s *Service) SubmitPassword(ctx context.Context, by Actor, accountID int64, password secrets.Secret) (Account, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return Account{}, err
	}
	acct, l, err := s.liveLogin(ctx, by.UserID, accountID)
	if err != nil {
		return Account{}, err
	}
	if l.row.State != store.LoginPasswordNeeded {
		return Account{}, ErrCodeFirst
	}
	if verr := checkPassword(password); verr != nil {
		return Account{}, verr
	}
	res, err := s.tg.CheckPassword(ctx, l.creds, l.pending.Session, password)
	if errors.Is(err, telegram.ErrPasswordInvalid) {
		return Account{}, s.countFailedStep(ctx, by, acct.ID, "password_failed", "Wrong 2FA password", err)
	}
	if err != nil {
		s.record(ctx, s.st, by, acct.ID, "password_failed", telegramCode(err))
		return Account{}, loginStepError(err, l.row.ExpiresAt, s.now())
	}
	return s.finish(ctx, by, acct, l, res)
}

// finish stores a completed login on its account: a new account becomes
// active; a rotated or renewed one gets the new session and its old
// session is logged out.
func (s *Service) finish(ctx context.Context, by Actor, acct store.Account, l openLogin, res telegram.Result) (Account, error) {
	if acct.TGUserID != 0 && res.Self.ID != acct.TGUserID {
		s.logOutQuietly(ctx, l.creds, res.Session, acct.ID)
		_ = s.st.DeletePendingLoginsOfAccount(ctx, by.UserID, acct.ID)
		s.record(ctx, s.st, by, acct.ID, "login_refused", "Logged in as a different Telegram account")
		return Account{}, ErrOtherTelegramAccount
	}
	event, detail := "connected", "Connected as "+displayName(res.Self)
	switch {
	case acct.Status == store.AccountPending:
	case l.row.APIID != acct.APIID:
		event, detail = "rotated", fmt.Sprintf("Credentials rotated: API ID %d replaces %d", l.row.APIID, acct.APIID)
	default:
		event, detail = "logged_in_again", "Logged in again"
	}
	var old openAccount
	if acct.Status != store.AccountPending {
		var err error
		if old, err = s.openAccount(acct); err != nil {
			s.log.Warn("old session of the account cannot be opened; it is not logged out", slog.Int64("account", acct.ID), slog.Any("err", err))
		}
	}

	login := store.AccountLogin{
		APIID: l.row.APIID, Phone: l.row.Phone, TGUserID: res.Self.ID,
		FirstName: res.Self.FirstName, LastName: res.Self.LastName, Username: res.Self.Username,
		DC: res.DC, Now: s.now().UTC(),
	}
	var err error
	if login.APIHashSealed, err = s.seal([]byte(l.creds.APIHash.Reveal()), adAccount("api_hash_sealed", acct.ID)); err != nil {
		return Account{}, err
	}
	if login.SessionSealed, err = s.seal(res.Session, adAccount("session_sealed", acct.ID)); err != nil {
		return Account{}, err
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.ActivateAccount(ctx, by.UserID, acct.ID, login); err != nil {
			return err
		}
		if err := tx.DeletePendingLoginsOfAccount(ctx, by.UserID, acct.ID); err != nil {
			return err
		}
		s.record(ctx, tx, by, acct.ID, event, detail)
		named := acct
		named.Phone, named.FirstName, named.LastName, named.Username = login.Phone, login.FirstName, login.LastName, login.Username
		return s.audit(ctx, tx, by, named, event, detail)
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		// Someone finished a login with this API ID or phone first.
		s.logOutQuietly(ctx, l.creds, res.Session, acct.ID)
		_ = s.st.DeletePendingLoginsOfAccount(ctx, by.UserID, acct.ID)
		s.record(ctx, s.st, by, acct.ID, "login_refused", "API ID or phone connected meanwhile to another account")
		return Account{}, ErrPhoneInUse
	case errors.Is(err, store.ErrNotFound):
		// Disconnected while the login ran.
		s.logOutQuietly(ctx, l.creds, res.Session, acct.ID)
		return Account{}, errNotFound()
	case err != nil:
		return Account{}, fmt.Errorf("activate account %d: %w", acct.ID, err)
	}
	s.log.Info("telegram account "+event, slog.Int64("user", by.UserID), slog.Int64("account", acct.ID), slog.Int("dc", res.DC))
	// A connection on the old session ends; the new one listens at once.
	s.rt.Drop(acct.ID)
	s.wake()

	if old.session != nil {
		if err := s.tg.LogOut(ctx, old.creds, old.session); err != nil && !errors.Is(err, telegram.ErrSessionRevoked) {
			s.record(ctx, s.st, by, acct.ID, "old_session_kept", "The previous session could not be logged out ("+telegramCode(err)+"); end it under Settings → Devices in Telegram")
			s.log.Warn("previous telegram session not logged out", slog.Int64("account", acct.ID), slog.Any("err", err))
		} else {
			s.record(ctx, s.st, by, acct.ID, "old_session_logged_out", "The previous session was logged out")
		}
	}
	return s.get(ctx, by.UserID, acct.ID)
}

// logOutQuietly ends a session nobody will use; failing is only logged.
func (s *Service) logOutQuietly(ctx context.Context, creds telegram.Credentials, session telegram.Session, accountID int64) {
	if err := s.tg.LogOut(ctx, creds, session); err != nil {
		s.log.Warn("unused telegram session not logged out", slog.Int64("account", accountID), slog.Any("err", err))
	}
}

func displayName(u telegram.User) string {
	name := u.FirstName
	if u.LastName != "" {
		name += " " + u.LastName
	}
	if u.Username != "" {
		name += " (@" + u.Username + ")"
	}
	return name
}
