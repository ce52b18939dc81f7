// Package audit is a workspace's audit log: who did what, when, and from
// which address. Domain packages record their actions here (in the
// transaction of the change when they have one); the web layer reads it
// a page at a time or as CSV.
//
// Two values are kept apart everywhere: the workspace the action belongs
// to (the tenant a domain function is called with) and the person who
// acted (Actor, carried by the request's context from the web layer).
// Until workspaces have several members they are the same number.
package audit

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/store"
)

// Actor is who acted and from which address. The zero Actor is
// background work (a job, a timer): no person.
type Actor struct {
	UserID int64
	Email  string
	IP     string
}

type actorKey struct{}

// WithActor tells the domain, through a request's context, who is acting:
// the web layer sets it once it knows the signed-in person.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom is the person WithActor recorded, else the acting member the
// domain was given (actor.With); the zero Actor when neither (background
// work).
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	if a, ok := actor.From(ctx); ok {
		return Actor{UserID: a.UserID, IP: a.IP}
	}
	return Actor{}
}

// Event is what happened, to what.
type Event struct {
	Action string // one of the Action constants
	// TargetKind ("account", "campaign", …) and TargetID name what it acted
	// on; TargetLabel is a name a person recognises, kept as it was.
	TargetKind  string
	TargetID    int64
	TargetLabel string
	Detail      string
}

// Writer is what Record writes with: the store, or a transaction of it.
type Writer interface {
	AddAuditEvent(ctx context.Context, e store.AuditEvent) (store.AuditEvent, error)
	UserByID(ctx context.Context, id int64) (store.User, error)
}

// Record writes e to the workspace's log as done by by. Called inside the
// transaction of the change, its error must end that transaction: the
// change is not made unless its record is.
func Record(ctx context.Context, w Writer, now time.Time, workspaceID int64, by Actor, e Event) error {
	if !Known(e.Action) {
		// A name the page cannot show or filter by is a bug to catch
		// where it is written, not a line nobody finds.
		return &NotRecordedError{Action: e.Action, err: errors.New("not one of the audit log's actions (audit.Actions)")}
	}
	email := by.Email
	if email == "" && by.UserID != 0 {
		// Kept as it is now: the log says who it was even if they change
		// their email later.
		if u, err := w.UserByID(ctx, by.UserID); err == nil {
			email = u.Email
		}
	}
	_, err := w.AddAuditEvent(ctx, store.AuditEvent{
		WorkspaceID: workspaceID, ActorUserID: by.UserID, ActorEmail: email, Action: e.Action,
		TargetKind: e.TargetKind, TargetID: e.TargetID, TargetLabel: e.TargetLabel, Detail: e.Detail,
		IP: by.IP, CreatedAt: now.UTC(),
	})
	if err != nil {
		return &NotRecordedError{Action: e.Action, err: err}
	}
	return nil
}

// RecordAfter records an action that has already happened and has no
// transaction to share. It cannot undo the action, so a failure is not
// returned: it is logged as an error with the whole event, which keeps the
// record in the log file when the database would not take it.
func RecordAfter(ctx context.Context, w Writer, log *slog.Logger, now time.Time, workspaceID int64, by Actor, e Event) {
	err := Record(ctx, w, now, workspaceID, by, e)
	if err == nil {
		return
	}
	if log == nil {
		log = slog.Default()
	}
	log.ErrorContext(ctx, "audit event not recorded",
		slog.Int64("workspace", workspaceID), slog.Int64("actor", by.UserID), slog.String("actor_email", by.Email),
		slog.String("ip", by.IP), slog.String("action", e.Action), slog.String("target_kind", e.TargetKind),
		slog.Int64("target_id", e.TargetID), slog.String("target", e.TargetLabel), slog.String("detail", e.Detail),
		slog.Time("at", now.UTC()), slog.Any("err", err))
}

// NotRecordedError is Record's failure.
type NotRecordedError struct {
	Action string
	err    error
}

func (e *NotRecordedError) Error() string {
	return "audit " + e.Action + " not recorded: " + e.err.Error()
}
func (e *NotRecordedError) Unwrap() error { return e.err }
