package ui

import (
	"context"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/telegramate/telegramate/internal/store"
)

// SessionLifetime is how long a log-in lasts.
const SessionLifetime = 14 * 24 * time.Hour

// NewSessions makes the session manager: sessions live in the database (so
// every node of a cluster sees them and they survive restarts), the store
// keeps only a hash of each token, and the cookie is HttpOnly and Lax.
// secure marks the cookie HTTPS-only; set it when the base URL is https.
func NewSessions(st store.WebSessions, secure bool) *scs.SessionManager {
	sm := scs.New()
	sm.Store = sessionStore{st: st, now: time.Now}
	sm.HashTokenInStore = true
	sm.Lifetime = SessionLifetime
	sm.Cookie.Name = "telegramate_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	return sm
}

// sessionStore adapts store.WebSessions to scs.CtxStore.
type sessionStore struct {
	st  store.WebSessions
	now func() time.Time
}

var _ scs.CtxStore = sessionStore{}

func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.st.SessionFind(ctx, token, s.now().UTC())
}

func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.st.SessionCommit(ctx, token, b, expiry.UTC())
}

func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.st.SessionDelete(ctx, token)
}

func (s sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s sessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}
