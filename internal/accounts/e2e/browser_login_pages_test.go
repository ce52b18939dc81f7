package e2e_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestBrowserUnfinishedLogins looks at the pages around unfinished logins
// at a desktop's and a phone's width: the dashboard offering to continue a
// login, the accounts list with a waiting and an expired login to discard,
// the code page with "Resend code" not yet allowed, a rotation's code page
// with Cancel, a disconnected account and the API reference's way back.
func TestBrowserUnfinishedLogins(t *testing.T) {
	a := startApp(t)
	b := testkit.NewBrowser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b.Do(
		chromedp.Navigate(a.URL+"/signup"),
		chromedp.SendKeys(css("#email"), "ann@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	b.Load(chromedp.Click(css("#signup-submit")))

	// The state the pages show is made by submitting forms in the browser.
	submit := func(path string, form url.Values) {
		t.Helper()
		b.Do(chromedp.Navigate(a.URL + "/accounts/connect"))
		js := fmt.Sprintf(`(() => { const f = document.createElement("form"); f.method = "post"; f.action = %q;
			for (const [k, v] of %s) { const i = document.createElement("input"); i.name = k; i.value = v; f.appendChild(i); }
			document.body.appendChild(f); f.submit(); })()`, path, pairs(form))
		b.Load(chromedp.Evaluate[chromedp.Void](js))
	}
	connect := func(app accountstest.App, phone string) {
		submit("/accounts/connect", url.Values{"api_id": {app.IDString()}, "api_hash": {app.Hash}, "phone": {"+" + phone}})
	}
	connect(accountstest.AppC, accountstest.PhoneCleo) // account 1: expires
	ageLogin(t, a, "ann@example.com", 1, 16*time.Minute)
	connect(accountstest.AppA, accountstest.PhoneAnn) // account 2: waits for its code
	// The yellow alert shows while no account is connected.
	for _, phone := range []bool{false, true} {
		suffix := ""
		if phone {
			b.Viewport(390, 844, true)
			suffix = "-phone"
		} else {
			b.Viewport(1280, 900, false)
		}
		b.Do(chromedp.Navigate(a.URL+"/"), chromedp.WaitVisible(css("#continue-login-button")))
		b.Screenshot("dashboard-continue-login" + suffix)
	}
	connect(accountstest.AppD, accountstest.PhoneDan) // account 3: connected, rotated, then disconnected
	submit("/accounts/3/code", url.Values{"code": {accountstest.Code(accountstest.PhoneDan)}})
	submit("/accounts/3/rotate", url.Values{"api_id": {accountstest.AppG.IDString()}, "api_hash": {accountstest.AppG.Hash}})

	shots := func(suffix string) {
		b.Do(chromedp.Navigate(a.URL+"/accounts"), chromedp.WaitVisible(css("#expired-logins")))
		b.Screenshot("accounts-waiting-and-expired" + suffix)
		b.Do(chromedp.Navigate(a.URL+"/accounts/2/code"), chromedp.WaitVisible(css("#resend-after")))
		b.Screenshot("code-resend-not-yet" + suffix)
		b.Do(chromedp.Navigate(a.URL+"/accounts/1/code"), chromedp.WaitVisible(css("#login-expired")))
		b.Screenshot("code-expired" + suffix)
		b.Do(chromedp.Navigate(a.URL+"/accounts/3/code"), chromedp.WaitVisible(css("#cancel-login")))
		b.Screenshot("rotation-code-cancel" + suffix)
		b.Do(chromedp.Navigate(a.URL+"/api/v1/docs"), chromedp.WaitVisible(css("#docs-nav")), chromedp.WaitVisible(css(".swagger-ui .info .title")))
		b.Screenshot("api-docs" + suffix)
	}
	b.Viewport(1280, 900, false)
	shots("")
	b.Viewport(390, 844, true)
	shots("-phone")

	b.Do(chromedp.Navigate(a.URL+"/accounts/3/code"), chromedp.WaitVisible(css("#cancel-login")))
	b.Load(chromedp.Click(css("#cancel-login")))
	if got := b.Text("#flash"); !strings.Contains(got, "keeps its current credentials") {
		t.Errorf("after cancelling the rotation: %q", got)
	}
	submit("/accounts/3/disconnect", nil)
	b.Do(chromedp.Navigate(a.URL+"/accounts/3"), chromedp.WaitVisible(css("#account-disconnected-at")))
	b.Screenshot("disconnected-account-phone")
	b.Viewport(1280, 900, false)
	b.Do(chromedp.Navigate(a.URL+"/accounts/3"), chromedp.WaitVisible(css("#account-disconnected-at")))
	b.Screenshot("disconnected-account")

	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// pairs renders a form as a JavaScript array of [name, value] pairs.
func pairs(form url.Values) string {
	var parts []string
	for k, vs := range form {
		for _, v := range vs {
			parts = append(parts, fmt.Sprintf("[%q, %q]", k, v))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
