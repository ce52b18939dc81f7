package users

import (
	"context"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
)

// Throttle limits failed log-ins within a sliding window.
type Throttle struct {
	Window   time.Duration
	PerEmail int
	// PerIP is higher than PerEmail: several people behind one NAT or
	// office proxy share an address.
	PerIP int
}

var DefaultThrottle = Throttle{Window: 15 * time.Minute, PerEmail: 5, PerIP: 20}

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
		n, err := s.st.LoginFailuresSince(ctx, c.key, now.Add(-s.opts.Throttle.Window))
		if err != nil {
			return fmt.Errorf("count login failures: %w", err)
		}
		if n < c.limit {
			continue
		}
		w, err := s.unlockIn(ctx, c.key, c.limit, now)
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

// unlockIn finds when the count for key drops below limit: when the
// limit-th newest failure leaves the window. The store only counts failures
// since a time, so that failure's time is found by binary search over the
// window (about ten queries, and only for a client that is already locked
// out).
func (s *Service) unlockIn(ctx context.Context, key string, limit int, now time.Time) (time.Duration, error) {
	lo, hi := now.Add(-s.opts.Throttle.Window), now // count(lo) >= limit
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		n, err := s.st.LoginFailuresSince(ctx, key, mid)
		if err != nil {
			return 0, fmt.Errorf("count login failures: %w", err)
		}
		if n >= limit {
			lo = mid
		} else {
			hi = mid
		}
	}
	// The limit-th newest failure happened in [lo, hi); it leaves the window
	// one Window after that.
	wait := hi.Add(s.opts.Throttle.Window).Sub(now)
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
	n, err := s.st.LoginFailuresSince(ctx, k.ip, s.now().Add(-s.opts.Throttle.Window))
	if err != nil {
		return fmt.Errorf("count login failures: %w", err)
	}
	if n < s.opts.Throttle.PerIP {
		return nil
	}
	wait, err := s.unlockIn(ctx, k.ip, s.opts.Throttle.PerIP, s.now())
	if err != nil {
		return err
	}
	e := ErrTooManyAttempts.WithRetryAfter(wait)
	e.Message = "Too many attempts from your address"
	e.Hint = "Try again in " + apperr.FormatWait(wait) + "."
	return e
}
