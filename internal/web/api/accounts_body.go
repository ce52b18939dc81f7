package api

import (
	"bytes"
	"encoding/json"
	"math"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/accounts"
)

// Account is a Telegram account as the API shows it. It never carries a
// secret; the phone is masked.
type Account struct {
	ID int64 `json:"id"`
	// Status is the login's state for an account that never finished its
	// login, else its health.
	Status         string     `json:"status" enum:"code_sent,password_needed,login_expired,login_ended,active,needs_relogin,limited,flood_wait,disconnected" doc:"code_sent, password_needed, login_expired (ran out of time) or login_ended (stopped after 5 wrong codes or passwords) while the first login runs; then active, needs_relogin (Telegram ended the session), limited (PEER_FLOOD: sending stops until a person resets it; extraction, chat lists and incoming messages go on), flood_wait (sending waits until flood_until) or disconnected"`
	Name           string     `json:"name" example:"Ann Lee"`
	FirstName      string     `json:"first_name,omitempty"`
	LastName       string     `json:"last_name,omitempty"`
	Username       string     `json:"username,omitempty" example:"ann_lee"`
	Phone          string     `json:"phone" doc:"Masked" example:"+44 •••• 0123"`
	APIID          int64      `json:"api_id"`
	TGUserID       int64      `json:"telegram_user_id,omitempty"`
	DC             int        `json:"dc,omitempty"`
	FloodUntil     *time.Time `json:"flood_until,omitempty" doc:"For flood_wait: when Telegram lets the account send again"`
	RetryAfter     int        `json:"retry_after,omitempty" doc:"For flood_wait: seconds left"`
	StatusDetail   string     `json:"status_detail,omitempty" doc:"What Telegram said last, e.g. PEER_FLOOD or FLOOD_WAIT_30"`
	CreatedAt      time.Time  `json:"created_at"`
	ConnectedAt    *time.Time `json:"connected_at,omitempty" doc:"When the first login finished; rotations and re-logins keep it"`
	DisconnectedAt *time.Time `json:"disconnected_at,omitempty" doc:"For disconnected: when it was disconnected"`
	Login          *Login     `json:"login,omitempty" doc:"The login in progress: the first one, a rotation or a re-login"`
	Waits          []Wait     `json:"waits,omitempty" doc:"Telegram's FLOOD_WAITs running now, one per kind of call; each stops only calls of its kind"`
}

// Wait is a FLOOD_WAIT on one kind of the account's calls.
type Wait struct {
	Kind       string    `json:"kind" enum:"send,members,resolve,account" doc:"send: messages (campaigns, inbox answers, test sends); members: reading a chat's members (extraction); resolve: finding usernames; account: chat lists, sessions, history"`
	Until      time.Time `json:"until"`
	RetryAfter int       `json:"retry_after" doc:"Seconds left"`
	Detail     string    `json:"detail,omitempty" doc:"What Telegram said, e.g. FLOOD_WAIT_30 on channels.getParticipants"`
}

// Login is a login waiting for its code or 2FA password.
type Login struct {
	State        string     `json:"state" enum:"code_sent,password_needed,login_expired,login_ended"`
	AttemptsLeft int        `json:"attempts_left" doc:"Wrong codes or passwords the login still takes before it is stopped"`
	APIID        int64      `json:"api_id"`
	CodeType     string     `json:"code_type,omitempty" doc:"Where the code went: app (the Telegram app on another device), sms, call, flash_call, missed_call, email, fragment, …"`
	CodeLength   int        `json:"code_length,omitempty"`
	NextType     string     `json:"next_type,omitempty" doc:"How resend-code sends it; empty when Telegram offers no other way"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	ResendAfter  *time.Time `json:"resend_after,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty" doc:"The login expires 15 minutes after its last step"`
	PasswordHint string     `json:"password_hint,omitempty"`
}

// LoginStep answers every login step.
type LoginStep struct {
	ID int64 `json:"id"`
	// Status is where the login stands now.
	Status       string     `json:"status" enum:"code_sent,password_needed,active" doc:"code_sent: POST …/code next; password_needed: POST …/password next; active: done"`
	CodeType     string     `json:"code_type,omitempty"`
	CodeLength   int        `json:"code_length,omitempty"`
	NextType     string     `json:"next_type,omitempty"`
	ResendAfter  *time.Time `json:"resend_after,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	PasswordHint string     `json:"password_hint,omitempty"`
	Account      Account    `json:"account"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func accountBody(a accounts.Account) Account {
	out := Account{
		ID: a.ID, Status: a.Status, Name: a.Name, FirstName: a.FirstName, LastName: a.LastName, Username: a.Username,
		Phone: a.MaskedPhone(), APIID: a.APIID, TGUserID: a.TGUserID, DC: a.DC, StatusDetail: a.StatusDetail,
		CreatedAt: a.CreatedAt.UTC(), ConnectedAt: timePtr(a.ConnectedAt), DisconnectedAt: timePtr(a.DisconnectedAt),
	}
	if a.Status == accounts.StatusPending {
		out.Status = a.Step()
	}
	now := time.Now()
	if a.Waiting(now) {
		out.FloodUntil = timePtr(a.FloodUntil)
		out.RetryAfter = int(math.Ceil(a.FloodUntil.Sub(now).Seconds()))
	}
	for _, w := range a.WaitsAt(now) {
		out.Waits = append(out.Waits, Wait{Kind: string(w.Kind), Until: w.Until.UTC(),
			RetryAfter: int(math.Ceil(w.Until.Sub(now).Seconds())), Detail: w.Detail})
	}
	if l := a.Login; l != nil {
		out.Login = &Login{
			State: l.State, APIID: l.APIID, CodeType: l.CodeType, CodeLength: l.CodeLength, NextType: l.NextType,
			SentAt: timePtr(l.SentAt), ResendAfter: timePtr(l.ResendAfter), ExpiresAt: timePtr(l.ExpiresAt), PasswordHint: l.PasswordHint,
			AttemptsLeft: l.AttemptsLeft,
		}
	}
	return out
}

func loginStep(a accounts.Account) LoginStep {
	out := LoginStep{ID: a.ID, Status: a.Step(), Account: accountBody(a)}
	if l := a.Login; l != nil {
		out.CodeType, out.CodeLength, out.NextType, out.PasswordHint = l.CodeType, l.CodeLength, l.NextType, l.PasswordHint
		out.ResendAfter, out.ExpiresAt = timePtr(l.ResendAfter), timePtr(l.ExpiresAt)
	}
	return out
}

// Session is a logged-in device of the Telegram account.
type Session struct {
	Hash        string    `json:"hash" doc:"Pass to DELETE …/sessions/{hash}; \"0\" is Telegramate's own session"`
	Current     bool      `json:"current" doc:"Telegramate's own session"`
	Device      string    `json:"device,omitempty"`
	Platform    string    `json:"platform,omitempty"`
	System      string    `json:"system,omitempty"`
	AppName     string    `json:"app_name,omitempty"`
	AppVersion  string    `json:"app_version,omitempty"`
	APIID       int       `json:"api_id,omitempty"`
	IP          string    `json:"ip,omitempty"`
	Country     string    `json:"country,omitempty"`
	Region      string    `json:"region,omitempty"`
	DateCreated time.Time `json:"date_created"`
	DateActive  time.Time `json:"date_active"`
}

// Activity is a line of an account's activity log.
type Activity struct {
	ID        int64     `json:"id"`
	Event     string    `json:"event" example:"connected"`
	Label     string    `json:"label" example:"Connected"`
	Detail    string    `json:"detail,omitempty"`
	By        string    `json:"by,omitempty" doc:"The platform user's email"`
	IP        string    `json:"ip,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// flexID is an API ID sent as a JSON number or string, so that the
// accounts package checks both the same way (and says what is wrong with
// it next to the field).
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	*f = flexID(b)
	return nil
}

func (flexID) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{
		Description: "The API ID from my.telegram.org, a positive integer (a string of digits is accepted too)",
		Examples:    []any{12345678},
	}
}
