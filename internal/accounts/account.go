package accounts

import (
	"slices"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Account statuses (the store's).
const (
	StatusPending      = store.AccountPending
	StatusActive       = store.AccountActive
	StatusNeedsRelogin = store.AccountNeedsRelogin
	StatusLimited      = store.AccountLimited
	StatusFloodWait    = store.AccountFloodWait
	StatusDisconnected = store.AccountDisconnected
)

// Login states.
const (
	LoginCodeSent       = store.LoginCodeSent
	LoginPasswordNeeded = store.LoginPasswordNeeded
	// LoginExpired is a pending account whose login ran out of time.
	LoginExpired = "login_expired"
	// LoginEnded is a pending account whose login was stopped after
	// MaxLoginAttempts wrong codes or passwords.
	LoginEnded = "login_ended"
)

// loginEndedDetail is the status detail of a pending account whose login
// was stopped: its login row is gone with its secrets, and the detail is
// what still tells the stop from a timeout.
const loginEndedDetail = "too_many_attempts"

// Account is a user's Telegram account as the product shows it. It never
// holds a secret.
type Account struct {
	ID       int64
	UserID   int64
	APIID    int64
	TGUserID int64 // 0 until the first login finishes
	// Name is the display name: first and last name, or the masked phone
	// while Telegram has not told them yet.
	Name      string
	FirstName string
	LastName  string
	Username  string
	// Phone is the digits; show MaskedPhone to people.
	Phone string
	DC    int
	// Status is one of the Status* constants.
	Status string
	// FloodUntil is when Telegram lets the account send again, for
	// StatusFloodWait: a wait on sending is the account's status, the one
	// campaigns, pages and the health gauge show.
	FloodUntil time.Time
	// Waits are Telegram's waits on the other kinds of call (reading
	// members, resolving usernames, the account's own calls), each
	// stopping only calls of its kind; WaitsAt lists them all.
	Waits []Wait
	// StatusDetail is what Telegram said last time the health changed
	// ("PEER_FLOOD", "FLOOD_WAIT_30", "SESSION_REVOKED").
	StatusDetail string
	CreatedAt    time.Time
	// ConnectedAt is when the first login finished; rotations and
	// re-logins keep it.
	ConnectedAt time.Time
	// DisconnectedAt is when a disconnected account was disconnected.
	DisconnectedAt time.Time
	UpdatedAt      time.Time
	// Login is the login in progress: always set for a pending account,
	// set for a live one while it rotates credentials or logs in again.
	Login *Login
}

// Wait is a FLOOD_WAIT on one kind of call of the account.
type Wait struct {
	Kind  telegram.CallKind
	Until time.Time
	// Detail is what Telegram said ("FLOOD_WAIT_30 on channels.getParticipants").
	Detail string
}

// Label is "Reading members waits for Telegram until 12:00:00 UTC".
func (w Wait) Label() string {
	return w.Kind.Label() + " waits for Telegram until " + w.Until.UTC().Format("15:04:05 UTC")
}

// Login is a login waiting for its code or 2FA password.
type Login struct {
	// State is LoginCodeSent, LoginPasswordNeeded, LoginExpired or
	// LoginEnded.
	State string
	// AttemptsLeft is how many wrong codes or passwords the login still
	// takes before it is stopped.
	AttemptsLeft int
	// APIID is the API ID the login uses (new credentials in a rotation).
	APIID int64
	// CodeType is where the code went: "app" (the Telegram app on another
	// device), "sms", "call", "flash_call", "missed_call", "email", ...
	CodeType   string
	CodeLength int
	// NextType is how "Resend code" sends it ("sms", "call", ...), "" if
	// Telegram offers no other way.
	NextType string
	SentAt   time.Time
	// ResendAfter is when Telegram's timeout for the next way runs out
	// (zero if it gave none).
	ResendAfter  time.Time
	ExpiresAt    time.Time
	PasswordHint string
}

func displayNameOf(first, last, phone string) string {
	if n := strings.TrimSpace(first + " " + last); n != "" {
		return n
	}
	return MaskPhone(phone)
}

// MaskedPhone shows the country part and the last digits only:
// 9996621002 → "+99 •••• 1002".
func (a Account) MaskedPhone() string { return MaskPhone(a.Phone) }

// MaskPhone masks a phone number's digits for display.
func MaskPhone(digits string) string {
	if len(digits) < 7 {
		return "+" + strings.Repeat("•", len(digits))
	}
	return "+" + digits[:2] + " " + strings.Repeat("•", len(digits)-6) + " " + digits[len(digits)-4:]
}

// Live is true for an account that finished its login and was not
// disconnected, whatever its health.
func (a Account) Live() bool {
	return a.Status != StatusPending && a.Status != StatusDisconnected
}

// Waiting reports whether the account is inside a FLOOD_WAIT at now.
func (a Account) Waiting(now time.Time) bool {
	return a.Status == StatusFloodWait && now.Before(a.FloodUntil)
}

// Step is where the account's connection stands for a client following a
// login: the login's state while one is in progress, else the status.
func (a Account) Step() string {
	if a.Login != nil {
		return a.Login.State
	}
	return a.Status
}

// StatusLabel is the status in words.
func (a Account) StatusLabel(now time.Time) string {
	switch a.Status {
	case StatusPending:
		if a.Login != nil && a.Login.State == LoginExpired {
			return "Login expired"
		}
		if a.Login != nil && a.Login.State == LoginEnded {
			return "Login stopped"
		}
		return "Login not finished"
	case StatusActive:
		return "Active"
	case StatusNeedsRelogin:
		return "Needs re-login"
	case StatusLimited:
		return "Limited by Telegram"
	case StatusFloodWait:
		if !a.Waiting(now) {
			return "Active"
		}
		return "Waiting for Telegram until " + a.FloodUntil.UTC().Format("15:04:05 UTC")
	case StatusDisconnected:
		return "Disconnected"
	}
	return a.Status
}

// Problem is why Use would refuse work that may make any kind of call at
// now, nil when the account is usable for all of them.
func (a Account) Problem(now time.Time) *apperr.Error { return a.ProblemFor(nil, now) }

// ProblemFor is why Use would refuse work making calls of kinds (nil: any
// kind) at now: the account's own troubles (not connected, needing
// re-login) refuse every kind, PEER_FLOOD ("limited") refuses sending
// only, and a FLOOD_WAIT refuses the kind it was told for.
func (a Account) ProblemFor(kinds []telegram.CallKind, now time.Time) *apperr.Error {
	switch a.Status {
	case StatusPending:
		return ErrNotConnectedYet
	case StatusDisconnected:
		return ErrDisconnected
	case StatusNeedsRelogin:
		return ErrNeedsRelogin
	case StatusLimited:
		if kinds == nil || slices.Contains(kinds, telegram.KindSend) {
			return ErrLimited
		}
	}
	var until time.Time
	for _, w := range a.WaitsAt(now) {
		if (kinds == nil || slices.Contains(kinds, w.Kind)) && w.Until.After(until) {
			until = w.Until
		}
	}
	if !until.IsZero() {
		return floodWait(until.Sub(now), now)
	}
	return nil
}

// WaitsAt are the account's waits running at now, in the order of
// telegram.Kinds, sending's (the status) included.
func (a Account) WaitsAt(now time.Time) []Wait {
	var out []Wait
	for _, k := range telegram.Kinds {
		if w, ok := a.waitOf(k, now); ok {
			out = append(out, w)
		}
	}
	return out
}

// WaitLeft is how long calls of kind k still wait at now (zero: none).
func (a Account) WaitLeft(k telegram.CallKind, now time.Time) time.Duration {
	if w, ok := a.waitOf(k, now); ok {
		return w.Until.Sub(now)
	}
	return 0
}

func (a Account) waitOf(k telegram.CallKind, now time.Time) (Wait, bool) {
	if k == telegram.KindSend {
		if a.Waiting(now) {
			return Wait{Kind: k, Until: a.FloodUntil, Detail: a.StatusDetail}, true
		}
		return Wait{}, false
	}
	for _, w := range a.Waits {
		if w.Kind == k && now.Before(w.Until) {
			return w, true
		}
	}
	return Wait{}, false
}

func fromStore(a store.Account) Account {
	return Account{
		DisconnectedAt: a.DisconnectedAt,
		ID:             a.ID,
		UserID:         a.UserID,
		APIID:          a.APIID,
		TGUserID:       a.TGUserID,
		Name:           displayNameOf(a.FirstName, a.LastName, a.Phone),
		FirstName:      a.FirstName,
		LastName:       a.LastName,
		Username:       a.Username,
		Phone:          a.Phone,
		DC:             a.DC,
		Status:         a.Status,
		FloodUntil:     a.FloodUntil,
		StatusDetail:   a.StatusDetail,
		CreatedAt:      a.CreatedAt,
		ConnectedAt:    a.ConnectedAt,
		UpdatedAt:      a.UpdatedAt,
		Waits:          waitsFrom(a.Waits),
	}
}

func waitsFrom(ws []store.AccountWait) []Wait {
	var out []Wait
	for _, w := range ws {
		out = append(out, Wait{Kind: telegram.CallKind(w.Kind), Until: w.Until, Detail: w.Detail})
	}
	return out
}

func loginFrom(p store.PendingLogin, now time.Time) *Login {
	l := &Login{
		State:        p.State,
		APIID:        p.APIID,
		CodeType:     p.CodeType,
		CodeLength:   p.CodeLength,
		NextType:     p.NextType,
		SentAt:       p.CodeSentAt,
		ExpiresAt:    p.ExpiresAt,
		PasswordHint: p.PasswordHint,
		AttemptsLeft: max(MaxLoginAttempts-p.FailedAttempts, 0),
	}
	if p.CodeTimeoutSeconds > 0 && !p.CodeSentAt.IsZero() {
		l.ResendAfter = p.CodeSentAt.Add(time.Duration(p.CodeTimeoutSeconds) * time.Second)
	}
	if !now.Before(p.ExpiresAt) {
		l.State = LoginExpired
	}
	return l
}
