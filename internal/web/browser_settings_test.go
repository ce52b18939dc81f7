package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// TestBrowserSecurityPage opens the Security page from the user menu, sees
// this browser's session and an API token with its expiry, and changes the
// password, at desktop and phone widths.
func TestBrowserSecurityPage(t *testing.T) {
	app := apptest.StartApp(t)
	b := testkit.NewBrowser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b.Do(
		chromedp.Navigate(app.URL+"/signup"),
		chromedp.SendKeys(css("#email"), "ann@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	b.Load(chromedp.Click(css("#signup-submit")))
	b.Do(chromedp.Navigate(app.URL+"/tokens"), chromedp.WaitVisible(css("#create-token")),
		chromedp.SendKeys(css("#name"), "CRM sync"), chromedp.SendKeys(css("#expires_days"), "30"))
	b.Load(chromedp.Click(css("#create-token")))
	b.Do(chromedp.WaitVisible(css("#new-token-alert")))
	b.Screenshot("token-with-expiry")

	b.Do(chromedp.Click(css("#user-menu")), chromedp.WaitVisible(css("#security-settings")))
	b.Load(chromedp.Click(css("#security-settings")))
	b.Do(chromedp.WaitVisible(css("#sessions-table")))
	b.Screenshot("security")
	if got := b.Text("#sessions-table"); !strings.Contains(got, "This browser") {
		t.Fatalf("sessions table says %q", got)
	}
	if got := b.Text("#settings-tokens-table"); !strings.Contains(got, "CRM sync") || strings.Contains(got, "Never") {
		t.Fatalf("tokens table says %q", got)
	}
	b.Viewport(390, 844, true)
	b.Screenshot("security-phone")
	b.Viewport(1280, 900, false)

	b.Do(
		chromedp.SendKeys(css("#current_password"), "correct horse battery"),
		chromedp.SendKeys(css("#new_password"), "a brand new password"),
	)
	b.Load(chromedp.Click(css("#change-password")))
	b.Do(chromedp.WaitVisible(css("#flash")))
	b.Screenshot("password-changed")
	if got := b.Text("#flash"); !strings.Contains(got, "Every other session was logged out") {
		t.Fatalf("after the change the page says %q", got)
	}
}
