package apperr

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestFormatWait(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{0, "1 second"},
		{1 * time.Second, "1 second"},
		{37 * time.Second, "37 seconds"},
		{60 * time.Second, "1 minute"},
		{61 * time.Second, "1 minute 1 second"},
		{4 * time.Minute, "4 minutes"},
		{time.Hour, "1 hour"},
		{2*time.Hour + 5*time.Minute + 30*time.Second, "2 hours 5 minutes"},
	} {
		if got := FormatWait(c.in); got != c.want {
			t.Errorf("FormatWait(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCopiesMatchTheirOriginal(t *testing.T) {
	base := &Error{Code: "authorization_failed", Message: "Authorization failed"}
	cause := errors.New("PHONE_CODE_INVALID")
	err := fmt.Errorf("step: %w", base.Wrap(cause).OnField("code"))

	if !errors.Is(err, base) {
		t.Fatal("a wrapped copy does not match its original")
	}
	if !errors.Is(err, cause) {
		t.Fatal("the cause is lost")
	}
	got, ok := As(err)
	if !ok || got.Field != "code" || base.Field != "" {
		t.Fatalf("OnField changed the original or was lost: %+v / %+v", got, base)
	}
	if errors.Is(err, &Error{Code: "other"}) {
		t.Fatal("errors with different codes match")
	}
}
