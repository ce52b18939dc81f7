package accounts_test

import (
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestResendCode: "Resend code" waits for Telegram's timeout (the seconds
// before next_type may be used), then sends the code the next way.
func TestResendCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) { testResendCode(t, newEnv(t, st)) })
}

func testResendCode(t *testing.T, e *env) {
	ctx := ctxFor(t)
	acct, err := e.svc.Start(ctx, e.ann, input(appA, phoneDan))
	if err != nil {
		t.Fatal(err)
	}
	if acct.Login.ResendAfter.IsZero() {
		t.Fatal("the sandbox gave no timeout")
	}
	clock.Advance(time.Minute)
	n := calls()
	_, err = e.svc.ResendCode(ctx, e.ann, acct.ID)
	if got := wantCode(t, err, "resend_too_early"); got.HTTPStatus() != 429 || got.RetryAfter <= 0 ||
		got.Message != "Telegram allows a new code from "+acct.Login.ResendAfter.UTC().Format("15:04:05 UTC") {
		t.Errorf("early resend reads %+v", got)
	}
	if calls() != n {
		t.Error("an early resend called Telegram")
	}
	clock.Advance(acct.Login.ResendAfter.Sub(clock.Now()) + time.Second)
	again, err := e.svc.ResendCode(ctx, e.ann, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Login.CodeType != "sms" || !again.Login.SentAt.After(acct.Login.SentAt) || !again.Login.ExpiresAt.After(acct.Login.ExpiresAt) {
		t.Errorf("resent %+v after %+v", again.Login, acct.Login)
	}
	if _, err := e.svc.ResendCode(ctx, e.bea, acct.ID); wantCode(t, err, "not_found") == nil {
		t.Error("bea resent ann's code")
	}
	if _, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneDan)); err != nil {
		t.Fatalf("code after resend: %v", err)
	}
	if got := e.events(e.ann, acct.ID); !slices.Equal(got, []string{"code_requested", "code_resent", "connected"}) {
		t.Errorf("activity %v", got)
	}
}

// TestPendingLoginExpires: a login waits 15 minutes for its next step, then
// says so plainly, stays listed for a day, and a new attempt replaces it.
func TestPendingLoginExpires(t *testing.T) {
	e := sqliteEnv(t)
	ctx := ctxFor(t)
	acct, err := e.svc.Start(ctx, e.ann, input(appA, phoneDan))
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(accounts.LoginTTL - time.Minute)
	if _, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, "12345"); wantCode(t, err, "authorization_failed") == nil {
		t.Fatal("login expired early")
	}
	clock.Advance(2 * time.Minute)
	n := calls()
	for range 2 {
		_, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneDan))
		if got := wantCode(t, err, "login_expired"); got.Message != "This login has expired" || got.HTTPStatus() != 410 {
			t.Errorf("expired login reads %+v", got)
		}
	}
	if _, err := e.svc.ResendCode(ctx, e.ann, acct.ID); wantCode(t, err, "login_expired") == nil {
		t.Error("resend on an expired login")
	}
	if calls() != n {
		t.Error("an expired login called Telegram")
	}
	got, err := e.svc.Get(ctx, e.ann.UserID, acct.ID)
	if err != nil || got.Step() != accounts.LoginExpired || got.StatusLabel(clock.Now()) != "Login expired" {
		t.Fatalf("expired account %+v %v", got, err)
	}
	if list, _ := e.svc.List(ctx, e.ann.UserID); len(list) != 1 {
		t.Errorf("list %+v", list)
	}
	clock.Advance(25 * time.Hour)
	if list, _ := e.svc.List(ctx, e.ann.UserID); len(list) != 0 {
		t.Errorf("abandoned login still listed: %+v", list)
	}

	// Starting over works, and replaces an unfinished attempt at once.
	first, err := e.svc.Start(ctx, e.ann, input(appA, phoneDan))
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.svc.Start(ctx, e.ann, input(appA, phoneDan))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(ctx, e.ann.UserID, first.ID); wantCode(t, err, "not_found") == nil {
		t.Error("the earlier attempt is still there")
	}
	if _, err := e.svc.SubmitCode(ctx, e.ann, second.ID, codeFor(phoneDan)); err != nil {
		t.Fatal(err)
	}
}

// TestCancelPendingLogin: disconnecting a login in progress removes it.
func TestCancelPendingLogin(t *testing.T) {
	e := sqliteEnv(t)
	ctx := ctxFor(t)
	acct, err := e.svc.Start(ctx, e.ann, input(appA, phoneDan))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Disconnect(ctx, e.ann, acct.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(ctx, e.ann.UserID, acct.ID); wantCode(t, err, "not_found") == nil {
		t.Error("cancelled login still there")
	}
}
