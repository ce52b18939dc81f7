package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func toInvitation(r gen.InvitationByHashRow) store.Invitation {
	return store.Invitation{
		ID: r.ID, WorkspaceID: r.WorkspaceID, WorkspaceName: r.WorkspaceName, Email: r.Email, Role: r.Role,
		InvitedBy: r.InvitedBy.Int64, InvitedByEmail: r.InvitedByEmail,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		AcceptedAt: fromNullTime(r.AcceptedAt), RevokedAt: fromNullTime(r.RevokedAt),
	}
}

func (q queries) CreateInvitation(ctx context.Context, in store.NewInvitation) (int64, error) {
	id, err := q.q.CreateInvitation(ctx, gen.CreateInvitationParams{
		WorkspaceID: in.WorkspaceID, Email: in.Email, Role: in.Role, TokenHash: in.TokenHash,
		InvitedBy: sql.NullInt64{Int64: in.InvitedBy, Valid: in.InvitedBy != 0}, CreatedAt: in.Now, ExpiresAt: in.ExpiresAt,
	})
	return id, mapErr(q.d, err)
}

func (q queries) InvitationByHash(ctx context.Context, tokenHash []byte) (store.Invitation, error) {
	r, err := q.q.InvitationByHash(ctx, tokenHash)
	return one(q.d, r, err, toInvitation)
}

func (q queries) PendingInvitations(ctx context.Context, workspaceID int64, now time.Time) ([]store.Invitation, error) {
	rs, err := q.q.PendingInvitations(ctx, gen.PendingInvitationsParams{WorkspaceID: workspaceID, Now: now})
	return many(q.d, rs, err, func(r gen.PendingInvitationsRow) store.Invitation { return toInvitation(gen.InvitationByHashRow(r)) })
}

func (q queries) RevokeInvitation(ctx context.Context, workspaceID, id int64, now time.Time) error {
	n, err := q.q.RevokeInvitation(ctx, gen.RevokeInvitationParams{Now: nullTime(now), ID: id, WorkspaceID: workspaceID})
	return affected(q.d, n, err)
}

func (q queries) RevokeInvitationsTo(ctx context.Context, workspaceID int64, email string, now time.Time) error {
	_, err := q.q.RevokeInvitationsTo(ctx, gen.RevokeInvitationsToParams{Now: nullTime(now), WorkspaceID: workspaceID, Email: email})
	return mapErr(q.d, err)
}

func (q queries) UseInvitation(ctx context.Context, id, userID int64, now time.Time) error {
	n, err := q.q.UseInvitation(ctx, gen.UseInvitationParams{Now: nullTime(now), UserID: sql.NullInt64{Int64: userID, Valid: true}, ID: id})
	return affected(q.d, n, err)
}
