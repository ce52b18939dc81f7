package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/telegram"
)

// accountView is an account as the pages show it.
type accountView struct {
	accounts.Account
	Label    string // status in words
	Badge    string // Bootstrap colour of the status badge
	Icon     string // Bootstrap icon of the status
	Initials string
}

func viewOf(a accounts.Account) accountView {
	v := accountView{Account: a, Label: a.StatusLabel(time.Now())}
	switch {
	case a.Status == accounts.StatusActive, a.Status == accounts.StatusFloodWait && !a.Waiting(time.Now()):
		v.Badge, v.Icon = "success", "check-circle-fill"
	case a.Status == accounts.StatusFloodWait:
		v.Badge, v.Icon = "info", "hourglass-split"
	case a.Status == accounts.StatusNeedsRelogin:
		v.Badge, v.Icon = "warning", "exclamation-triangle-fill"
	case a.Status == accounts.StatusLimited:
		v.Badge, v.Icon = "danger", "slash-circle-fill"
	case a.Status == accounts.StatusPending:
		v.Badge, v.Icon = "secondary", "hourglass"
	default:
		v.Badge, v.Icon = "secondary", "plug"
	}
	for _, part := range strings.Fields(a.FirstName + " " + a.LastName) {
		if r, _ := utf8.DecodeRuneInString(part); r != utf8.RuneError && len([]rune(v.Initials)) < 2 {
			v.Initials += string(unicode.ToUpper(r))
		}
	}
	if v.Initials == "" {
		v.Initials = "#"
	}
	return v
}

// CodeWhere says where the login code went, for "We sent a code …".
func (v accountView) CodeWhere() string {
	if v.Login == nil {
		return ""
	}
	switch v.Login.CodeType {
	case "app":
		return "in the Telegram app on your other devices (a message from “Telegram”)"
	case "sms", "firebase_sms":
		return "by SMS"
	case "sms_word", "sms_phrase":
		return "by SMS, as words"
	case "call":
		return "by a phone call that reads it out"
	case "flash_call", "missed_call":
		return "as the last digits of the number that calls you"
	case "email":
		return "by email"
	case "fragment":
		return "to your Fragment number"
	}
	return "by Telegram"
}

// NextWay is how "Resend code" sends it, "" if Telegram offers no other way.
func (v accountView) NextWay() string {
	if v.Login == nil {
		return ""
	}
	switch v.Login.NextType {
	case "sms":
		return "by SMS"
	case "call":
		return "by phone call"
	case "flash_call", "missed_call":
		return "by a missed call"
	case "fragment":
		return "to Fragment"
	case "":
		return ""
	}
	return "another way"
}

// WaitingNow is true while the account's sending waits out a FLOOD_WAIT.
func (v accountView) WaitingNow() bool { return v.Waiting(time.Now()) }

// OtherWaits are the FLOOD_WAITs running now on kinds of call other than
// sending (whose wait is the status): each stops only its kind.
func (v accountView) OtherWaits() []accounts.Wait {
	var out []accounts.Wait
	for _, w := range v.WaitsAt(time.Now()) {
		if w.Kind != telegram.KindSend {
			out = append(out, w)
		}
	}
	return out
}

// Renewal is true for a login on an account that is already connected
// (rotation or re-login) rather than a new one.
func (v accountView) Renewal() bool { return v.Status != accounts.StatusPending }

// At renders a time of day for "expires at …".
func (accountView) At(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("15:04 UTC")
}

// AtSeconds is At to the second, for times a few minutes away.
func (accountView) AtSeconds(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("15:04:05 UTC")
}

// In renders the time left before t, "" when it has passed.
func (accountView) In(t time.Time) string { return inWords(time.Until(t)) }

// inWords is a wait in whole minutes: the pages are not live, so seconds
// would be wrong by the time they are read, and under a minute rounding
// to minutes would give nothing (FormatWait then says "1 second").
func inWords(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Minute:
		return "less than a minute"
	}
	return apperr.FormatWait(d.Round(time.Minute))
}

// fieldErrors holds a form's messages beyond the one in Page.Err, by field.
type fieldErrors map[string]*apperr.Error

// Err is the message for field, nil when it has none.
func (f fieldErrors) Err(field string) *apperr.Error { return f[field] }

func moreErrors(errs []*apperr.Error) fieldErrors {
	out := fieldErrors{}
	for _, e := range errs {
		out[e.Field] = e
	}
	return out
}

func (h *Handler) actor(r *http.Request) accounts.Actor {
	return accounts.Actor{UserID: workspaceID(r), IP: clientIP(r)}
}

// account loads the account named by the path's {id}, or renders why not.
func (h *Handler) account(w http.ResponseWriter, r *http.Request) (accountView, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var a accounts.Account
	if err == nil {
		a, err = h.AccountService.Get(r.Context(), workspaceID(r), id)
	} else {
		err = apperr.NotFound("Account")
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Account not found", Nav: "accounts"}, err)
		return accountView{}, false
	}
	return viewOf(a), true
}

// nextStep is the page a person continues on after a login step.
func nextStep(a accounts.Account) string {
	switch a.Step() {
	case accounts.LoginCodeSent, accounts.LoginExpired, accounts.LoginEnded:
		return fmt.Sprintf("/accounts/%d/code", a.ID)
	case accounts.LoginPasswordNeeded:
		return fmt.Sprintf("/accounts/%d/password", a.ID)
	}
	return fmt.Sprintf("/accounts/%d", a.ID)
}

// attemptsLeft is what the attempts-left line needs: shown beside a wrong
// code's or password's error, so the person knows how many tries remain
// before the login is stopped.
func attemptsLeft(a accountView, err *apperr.Error) *accountAttempts {
	if err == nil || a.Login == nil || a.Login.AttemptsLeft <= 0 || a.Login.AttemptsLeft >= accounts.MaxLoginAttempts {
		return nil
	}
	return &accountAttempts{Left: a.Login.AttemptsLeft, Of: accounts.MaxLoginAttempts}
}

type accountAttempts struct{ Left, Of int }
