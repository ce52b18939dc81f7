package accounts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Activity is one line of an account's activity log.
type Activity struct {
	ID     int64
	Event  string // snake_case: "connected", "code_failed", "extraction_started", …
	Detail string
	// By is the platform user who caused it (their email).
	By        string
	IP        string
	CreatedAt time.Time
}

// ActivityLimit is how many lines Activity returns.
const ActivityLimit = 200

// LogActivity adds a line to the account's activity log (other packages:
// "extraction_started", "campaign_started", …). ip is the client's address
// when a person caused it, "" for background work.
func (s *Service) LogActivity(ctx context.Context, userID, accountID int64, event, detail, ip string) error {
	if _, err := s.row(ctx, userID, accountID); err != nil {
		return err
	}
	_, err := s.st.AddActivity(ctx, store.Activity{
		AccountID: accountID, UserID: userID, ByUserID: personID(ctx), Event: event, Detail: detail, IP: ip, CreatedAt: s.now().UTC(),
	})
	if err != nil {
		return fmt.Errorf("account %d activity: %w", accountID, err)
	}
	return nil
}

// Activity is the account's log, newest first.
func (s *Service) Activity(ctx context.Context, userID, accountID int64) ([]Activity, error) {
	if _, err := s.row(ctx, userID, accountID); err != nil {
		return nil, err
	}
	rows, err := s.st.ListActivity(ctx, userID, accountID, ActivityLimit)
	if err != nil {
		return nil, fmt.Errorf("account %d activity: %w", accountID, err)
	}
	emails := map[int64]string{}
	out := make([]Activity, 0, len(rows))
	for _, r := range rows {
		email, ok := emails[r.ByUserID]
		if !ok && r.ByUserID != 0 {
			if u, err := s.st.UserByID(ctx, r.ByUserID); err == nil {
				email = u.Email
			}
			emails[r.ByUserID] = email
		}
		out = append(out, Activity{ID: r.ID, Event: r.Event, Detail: r.Detail, By: email, IP: r.IP, CreatedAt: r.CreatedAt})
	}
	return out, nil
}

var eventLabels = map[string]string{
	"code_requested":         "Login code requested",
	"code_resent":            "Login code sent again",
	"code_resend_failed":     "Login code not sent again",
	"code_request_failed":    "Login code not sent",
	"code_failed":            "Wrong or expired login code",
	"code_accepted":          "Login code accepted",
	"password_failed":        "Wrong 2FA password",
	"connected":              "Connected",
	"rotation_started":       "Credential rotation started",
	"rotated":                "Credentials rotated",
	"relogin_started":        "Re-login started",
	"logged_in_again":        "Logged in again",
	"login_cancelled":        "Login cancelled",
	"old_session_logged_out": "Previous session logged out",
	"old_session_kept":       "Previous session still active",
	"login_refused":          "Login refused",
	"disconnected":           "Disconnected",
	"session_terminated":     "Telegram session terminated",
	"limit_reset":            "Limit reset",
	"status_flood_wait":      "Waiting for Telegram (FLOOD_WAIT)",
	"wait_members":           "Reading members waits for Telegram (FLOOD_WAIT)",
	"wait_resolve":           "Finding usernames waits for Telegram (FLOOD_WAIT)",
	"wait_account":           "Chat lists and sessions wait for Telegram (FLOOD_WAIT)",
	"status_limited":         "Limited by Telegram (PEER_FLOOD)",
	"status_needs_relogin":   "Session ended by Telegram",
	"extraction_started":     "Member extraction started",
	"campaign_started":       "Campaign started",
	"campaign_created":       "Campaign created",
	"campaign_paused":        "Campaign paused",
	"campaign_resumed":       "Campaign resumed",
	"campaign_cancelled":     "Campaign cancelled",
	"member_list_exported":   "Member list exported",
	"answer_sent":            "Inbox answer sent",
}

// Label is the event in words.
func (a Activity) Label() string {
	if l, ok := eventLabels[a.Event]; ok {
		return l
	}
	return strings.ReplaceAll(a.Event, "_", " ")
}

// Warning marks the events a person checking for suspicious activity
// should look at first.
func (a Activity) Warning() bool {
	switch a.Event {
	case "code_failed", "password_failed", "login_refused", "status_limited", "status_needs_relogin", "old_session_kept", "code_resend_failed", "code_request_failed":
		return true
	}
	return false
}
