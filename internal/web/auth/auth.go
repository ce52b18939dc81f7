// Package auth carries the logged-in platform user through a request's
// context, for UI pages (session cookie) and API endpoints (bearer token)
// alike, so handlers read it the same way.
package auth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
)

type ctxKey struct{}

// User is what a request knows of its platform user: who it is and what
// it may do. Deliberately not the stored row, so the password hash never
// travels through handlers and templates.
type User struct {
	ID        int64
	Email     string
	IsAdmin   bool
	CreatedAt time.Time
}

// WithUser puts the signed-in person into the context: for handlers, and
// for the domain's audit log as the person acting (audit.Actor), with the
// request's client address.
func WithUser(ctx context.Context, u store.User) context.Context {
	ip := ""
	if info := RequestInfoFrom(ctx); info != nil {
		info.UserID = u.ID
		ip = info.ClientIP
	}
	ctx = audit.WithActor(ctx, audit.Actor{UserID: u.ID, Email: u.Email, IP: ip})
	return context.WithValue(ctx, ctxKey{}, &User{ID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin, CreatedAt: u.CreatedAt})
}

// UserFrom returns the authenticated user. Handlers behind the login or
// token middleware can rely on it being non-nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(ctxKey{}).(*User)
	return u
}

// Workspace is the workspace a request works in and the person's role
// there, read from the membership on every request: a role change or a
// removal takes effect on the next one.
type Workspace struct {
	ID   int64
	Name string
	Role actor.Role
	// Mine lists every workspace of the person, for the switcher (nil for
	// API requests).
	Mine []store.Membership
}

type wsKey struct{}

// WithWorkspace sets the request's workspace and, for the domain services
// that check roles, its actor.
func WithWorkspace(ctx context.Context, w *Workspace, readOnly bool, ip string) context.Context {
	var userID int64
	if u := UserFrom(ctx); u != nil {
		userID = u.ID
	}
	ctx = actor.With(ctx, actor.Actor{UserID: userID, WorkspaceID: w.ID, Role: w.Role, ReadOnly: readOnly, IP: ip})
	return context.WithValue(ctx, wsKey{}, w)
}

// WorkspaceFrom returns the request's workspace; handlers behind the login
// or token middleware can rely on it being non-nil.
func WorkspaceFrom(ctx context.Context) *Workspace {
	w, _ := ctx.Value(wsKey{}).(*Workspace)
	return w
}

// WorkspaceID is the tenant every owned row is keyed by (see
// store.Workspace): handlers pass it where they passed the user id.
func WorkspaceID(ctx context.Context) int64 {
	if w := WorkspaceFrom(ctx); w != nil {
		return w.ID
	}
	return 0
}

// RequestInfo is filled in while a request is handled and read by the
// request log and metrics once it is done.
type RequestInfo struct {
	Route  string // the ServeMux pattern that matched, "" if none
	UserID int64
	Err    error // an internal error worth logging with the request
	// ClientIP is the client's address: the direct peer, or behind a
	// trusted reverse proxy the one X-Forwarded-For names. It is set once,
	// before any handler runs.
	ClientIP string
	// UserAgent is the client's User-Agent, shortened, for the list of a
	// user's sessions.
	UserAgent string
}

type infoKey struct{}

func WithRequestInfo(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

func RequestInfoFrom(ctx context.Context) *RequestInfo {
	info, _ := ctx.Value(infoKey{}).(*RequestInfo)
	return info
}

// NoteError records an internal error for the request's log line; the
// client only ever sees a generic message for it. Errors noted after the
// first are added to it, never in its place: the first is the cause (a
// page that failed, then could not count its unread badge either, logged
// only the badge's error).
func NoteError(ctx context.Context, err error) {
	if info := RequestInfoFrom(ctx); info != nil && err != nil {
		info.Err = errors.Join(info.Err, err)
	}
}

// ClientIP is the request's client address, for login throttling and the
// activity log: the one the web layer worked out (see RequestInfo), else
// remoteAddr's host (a handler run on its own, as in some tests).
func ClientIP(ctx context.Context, remoteAddr string) string {
	if info := RequestInfoFrom(ctx); info != nil && info.ClientIP != "" {
		return info.ClientIP
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// Origin is scheme://host the request was made to, for links the product
// hands out when no --base-url says where the instance is reached.
func Origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
