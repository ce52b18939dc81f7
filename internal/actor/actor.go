// Package actor carries the person a request acts for (who, in which
// workspace, with which role, from where) from the web layer, which fills
// it in, to the domain services, which check it: a role is enforced where
// the work is done, so no handler, API route or future caller can forget.
//
// Background jobs carry no actor and are not refused: they do what a
// person with the right role already asked for.
package actor

import (
	"context"
	"fmt"
	"net/http"

	"github.com/telegramate/telegramate/internal/apperr"
)

// Role is a member's role in a workspace. Each includes everything the
// ones below it may do.
type Role string

const (
	Viewer   Role = "viewer"   // reads everything but secrets, changes nothing
	Operator Role = "operator" // extracts, builds and runs campaigns, suppressions, answers in the inbox
	Admin    Role = "admin"    // accounts, Telegram sessions, webhooks, API tokens, members (not the owner)
	Owner    Role = "owner"    // everything, with deleting the workspace and transferring ownership
)

// Roles lists the roles from the least to the most allowed.
var Roles = []Role{Viewer, Operator, Admin, Owner}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i
		}
	}
	return -1
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r.rank() >= 0 }

// AtLeast reports whether r may do what min may.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// Actor is the person behind a request.
type Actor struct {
	UserID      int64
	WorkspaceID int64
	Role        Role
	// ReadOnly narrows a read-only API token to a viewer's rights,
	// whatever its member's role.
	ReadOnly bool
	IP       string
}

// Effective is the role the actor acts with.
func (a Actor) Effective() Role {
	if a.ReadOnly {
		return Viewer
	}
	return a.Role
}

type ctxKey struct{}

// With returns ctx carrying a.
func With(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// From returns the actor of ctx; ok is false for background work.
func From(ctx context.Context) (a Actor, ok bool) {
	a, ok = ctx.Value(ctxKey{}).(Actor)
	return a, ok
}

// Forbidden is the error for a role that may not do something.
var Forbidden = &apperr.Error{
	Code:   apperr.CodeForbidden,
	Status: http.StatusForbidden,
}

// Require refuses (403, code forbidden, naming the role needed) a person
// whose role in the workspace is below min. Work without a person, a
// background job's, passes.
func Require(ctx context.Context, min Role) error {
	a, ok := From(ctx)
	if !ok {
		return nil
	}
	if a.Effective().AtLeast(min) {
		return nil
	}
	e := *Forbidden
	switch {
	case a.ReadOnly && a.Role.AtLeast(min):
		e.Message = "This API token is read-only"
		e.Hint = fmt.Sprintf("This needs the %s role; create a token that is not read-only to make changes.", min)
	case min == Owner:
		e.Message = "Only the workspace's owner can do this"
		e.Hint = fmt.Sprintf("Your role in this workspace is %s. Ask the owner.", a.Role)
	default:
		e.Message = fmt.Sprintf("This needs the %s role or higher", min)
		e.Hint = fmt.Sprintf("Your role in this workspace is %s. Ask an admin or the owner to change it.", a.Role)
	}
	return &e
}
