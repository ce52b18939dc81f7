package sqlstore

import (
	"context"
	"database/sql"
	"math"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func toAuditEvent(e gen.AuditEvent) store.AuditEvent {
	return store.AuditEvent{
		ID: e.ID, WorkspaceID: e.WorkspaceID, ActorUserID: e.ActorUserID.Int64, ActorEmail: e.ActorEmail,
		Action: e.Action, TargetKind: e.TargetKind, TargetID: e.TargetID, TargetLabel: e.TargetLabel,
		Detail: e.Detail, IP: e.Ip, CreatedAt: e.CreatedAt.UTC(),
	}
}

func (q queries) AddAuditEvent(ctx context.Context, e store.AuditEvent) (store.AuditEvent, error) {
	r, err := q.q.AddAuditEvent(ctx, gen.AddAuditEventParams{
		WorkspaceID: e.WorkspaceID, ActorUserID: sql.NullInt64{Int64: e.ActorUserID, Valid: e.ActorUserID != 0},
		ActorEmail: e.ActorEmail, Action: e.Action, TargetKind: e.TargetKind, TargetID: e.TargetID,
		TargetLabel: e.TargetLabel, Detail: e.Detail, Ip: e.IP, CreatedAt: e.CreatedAt,
	})
	return one(q.d, r, err, toAuditEvent)
}

func (q queries) AuditEventsPage(ctx context.Context, workspaceID int64, f store.AuditFilter, beforeID int64, limit int) ([]store.AuditEvent, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	rs, err := q.q.AuditEventsPage(ctx, gen.AuditEventsPageParams{
		WorkspaceID: workspaceID, BeforeID: beforeID, Action: f.Action, ActorUserID: f.ActorUserID,
		TargetKind: f.TargetKind, TargetID: f.TargetID, MaxRows: int64(limit),
	})
	return many(q.d, rs, err, toAuditEvent)
}

func (q queries) AuditActors(ctx context.Context, workspaceID int64, limit int) ([]store.AuditActor, error) {
	rs, err := q.q.AuditActors(ctx, gen.AuditActorsParams{WorkspaceID: workspaceID, MaxRows: int64(limit)})
	return many(q.d, rs, err, func(r gen.AuditActorsRow) store.AuditActor { return store.AuditActor{UserID: r.UserID, Email: r.Email} })
}
