package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func toUser(u gen.User) store.User {
	return store.User{
		ID:           u.ID,
		Email:        u.Email,
		PasswordHash: u.PasswordHash,
		IsAdmin:      u.IsAdmin,
		CreatedAt:    u.CreatedAt.UTC(),
		UpdatedAt:    u.UpdatedAt.UTC(),
	}
}

func (q queries) CreateUser(ctx context.Context, u store.NewUser) (store.User, error) {
	var out store.User
	err := q.inTx(ctx, func(q queries) error {
		if q.d.SerializeUsers != "" {
			if _, err := q.tx.ExecContext(ctx, q.d.SerializeUsers); err != nil {
				return fmt.Errorf("serialize user creation: %w", err)
			}
		}
		r, err := q.q.CreateUser(ctx, gen.CreateUserParams{
			Email: u.Email, PasswordHash: u.PasswordHash, ForceAdmin: u.ForceAdmin, Now: u.Now,
		})
		if out, err = one(q.d, r, err, toUser); err != nil {
			return err
		}
		// Everyone starts in a workspace of their own, made with them so
		// that no user is ever without one.
		_, err = q.createWorkspace(ctx, out.Email+"'s workspace", out.ID, u.Now)
		return err
	})
	return out, err
}

func (q queries) UserByID(ctx context.Context, id int64) (store.User, error) {
	r, err := q.q.UserByID(ctx, id)
	return one(q.d, r, err, toUser)
}

func (q queries) UserByEmail(ctx context.Context, email string) (store.User, error) {
	r, err := q.q.UserByEmail(ctx, email)
	return one(q.d, r, err, toUser)
}

func (q queries) ListUsers(ctx context.Context) ([]store.User, error) {
	rs, err := q.q.ListUsers(ctx)
	return many(q.d, rs, err, toUser)
}

func (q queries) SetUserPassword(ctx context.Context, id int64, passwordHash string, now time.Time) error {
	n, err := q.q.SetUserPassword(ctx, gen.SetUserPasswordParams{ID: id, PasswordHash: passwordHash, Now: now})
	return affected(q.d, n, err)
}
