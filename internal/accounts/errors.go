package accounts

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/telegram"
)

// The help article's troubleshooting section, word for word.
var (
	ErrInvalidAPICredentials = &apperr.Error{
		Code:    "invalid_api_credentials",
		Message: "Invalid API credentials",
		Hint:    "Double-check that you copied the API ID and Hash correctly. Make sure there are no extra spaces.",
		Status:  http.StatusBadRequest,
	}
	ErrPhoneInUse = &apperr.Error{
		Code:    "phone_in_use",
		Message: "Phone number already in use",
		Hint:    "You can only connect one Telegram account per API credential set. Create new credentials for additional accounts.",
		Status:  http.StatusConflict,
	}
	ErrAuthorizationFailed = &apperr.Error{
		Code:    "authorization_failed",
		Message: "Authorization failed",
		Hint:    "Make sure you're entering the correct verification code. Request a new code if the old one expired.",
		Field:   "code",
		Status:  http.StatusBadRequest,
	}
)

// The rest of what a login can run into.
var (
	ErrPasswordInvalid = &apperr.Error{
		Code:    "password_invalid",
		Message: "Incorrect 2FA password",
		Hint:    "Enter the two-step verification password you set in Telegram (Settings → Privacy and Security → Two-Step Verification). Your password hint is shown above.",
		Field:   "password",
		Status:  http.StatusBadRequest,
	}
	ErrPhoneInvalid = &apperr.Error{
		Code:    "phone_invalid",
		Message: "The phone number is not valid",
		Hint:    "Telegram does not know this number. Enter the number of your Telegram account in international format, e.g. +44 7700 900123.",
		Field:   "phone",
		Status:  http.StatusBadRequest,
	}
	ErrPhoneBanned = &apperr.Error{
		Code:    "phone_banned",
		Message: "The phone number is banned by Telegram",
		Hint:    "Telegram does not let this number log in. Contact Telegram support or use another number.",
		Field:   "phone",
		Status:  http.StatusBadRequest,
	}
	ErrPhoneUnoccupied = &apperr.Error{
		Code:    "phone_unoccupied",
		Message: "This phone number has no Telegram account",
		Hint:    "Sign up in a Telegram app with this number first, then connect it here.",
		Field:   "phone",
		Status:  http.StatusBadRequest,
	}
	ErrPhoneFlood = &apperr.Error{
		Code:    "phone_flood",
		Message: "Too many attempts — try again later",
		Hint:    "Telegram has stopped sending login codes to this number for a while (often a day). Wait, then try again.",
		Status:  http.StatusTooManyRequests,
	}
	ErrResendUnavailable = &apperr.Error{
		Code:    "resend_unavailable",
		Message: "Telegram cannot send the code another way",
		Hint:    "Use the code you were sent, or start again to get a new one.",
		Status:  http.StatusConflict,
	}
	ErrLoginExpired = &apperr.Error{
		Code:    "login_expired",
		Message: "This login has expired",
		Hint:    "A login waits 15 minutes for its code and 2FA password. Start again to get a new code.",
		Status:  http.StatusGone,
	}
	ErrCodeFirst = &apperr.Error{
		Code:    "code_needed",
		Message: "Enter the verification code first",
		Hint:    "Telegram asks for the 2FA password only after it has accepted the code.",
		Status:  http.StatusConflict,
	}
	ErrNoLogin = &apperr.Error{
		Code:    "no_login",
		Message: "No login is in progress for this account",
		Hint:    "Start one with “Rotate credentials” or “Log in again” on the account's page.",
		Status:  http.StatusConflict,
	}
	ErrOtherTelegramAccount = &apperr.Error{
		Code:    "other_telegram_account",
		Message: "That is a different Telegram account",
		Hint:    "Log in with the phone number of the account you are renewing.",
		Status:  http.StatusConflict,
	}
	ErrTelegramUnavailable = &apperr.Error{
		Code:    apperr.CodeTelegramUnavailable,
		Message: "Telegram could not be reached",
		Hint:    "Try again in a moment. If it keeps happening, the administrator should check the instance's Telegram settings (--telegram-dc).",
		Status:  http.StatusServiceUnavailable,
	}
	ErrTelegramServer = &apperr.Error{
		Code:    "telegram_error",
		Message: "Telegram had an internal problem",
		Hint:    "This is on Telegram's side. Try again in a moment.",
		Status:  http.StatusBadGateway,
	}
	ErrCurrentSession = &apperr.Error{
		Code:    "current_session",
		Message: "This is Telegramate's own session",
		Hint:    "To end it, disconnect the account instead.",
		Status:  http.StatusConflict,
	}
)

// Why Use refuses an account.
var (
	ErrNeedsRelogin = &apperr.Error{
		Code:    apperr.CodeAccountNeedsRelogin,
		Message: "This Telegram account needs to log in again",
		Hint:    "Telegram ended its session (it was terminated from another device, or the account logged out). Open the account and click “Log in again”.",
		Status:  http.StatusConflict,
	}
	ErrLimited = &apperr.Error{
		Code:    apperr.CodeAccountLimited,
		Message: "Telegram has limited this account",
		Hint:    "Telegram answered PEER_FLOOD: the account may not message people who don't have it as a contact for a while. Check with @SpamBot in Telegram; once the limit is lifted, click “Reset limit” on the account's page.",
		Status:  http.StatusConflict,
	}
	ErrNotConnectedYet = &apperr.Error{
		Code:    "account_not_connected",
		Message: "This Telegram account is not connected yet",
		Hint:    "Finish its login first: enter the code Telegram sent and, if you use one, your 2FA password.",
		Status:  http.StatusConflict,
	}
	ErrDisconnected = &apperr.Error{
		Code:    "account_disconnected",
		Message: "This Telegram account is disconnected",
		Hint:    "Connect it again from the Accounts page.",
		Status:  http.StatusConflict,
	}
)

// ErrNotFound is another user's account or one that does not exist: the two
// look the same.
func errNotFound() *apperr.Error { return apperr.NotFound("Account") }

// floodWait is the design's "Too many attempts — try again in X".
func floodWait(wait time.Duration, now time.Time) *apperr.Error {
	wait = wait.Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	return &apperr.Error{
		Code:    apperr.CodeFloodWait,
		Message: "Too many attempts — try again in " + apperr.FormatWait(wait),
		Hint: fmt.Sprintf("Telegram asked us to wait until %s before trying again; Telegramate honours that to keep the account in good standing.",
			now.Add(wait).UTC().Format("15:04:05 UTC")),
		Status:     http.StatusTooManyRequests,
		RetryAfter: wait,
	}
}

// resendTooEarly is "Resend code" before Telegram's timeout ran out.
func resendTooEarly(after, now time.Time) *apperr.Error {
	wait := after.Sub(now).Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	return &apperr.Error{
		Code:    "resend_too_early",
		Message: "Telegram allows a new code from " + after.UTC().Format("15:04:05 UTC"),
		Hint: "Telegram asks to wait " + apperr.FormatWait(wait) +
			" more before it sends the code another way. Check the Telegram app on your other devices meanwhile.",
		Status:     http.StatusTooManyRequests,
		RetryAfter: wait,
	}
}

// loginError translates what Telegram said during a login step into what
// the user reads. The original error stays in the chain for the log.
func loginError(err error, now time.Time) error {
	var fw *telegram.FloodWaitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fw):
		return floodWait(fw.Wait, now).Wrap(err)
	case errors.Is(err, telegram.ErrAPIIDInvalid):
		return ErrInvalidAPICredentials.Wrap(err)
	case errors.Is(err, telegram.ErrPhoneNumberInvalid):
		return ErrPhoneInvalid.Wrap(err)
	case errors.Is(err, telegram.ErrPhoneNumberBanned):
		return ErrPhoneBanned.Wrap(err)
	case errors.Is(err, telegram.ErrPhoneNumberUnoccupied):
		return ErrPhoneUnoccupied.Wrap(err)
	case errors.Is(err, telegram.ErrPhoneNumberFlood):
		return ErrPhoneFlood.Wrap(err)
	case errors.Is(err, telegram.ErrPhoneCodeInvalid), errors.Is(err, telegram.ErrPhoneCodeExpired), errors.Is(err, telegram.ErrPhoneCodeEmpty):
		return ErrAuthorizationFailed.Wrap(err)
	case errors.Is(err, telegram.ErrPasswordInvalid):
		return ErrPasswordInvalid.Wrap(err)
	case errors.Is(err, telegram.ErrSendCodeUnavailable):
		return ErrResendUnavailable.Wrap(err)
	}
	return accountError(err, now)
}

// loginStepError is loginError for a step of a login that expires at
// expires: a FLOOD_WAIT that outlasts the login would have the person wait
// for nothing, so it says to start again after the wait instead.
func loginStepError(err error, expires, now time.Time) error {
	var fw *telegram.FloodWaitError
	if !errors.As(err, &fw) || now.Add(fw.Wait).Before(expires) {
		return loginError(err, now)
	}
	e := floodWait(fw.Wait, now)
	until := now.Add(e.RetryAfter).UTC().Format("15:04 UTC")
	e.Message = "Too many attempts — this login will have expired by then"
	e.Hint = fmt.Sprintf("Telegram asked us to wait %s, until %s, but this login expires at %s. Start again after %s.",
		apperr.FormatWait(e.RetryAfter), until, expires.UTC().Format("15:04 UTC"), until)
	return e.Wrap(err)
}

// accountError translates errors of steps on a connected account.
func accountError(err error, now time.Time) error {
	var fw *telegram.FloodWaitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fw):
		return floodWait(fw.Wait, now).Wrap(err)
	case errors.Is(err, telegram.ErrSessionRevoked):
		return ErrNeedsRelogin.Wrap(err)
	case errors.Is(err, telegram.ErrPeerFlood):
		return ErrLimited.Wrap(err)
	case errors.Is(err, telegram.ErrAPIIDInvalid):
		return ErrInvalidAPICredentials.Wrap(err)
	case errors.Is(err, telegram.ErrUnavailable):
		return ErrTelegramUnavailable.Wrap(err)
	case errors.Is(err, telegram.ErrServer):
		return ErrTelegramServer.Wrap(err)
	}
	return err
}

// telegramCode is the short name of a Telegram error for the activity log
// ("PHONE_CODE_INVALID"), never a secret.
func telegramCode(err error) string {
	var fw *telegram.FloodWaitError
	if errors.As(err, &fw) {
		return fmt.Sprintf("FLOOD_WAIT_%d", int(fw.Wait.Seconds()))
	}
	for _, k := range []struct {
		err  error
		name string
	}{
		{telegram.ErrAPIIDInvalid, "API_ID_INVALID"},
		{telegram.ErrPhoneNumberInvalid, "PHONE_NUMBER_INVALID"},
		{telegram.ErrPhoneNumberBanned, "PHONE_NUMBER_BANNED"},
		{telegram.ErrPhoneNumberFlood, "PHONE_NUMBER_FLOOD"},
		{telegram.ErrPhoneNumberUnoccupied, "PHONE_NUMBER_UNOCCUPIED"},
		{telegram.ErrPhoneCodeInvalid, "PHONE_CODE_INVALID"},
		{telegram.ErrPhoneCodeExpired, "PHONE_CODE_EXPIRED"},
		{telegram.ErrPhoneCodeEmpty, "PHONE_CODE_EMPTY"},
		{telegram.ErrPasswordInvalid, "PASSWORD_HASH_INVALID"},
		{telegram.ErrSessionRevoked, "SESSION_REVOKED"},
		{telegram.ErrPeerFlood, "PEER_FLOOD"},
		{telegram.ErrSendCodeUnavailable, "SEND_CODE_UNAVAILABLE"},
		{telegram.ErrUnavailable, "unreachable"},
		{telegram.ErrServer, "INTERNAL"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error"
}
