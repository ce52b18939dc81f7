package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/users"
)

// TestBrowserSignUpLogOutLogIn walks the first minutes of a new user in a
// real browser against the real app: sign up, see the yellow "Connect
// Telegram Account" alert the help article promises, log out, mistype the
// password, log in. Each step leaves a screenshot.
func TestBrowserSignUpLogOutLogIn(t *testing.T) {
	app := apptest.StartApp(t)
	b := testkit.NewBrowser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	b.Do(chromedp.Navigate(app.URL+"/signup"), chromedp.WaitVisible(css("#signup-submit")))
	b.Screenshot("signup")

	b.Do(
		chromedp.SendKeys(css("#email"), "ann@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	if status := b.Load(chromedp.Click(css("#signup-submit"))); status != 200 {
		t.Fatalf("sign-up ended on a page with status %d", status)
	}
	b.Do(chromedp.WaitVisible(css("#connect-telegram-alert")))
	b.Screenshot("dashboard")
	if got := b.Text("#connect-telegram-button"); !strings.Contains(got, "Connect Telegram Account") {
		t.Fatalf("alert button says %q", got)
	}
	assertYellow(t, b, "#connect-telegram-alert")

	b.Do(chromedp.Click(css("#user-menu")), chromedp.WaitVisible(css("#logout")))
	b.Load(chromedp.Click(css("#logout")))
	b.Do(chromedp.WaitVisible(css("#login-submit")))
	b.Screenshot("logged-out")
	if got := b.Text("#flash"); !strings.Contains(got, "You have been logged out") {
		t.Fatalf("after log-out the page says %q", got)
	}

	b.Do(
		chromedp.SendKeys(css("#email"), "ann@example.com"),
		chromedp.SendKeys(css("#password"), "not my password"),
	)
	if status := b.Load(chromedp.Click(css("#login-submit"))); status != 401 {
		t.Fatalf("a wrong password answered %d, want 401", status)
	}
	b.Do(chromedp.WaitVisible(css("#page-error")))
	b.Screenshot("wrong-password")
	b.ExpectProblem("status of 401") // the browser logs the re-rendered form's status
	if got := b.Text("#page-error"); !strings.Contains(got, "Incorrect email or password") {
		t.Fatalf("wrong password shows %q", got)
	}

	b.Do(chromedp.SendKeys(css("#password"), "correct horse battery"))
	b.Load(chromedp.Click(css("#login-submit")))
	b.Do(chromedp.WaitVisible(css("#connect-telegram-alert")))
	b.Screenshot("logged-in")
	if loc := b.Location(); loc != app.URL+"/" {
		t.Fatalf("after log-in the browser is at %s", loc)
	}

	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// TestBrowserShellOnPhoneAndDesktop checks the shell's pages render and
// the navigation works at a phone's width, and that the API reference
// (swagger-ui served from our own files) renders under our CSP.
func TestBrowserShellOnPhoneAndDesktop(t *testing.T) {
	app := apptest.StartApp(t)
	b := testkit.NewBrowser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	b.Do(
		chromedp.Navigate(app.URL+"/signup"),
		chromedp.SendKeys(css("#email"), "ann@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	b.Load(chromedp.Click(css("#signup-submit")))
	b.Do(chromedp.WaitVisible(css("#connect-telegram-alert")))

	b.Do(chromedp.Navigate(app.URL+"/tokens"), chromedp.SendKeys(css("#name"), "CRM sync"))
	b.Load(chromedp.Click(css("#create-token")))
	b.Do(chromedp.WaitVisible(css("#new-token-alert")))
	b.Screenshot("tokens-desktop")

	b.Do(chromedp.Navigate(app.URL+"/accounts/connect"), chromedp.WaitVisible(css("#connect-form")))
	b.Screenshot("connect-desktop")

	b.Do(chromedp.Navigate(app.URL+"/member-lists"), chromedp.WaitVisible(css(".empty-state")))
	b.Screenshot("member-lists-desktop")

	b.Do(chromedp.Navigate(app.URL+"/api/v1/docs"), chromedp.WaitVisible(css(".swagger-ui .info .title")))
	b.Screenshot("api-docs")

	b.Viewport(390, 844, true)
	b.Do(chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible(css("#connect-telegram-alert")))
	b.Do(chromedp.WaitNotVisible(css("#main-nav"))) // collapsed behind the toggler
	b.Screenshot("dashboard-phone")
	b.Do(
		chromedp.Click(css(".navbar-toggler")),
		chromedp.WaitVisible(css(`#main-nav.show a[href="/campaigns"]`)), // .show: the slide has ended
	)
	b.Screenshot("phone-nav-open")
	b.Load(chromedp.Click(css(`#main-nav a[href="/campaigns"]`)))
	b.Do(chromedp.WaitVisible(css(".empty-state")))
	b.Screenshot("campaigns-phone")

	b.Do(chromedp.Navigate(app.URL+"/tokens"), chromedp.WaitVisible(css("#tokens-table")))
	b.Screenshot("tokens-phone")

	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// assertYellow checks the element's computed background is a yellow
// (red and green high, blue clearly lower), as the help article says.
func assertYellow(t *testing.T, b *testkit.Browser, selector string) {
	t.Helper()
	rgb, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[[]int](
		`(() => getComputedStyle(document.querySelector(`+"`"+selector+"`"+`)).backgroundColor.match(/\d+/g).slice(0, 3).map(Number))()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rgb) != 3 || rgb[0] < 200 || rgb[1] < 180 || rgb[2] > rgb[1]-25 {
		t.Fatalf("%s background is rgb%v, not yellow", selector, rgb)
	}
}

// TestBrowserJobsDashboard opens River's UI as the instance admin, under
// our Content-Security-Policy.
func TestBrowserJobsDashboard(t *testing.T) {
	app := apptest.StartApp(t)
	b := testkit.NewBrowser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// Administrators come from the CLI (`user create --admin`), never
	// from sign-up.
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: app.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = users.New(st, users.Options{}).Create(context.Background(), users.NewUser{Email: "admin@example.com", Password: "correct horse battery", Admin: true})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	b.Do(
		chromedp.Navigate(app.URL+"/login"),
		chromedp.SendKeys(css("#email"), "admin@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	b.Load(chromedp.Click(css("#login-submit")))
	b.Do(chromedp.Navigate(app.URL+"/admin/jobs"), chromedp.WaitVisible(css("#root nav")))
	b.Screenshot("river-ui")
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}
