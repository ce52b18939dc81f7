package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// TestBrowserInviteAndJoin: an owner invites by email in one browser; the
// invitee opens the link in another (its own profile: no shared cookies),
// signs up there with the email filled in, and lands in the workspace,
// which the navigation's switcher offers beside their own.
func TestBrowserInviteAndJoin(t *testing.T) {
	app := apptest.StartApp(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	owner := testkit.NewBrowser(t)
	owner.Do(chromedp.Navigate(app.URL+"/signup"), chromedp.WaitVisible(css("#signup-submit")),
		chromedp.SendKeys(css("#email"), "ann@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"))
	owner.Load(chromedp.Click(css("#signup-submit")))
	owner.Load(chromedp.Navigate(app.URL + "/members"))
	owner.Do(chromedp.WaitVisible(css("#invite-form")),
		chromedp.SendKeys(css("#invite-email"), "new@example.com"),
		chromedp.SetValue(css("#invite-role"), "operator"))
	if status := owner.Load(chromedp.Click(css("#invite-submit"))); status != 201 {
		t.Fatalf("inviting answered %d", status)
	}
	owner.Do(chromedp.WaitVisible(css("#invitation-link")))
	owner.Screenshot("invited")
	if got := owner.Text("#invited-alert"); !strings.Contains(got, "new@example.com is invited as operator") || !strings.Contains(got, "Pass this link on") {
		t.Fatalf("the invitation says %q", got)
	}
	if got := owner.Text("#invitations-table"); !strings.Contains(got, "new@example.com") || !strings.Contains(got, "ann@example.com") {
		t.Fatalf("pending invitations: %q", got)
	}
	link := inputValue(t, owner, "#invitation-link")
	if !strings.HasPrefix(link, app.URL+"/invite/") {
		t.Fatalf("link %q", link)
	}

	invitee := testkit.NewBrowser(t)
	invitee.Load(chromedp.Navigate(link))
	invitee.Do(chromedp.WaitVisible(css("#invite-signup")))
	invitee.Screenshot("invitation")
	if got := invitee.Text("#invitation-summary"); !strings.Contains(got, "ann@example.com's workspace") || !strings.Contains(got, "operator") {
		t.Fatalf("the invitation page says %q", got)
	}
	email := inputValue(t, invitee, "#email")
	if email != "new@example.com" {
		t.Fatalf("email filled in: %q", email)
	}
	invitee.Do(chromedp.SendKeys(css("#password"), "another good password"))
	if status := invitee.Load(chromedp.Click(css("#invite-signup"))); status != 200 {
		t.Fatalf("joining ended on a page with status %d", status)
	}
	invitee.Do(chromedp.WaitVisible(css("#workspace-menu")))
	if got := invitee.Text("#flash"); !strings.Contains(got, "You joined “ann@example.com's workspace” as operator") {
		t.Fatalf("after joining the page says %q", got)
	}
	if got := invitee.Text("#workspace-menu"); !strings.Contains(got, "ann@example.com's workspace") {
		t.Fatalf("the current workspace is %q", got)
	}
	invitee.Do(chromedp.Click(css("#workspace-menu")), chromedp.WaitVisible(css("#workspace-switcher")))
	invitee.Screenshot("joined")
	if got := invitee.Text("#workspace-switcher"); !strings.Contains(got, "ann@example.com's workspace operator") || !strings.Contains(got, "new@example.com's workspace owner") {
		t.Fatalf("the switcher offers %q", got)
	}

	owner.Load(chromedp.Navigate(app.URL + "/members"))
	if got := owner.Text("#members-table"); !strings.Contains(got, "new@example.com") {
		t.Fatalf("members: %q", got)
	}
	owner.Screenshot("members")
	for _, b := range []*testkit.Browser{owner, invitee} {
		if p := b.Problems(); len(p) > 0 {
			t.Fatalf("the browser reported problems:\n%s", strings.Join(p, "\n"))
		}
	}
}

// inputValue is the value of the input the CSS selector finds.
func inputValue(t *testing.T, b *testkit.Browser, selector string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx(), 30*time.Second) // the browser helper's own step bound
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("value of %s: %v", selector, err)
	}
	return v
}
