package campaign

import (
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// SetIdleHook makes a sending run call fn as it ends with nothing to send.
func SetIdleHook(s *Service, fn func(accountID int64)) { s.idle = fn }

// SetWaitHook makes a sending run call fn each time it finds nothing due
// and waits until a time.
func SetWaitHook(s *Service, fn func(accountID int64, until time.Time)) { s.waiting.Store(&fn) }

// Finish is Pacing.finish: when an account would send its n-th message.
func Finish(p Pacing, n int, from time.Time) time.Time { return p.finish(store.Pace{}, n, from) }
