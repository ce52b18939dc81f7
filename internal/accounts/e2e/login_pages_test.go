package e2e_test

import (
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
)

// TestExpiredLoginPage: the code page of an expired login says it expired,
// not "Enter the verification code".
func TestExpiredLoginPage(t *testing.T) {
	a := startApp(t)
	b := signUp(t, a, "ann@example.com")
	id := b.startConnect(accountstest.AppA, accountstest.PhoneAnn)
	ageLogin(t, a, "ann@example.com", id, 16*time.Minute)
	page := string(b.get(fmt.Sprintf("/accounts/%d/code", id)).Body)
	if !strings.Contains(page, `id="login-expired"`) || !strings.Contains(page, "This login ran out of time") ||
		strings.Contains(page, "Enter the verification code") {
		t.Errorf("expired login page:\n%s", page)
	}
}

// TestDiscardLoginPages: expired logins are listed apart, each unfinished
// login has a Discard button that only its owner can use, and the API's
// DELETE removes a pending account as well.
func TestDiscardLoginPages(t *testing.T) {
	a := startApp(t)
	ann := signUp(t, a, "ann@example.com")
	waiting := ann.startConnect(accountstest.AppA, accountstest.PhoneAnn)
	expired := ann.startConnect(accountstest.AppB, accountstest.PhoneCleo)
	ageLogin(t, a, "ann@example.com", expired, 16*time.Minute)

	page := string(ann.get("/accounts").Body)
	pendingPart, expiredPart, ok := strings.Cut(page, `id="expired-logins"`)
	if !ok || !strings.Contains(pendingPart, fmt.Sprintf(`action="/accounts/%d/cancel-login"`, waiting)) ||
		!strings.Contains(expiredPart, fmt.Sprintf(`action="/accounts/%d/cancel-login"`, expired)) ||
		strings.Contains(expiredPart, fmt.Sprintf(`action="/accounts/%d/cancel-login"`, waiting)) {
		t.Fatalf("accounts page:\n%s", page)
	}

	bea := signUp(t, a, "bea@example.com")
	if r := bea.post(fmt.Sprintf("/accounts/%d/cancel-login", expired), nil); r.Status != 404 {
		t.Errorf("bea discarding ann's login: %d", r.Status)
	}
	if r := ann.post(fmt.Sprintf("/accounts/%d/cancel-login", expired), nil); r.Status != 303 || r.Header.Get("Location") != "/accounts" {
		t.Fatalf("discard: %d %s", r.Status, r.Header.Get("Location"))
	}
	page = string(ann.get("/accounts").Body)
	if strings.Contains(page, "expired-logins") || !strings.Contains(page, "was discarded") {
		t.Errorf("after discarding:\n%s", page)
	}

	// The API: DELETE on a pending account discards it too.
	c := tokenFor(t, a, "ann@example.com")
	c.call("DELETE", fmt.Sprintf("/accounts/%d", waiting), nil).Into(t, 200, nil)
	c.call("GET", fmt.Sprintf("/accounts/%d", waiting), nil).APIError(t, 404, "not_found")

	// A method the endpoint does not have is 405 with Allow, not 404.
	r := c.call("PUT", fmt.Sprintf("/accounts/%d", waiting), map[string]any{})
	r.APIError(t, 405, "method_not_allowed")
	if allow := r.Header.Get("Allow"); allow != "GET, HEAD, DELETE" {
		t.Errorf("Allow: %q", allow)
	}
}

// TestCancelRotationPage: the rotation's code page has a Cancel, which
// leaves the account on its current credentials; the API has it too.
func TestCancelRotationPage(t *testing.T) {
	a := startApp(t)
	ann := signUp(t, a, "ann@example.com")
	id := ann.startConnect(accountstest.AppE, accountstest.PhoneEve)
	if r := ann.post(fmt.Sprintf("/accounts/%d/code", id), url.Values{"code": {accountstest.Code(accountstest.PhoneEve)}}); r.Status != 303 {
		t.Fatalf("code: %d %s", r.Status, r.Body)
	}
	rotate := func() {
		t.Helper()
		r := ann.post(fmt.Sprintf("/accounts/%d/rotate", id), url.Values{"api_id": {accountstest.AppF.IDString()}, "api_hash": {accountstest.AppF.Hash}})
		if r.Status != 303 || r.Header.Get("Location") != fmt.Sprintf("/accounts/%d/code", id) {
			t.Fatalf("rotate: %d %s", r.Status, r.Body)
		}
	}
	rotate()
	page := string(ann.get(fmt.Sprintf("/accounts/%d/code", id)).Body)
	if !strings.Contains(page, fmt.Sprintf(`action="/accounts/%d/cancel-login"`, id)) || !strings.Contains(page, `id="cancel-login"`) {
		t.Fatalf("rotation code page has no Cancel:\n%s", page)
	}
	bea := signUp(t, a, "bea@example.com")
	if r := bea.post(fmt.Sprintf("/accounts/%d/cancel-login", id), nil); r.Status != 404 {
		t.Errorf("bea cancelling ann's rotation: %d", r.Status)
	}
	r := ann.post(fmt.Sprintf("/accounts/%d/cancel-login", id), nil)
	if r.Status != 303 || r.Header.Get("Location") != fmt.Sprintf("/accounts/%d", id) {
		t.Fatalf("cancel: %d %s", r.Status, r.Header.Get("Location"))
	}
	page = string(ann.get(fmt.Sprintf("/accounts/%d", id)).Body)
	if strings.Contains(page, "login-in-progress") || !strings.Contains(page, "keeps its current credentials") ||
		!strings.Contains(page, accountstest.AppE.IDString()) {
		t.Errorf("account after cancelling:\n%s", page)
	}

	rotate()
	c := tokenFor(t, a, "ann@example.com")
	c.call("DELETE", fmt.Sprintf("/accounts/%d/login", id), nil).Into(t, 204, nil)
	var got acctT
	c.call("GET", fmt.Sprintf("/accounts/%d", id), nil).Into(t, 200, &got)
	if got.Login != nil || got.Status != "active" || got.APIID != accountstest.AppE.ID {
		t.Errorf("after DELETE …/login: %+v", got)
	}
	tokenFor(t, a, "bea@example.com").call("DELETE", fmt.Sprintf("/accounts/%d/login", id), nil).APIError(t, 404, "not_found")
}

// TestDashboardOffersToContinueALogin: the yellow alert offers to continue
// a login waiting for its code, as well as to start a new one; an expired
// login is not offered.
func TestDashboardOffersToContinueALogin(t *testing.T) {
	a := startApp(t)
	ann := signUp(t, a, "ann@example.com")
	page := string(ann.get("/").Body)
	if !strings.Contains(page, `id="connect-telegram-button"`) || strings.Contains(page, "continue-login-button") {
		t.Fatalf("dashboard without a login:\n%s", page)
	}
	id := ann.startConnect(accountstest.AppA, accountstest.PhoneAnn)
	page = string(ann.get("/").Body)
	if !strings.Contains(page, fmt.Sprintf(`href="/accounts/%d/code" id="continue-login-button"`, id)) ||
		!strings.Contains(page, `id="connect-telegram-button"`) || !strings.Contains(page, "99 •••• 1101</strong> is waiting") {
		t.Fatalf("dashboard with a login waiting:\n%s", page)
	}
	ageLogin(t, a, "ann@example.com", id, 16*time.Minute)
	if page = string(ann.get("/").Body); strings.Contains(page, "continue-login-button") || !strings.Contains(page, `id="connect-telegram-button"`) {
		t.Errorf("dashboard with an expired login:\n%s", page)
	}
}

// TestDisconnectedAccountPage: a disconnected account says when it was
// disconnected, not "Connected".
func TestDisconnectedAccountPage(t *testing.T) {
	a := startApp(t)
	ann := signUp(t, a, "ann@example.com")
	id := ann.startConnect(accountstest.AppH, accountstest.PhoneFay)
	if r := ann.post(fmt.Sprintf("/accounts/%d/code", id), url.Values{"code": {accountstest.Code(accountstest.PhoneFay)}}); r.Status != 303 {
		t.Fatalf("code: %d %s", r.Status, r.Body)
	}
	if page := string(ann.get(fmt.Sprintf("/accounts/%d", id)).Body); !strings.Contains(page, `id="account-connected-at"`) {
		t.Fatalf("connected account page:\n%s", page)
	}
	if r := ann.post(fmt.Sprintf("/accounts/%d/disconnect", id), nil); r.Status != 303 {
		t.Fatalf("disconnect: %d", r.Status)
	}
	page := string(ann.get(fmt.Sprintf("/accounts/%d", id)).Body)
	if !strings.Contains(page, `<dt>Disconnected</dt><dd id="account-disconnected-at">`) || strings.Contains(page, "<dt>Connected</dt>") {
		t.Errorf("disconnected account page:\n%s", page)
	}
}

// TestStoppedLoginPages: a wrong code says how many attempts are left
// beside the article's "Authorization failed"; the fifth one stops the
// login, and every page says that, once: the code page (with the
// attempts), the accounts page (under "Stopped logins", not "Expired
// logins") and the API (login_ended).
func TestStoppedLoginPages(t *testing.T) {
	a := startApp(t)
	ann := signUp(t, a, "ann@example.com")
	id := ann.startConnect(accountstest.AppA, accountstest.PhoneAnn)
	codePath := fmt.Sprintf("/accounts/%d/code", id)
	const hint = "Make sure you're entering the correct verification code. Request a new code if the old one expired."
	for left := 4; left >= 1; left-- {
		page := html.UnescapeString(string(ann.post(codePath, url.Values{"code": {"98789"}}).Body))
		if !strings.Contains(page, "Authorization failed") || !strings.Contains(page, hint) ||
			!strings.Contains(page, fmt.Sprintf("%d of 5 attempts left", left)) {
			t.Fatalf("wrong code with %d left:\n%s", left, page)
		}
	}
	if r := ann.post(codePath, url.Values{"code": {"98789"}}); r.Status != 303 || r.Header.Get("Location") != codePath {
		t.Fatalf("fifth wrong code: %d %s", r.Status, r.Header.Get("Location"))
	}
	page := string(ann.get(codePath).Body)
	if !strings.Contains(page, `id="login-ended"`) || !strings.Contains(page, "stopped after 5 wrong") ||
		!strings.Contains(page, "Wrong login code (attempt 5 of 5)") {
		t.Errorf("stopped login page:\n%s", page)
	}
	for _, wrong := range []string{"ran out of time", "expired", "Enter the verification code"} {
		if strings.Contains(page, wrong) {
			t.Errorf("stopped login page says %q:\n%s", wrong, page)
		}
	}
	// The right code now is refused by the same page, not logged in.
	if r := ann.post(codePath, url.Values{"code": {accountstest.Code(accountstest.PhoneAnn)}}); r.Status != 303 || r.Header.Get("Location") != codePath {
		t.Errorf("right code after the stop: %d %s", r.Status, r.Header.Get("Location"))
	}

	list := string(ann.get("/accounts").Body)
	if !strings.Contains(list, `id="stopped-logins"`) || strings.Contains(list, `id="expired-logins"`) ||
		!strings.Contains(list, "stopped after 5 wrong attempts") {
		t.Errorf("accounts page:\n%s", list)
	}

	var got acctT
	tokenFor(t, a, "ann@example.com").call("GET", fmt.Sprintf("/accounts/%d", id), nil).Into(t, 200, &got)
	if got.Status != "login_ended" || got.Login == nil || got.Login.State != "login_ended" {
		t.Errorf("API account: %+v", got)
	}
}
