package accounts_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func wantCode(t *testing.T, err error, code string) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	return e
}

func TestConnectWithoutPassword(t *testing.T) {
	e := sqliteEnv(t)
	ctx := ctxFor(t)
	before := clock.Now()
	acct, err := e.svc.Start(ctx, e.ann, accounts.ConnectInput{APIID: " 2000001 ", APIHash: " A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1 ", Phone: "+999 661-1101"})
	if err != nil {
		t.Fatal(err)
	}
	l := acct.Login
	if acct.Status != accounts.StatusPending || l == nil || acct.Step() != accounts.LoginCodeSent {
		t.Fatalf("after start %+v", acct)
	}
	if l.CodeType != "app" || l.CodeLength != 5 || l.NextType != "sms" || !l.ResendAfter.After(before) ||
		l.ExpiresAt.Sub(before) < accounts.LoginTTL-time.Minute || l.ExpiresAt.Sub(before) > accounts.LoginTTL+time.Minute {
		t.Errorf("login %+v", l)
	}
	if acct.MaskedPhone() != "+99 •••• 1101" || acct.Phone != phoneAnn {
		t.Errorf("phone %q masked %q", acct.Phone, acct.MaskedPhone())
	}

	_, err = e.svc.SubmitCode(ctx, e.ann, acct.ID, "12345")
	if !errors.Is(err, accounts.ErrAuthorizationFailed) {
		t.Fatalf("wrong code: %v, want Authorization failed", err)
	}
	if got := wantCode(t, err, "authorization_failed"); got.Message != "Authorization failed" || got.Hint != "Make sure you're entering the correct verification code. Request a new code if the old one expired." {
		t.Errorf("wrong code reads %q / %q", got.Message, got.Hint)
	}
	if _, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, " "); wantCode(t, err, "validation_failed").Field != "code" {
		t.Errorf("empty code: %v", err)
	}
	if _, err := e.svc.SubmitCode(ctx, e.bea, acct.ID, codeFor(phoneAnn)); !errors.Is(err, store.ErrNotFound) && wantCode(t, err, "not_found") == nil {
		t.Errorf("bea submits ann's code: %v", err)
	}

	acct, err = e.svc.SubmitCode(ctx, e.ann, acct.ID, "111 11")
	if err != nil {
		t.Fatal(err)
	}
	if acct.Status != accounts.StatusActive || acct.Login != nil || acct.Name != "Ann Lee" || acct.Username != "ann_lee" ||
		acct.TGUserID != 3001 || acct.DC != 1 || acct.APIID != appA.id {
		t.Errorf("connected %+v", acct)
	}
	if n, _ := e.svc.ConnectedAccounts(ctx, e.ann.UserID); n != 1 {
		t.Errorf("ann has %d connected accounts", n)
	}
	if n, _ := e.svc.ConnectedAccounts(ctx, e.bea.UserID); n != 0 {
		t.Errorf("bea has %d connected accounts", n)
	}
	if _, err := e.svc.Get(ctx, e.bea.UserID, acct.ID); wantCode(t, err, "not_found") == nil {
		t.Error("bea reads ann's account")
	}
	if got := e.events(e.ann, acct.ID); !slices.Equal(got, []string{"code_requested", "code_failed", "connected"}) {
		t.Errorf("activity %v", got)
	}
	log, _ := e.svc.Activity(ctx, e.ann.UserID, acct.ID)
	if log[0].By != "ann@example.com" || log[0].IP != "192.0.2.10" || log[1].Detail != "Wrong login code (attempt 1 of 5)" {
		t.Errorf("activity lines %+v", log)
	}
	if _, err := e.svc.Activity(ctx, e.bea.UserID, acct.ID); wantCode(t, err, "not_found") == nil {
		t.Error("bea reads ann's activity")
	}
}

// TestConnectWithPassword runs on both databases: the login crosses to
// DC 2 (PHONE_MIGRATE) and needs the 2FA password.
func TestConnectWithPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		ctx := ctxFor(t)
		acct, err := e.svc.Start(ctx, e.ann, input(appB, phoneBob))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SubmitPassword(ctx, e.ann, acct.ID, "x"); wantCode(t, err, "code_needed") == nil {
			t.Error("password before code accepted")
		}
		acct, err = e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneBob))
		if err != nil {
			t.Fatal(err)
		}
		if acct.Step() != accounts.LoginPasswordNeeded || acct.Login.PasswordHint != "battery staple" || acct.Status != accounts.StatusPending {
			t.Fatalf("after code %+v %+v", acct, acct.Login)
		}
		if _, err := e.svc.SubmitPassword(ctx, e.ann, acct.ID, "wrong"); !errors.Is(err, accounts.ErrPasswordInvalid) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := e.svc.SubmitPassword(ctx, e.ann, acct.ID, ""); wantCode(t, err, "validation_failed").Field != "password" {
			t.Errorf("empty password: %v", err)
		}
		acct, err = e.svc.SubmitPassword(ctx, e.ann, acct.ID, secrets.Secret(bobPass))
		if err != nil {
			t.Fatal(err)
		}
		if acct.Status != accounts.StatusActive || acct.DC != 2 || acct.Username != "bob_stone" {
			t.Errorf("connected %+v", acct)
		}
		if got := e.events(e.ann, acct.ID); !slices.Equal(got, []string{"code_requested", "code_accepted", "password_failed", "connected"}) {
			t.Errorf("activity %v", got)
		}
		// The stored session works on a fresh client.
		if err := e.svc.Use(ctx, e.ann.UserID, acct.ID, selfCheck(3002)); err != nil {
			t.Fatalf("use after 2FA login: %v", err)
		}
	})
}

func calls() int {
	n := 0
	for _, c := range sbx.Counts() {
		n += c
	}
	return n
}

// TestInputCheckedBeforeTelegram: every bad field gets its own message and
// nothing is stored or sent.
func TestInputCheckedBeforeTelegram(t *testing.T) {
	e := sqliteEnv(t)
	good := input(appA, phoneAnn)
	for _, c := range []struct {
		name   string
		in     accounts.ConnectInput
		fields []string
	}{
		{"empty", accounts.ConnectInput{}, []string{"api_id", "api_hash", "phone"}},
		{"api id not a number", accounts.ConnectInput{APIID: "12ab", APIHash: good.APIHash, Phone: good.Phone}, []string{"api_id"}},
		{"api id zero", accounts.ConnectInput{APIID: "0", APIHash: good.APIHash, Phone: good.Phone}, []string{"api_id"}},
		{"api id negative", accounts.ConnectInput{APIID: "-5", APIHash: good.APIHash, Phone: good.Phone}, []string{"api_id"}},
		{"api id too big", accounts.ConnectInput{APIID: "99999999999", APIHash: good.APIHash, Phone: good.Phone}, []string{"api_id"}},
		{"hash too short", accounts.ConnectInput{APIID: good.APIID, APIHash: "a1a1a1", Phone: good.Phone}, []string{"api_hash"}},
		{"hash not hex", accounts.ConnectInput{APIID: good.APIID, APIHash: "z1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", Phone: good.Phone}, []string{"api_hash"}},
		{"hash with inner space", accounts.ConnectInput{APIID: good.APIID, APIHash: "a1a1a1a1a1a1a1a1 a1a1a1a1a1a1a1a1", Phone: good.Phone}, []string{"api_hash"}},
		{"phone too short", accounts.ConnectInput{APIID: good.APIID, APIHash: good.APIHash, Phone: "+12 345"}, []string{"phone"}},
		{"phone too long", accounts.ConnectInput{APIID: good.APIID, APIHash: good.APIHash, Phone: "+1234567890123456"}, []string{"phone"}},
		{"phone letters", accounts.ConnectInput{APIID: good.APIID, APIHash: good.APIHash, Phone: "+44 7700 ABC123"}, []string{"phone"}},
		{"phone plus inside", accounts.ConnectInput{APIID: good.APIID, APIHash: good.APIHash, Phone: "44+7700900123"}, []string{"phone"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := accounts.CheckConnect(c.in)
			var fields []string
			for _, err := range errs {
				if err.Code != "validation_failed" || err.Message == "" {
					t.Errorf("error %+v", err)
				}
				fields = append(fields, err.Field)
			}
			if !slices.Equal(fields, c.fields) {
				t.Errorf("fields %v, want %v", fields, c.fields)
			}
			n := calls()
			_, err := e.svc.Start(ctxFor(t), e.ann, c.in)
			if got := wantCode(t, err, "validation_failed"); got.Field != c.fields[0] {
				t.Errorf("Start's error is on %q, want %q", got.Field, c.fields[0])
			}
			if calls() != n {
				t.Error("Telegram was asked")
			}
		})
	}
	if list, _ := e.st.ListAccounts(context.Background(), e.ann.UserID); len(list) != 0 {
		t.Errorf("bad input stored %+v", list)
	}
	for _, ok := range []string{"+9996611101", "999 66 11 101", "999-661-1101", "+44 7700 900123", "1234567"} {
		if _, err := accounts.NormalizePhone(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
}

// TestTelegramRefusals: what Telegram says to "send code" reaches the user
// as the design's messages, and nothing is stored.
func TestTelegramRefusals(t *testing.T) {
	e := sqliteEnv(t)
	t.Cleanup(sbx.ClearFaults)
	for _, c := range []struct {
		name    string
		in      accounts.ConnectInput
		fault   string
		code    string
		message string
		field   string
	}{
		{"unknown app", accounts.ConnectInput{APIID: "2999999", APIHash: appA.hash, Phone: phoneAnn}, "", "invalid_api_credentials", "Invalid API credentials", ""},
		{"wrong hash", accounts.ConnectInput{APIID: "2000001", APIHash: appB.hash, Phone: phoneAnn}, "", "invalid_api_credentials", "Invalid API credentials", ""},
		{"unknown phone", input(appA, "9996699999"), "", "phone_invalid", "The phone number is not valid", "phone"},
		{"banned phone", input(appA, phoneAnn), "400:PHONE_NUMBER_BANNED", "phone_banned", "The phone number is banned by Telegram", "phone"},
		{"flood wait", input(appA, phoneAnn), "FLOOD_WAIT_120", "flood_wait", "Too many attempts — try again in 2 minutes", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			sbx.ClearFaults()
			if c.fault != "" {
				if err := sbx.SetFault(sandbox.Fault{Method: "auth.sendCode", Error: c.fault}); err != nil {
					t.Fatal(err)
				}
			}
			_, err := e.svc.Start(ctxFor(t), e.ann, c.in)
			got := wantCode(t, err, c.code)
			if got.Message != c.message || got.Field != c.field {
				t.Errorf("reads %q on %q", got.Message, got.Field)
			}
			if c.code == "flood_wait" && got.RetryAfter != 2*time.Minute {
				t.Errorf("retry after %v", got.RetryAfter)
			}
			if c.code == "invalid_api_credentials" && got.Hint != "Double-check that you copied the API ID and Hash correctly. Make sure there are no extra spaces." {
				t.Errorf("hint %q", got.Hint)
			}
		})
	}
	if list, _ := e.st.ListAccounts(context.Background(), e.ann.UserID); len(list) != 0 {
		t.Errorf("refused logins stored %+v", list)
	}
}

// TestPhoneInUse: the article's "Phone number already in use" for the
// user's own API ID or phone is answered before Telegram is asked; another
// user's accounts are never told (a made-up API hash reads "Invalid API
// credentials", as from Telegram), and a login that completes onto them is
// refused; a login in progress holds neither.
func (e *env) svcStart(ctx context.Context, by accounts.Actor, in accounts.ConnectInput) error {
	_, err := e.svc.Start(ctx, by, in)
	return err
}

func TestPhoneInUse(t *testing.T) {
	e := sqliteEnv(t)
	ctx := ctxFor(t)
	ann := e.connect(e.ann, appC, phoneDan, "")
	for name, in := range map[string]accounts.ConnectInput{
		"same API ID, other phone": input(appC, phoneCleo),
		"same phone, other API ID": input(appD, phoneDan),
	} {
		n := calls()
		_, err := e.svc.Start(ctx, e.ann, in)
		got := wantCode(t, err, "phone_in_use")
		if got.Message != "Phone number already in use" || got.Hint != "You can only connect one Telegram account per API credential set. Create new credentials for additional accounts." {
			t.Errorf("%s: reads %q / %q", name, got.Message, got.Hint)
		}
		if calls() != n {
			t.Errorf("%s: Telegram was asked", name)
		}
	}
	// The user's own API ID with another hash is a typo of the hash.
	junk := appC
	junk.hash = "0123456789abcdef0123456789abcdef"
	wantCode(t, e.svcStart(ctx, e.ann, input(junk, phoneCleo)), "invalid_api_credentials")

	// Another user learns nothing: a made-up hash with ann's phone or API
	// ID is Telegram's "Invalid API credentials", not "in use".
	wantCode(t, e.svcStart(ctx, e.bea, input(junk, phoneCleo)), "invalid_api_credentials")
	other := appD
	other.hash = "fedcba9876543210fedcba9876543210"
	wantCode(t, e.svcStart(ctx, e.bea, input(other, phoneDan)), "invalid_api_credentials")
	// With real credentials the login starts; only whoever completes it
	// (holding the phone's Telegram account) reads "in use".
	pending, err := e.svc.Start(ctx, e.bea, input(appD, phoneDan))
	if err != nil {
		t.Fatalf("another user's login with ann's phone did not start: %v", err)
	}
	if _, err := e.svc.SubmitCode(ctx, e.bea, pending.ID, codeFor(phoneDan)); wantCode(t, err, "phone_in_use") == nil {
		t.Fatal("a second user connected a live phone")
	}
	// Disconnecting frees both.
	if _, err := e.svc.Disconnect(ctx, e.ann, ann.ID); err != nil {
		t.Fatal(err)
	}
	// Two people may both be half-way through with one API ID; the first
	// to finish gets it, the second reads "Phone number already in use".
	first, err := e.svc.Start(ctx, e.bea, input(appC, phoneDan))
	if err != nil {
		t.Fatalf("after disconnect: %v", err)
	}
	second, err := e.svc.Start(ctx, e.ann, input(appC, phoneCleo))
	if err != nil {
		t.Fatalf("second login in progress: %v", err)
	}
	if _, err := e.svc.SubmitCode(ctx, e.bea, first.ID, codeFor(phoneDan)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SubmitCode(ctx, e.ann, second.ID, codeFor(phoneCleo)); wantCode(t, err, "phone_in_use") == nil {
		t.Fatal("second to finish connected")
	}
	if got := e.events(e.ann, second.ID); !slices.Equal(got, []string{"code_requested", "login_refused"}) {
		t.Errorf("activity %v", got)
	}
}
