// Package users holds platform accounts (the people who log in to
// Telegramate, not their Telegram accounts): sign-up, passwords, log-in with
// throttling of failures.
package users

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
)

var (
	ErrEmailTaken = &apperr.Error{
		Code:    "email_taken",
		Message: "An account with this email already exists",
		Hint:    "Log in instead, or use another email address.",
		Field:   "email",
		Status:  http.StatusConflict,
	}
	ErrInvalidLogin = &apperr.Error{
		Code:    "invalid_credentials",
		Message: "Incorrect email or password",
		Hint:    "Check both and try again.",
		Status:  http.StatusUnauthorized,
	}
	ErrSignupClosed = &apperr.Error{
		Code:    "signup_closed",
		Message: "Sign-up is closed on this instance",
		Hint:    "Ask an administrator to create an account for you.",
		Status:  http.StatusForbidden,
	}
	ErrTooManyAttempts = &apperr.Error{
		Code:    "too_many_attempts",
		Message: "Too many failed log-in attempts",
		Status:  http.StatusTooManyRequests,
	}
)

// Options configure a Service; the zero value is the production setting
// with sign-up closed.
type Options struct {
	// SignupOpen lets anyone create an account at /signup. When false, only
	// `telegramate user create` makes users (the first one included), so a
	// freshly started public instance cannot be claimed by a stranger.
	SignupOpen bool
	Hash       HashParams       // zero means DefaultHashParams
	Throttle   Throttle         // zero means DefaultThrottle
	Now        func() time.Time // for tests; zero means time.Now
}

type Service struct {
	st   Store
	opts Options

	dummyOnce sync.Once
	dummyHash string
}

func New(st Store, opts Options) *Service {
	if opts.Hash == (HashParams{}) {
		opts.Hash = DefaultHashParams
	}
	if opts.Throttle == (Throttle{}) {
		opts.Throttle = DefaultThrottle
	}
	if opts.Throttle.Memory == 0 {
		opts.Throttle.Memory = DefaultThrottle.Memory
	}
	if opts.Throttle.MaxLock == 0 {
		opts.Throttle.MaxLock = DefaultThrottle.MaxLock
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{st: st, opts: opts}
}

func (s *Service) now() time.Time { return s.opts.Now().UTC() }

// SignupOpen tells the UI whether to offer /signup.
func (s *Service) SignupOpen() bool { return s.opts.SignupOpen }

// NewUser is what a person (or an operator at the CLI) asks for.
type NewUser struct {
	Email    string
	Password string
	// Admin makes an instance administrator. Nobody becomes one by being
	// first: a stranger could reach a fresh instance's sign-up page before
	// the person installing it.
	Admin bool
}

// SignUp creates a user from the public sign-up form.
func (s *Service) SignUp(ctx context.Context, email, password string) (store.User, error) {
	if !s.opts.SignupOpen {
		return store.User{}, ErrSignupClosed
	}
	return s.Create(ctx, NewUser{Email: email, Password: password})
}

// SignUpFrom is SignUp for a client at clientIP. Without email delivery a
// sign-up cannot hide that an address is taken, so probing for addresses
// costs what guessing passwords does: a taken email counts as a failed
// log-in of the client, and a throttled client is refused.
func (s *Service) SignUpFrom(ctx context.Context, email, password, clientIP string) (store.User, error) {
	if !s.opts.SignupOpen {
		return store.User{}, ErrSignupClosed
	}
	return s.signUp(ctx, email, password, clientIP)
}

// SignUpInvited is SignUpFrom for a person holding an invitation, whom
// the invitation admits when sign-up is closed (the caller checked it).
func (s *Service) SignUpInvited(ctx context.Context, email, password, clientIP string) (store.User, error) {
	return s.signUp(ctx, email, password, clientIP)
}

func (s *Service) signUp(ctx context.Context, email, password, clientIP string) (store.User, error) {
	k := keys{ip: "ip:" + clientIP}
	if err := s.checkIP(ctx, k); err != nil {
		return store.User{}, err
	}
	u, err := s.Create(ctx, NewUser{Email: email, Password: password})
	if errors.Is(err, ErrEmailTaken) {
		if ferr := s.st.AddLoginFailure(ctx, k.ip, s.now()); ferr != nil {
			return store.User{}, fmt.Errorf("record sign-up failure: %w", ferr)
		}
	}
	return u, err
}

// Create makes a user regardless of the sign-up setting (the CLI's path).
// Bad input is an *apperr.Error naming the field, and nothing is written.
func (s *Service) Create(ctx context.Context, in NewUser) (store.User, error) {
	email := NormalizeEmail(in.Email)
	if err := ValidateEmail(email); err != nil {
		return store.User{}, err
	}
	if err := ValidatePassword(in.Password); err != nil {
		return store.User{}, err
	}
	hash, err := HashPassword(in.Password, s.opts.Hash)
	if err != nil {
		return store.User{}, err
	}
	u, err := s.st.CreateUser(ctx, store.NewUser{Email: email, PasswordHash: hash, ForceAdmin: in.Admin, Now: s.now()})
	if errors.Is(err, store.ErrConflict) {
		return store.User{}, ErrEmailTaken.Wrap(err)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// SetPassword replaces a user's password (`telegramate user password`)
// and logs out every session of the user.
func (s *Service) SetPassword(ctx context.Context, email, password string) error {
	u, err := s.ByEmail(ctx, email)
	if err != nil {
		return err
	}
	if err := ValidatePassword(password); err != nil {
		return err
	}
	return s.setPassword(ctx, u, password, "")
}

func (s *Service) ByID(ctx context.Context, id int64) (store.User, error) {
	u, err := s.st.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, apperr.NotFound("User").Wrap(err)
	}
	return u, err
}

// ByEmail finds the user the CLI names with --email; its not-found error
// speaks to that reader (the generic one talks of links and ids).
func (s *Service) ByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := s.st.UserByEmail(ctx, NormalizeEmail(email))
	if errors.Is(err, store.ErrNotFound) {
		e := apperr.NotFound("User")
		e.Message = "No user has the email " + NormalizeEmail(email)
		e.Hint = "Check the spelling; `telegramate user list` shows every user."
		return store.User{}, e.Wrap(err)
	}
	return u, err
}

func (s *Service) List(ctx context.Context) ([]store.User, error) {
	return s.st.ListUsers(ctx)
}

// Authenticate checks an email and password for a log-in from clientIP.
// Failures are counted per email and per client IP in the database, so
// every node of a cluster enforces the same limit; past the limit the
// answer is ErrTooManyAttempts with RetryAfter, and the password is not
// even checked.
func (s *Service) Authenticate(ctx context.Context, email, password, clientIP string) (store.User, error) {
	u, _, err := s.LogIn(ctx, email, password, clientIP, "")
	return u, err
}

// LogIn is Authenticate for a browser that may carry a device cookie
// (device, "" for none). A device that logged in as this email's user
// before is throttled on its own, not with strangers' failures for the
// email or the address. After a log-in from a new browser, newDevice is the
// value for its device cookie.
func (s *Service) LogIn(ctx context.Context, email, password, clientIP, device string) (u store.User, newDevice string, err error) {
	email = NormalizeEmail(email)
	keys := throttleKeys(email, clientIP)
	if device != "" {
		h := deviceHash(device)
		if owner, err := s.st.LoginDeviceUser(ctx, h); err == nil {
			if u, err := s.st.UserByEmail(ctx, email); err == nil && u.ID == owner {
				keys.device = "device:" + hex.EncodeToString(h)
			}
		}
	}
	u, err = s.authenticate(ctx, email, password, keys)
	if err != nil {
		return u, "", err
	}
	// A sign-in goes into the log of every workspace the person belongs
	// to: each one's admins see who could act in it. Nothing is signed in
	// yet: one that cannot be recorded is refused.
	mine, err := s.st.UserWorkspaces(ctx, u.ID)
	if err != nil {
		return store.User{}, "", fmt.Errorf("sign in: workspaces of user %d: %w", u.ID, err)
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		for _, m := range mine {
			if err := audit.Record(ctx, tx, s.now(), m.ID, audit.Actor{UserID: u.ID, Email: u.Email, IP: clientIP},
				audit.Event{Action: audit.SignedIn, TargetKind: audit.TargetUser, TargetID: u.ID, TargetLabel: u.Email}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.User{}, "", fmt.Errorf("sign in: %w", err)
	}
	if keys.device != "" {
		return u, "", nil
	}
	plain, err := s.newDevice(ctx, u.ID)
	if err != nil {
		return store.User{}, "", err
	}
	return u, plain, nil
}

func deviceHash(v string) []byte {
	h := sha256.Sum256([]byte(v))
	return h[:]
}

func (s *Service) newDevice(ctx context.Context, userID int64) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("device token: %w", err)
	}
	plain := base64.RawURLEncoding.EncodeToString(raw)
	if err := s.st.AddLoginDevice(ctx, deviceHash(plain), userID, s.now()); err != nil {
		return "", fmt.Errorf("remember device of user %d: %w", userID, err)
	}
	return plain, nil
}

func (s *Service) authenticate(ctx context.Context, email, password string, keys keys) (store.User, error) {
	if err := s.checkThrottle(ctx, keys); err != nil {
		return store.User{}, err
	}

	u, err := s.st.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Spend the same time as a real check, so response times do not
		// tell which emails have accounts.
		VerifyPassword(password, s.dummy())
		return store.User{}, s.fail(ctx, keys)
	case err != nil:
		return store.User{}, fmt.Errorf("log in: %w", err)
	}
	ok, params, err := VerifyPassword(password, u.PasswordHash)
	if err != nil {
		return store.User{}, fmt.Errorf("log in user %d: %w", u.ID, err)
	}
	if !ok {
		return store.User{}, s.fail(ctx, keys)
	}
	// Only the email's count is cleared: clearing the IP's would let one
	// attacker who owns an account reset their counter at will.
	for _, key := range []string{keys.email, keys.device} {
		if key == "" {
			continue
		}
		if err := s.st.ClearLoginFailures(ctx, key); err != nil {
			return store.User{}, fmt.Errorf("clear login failures: %w", err)
		}
	}
	if params != s.opts.Hash {
		s.upgradeHash(ctx, u, password)
	}
	return u, nil
}

// upgradeHash re-hashes with the current parameters; a failure only means
// the old (still valid) hash stays.
func (s *Service) upgradeHash(ctx context.Context, u store.User, password string) {
	if hash, err := HashPassword(password, s.opts.Hash); err == nil {
		_ = s.st.SetUserPassword(ctx, u.ID, hash, s.now())
	}
}

func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = HashPassword("not a real password", s.opts.Hash)
	})
	return s.dummyHash
}
