// Package users holds platform accounts (the people who log in to
// Telegramate, not their Telegram accounts): sign-up, passwords, log-in with
// throttling of failures.
package users

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
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
	st   store.Store
	opts Options

	dummyOnce sync.Once
	dummyHash string
}

func New(st store.Store, opts Options) *Service {
	if opts.Hash == (HashParams{}) {
		opts.Hash = DefaultHashParams
	}
	if opts.Throttle == (Throttle{}) {
		opts.Throttle = DefaultThrottle
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
	email = NormalizeEmail(email)
	keys := throttleKeys(email, clientIP)
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
	if err := s.st.ClearLoginFailures(ctx, keys.email); err != nil {
		return store.User{}, fmt.Errorf("clear login failures: %w", err)
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
