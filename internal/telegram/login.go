package telegram

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/secrets"
)

// Pending is a login waiting for its code. The caller keeps all of it
// (Session sealed) until SignIn or ResendCode.
type Pending struct {
	Session       Session
	PhoneCodeHash string
	// CodeType is how this code was sent: "app", "sms", "call",
	// "flash_call", "missed_call", "email", "email_setup_required",
	// "fragment", "firebase_sms", "sms_word", "sms_phrase".
	CodeType string
	// CodeLength is the number of digits expected, 0 if Telegram did not say.
	CodeLength int
	// NextType is how ResendCode would send it ("sms", "call", "flash_call",
	// "missed_call", "fragment"), "" if there is no other way.
	NextType string
	// Timeout is how long to wait before offering ResendCode, 0 if unknown.
	Timeout time.Duration
}

// User is the logged-in account as Telegram describes it.
type User struct {
	ID         int64
	AccessHash int64
	FirstName  string
	LastName   string
	Username   string
	Phone      string
	Premium    bool
	Bot        bool
	Verified   bool
}

// Result is a completed login.
type Result struct {
	Session Session
	Self    User
	DC      int // the account's home data center
}

// SendCode asks Telegram to send a login code to phone (digits, as the
// caller normalised them). It always starts a new session: the returned
// Pending.Session holds the new auth key and, after a PHONE_MIGRATE, points
// at the phone's home DC (gotd migrates and repeats the call by itself), so
// later steps land there directly.
func (g *Gateway) SendCode(ctx context.Context, creds Credentials, phone string) (Pending, error) {
	var p Pending
	out, err := g.step(ctx, creds, nil, func(ctx context.Context, api *tg.Client) error {
		sent, err := api.AuthSendCode(ctx, &tg.AuthSendCodeRequest{
			PhoneNumber: phone,
			APIID:       creds.APIID,
			APIHash:     creds.APIHash.Reveal(),
			Settings:    tg.CodeSettings{},
		})
		if err != nil {
			return err
		}
		p, err = pendingFrom("auth.sendCode", sent)
		return err
	})
	p.Session = out
	return p, err
}

// ResendCode asks for the code again, the NextType way.
func (g *Gateway) ResendCode(ctx context.Context, creds Credentials, phone string, prev Pending) (Pending, error) {
	p := prev
	out, err := g.step(ctx, creds, prev.Session, func(ctx context.Context, api *tg.Client) error {
		sent, err := api.AuthResendCode(ctx, &tg.AuthResendCodeRequest{
			PhoneNumber:   phone,
			PhoneCodeHash: prev.PhoneCodeHash,
		})
		if err != nil {
			return err
		}
		p, err = pendingFrom("auth.resendCode", sent)
		return err
	})
	p.Session = out
	return p, err
}

// SignIn submits the code. With two-step verification on, it returns a
// *PasswordNeededError (errors.Is ErrPasswordNeeded) carrying the password
// hint and the session CheckPassword must use; Result.Session is that
// session too.
func (g *Gateway) SignIn(ctx context.Context, creds Credentials, phone string, p Pending, code secrets.Secret) (Result, error) {
	var (
		res  Result
		hint string
	)
	out, err := g.step(ctx, creds, p.Session, func(ctx context.Context, api *tg.Client) error {
		a, err := api.AuthSignIn(ctx, &tg.AuthSignInRequest{
			PhoneNumber:   phone,
			PhoneCodeHash: p.PhoneCodeHash,
			PhoneCode:     code.Reveal(),
		})
		if errors.Is(err, ErrPasswordNeeded) {
			pwd, perr := api.AccountGetPassword(ctx)
			if perr != nil {
				return perr
			}
			hint = pwd.Hint
			return err
		}
		if err != nil {
			return err
		}
		res.Self, err = selfFrom("auth.signIn", a)
		return err
	})
	res.Session = out
	if errors.Is(err, ErrPasswordNeeded) {
		return res, &PasswordNeededError{Hint: hint, Session: out}
	}
	if err != nil {
		return res, err
	}
	res.DC = SessionDC(out)
	return res, nil
}

// CheckPassword completes a login that needed the 2FA password, proving it
// with SRP: the password itself never leaves this process.
func (g *Gateway) CheckPassword(ctx context.Context, creds Credentials, session Session, password secrets.Secret) (Result, error) {
	var res Result
	out, err := g.step(ctx, creds, session, func(ctx context.Context, api *tg.Client) error {
		pwd, err := api.AccountGetPassword(ctx)
		if err != nil {
			return err
		}
		if !pwd.HasPassword {
			return errors.New("telegram account.getPassword: the account has no 2FA password")
		}
		srp, err := auth.PasswordHash([]byte(password.Reveal()), pwd.SRPID, pwd.SRPB, pwd.SecureRandom, pwd.CurrentAlgo)
		if err != nil {
			// The error names the algorithm, never the password.
			return fmt.Errorf("telegram 2FA: %w", err)
		}
		a, err := api.AuthCheckPassword(ctx, srp)
		if err != nil {
			return err
		}
		res.Self, err = selfFrom("auth.checkPassword", a)
		return err
	})
	res.Session = out
	if err != nil {
		return res, err
	}
	res.DC = SessionDC(out)
	return res, nil
}

func pendingFrom(method string, sent tg.AuthSentCodeClass) (Pending, error) {
	switch s := sent.(type) {
	case *tg.AuthSentCode:
		p := Pending{PhoneCodeHash: s.PhoneCodeHash}
		p.CodeType, p.CodeLength = sentCodeType(s.Type)
		if next, ok := s.GetNextType(); ok {
			p.NextType = codeType(next)
		}
		if t, ok := s.GetTimeout(); ok {
			p.Timeout = time.Duration(t) * time.Second
		}
		return p, nil
	case *tg.AuthSentCodeSuccess:
		// Only happens with future auth tokens, which we never send.
		return Pending{}, fmt.Errorf("telegram %s: logged in without a code, which Telegramate does not ask for", method)
	case *tg.AuthSentCodePaymentRequired:
		return Pending{}, fmt.Errorf("telegram %s: Telegram requires a paid subscription to send this code", method)
	default:
		return Pending{}, fmt.Errorf("telegram %s: unexpected answer %T", method, sent)
	}
}

func sentCodeType(t tg.AuthSentCodeTypeClass) (string, int) {
	switch t := t.(type) {
	case *tg.AuthSentCodeTypeApp:
		return "app", t.Length
	case *tg.AuthSentCodeTypeSMS:
		return "sms", t.Length
	case *tg.AuthSentCodeTypeCall:
		return "call", t.Length
	case *tg.AuthSentCodeTypeFlashCall:
		return "flash_call", 0
	case *tg.AuthSentCodeTypeMissedCall:
		return "missed_call", t.Length
	case *tg.AuthSentCodeTypeEmailCode:
		return "email", t.Length
	case *tg.AuthSentCodeTypeSetUpEmailRequired:
		return "email_setup_required", 0
	case *tg.AuthSentCodeTypeFragmentSMS:
		return "fragment", t.Length
	case *tg.AuthSentCodeTypeFirebaseSMS:
		return "firebase_sms", t.Length
	case *tg.AuthSentCodeTypeSMSWord:
		return "sms_word", 0
	case *tg.AuthSentCodeTypeSMSPhrase:
		return "sms_phrase", 0
	case nil:
		return "", 0
	default:
		return t.TypeName(), 0
	}
}

func codeType(t tg.AuthCodeTypeClass) string {
	switch t.(type) {
	case *tg.AuthCodeTypeSMS:
		return "sms"
	case *tg.AuthCodeTypeCall:
		return "call"
	case *tg.AuthCodeTypeFlashCall:
		return "flash_call"
	case *tg.AuthCodeTypeMissedCall:
		return "missed_call"
	case *tg.AuthCodeTypeFragmentSMS:
		return "fragment"
	case nil:
		return ""
	default:
		return t.TypeName()
	}
}

func selfFrom(method string, a tg.AuthAuthorizationClass) (User, error) {
	switch a := a.(type) {
	case *tg.AuthAuthorization:
		u, ok := a.User.(*tg.User)
		if !ok {
			return User{}, fmt.Errorf("telegram %s: no user in the authorization", method)
		}
		return userFrom(u), nil
	case *tg.AuthAuthorizationSignUpRequired:
		return User{}, &rpcError{method: method, kind: ErrPhoneNumberUnoccupied, err: errors.New("sign-up required")}
	default:
		return User{}, fmt.Errorf("telegram %s: unexpected answer %T", method, a)
	}
}

func userFrom(u *tg.User) User {
	return User{
		ID:         u.ID,
		AccessHash: u.AccessHash,
		FirstName:  u.FirstName,
		LastName:   u.LastName,
		Username:   u.Username,
		Phone:      u.Phone,
		Premium:    u.Premium,
		Bot:        u.Bot,
		Verified:   u.Verified,
	}
}
