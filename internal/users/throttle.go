package users

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
)

// Throttle limits failed log-ins with backoff. Limit failures (PerEmail or
// PerIP) within Window lock the key for Window after the last of them;
// each further round of Limit failures within Memory doubles the lock, up
// to MaxLock. A quiet key gets Limit fresh attempts once its lock ends, so
// a person who mistypes is slowed, and a guesser gets a few tries per
// ever longer pause.
type Throttle struct {
	Window   time.Duration
	PerEmail int
	// PerIP is higher than PerEmail: several people behind one NAT or
	// office proxy share an address.
	PerIP int
	// Memory is how far back failures make locks longer (zero: 24 hours,
	// the pruning job's retention); MaxLock caps a lock (zero: 24 hours).
	Memory  time.Duration
	MaxLock time.Duration
}

var DefaultThrottle = Throttle{Window: 15 * time.Minute, PerEmail: 5, PerIP: 20, Memory: 24 * time.Hour, MaxLock: 24 * time.Hour}

// keys are what failures count against. A stranger's attempts count per
// email and per client address; the attempts of a browser that logged in
// as this user before (its device cookie) count only against that
// browser, so strangers who lock the email out do not lock out its owner.
type keys struct {
	email, ip string
	device    string // set for a known device: the only key checked
}

func throttleKeys(email, ip string) keys {
	return keys{email: "email:" + email, ip: "ip:" + ip}
}

type limitedKey struct {
	key   string
	limit int
}

func (s *Service) checked(k keys) []limitedKey {
	if k.device != "" {
		return []limitedKey{{k.device, s.opts.Throttle.PerEmail}}
	}
	return []limitedKey{{k.email, s.opts.Throttle.PerEmail}, {k.ip, s.opts.Throttle.PerIP}}
}

func (s *Service) checkThrottle(ctx context.Context, k keys) error {
	now := s.now()
	var wait time.Duration
	for _, c := range s.checked(k) {
		w, err := s.lockedFor(ctx, c.key, c.limit, now)
		if err != nil {
			return err
		}
		wait = max(wait, w)
	}
	if wait == 0 {
		return nil
	}
	e := ErrTooManyAttempts.WithRetryAfter(wait)
	e.Hint = "For your security, logging in is paused. Try again in " + apperr.FormatWait(wait) + "."
	return e
}

// lockedFor is how long key stays locked (0: not locked). The lock's
// length comes from the failures within Memory; the key is locked while
// Limit of them fall within one lock's length before now, until that long
// after the last.
func (s *Service) lockedFor(ctx context.Context, key string, limit int, now time.Time) (time.Duration, error) {
	t := s.opts.Throttle
	total, err := s.st.LoginFailuresSince(ctx, key, now.Add(-t.Memory))
	if err != nil {
		return 0, fmt.Errorf("count login failures: %w", err)
	}
	if total < limit {
		return 0, nil
	}
	lock := t.Window
	for rounds := (total - limit) / limit; rounds > 0 && lock < t.MaxLock; rounds-- {
		lock *= 2
	}
	lock = min(lock, t.MaxLock)
	// A failure exactly one lock old no longer counts: the lock that
	// followed it has ended (the store keeps microseconds).
	recent, err := s.st.LoginFailuresSince(ctx, key, now.Add(-lock+time.Microsecond))
	if err != nil {
		return 0, fmt.Errorf("count login failures: %w", err)
	}
	if recent < limit {
		return 0, nil
	}
	last, err := s.st.LastLoginFailure(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("last login failure: %w", err)
	}
	wait := last.Add(lock).Sub(now)
	if wait <= 0 {
		return 0, nil
	}
	return max(wait, time.Second), nil
}

// fail records a failed attempt and returns the error to show; the attempt
// that reaches the limit already says when to try again.
func (s *Service) fail(ctx context.Context, k keys) error {
	now := s.now()
	counted := []string{k.email, k.ip}
	if k.device != "" {
		counted = append(counted, k.device)
	}
	for _, key := range counted {
		if err := s.st.AddLoginFailure(ctx, key, now); err != nil {
			return fmt.Errorf("record login failure: %w", err)
		}
	}
	if err := s.checkThrottle(ctx, k); err != nil {
		return err
	}
	return ErrInvalidLogin
}

// checkIP applies only the client address's limit (sign-up).
func (s *Service) checkIP(ctx context.Context, k keys) error {
	wait, err := s.lockedFor(ctx, k.ip, s.opts.Throttle.PerIP, s.now())
	if err != nil || wait == 0 {
		return err
	}
	e := ErrTooManyAttempts.WithRetryAfter(wait)
	e.Message = "Too many attempts from your address"
	e.Hint = "Try again in " + apperr.FormatWait(wait) + "."
	return e
}
