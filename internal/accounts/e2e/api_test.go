package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/web/api"
)

const (
	msgInvalidCreds = "Invalid API credentials"
	hintInvalidCred = "Double-check that you copied the API ID and Hash correctly. Make sure there are no extra spaces."
	msgInUse        = "Phone number already in use"
	hintInUse       = "You can only connect one Telegram account per API credential set. Create new credentials for additional accounts."
	msgAuthFailed   = "Authorization failed"
	hintAuthFailed  = "Make sure you're entering the correct verification code. Request a new code if the old one expired."
)

func TestAPIConnectWithoutPassword(t *testing.T) {
	a := startApp(t)
	c := newUser(t, a, "ann@example.com")
	before := time.Now()
	var s api.LoginStep
	r := c.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppA.ID, "api_hash": "  " + accountstest.AppA.Hash + " ", "phone": "+999 661-1101"})
	r.Into(t, 201, &s)
	if s.ID == 0 || s.Status != "code_sent" || s.CodeType != "app" || s.CodeLength != 5 || s.NextType != "sms" ||
		s.ExpiresAt == nil || s.ExpiresAt.Sub(before) < 14*time.Minute || s.ResendAfter == nil ||
		s.Account.Status != "code_sent" || s.Account.Phone != "+99 •••• 1101" {
		t.Fatalf("send code answered %s", r.Body)
	}
	if strings.Contains(string(r.Body), accountstest.AppA.Hash) {
		t.Fatal("the answer carries the API hash")
	}
	var got api.Account
	c.call("GET", fmt.Sprintf("/accounts/%d", s.ID), nil).Into(t, 200, &got)
	if got.Status != "code_sent" || got.Login == nil || got.Login.State != "code_sent" {
		t.Errorf("pending account %+v", got)
	}

	e := c.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": "12345"}).APIError(t, 400, "authorization_failed")
	if e.Message != msgAuthFailed || e.Hint != hintAuthFailed {
		t.Errorf("wrong code reads %+v", e)
	}
	c.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": ""}).APIError(t, 422, "validation_failed")

	r = c.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": "11111"})
	s = api.LoginStep{}
	r.Into(t, 200, &s)
	if s.Status != "active" || s.Account.Status != "active" || s.Account.Name != "Ann Lee" || s.Account.Username != "ann_lee" ||
		s.Account.TGUserID != 3001 || s.Account.APIID != accountstest.AppA.ID || s.Account.Login != nil {
		t.Fatalf("code answered %s", r.Body)
	}
	var list struct{ Accounts []api.Account }
	c.call("GET", "/accounts", nil).Into(t, 200, &list)
	if len(list.Accounts) != 1 || list.Accounts[0].ID != s.ID || list.Accounts[0].Status != "active" {
		t.Errorf("list %+v", list)
	}
	if ev := c.events(s.ID); !slices.Equal(ev, []string{"code_requested", "code_failed", "connected"}) {
		t.Errorf("activity %v", ev)
	}
	var act struct{ Activity []api.Activity }
	c.call("GET", fmt.Sprintf("/accounts/%d/activity", s.ID), nil).Into(t, 200, &act)
	if act.Activity[0].By != "ann@example.com" || act.Activity[0].IP != "127.0.0.1" || act.Activity[0].Label != "Connected" {
		t.Errorf("activity line %+v", act.Activity[0])
	}
}

// TestAPIConnectWithPassword runs on SQLite and PostgreSQL: the login moves
// to DC 2 and asks for the 2FA password, showing its hint.
func TestAPIConnectWithPassword(t *testing.T) {
	for name, opts := range map[string][]apptest.AppOption{"sqlite": nil, "postgres": {apptest.AppOnPostgres()}} {
		t.Run(name, func(t *testing.T) {
			a := startApp(t, opts...)
			c := newUser(t, a, "bob@example.com")
			var s api.LoginStep
			c.call("POST", "/accounts", map[string]any{"api_id": fmt.Sprint(accountstest.AppB.ID), "api_hash": accountstest.AppB.Hash, "phone": accountstest.PhoneBob}).Into(t, 201, &s)
			c.call("POST", fmt.Sprintf("/accounts/%d/password", s.ID), map[string]string{"password": "x"}).APIError(t, 409, "code_needed")
			c.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": accountstest.Code(accountstest.PhoneBob)}).Into(t, 200, &s)
			if s.Status != "password_needed" || s.PasswordHint != accountstest.BobHint || s.Account.Status != "password_needed" {
				t.Fatalf("after the code %+v", s)
			}
			e := c.call("POST", fmt.Sprintf("/accounts/%d/password", s.ID), map[string]string{"password": "wrong"}).APIError(t, 400, "password_invalid")
			if e.Message != "Incorrect 2FA password" {
				t.Errorf("wrong password reads %+v", e)
			}
			c.call("POST", fmt.Sprintf("/accounts/%d/password", s.ID), map[string]string{"password": accountstest.BobPassword}).Into(t, 200, &s)
			if s.Status != "active" || s.Account.DC != 2 || s.Account.Username != "bob_stone" {
				t.Fatalf("after the password %+v", s)
			}
		})
	}
}

// TestAPIValidation: bad input is refused next to its field before
// Telegram is asked, and nothing is stored.
func TestAPIValidation(t *testing.T) {
	a := startApp(t)
	c := newUser(t, a, "ann@example.com")
	good := map[string]any{"api_id": accountstest.AppA.ID, "api_hash": accountstest.AppA.Hash, "phone": accountstest.PhoneAnn}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	calls := func() int {
		n := 0
		for _, v := range sbx.Counts() {
			n += v
		}
		return n
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		msg  string
	}{
		{"no api id", with("api_id", nil), "Enter your API ID"},
		{"api id text", with("api_id", "12ab"), "The API ID must be a positive whole number"},
		{"api id zero", with("api_id", 0), "The API ID must be a positive whole number"},
		{"api id negative", with("api_id", -4), "The API ID must be a positive whole number"},
		{"api id fraction", with("api_id", 1.5), "The API ID must be a positive whole number"},
		{"api id over 32 bits", with("api_id", 2147483648), "The API ID is too large"},
		{"no hash", with("api_hash", nil), "Enter your API Hash"},
		{"hash short", with("api_hash", "abc"), "The API Hash must be 32 hexadecimal characters (0–9 and a–f)"},
		{"hash not hex", with("api_hash", strings.Repeat("g", 32)), "The API Hash must be 32 hexadecimal characters (0–9 and a–f)"},
		{"no phone", with("phone", nil), "Enter your phone number"},
		{"phone short", with("phone", "+1 234"), "An international phone number has 7 to 15 digits"},
		{"phone letters", with("phone", "+44 77OO 900123"), "A phone number has only digits, spaces and dashes after an optional +"},
		{"everything", map[string]any{}, "Enter your API ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := calls()
			e := c.call("POST", "/accounts", tc.body).APIError(t, 422, "validation_failed")
			if e.Message != tc.msg {
				t.Errorf("reads %q, want %q", e.Message, tc.msg)
			}
			if calls() != n {
				t.Error("Telegram was asked")
			}
		})
	}
	var list struct{ Accounts []api.Account }
	c.call("GET", "/accounts", nil).Into(t, 200, &list)
	if len(list.Accounts) != 0 {
		t.Errorf("bad input stored %+v", list.Accounts)
	}
}

// TestAPITelegramErrors: what Telegram answers reaches the client as the
// article's and the design's messages.
func TestAPITelegramErrors(t *testing.T) {
	a := startApp(t)
	c := newUser(t, a, "ann@example.com")
	t.Cleanup(sbx.ClearFaults)

	e := c.call("POST", "/accounts", map[string]any{"api_id": 2999999, "api_hash": accountstest.AppA.Hash, "phone": accountstest.PhoneAnn}).APIError(t, 400, "invalid_api_credentials")
	if e.Message != msgInvalidCreds || e.Hint != hintInvalidCred {
		t.Errorf("unknown app reads %+v", e)
	}
	c.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppA.ID, "api_hash": accountstest.AppB.Hash, "phone": accountstest.PhoneAnn}).APIError(t, 400, "invalid_api_credentials")
	e = c.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppA.ID, "api_hash": accountstest.AppA.Hash, "phone": accountstest.PhoneUnknown}).APIError(t, 400, "phone_invalid")
	if e.Message != "The phone number is not valid" {
		t.Errorf("unknown phone reads %+v", e)
	}
	if err := sbx.SetFault(sandbox.Fault{Method: "auth.sendCode", Error: "400:PHONE_NUMBER_BANNED"}); err != nil {
		t.Fatal(err)
	}
	e = c.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppA.ID, "api_hash": accountstest.AppA.Hash, "phone": accountstest.PhoneAnn}).APIError(t, 400, "phone_banned")
	if e.Message != "The phone number is banned by Telegram" {
		t.Errorf("banned phone reads %+v", e)
	}
	sbx.ClearFaults()
	if err := sbx.SetFault(sandbox.Fault{Method: "auth.sendCode", Error: "FLOOD_WAIT_120"}); err != nil {
		t.Fatal(err)
	}
	r := c.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppA.ID, "api_hash": accountstest.AppA.Hash, "phone": accountstest.PhoneAnn})
	e = r.APIError(t, 429, "flood_wait")
	if e.Message != "Too many attempts — try again in 2 minutes" || e.RetryAfter != 120 || r.Header.Get("Retry-After") != "120" {
		t.Errorf("flood wait reads %+v, Retry-After %q", e, r.Header.Get("Retry-After"))
	}
}

// TestAPIPhoneInUse: the user's own API ID or phone, connected already, is
// refused before Telegram is asked; another user probing with a made-up
// API hash reads Telegram's "Invalid API credentials", never "in use".
func TestAPIPhoneInUse(t *testing.T) {
	a := startApp(t)
	ann, bea := newUser(t, a, "ann@example.com"), newUser(t, a, "bea@example.com")
	ann.connect(accountstest.AppC, accountstest.PhoneCleo, "")
	for _, body := range []map[string]any{
		{"api_id": accountstest.AppC.ID, "api_hash": accountstest.AppC.Hash, "phone": accountstest.PhoneDan},
		{"api_id": accountstest.AppD.ID, "api_hash": accountstest.AppD.Hash, "phone": accountstest.PhoneCleo},
	} {
		e := ann.call("POST", "/accounts", body).APIError(t, 409, "phone_in_use")
		if e.Message != msgInUse || e.Hint != hintInUse {
			t.Errorf("reads %+v", e)
		}
	}
	for _, body := range []map[string]any{
		{"api_id": accountstest.AppC.ID, "api_hash": "0123456789abcdef0123456789abcdef", "phone": accountstest.PhoneDan},
		{"api_id": accountstest.AppD.ID, "api_hash": "0123456789abcdef0123456789abcdef", "phone": accountstest.PhoneCleo},
	} {
		bea.call("POST", "/accounts", body).APIError(t, 400, "invalid_api_credentials")
	}
}

func TestAPIResendCode(t *testing.T) {
	a := startApp(t)
	c := newUser(t, a, "ann@example.com")
	var s api.LoginStep
	c.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppA.ID, "api_hash": accountstest.AppA.Hash, "phone": accountstest.PhoneFay}).Into(t, 201, &s)
	// Telegram's timeout first: a clear message, not Telegram's error.
	r := c.call("POST", fmt.Sprintf("/accounts/%d/resend-code", s.ID), nil)
	if e := r.APIError(t, 429, "resend_too_early"); !strings.HasPrefix(e.Message, "Telegram allows a new code from ") || r.Header.Get("Retry-After") == "" {
		t.Errorf("early resend: %s %v", r.Body, r.Header)
	}
	ageLogin(t, a, "ann@example.com", s.ID, time.Until(*s.ResendAfter)+time.Second)
	var again api.LoginStep
	c.call("POST", fmt.Sprintf("/accounts/%d/resend-code", s.ID), nil).Into(t, 200, &again)
	if again.Status != "code_sent" || again.CodeType != "sms" || again.ID != s.ID {
		t.Fatalf("resent %+v", again)
	}
	c.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": accountstest.Code(accountstest.PhoneFay)}).Into(t, 200, &s)
	if ev := c.events(s.ID); !slices.Equal(ev, []string{"code_requested", "code_resent", "connected"}) {
		t.Errorf("activity %v", ev)
	}
}

// TestAPIHealthSessionsRotateDisconnect follows a connected account: its
// Telegram sessions, FLOOD_WAIT and PEER_FLOOD seen on them, a revoked
// session and re-login, rotation, and disconnection.
func TestAPIHealthSessionsRotateDisconnect(t *testing.T) {
	a := startApp(t)
	c := newUser(t, a, "dan@example.com")
	t.Cleanup(sbx.ClearFaults)
	acct := c.connect(accountstest.AppD, accountstest.PhoneDan, "")
	path := fmt.Sprintf("/accounts/%d", acct.ID)
	get := func() api.Account {
		var out api.Account
		c.call("GET", path, nil).Into(t, 200, &out)
		return out
	}

	// The owner's phone logs in too: a second session to see and end.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gw, err := telegram.New(telegram.Config{DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	phoneCreds := telegram.Credentials{APIID: int(accountstest.AppH.ID), APIHash: secrets.Secret(accountstest.AppH.Hash)}
	p, err := gw.SendCode(ctx, phoneCreds, accountstest.PhoneDan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.SignIn(ctx, phoneCreds, accountstest.PhoneDan, p, secrets.Secret(accountstest.Code(accountstest.PhoneDan))); err != nil {
		t.Fatal(err)
	}
	var ss struct{ Sessions []api.Session }
	c.call("GET", path+"/sessions", nil).Into(t, 200, &ss)
	if len(ss.Sessions) != 2 {
		t.Fatalf("sessions %+v", ss)
	}
	var other api.Session
	for _, s := range ss.Sessions {
		if !s.Current {
			other = s
		} else if s.Hash != "0" || s.APIID != int(accountstest.AppD.ID) || s.Device != "Telegramate" {
			t.Errorf("own session %+v", s)
		}
	}
	c.call("DELETE", path+"/sessions/0", nil).APIError(t, 409, "current_session")
	c.call("DELETE", path+"/sessions/"+other.Hash, nil).Into(t, 204, nil)
	c.call("GET", path+"/sessions", nil).Into(t, 200, &ss)
	if len(ss.Sessions) != 1 {
		t.Errorf("after terminate %+v", ss)
	}

	if err := sbx.SetFault(sandbox.Fault{Method: "account.getAuthorizations", Error: "FLOOD_WAIT_30"}); err != nil {
		t.Fatal(err)
	}
	c.call("GET", path+"/sessions", nil).APIError(t, 429, "flood_wait")
	// account.getAuthorizations is one of the account's own calls: they
	// wait; sending does not, so the status stays active.
	if got := get(); got.Status != "active" || got.FloodUntil != nil || len(got.Waits) != 1 || got.Waits[0].Kind != "account" ||
		got.Waits[0].RetryAfter <= 0 || got.Waits[0].RetryAfter > 30 || got.Waits[0].Detail != "FLOOD_WAIT_30 on account.getAuthorizations" {
		t.Errorf("after FLOOD_WAIT %+v", got)
	}
	sbx.ClearFaults()
	if err := sbx.SetFault(sandbox.Fault{Method: "account.getAuthorizations", Error: "PEER_FLOOD"}); err != nil {
		t.Fatal(err)
	}
	// The account waits out its FLOOD_WAIT first: refused without Telegram.
	c.call("GET", path+"/sessions", nil).APIError(t, 429, "flood_wait")

	sbx.ClearFaults()
	sbx.RevokeSessions(accountstest.PhoneDan)
	var s api.LoginStep
	c.call("POST", path+"/relogin", nil).Into(t, 200, &s)
	c.call("POST", path+"/code", map[string]string{"code": accountstest.Code(accountstest.PhoneDan)}).Into(t, 200, &s)
	if s.Status != "active" || get().Status != "active" {
		t.Fatalf("after relogin %+v", s)
	}

	c.call("POST", path+"/rotate", map[string]any{"api_id": accountstest.AppE.ID, "api_hash": "nope"}).APIError(t, 422, "validation_failed")
	c.call("POST", path+"/rotate", map[string]any{"api_id": accountstest.AppE.ID, "api_hash": accountstest.AppE.Hash}).Into(t, 200, &s)
	if s.Status != "code_sent" || s.Account.Status != "active" || s.Account.Login == nil || s.Account.Login.APIID != accountstest.AppE.ID {
		t.Fatalf("rotation started %+v", s)
	}
	c.call("POST", path+"/code", map[string]string{"code": accountstest.Code(accountstest.PhoneDan)}).Into(t, 200, &s)
	if s.Status != "active" || s.Account.APIID != accountstest.AppE.ID {
		t.Fatalf("rotated %+v", s)
	}

	var d struct {
		Status    string
		LoggedOut bool `json:"logged_out"`
	}
	c.call("DELETE", path, nil).Into(t, 200, &d)
	if d.Status != "disconnected" || !d.LoggedOut || get().Status != "disconnected" {
		t.Errorf("disconnect %+v", d)
	}
	c.call("GET", path+"/sessions", nil).APIError(t, 409, "account_disconnected")
	want := []string{"code_requested", "connected", "session_terminated", "wait_account", "relogin_started",
		"logged_in_again", "old_session_logged_out", "rotation_started", "rotated", "old_session_logged_out", "disconnected"}
	if ev := c.events(acct.ID); !slices.Equal(ev, want) {
		t.Errorf("activity\n got %v\nwant %v", ev, want)
	}
	// Both are free again.
	c.connect(accountstest.AppE, accountstest.PhoneDan, "")
}

// TestAPILimitedAccount: PEER_FLOOD stops the account's sending until a
// person resets it; its sessions page goes on.
func TestAPILimitedAccount(t *testing.T) {
	a := startApp(t)
	c := newUser(t, a, "eve@example.com")
	t.Cleanup(sbx.ClearFaults)
	acct := c.connect(accountstest.AppF, accountstest.PhoneEve, "")
	path := fmt.Sprintf("/accounts/%d", acct.ID)
	if err := sbx.SetFault(sandbox.Fault{Method: "account.getAuthorizations", Error: "PEER_FLOOD"}); err != nil {
		t.Fatal(err)
	}
	c.call("GET", path+"/sessions", nil).APIError(t, 409, "account_limited")
	sbx.ClearFaults()
	c.call("GET", path+"/sessions", nil).Into(t, 200, nil)
	c.call("POST", "/campaigns/test-send", map[string]any{"account_id": acct.ID, "message": "Hi"}).APIError(t, 409, "account_limited")
	var got api.Account
	c.call("POST", path+"/reset-limit", nil).Into(t, 200, &got)
	if got.Status != "active" {
		t.Fatalf("after reset %+v", got)
	}
	c.call("GET", path+"/sessions", nil).Into(t, 200, nil)
}

// TestTenantIsolation: another user gets not_found for an account on every
// endpoint and page, whatever its state.
func TestTenantIsolation(t *testing.T) {
	a := startApp(t)
	ann := newUser(t, a, "ann@example.com")
	acct := ann.connect(accountstest.AppG, accountstest.PhoneGus, accountstest.GusPassword)
	var pending api.LoginStep
	ann.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppA.ID, "api_hash": accountstest.AppA.Hash, "phone": accountstest.PhoneAnn}).Into(t, 201, &pending)

	bea := newUser(t, a, "bea@example.com")
	web := signUp(t, a, "cat@example.com")
	cat := tokenFor(t, a, "cat@example.com")
	for _, id := range []int64{acct.ID, pending.ID, 999999} {
		p := fmt.Sprintf("/accounts/%d", id)
		for _, c := range []*client{bea, cat} {
			for _, req := range []struct {
				method, path string
				body         any
			}{
				{"GET", p, nil},
				{"DELETE", p, nil},
				{"POST", p + "/code", map[string]string{"code": "11111"}},
				{"POST", p + "/password", map[string]string{"password": "x"}},
				{"POST", p + "/resend-code", nil},
				{"POST", p + "/rotate", map[string]any{"api_id": accountstest.AppB.ID, "api_hash": accountstest.AppB.Hash}},
				{"POST", p + "/relogin", nil},
				{"POST", p + "/reset-limit", nil},
				{"GET", p + "/activity", nil},
				{"GET", p + "/sessions", nil},
				{"DELETE", p + "/sessions/123", nil},
			} {
				r := c.call(req.method, req.path, req.body)
				if r.Status != 404 || !strings.Contains(string(r.Body), `"code":"not_found"`) {
					t.Errorf("%s %s %s: %d %s", c.email, req.method, req.path, r.Status, r.Body)
				}
			}
		}
		for _, page := range []string{"", "/code", "/password", "/rotate", "/sessions", "/disconnect"} {
			if r := web.get(p + page); r.Status != 404 || !strings.Contains(string(r.Body), "Account not found") {
				t.Errorf("page %s%s: %d", p, page, r.Status)
			}
		}
		for _, action := range []string{"/code", "/password", "/resend-code", "/rotate", "/relogin", "/reset-limit", "/disconnect", "/sessions/123/terminate"} {
			if r := web.post(p+action, nil); r.Status != 404 {
				t.Errorf("post %s%s: %d", p, action, r.Status)
			}
		}
	}
	var list struct{ Accounts []api.Account }
	bea.call("GET", "/accounts", nil).Into(t, 200, &list)
	if len(list.Accounts) != 0 {
		t.Errorf("bea lists %+v", list)
	}
	if r := web.get("/accounts"); strings.Contains(string(r.Body), "Gus") || !strings.Contains(string(r.Body), "No Telegram account connected yet") {
		t.Errorf("cat's account list shows someone else's account")
	}
	// The owner still has both, untouched.
	var got api.Account
	ann.call("GET", fmt.Sprintf("/accounts/%d", acct.ID), nil).Into(t, 200, &got)
	if got.Status != "active" {
		t.Errorf("ann's account after the others tried: %+v", got)
	}
	ann.call("GET", fmt.Sprintf("/accounts/%d", pending.ID), nil).Into(t, 200, &got)
	if got.Status != "code_sent" {
		t.Errorf("ann's pending login after the others tried: %+v", got)
	}
}
