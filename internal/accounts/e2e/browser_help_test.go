package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestBrowserErrorsLeadToHelp: the connect form links to the Help
// section's credentials guide, and each of the help article's three errors
// links to its own troubleshooting entry, which the browser scrolls to.
func TestBrowserErrorsLeadToHelp(t *testing.T) {
	a := startApp(t)
	// Ann connected Cleo's app already, so connecting with it again is the
	// article's "Phone number already in use" (only one's own accounts
	// are told so before the login completes).
	newUser(t, a, "ann@example.com").connect(accountstest.AppC, accountstest.PhoneCleo, "")
	b := testkit.NewBrowser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel, want string) {
		t.Helper()
		if got := b.Text(sel); !strings.Contains(got, want) {
			t.Fatalf("%s says %q, want %q", sel, got, want)
		}
	}
	b.Do(
		chromedp.Navigate(a.URL+"/login"),
		chromedp.SendKeys(css("#email"), "ann@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	b.Load(chromedp.Click(css("#login-submit")))

	// The connect form leads to the guide, which leads on to the others.
	b.Do(chromedp.Navigate(a.URL+"/accounts/connect"), chromedp.WaitVisible(css("#connect-form")))
	b.Load(chromedp.Click(css("#help-credentials-link")))
	text("#help-article h1", "Setting up your API credentials")
	text("#help-article", "my.telegram.org")
	text("#help-article", "API development tools")
	text("#help-topics", "Troubleshooting")
	text("#help-topics", "Keeping your account safe")
	b.Screenshot("help-api-credentials")
	b.Do(chromedp.Navigate(a.URL+"/help"), chromedp.WaitVisible(css("#help-index")))
	b.Screenshot("help-index")
	b.Load(chromedp.Click(css(`#help-index a[href="/help/account-safety"]`)))
	for _, want := range []string{"dedicated", "Two-Step Verification", "Rotate credentials", "activity"} {
		text("#help-article", want)
	}
	b.Screenshot("help-account-safety")

	// followHelp clicks the error's link and checks the entry it lands on.
	followHelp := func(link, entry, title string) {
		t.Helper()
		b.Load(chromedp.Click(css(link)))
		if loc := b.Location(); !strings.HasSuffix(loc, "/help/troubleshooting#"+entry) {
			t.Fatalf("the %s error's link leads to %s", title, loc)
		}
		text("#"+entry+" h2", title)
		// Its entry is scrolled into view, its title not under the sticky
		// navigation bar.
		visible, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[bool](
			`(() => { const h = document.querySelector("#`+entry+` h2").getBoundingClientRect();
			          const at = document.elementFromPoint(h.left + 5, h.top + 5);
			          return !!at && !!at.closest("#`+entry+`") })()`))
		if err != nil || !visible {
			t.Fatalf("the %s entry is not in view (%v)", title, err)
		}
		b.Screenshot("help-" + entry)
	}
	connect := func(app accountstest.App, hash, phone string, status int64) {
		t.Helper()
		b.Do(chromedp.Navigate(a.URL+"/accounts/connect"), chromedp.WaitVisible(css("#connect-form")),
			chromedp.SetValue(css("#api_id"), app.IDString()), chromedp.SetValue(css("#api_hash"), hash),
			chromedp.SetValue(css("#phone"), "+"+phone))
		if got := b.Load(chromedp.Click(css("#connect-submit"))); got != status {
			t.Fatalf("connect answered %d, want %d", got, status)
		}
	}

	b.ExpectProblem("status of 400")
	connect(accountstest.AppA, accountstest.AppB.Hash, accountstest.PhoneAnn, 400)
	text("#page-error", "Invalid API credentials")
	b.Screenshot("invalid-credentials-error")
	followHelp("#page-error .help-link", "invalid-api-credentials", "Invalid API credentials")

	b.ExpectProblem("status of 409")
	connect(accountstest.AppC, accountstest.AppC.Hash, accountstest.PhoneDan, 409)
	text("#page-error", "Phone number already in use")
	followHelp("#page-error .help-link", "phone-in-use", "Phone number already in use")

	connect(accountstest.AppA, accountstest.AppA.Hash, accountstest.PhoneAnn, 200)
	b.Do(chromedp.WaitVisible(css("#code-form")), chromedp.SendKeys(css("#code"), "12345"))
	if status := b.Load(chromedp.Click(css("#code-submit"))); status != 400 {
		t.Fatalf("a wrong code answered %d", status)
	}
	text("#code ~ .invalid-feedback", "Authorization failed")
	b.Screenshot("authorization-failed-error")
	followHelp("#code ~ .invalid-feedback .help-link", "authorization-failed", "Authorization failed")

	// Errors the article does not cover link nowhere.
	if n, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[int](`document.querySelectorAll("#page-error .help-link").length`)); err != nil || n != 0 {
		t.Fatalf("help links on a page without an error: %d %v", n, err)
	}
}
