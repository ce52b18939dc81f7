package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestBrowserDashboardStepsLeadOn: after connecting accounts, the
// dashboard's and the account page's "Extract members" open the extraction
// form with that account chosen; once a list is extracted, the dashboard
// counts it and marks the step done.
func TestBrowserDashboardStepsLeadOn(t *testing.T) {
	a := startApp(t)
	b := testkit.NewBrowser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel, want string) {
		t.Helper()
		if got := strings.TrimSpace(b.Text(sel)); !strings.Contains(got, want) {
			t.Fatalf("%s reads %q, want %q", sel, got, want)
		}
	}
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[int](`document.querySelectorAll(`+fmt.Sprintf("%q", sel)+`).length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	chosen := func() string {
		t.Helper()
		v, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`document.querySelector("#account").value`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	b.Do(
		chromedp.Navigate(a.URL+"/signup"),
		chromedp.SendKeys(css("#email"), "ann@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	b.Load(chromedp.Click(css("#signup-submit")))
	text("#stat-member-lists", "0")
	if count("#step-extract-button") != 0 || count(".step-done") != 0 {
		t.Fatal("before any account, the dashboard offers extraction or marks steps done")
	}
	b.Screenshot("dashboard-new")

	c := newUser(t, a, "ann@example.com", false)
	ann := c.connect(apiID, apiHash, phoneAnn)
	bob := c.connect(apiID2, apiHash2, phoneBob)
	b.Load(chromedp.Reload())
	if n := count("#step-credentials .step-done, #step-connect .step-done"); n != 2 {
		t.Errorf("%d of the first two steps are done, want 2", n)
	}
	b.Screenshot("dashboard-connected")
	b.Load(chromedp.Click(css("#step-extract-button")))
	if loc := b.Location(); !strings.HasSuffix(loc, fmt.Sprintf("/extractions/new?account=%d", ann)) {
		t.Fatalf("the dashboard's Extract members leads to %s", loc)
	}
	if got := chosen(); got != fmt.Sprint(ann) {
		t.Errorf("account %s chosen, want the first connected (%d)", got, ann)
	}

	// From Bob's page, Bob is chosen.
	b.Load(chromedp.Navigate(fmt.Sprintf("%s/accounts/%d", a.URL, bob)))
	b.Screenshot("account-next")
	b.Load(chromedp.Click(css("#extract-members")))
	if got := chosen(); got != fmt.Sprint(bob) {
		t.Fatalf("account %s chosen from Bob's page, want %d", got, bob)
	}
	b.Do(chromedp.WaitVisible(css(`#chats tr[data-chat-id="7002"]`)))
	b.Load(chromedp.Click(css(`#chats tr[data-chat-id="7002"] .extract-button`)))
	b.Do(chromedp.WaitVisible(css(`#extraction-progress[data-status="completed"]`)))

	b.Load(chromedp.Navigate(a.URL + "/"))
	text("#stat-member-lists", "1")
	if count("#step-extract .step-done") != 1 || count("#step-extract-button") != 0 {
		t.Error("after an extraction, the Extract members step is not done")
	}
	// With an account and a list, the last step leads to the campaign
	// editor; it is done only once a campaign exists.
	if count(`#step-campaign a[href="/campaigns/new"]`) != 1 || count("#step-campaign .step-done") != 0 {
		t.Error("the campaign step does not lead to the editor")
	}
	b.Screenshot("dashboard-extracted")
}
