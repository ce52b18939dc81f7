package store

import (
	"context"
	"time"
)

// AuditEvent is one line of a workspace's audit log.
type AuditEvent struct {
	ID          int64
	WorkspaceID int64
	// ActorUserID is the person who acted; 0 for background work.
	ActorUserID int64
	// ActorEmail is the person's email when the event was written.
	ActorEmail  string
	Action      string
	TargetKind  string
	TargetID    int64
	TargetLabel string
	Detail      string
	IP          string
	CreatedAt   time.Time
}

// AuditFilter narrows a page of the log; its zero value is everything.
type AuditFilter struct {
	Action      string
	ActorUserID int64
	// TargetKind with TargetID: the events about one thing.
	TargetKind string
	TargetID   int64
}

// AuditActor is a person who appears in a workspace's log.
type AuditActor struct {
	UserID int64
	Email  string
}

// Audit is the audit log. It is append-only: there is deliberately no
// method that changes or deletes an event (TestAuditLogIsAppendOnly), and
// the table's triggers refuse an UPDATE or DELETE from anywhere else.
type Audit interface {
	AddAuditEvent(ctx context.Context, e AuditEvent) (AuditEvent, error)
	// AuditEventsPage is at most limit of a workspace's events older than
	// beforeID (0: from the newest) that match f, newest first.
	AuditEventsPage(ctx context.Context, workspaceID int64, f AuditFilter, beforeID int64, limit int) ([]AuditEvent, error)
	// AuditActors lists up to limit people who acted in the workspace.
	AuditActors(ctx context.Context, workspaceID int64, limit int) ([]AuditActor, error)
}
