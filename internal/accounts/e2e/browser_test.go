package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestBrowserConnectFollowsTheArticle walks the help article's "Adding
// Credentials to Telegramate" in a real browser: the dashboard's yellow
// alert, "Connect Telegram Account", credentials and phone (after a round
// of typing mistakes), the code (after one "Authorization failed" and a
// resend), the 2FA password with its hint, and the connected account. Each
// step leaves a screenshot; the last ones are at a phone's width.
func TestBrowserConnectFollowsTheArticle(t *testing.T) {
	a := startApp(t)
	b := testkit.NewBrowser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel, want string) {
		t.Helper()
		if got := b.Text(sel); !strings.Contains(got, want) {
			t.Fatalf("%s says %q, want %q", sel, got, want)
		}
	}

	// Step 1: Go to Dashboard.
	b.Do(
		chromedp.Navigate(a.URL+"/signup"),
		chromedp.SendKeys(css("#email"), "bob@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	b.Load(chromedp.Click(css("#signup-submit")))
	b.Do(chromedp.WaitVisible(css("#connect-telegram-alert")))
	b.Screenshot("dashboard-yellow-alert")

	// Step 2: Click 'Connect Telegram Account'.
	b.Load(chromedp.Click(css("#connect-telegram-button")))
	b.Do(chromedp.WaitVisible(css("#connect-form")), chromedp.WaitVisible(css("#howto")), chromedp.WaitVisible(css("#security-advice")))
	b.Screenshot("connect-form")

	// Typing mistakes get a message next to each field.
	b.ExpectProblem("status of 422")
	b.Do(
		chromedp.SendKeys(css("#api_id"), "12ab"),
		chromedp.SendKeys(css("#api_hash"), "not-a-hash"),
		chromedp.SendKeys(css("#phone"), "12 34"),
	)
	if status := b.Load(chromedp.Click(css("#connect-submit"))); status != 422 {
		t.Fatalf("bad input answered %d", status)
	}
	text("#api_id ~ .invalid-feedback", "The API ID must be a positive whole number")
	text("#api_hash ~ .invalid-feedback", "The API Hash must be 32 hexadecimal characters")
	text("#phone ~ .invalid-feedback", "An international phone number has 7 to 15 digits")
	b.Screenshot("connect-mistakes")

	// Step 3: Enter your credentials (pasted with spaces around the hash).
	// Step 4: Verify your phone number.
	b.Do(
		chromedp.SetValue(css("#api_id"), accountstest.AppB.IDString()),
		chromedp.SetValue(css("#api_hash"), "  "+accountstest.AppB.Hash+"  "),
		chromedp.SetValue(css("#phone"), "+999 662 1102"),
	)
	b.Load(chromedp.Click(css("#connect-submit")))
	b.Do(chromedp.WaitVisible(css("#code-form")))
	text("#code-where", "5-digit code")
	text("#code-where", "in the Telegram app")
	text("#code-expiry", "Enter it before")
	text("#resend-code", "Resend code by SMS")
	text("#resend-after", "Telegram allows it from")
	if disabled, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[bool](`document.querySelector("#resend-code").disabled`)); err != nil || !disabled {
		t.Fatal("Resend code is clickable before Telegram allows it")
	}
	b.Screenshot("code-sent")

	// Once Telegram's timeout has run out, the button works.
	ageLogin(t, a, "bob@example.com", 1, 6*time.Minute)
	b.Load(chromedp.Reload())
	b.Do(chromedp.WaitEnabled(css("#resend-code")))
	b.Load(chromedp.Click(css("#resend-code")))
	b.Do(chromedp.WaitVisible(css("#code-form")))
	text("#flash", "Telegram is sending the code again by SMS")
	text("#code-where", "by SMS")
	b.Screenshot("code-resent")

	// One wrong code: the article's "Authorization failed".
	b.ExpectProblem("status of 400")
	b.Do(chromedp.SendKeys(css("#code"), "12345"))
	if status := b.Load(chromedp.Click(css("#code-submit"))); status != 400 {
		t.Fatalf("a wrong code answered %d", status)
	}
	text("#code ~ .invalid-feedback", "Authorization failed")
	text("#code ~ .invalid-feedback", "Make sure you're entering the correct verification code. Request a new code if the old one expired.")
	b.Screenshot("authorization-failed")

	b.Do(chromedp.SetValue(css("#code"), accountstest.Code(accountstest.PhoneBob)))
	b.Load(chromedp.Click(css("#code-submit")))

	// Step 5: Complete 2FA (If Enabled).
	b.Do(chromedp.WaitVisible(css("#password-form")))
	text("#password-hint", accountstest.BobHint)
	b.Screenshot("2fa-password")
	b.Do(chromedp.SendKeys(css("#password"), "not it"))
	b.Load(chromedp.Click(css("#password-submit")))
	text("#password ~ .invalid-feedback", "Incorrect 2FA password")
	b.Screenshot("2fa-wrong-password")
	b.Do(chromedp.SendKeys(css("#password"), accountstest.BobPassword))
	b.Load(chromedp.Click(css("#password-submit")))

	// Connected: name, username, masked phone, status.
	b.Do(chromedp.WaitVisible(css("#account-name")))
	text("#flash", "Bob is connected")
	text("#account-name", "Bob")
	text("#account-username", "@bob_stone")
	text("#account-phone", "+99 •••• 1102")
	text(".account-status", "Active")
	text("#activity", "Wrong or expired login code")
	text("#activity", "Connected")
	b.Screenshot("account-connected")

	b.Load(chromedp.Click(css("#sessions-link")))
	b.Do(chromedp.WaitVisible(css("#sessions")))
	text("#sessions", "This is Telegramate")
	b.Screenshot("account-sessions")

	b.Do(chromedp.Navigate(a.URL + "/accounts"))
	b.Do(chromedp.WaitVisible(css("#accounts")))
	text("#accounts .account-name", "Bob")
	b.Screenshot("accounts-list")

	// The yellow alert is gone from the dashboard.
	b.Do(chromedp.Navigate(a.URL+"/"), chromedp.WaitVisible(css("#stat-accounts")))
	text("#stat-accounts", "1")
	b.Do(chromedp.WaitNotPresent(css("#connect-telegram-alert")))
	b.Screenshot("dashboard-connected")

	b.Do(chromedp.Navigate(a.URL+"/accounts/1/rotate"), chromedp.WaitVisible(css("#rotate-form")))
	b.Screenshot("rotate-form")
	b.Do(chromedp.Navigate(a.URL+"/accounts/1/disconnect"), chromedp.WaitVisible(css("#disconnect-submit")))
	b.Screenshot("disconnect-confirm")

	// A phone-sized screen.
	b.Viewport(390, 844, true)
	b.Do(chromedp.Navigate(a.URL+"/accounts/connect"), chromedp.WaitVisible(css("#connect-form")))
	b.Screenshot("phone-connect-form")
	b.Do(chromedp.Navigate(a.URL+"/accounts/1"), chromedp.WaitVisible(css("#account-name")))
	b.Screenshot("phone-account")
	b.Do(chromedp.Navigate(a.URL+"/accounts"), chromedp.WaitVisible(css("#accounts")))
	b.Screenshot("phone-accounts-list")

	// Disconnect from the phone.
	b.Do(chromedp.Navigate(a.URL+"/accounts/1/disconnect"), chromedp.WaitVisible(css("#disconnect-submit")))
	b.Load(chromedp.Click(css("#disconnect-submit")))
	text("#flash", "Bob is disconnected")
	b.Screenshot("phone-disconnected")

	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}
