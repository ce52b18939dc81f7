package accounts_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/accounts"
)

// TestWrongCodesEndTheLogin: the fifth wrong login code ends the login with
// a clear message, and every attempt is in the account's activity log; the
// right code after that does not log in.
func TestWrongCodesEndTheLogin(t *testing.T) {
	e := sqliteEnv(t)
	ctx := ctxFor(t)
	acct, err := e.svc.Start(ctx, e.ann, input(appC, phoneDan))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < accounts.MaxLoginAttempts; i++ {
		_, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, "98789")
		wantCode(t, err, "authorization_failed")
	}
	_, err = e.svc.SubmitCode(ctx, e.ann, acct.ID, "98789")
	if got := wantCode(t, err, "too_many_attempts"); !strings.Contains(got.Message, "this login has ended") {
		t.Errorf("reads %q", got.Message)
	}
	if _, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneDan)); err == nil {
		t.Fatal("the right code logged in after the login ended")
	}
	want := []string{"code_requested", "code_failed", "code_failed", "code_failed", "code_failed", "code_failed", "login_ended"}
	if got := e.events(e.ann, acct.ID); !slices.Equal(got, want) {
		t.Errorf("activity %v, want %v", got, want)
	}
	list, _ := e.svc.Activity(ctx, e.ann.UserID, acct.ID)
	if len(list) == 0 || !strings.Contains(list[1].Detail, "attempt 5 of 5") {
		t.Errorf("activity details do not count attempts: %+v", list)
	}
}

// TestWrongPasswordsEndTheLogin: the same for the 2FA password.
func TestWrongPasswordsEndTheLogin(t *testing.T) {
	e := sqliteEnv(t)
	ctx := ctxFor(t)
	acct, err := e.svc.Start(ctx, e.ann, input(appG, phoneGus))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneGus)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < accounts.MaxLoginAttempts; i++ {
		_, err := e.svc.SubmitPassword(ctx, e.ann, acct.ID, "wrong-Pa55word")
		wantCode(t, err, "password_invalid")
	}
	_, err = e.svc.SubmitPassword(ctx, e.ann, acct.ID, "wrong-Pa55word")
	wantCode(t, err, "too_many_attempts")
	if _, err := e.svc.SubmitPassword(ctx, e.ann, acct.ID, gusPass); err == nil {
		t.Fatal("the right password logged in after the login ended")
	}
	if got := e.events(e.ann, acct.ID); slices.Index(got, "login_ended") < 0 || len(got) < 7 {
		t.Errorf("activity %v", got)
	}
}
