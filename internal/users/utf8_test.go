package users_test

import (
	"context"
	"testing"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/users"
)

// TestInvalidUTF8IsRefused: an email or password that is not valid UTF-8
// is refused with a message naming the field, and nothing is stored raw.
func TestInvalidUTF8IsRefused(t *testing.T) {
	s := storetest.SQLite(t)
	svc, _ := newService(s, true)
	for field, in := range map[string][2]string{
		"email":    {"ann\xff@example.com", "long enough password"},
		"password": {"ann@example.com", "long enough \xff password"},
	} {
		_, err := svc.SignUp(context.Background(), in[0], in[1])
		if e, ok := apperr.As(err); !ok || e.Field != field {
			t.Errorf("%s with invalid UTF-8: %v, want a validation error on %s", field, err, field)
		}
	}
	if list, _ := s.ListUsers(context.Background()); len(list) != 0 {
		t.Errorf("stored %+v", list)
	}
	_ = users.MinPasswordLen
}
