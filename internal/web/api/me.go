package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/web/auth"
)

type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	IsAdmin   bool      `json:"is_admin" doc:"Instance administrator"`
	CreatedAt time.Time `json:"created_at"`
}

type meOutput struct {
	Body User
}

func (a *API) registerMe() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "get-me",
		Method:      http.MethodGet,
		Path:        "/me",
		Summary:     "The user the token belongs to",
		Tags:        []string{"Users"},
	}, func(ctx context.Context, _ *struct{}) (*meOutput, error) {
		u := auth.UserFrom(ctx)
		return &meOutput{Body: User{ID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin, CreatedAt: u.CreatedAt.UTC()}}, nil
	})
}
