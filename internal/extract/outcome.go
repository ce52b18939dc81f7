package extract

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gotd/td/tgerr"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Telegram errors as users read them when accounts.Use has not already
// translated them.
var (
	errNeedsRelogin = &apperr.Error{
		Code:    apperr.CodeAccountNeedsRelogin,
		Message: "This Telegram account needs to log in again",
		Hint:    "Telegram ended its session. Open the account and click “Log in again”, then start the extraction again.",
		Status:  http.StatusConflict,
	}
	errLimited = &apperr.Error{
		Code:    apperr.CodeAccountLimited,
		Message: "Telegram has limited this account",
		Hint:    "Telegram answered PEER_FLOOD. The extraction stopped; check the account with @SpamBot in Telegram and reset its limit on the account's page once it is lifted.",
		Status:  http.StatusConflict,
	}
	errTelegramUnavailable = &apperr.Error{
		Code:    apperr.CodeTelegramUnavailable,
		Message: "Telegram could not be reached",
		Hint:    "The extraction was retried several times and stopped. Start it again later.",
		Status:  http.StatusServiceUnavailable,
	}
)

func floodWaitError(wait time.Duration, now time.Time) *apperr.Error {
	wait = max(wait.Round(time.Second), time.Second)
	return &apperr.Error{
		Code:       apperr.CodeFloodWait,
		Message:    "Too many attempts — try again in " + apperr.FormatWait(wait),
		Hint:       "Telegram asked us to wait until " + now.Add(wait).UTC().Format("15:04:05 UTC") + " before trying again; Telegramate honours that to keep the account in good standing.",
		Status:     http.StatusTooManyRequests,
		RetryAfter: wait,
	}
}

// userError translates what Telegram or accounts.Use said into what the
// user reads. The original stays in the chain for the log.
func userError(err error, now time.Time) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	var fw *telegram.FloodWaitError
	switch {
	case errors.As(err, &fw):
		return floodWaitError(fw.Wait, now).Wrap(err)
	case errors.Is(err, telegram.ErrChatAdminRequired):
		return ErrChatAdminRequired.Wrap(err)
	case tgerr.Is(err, "CHANNEL_PRIVATE", "CHANNEL_INVALID", "CHAT_ID_INVALID", "CHAT_FORBIDDEN", "CHANNEL_PUBLIC_GROUP_NA"):
		return ErrChatUnavailable.Wrap(err)
	case errors.Is(err, telegram.ErrSessionRevoked):
		return errNeedsRelogin.Wrap(err)
	case errors.Is(err, telegram.ErrPeerFlood):
		return errLimited.Wrap(err)
	case errors.Is(err, telegram.ErrUnavailable), errors.Is(err, telegram.ErrServer):
		return errTelegramUnavailable.Wrap(err)
	}
	return err
}

// errYield ends a run that used its budget; the job continues at once.
var errYield = errors.New("extract: run budget used, continuing in a new run")

// outcome is what a failed run means for the job.
type outcome struct {
	wait  time.Duration // > 0: snooze for a FLOOD_WAIT
	fail  *apperr.Error // non-nil: stop for good, telling the user this
	lost  bool          // the run no longer owns the extraction: stop quietly
	again bool          // continue now (budget used, or shutting down)
	busy  time.Duration // > 0: another node holds the account; ask again then
	retry error         // non-nil: let River retry with backoff
	// transient: retry is a passing failure (Telegram's server erred, a
	// connection failed, the database was out of reach): a short wait of
	// our own comes before River's retries.
	transient bool
}

func classify(ctx context.Context, err error, now time.Time) outcome {
	switch {
	case errors.Is(err, store.ErrConflict):
		return outcome{lost: true}
	case errors.Is(err, errYield):
		return outcome{again: true}
	}
	o := jobs.Classify(ctx, err)
	switch {
	case o.FloodWait > 0:
		return outcome{wait: o.FloodWait}
	case o.Busy > 0:
		return outcome{busy: o.Busy}
	case o.Stopping:
		// The worker is stopping (shutdown or job timeout); the checkpoint
		// is saved, so the next run picks up from it.
		return outcome{again: true}
	}
	// Telegram's own refusals (a private chat, admin rights needed) end
	// the extraction with what the user reads, as the account's problems
	// do.
	translated := userError(err, now)
	if e, ok := apperr.As(translated); ok && e.HTTPStatus() < 500 {
		return outcome{fail: e}
	}
	return outcome{retry: err, transient: o.Transient}
}
