package ui

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// SessionLifetime is how long a log-in lasts.
const SessionLifetime = 14 * 24 * time.Hour

// SessionStore is what sessions need from the database: the rows, and
// whose they are (so a password change or "log out everywhere" can end
// them).
type SessionStore interface {
	store.WebSessions
	SessionCommitOwned(ctx context.Context, s store.OwnedSession) error
}

// NewSessions makes the session manager: sessions live in the database (so
// every node of a cluster sees them and they survive restarts), the store
// keeps only a hash of each token, and the cookie is HttpOnly and Lax.
// secure marks the cookie HTTPS-only; set it when the base URL is https.
func NewSessions(st SessionStore, secure bool) *scs.SessionManager {
	sm := scs.New()
	sm.Store = sessionStore{st: st, now: time.Now, codec: sm.Codec}
	sm.HashTokenInStore = true
	sm.Lifetime = SessionLifetime
	sm.Cookie.Name = "telegramate_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	return sm
}

// storedToken is the key the store keeps for a session token: scs's own
// hash (HashTokenInStore), so the sessions page can mark the current one.
func storedToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// sessionStore adapts the store to scs.CtxStore.
type sessionStore struct {
	st    SessionStore
	now   func() time.Time
	codec scs.Codec
}

var _ scs.CtxStore = sessionStore{}

func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.st.SessionFind(ctx, token, s.now().UTC())
}

// CommitCtx records whose session it is, read from the data scs is saving
// (its lock is held here, so the session cannot be asked).
func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	row := store.OwnedSession{Token: token, Data: b, Expiry: expiry.UTC(), Now: s.now().UTC()}
	if _, values, err := s.codec.Decode(b); err == nil {
		row.UserID, _ = values[sessionUserKey].(int64)
	}
	if info := auth.RequestInfoFrom(ctx); info != nil {
		row.ClientIP, row.UserAgent = info.ClientIP, info.UserAgent
	}
	return s.st.SessionCommitOwned(ctx, row)
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
