package accounts

import (
	"context"
	"strings"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
)

// auditActions are the activity log's events that also go into the
// workspace's audit log, with the action they are there.
var auditActions = map[string]string{
	"connected":          audit.AccountConnected,
	"logged_in_again":    audit.AccountLoggedInAgain,
	"rotated":            audit.AccountRotated,
	"disconnected":       audit.AccountDisconnected,
	"session_terminated": audit.SessionTerminated,
}

// person is who acts, for the audit log: the request's person
// (audit.WithActor, set by the web layer), else the acting member the
// domain was given (actor.With), else by's user.
func person(ctx context.Context, by Actor) audit.Actor {
	if p := audit.ActorFrom(ctx); p.UserID != 0 {
		if p.IP == "" {
			p.IP = by.IP
		}
		return p
	}
	if a, ok := actor.From(ctx); ok {
		return audit.Actor{UserID: a.UserID, IP: by.IP}
	}
	// A call without the web layer (the CLI, a test): by's user, which
	// is the person's own workspace's id for the people the migration
	// gave one.
	return audit.Actor{UserID: by.UserID, IP: by.IP}
}

// Label names an account as a person knows it: its Telegram name and
// phone.
func Label(a store.Account) string {
	name := strings.TrimSpace(a.FirstName + " " + a.LastName)
	if a.Username != "" {
		name = strings.TrimSpace(name + " (@" + a.Username + ")")
	}
	phone := ""
	if a.Phone != "" {
		phone = "+" + a.Phone
	}
	switch {
	case name == "":
		return phone
	case phone == "":
		return name
	}
	return name + ", " + phone
}

// audit writes the workspace's audit event of an activity line that has
// one, with q (the change's transaction when there is one).
func (s *Service) audit(ctx context.Context, q audit.Writer, by Actor, acct store.Account, event, detail string) error {
	action, ok := auditActions[event]
	if !ok {
		return nil
	}
	return audit.Record(ctx, q, s.now(), by.UserID, person(ctx, by), audit.Event{
		Action: action, TargetKind: audit.TargetAccount, TargetID: acct.ID, TargetLabel: Label(acct), Detail: detail,
	})
}
