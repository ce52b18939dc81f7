package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
)

// TestUserCarriesNoPasswordHash: what handlers and templates get of the
// logged-in user holds who it is, never the stored password hash.
func TestUserCarriesNoPasswordHash(t *testing.T) {
	ctx := WithUser(context.Background(), store.User{ID: 7, Email: "ann@example.com", IsAdmin: true, PasswordHash: "$argon2id$v=19$secret-hash"})
	u := UserFrom(ctx)
	if u == nil || u.ID != 7 || u.Email != "ann@example.com" || !u.IsAdmin {
		t.Fatalf("user %+v", u)
	}
	if s := fmt.Sprintf("%+v %#v", *u, *u); strings.Contains(s, "argon2id") {
		t.Errorf("the request's user carries the password hash: %s", s)
	}
}

// TestNoteErrorKeepsTheCause: an error noted after the first joins it,
// and the first, the cause, stays in the request's log line.
func TestNoteErrorKeepsTheCause(t *testing.T) {
	info := &RequestInfo{}
	ctx := WithRequestInfo(context.Background(), info)
	cause := errors.New("begin: context canceled")
	NoteError(ctx, cause)
	NoteError(ctx, errors.New("unread conversations: context canceled"))
	NoteError(ctx, nil)
	if !errors.Is(info.Err, cause) || !strings.Contains(info.Err.Error(), "unread conversations") {
		t.Errorf("noted %q, want the cause and the later error", info.Err)
	}
}
