package ui_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestMemberTablePagesBothWays: the member table says where a page sits
// ("51–100 of 306"), goes forward and back, and reads plainly: a plain
// member's role says "member", the badges sit under a heading.
func TestMemberTablePagesBothWays(t *testing.T) {
	a, listID := seedList(t)
	b := testkit.NewBrowser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel, want string) {
		t.Helper()
		if got := strings.TrimSpace(b.Text(sel)); got != want {
			t.Fatalf("%s reads %q, want %q", sel, got, want)
		}
	}
	firstName := func() string { t.Helper(); return b.Text("#members tbody tr:first-child .member-name") }
	b.Do(
		chromedp.Navigate(a.URL+"/login"),
		chromedp.SendKeys(css("#email"), email),
		chromedp.SendKeys(css("#password"), password),
	)
	b.Load(chromedp.Submit(css("#password")))
	b.Load(chromedp.Navigate(fmt.Sprintf("%s/member-lists/%d", a.URL, listID)))

	text("#page-range", "1–50 of 306")
	text("#members thead tr th:nth-child(5)", "Flags")
	text("#members tbody tr:first-child .member-role", "member")
	text("#members tbody tr:first-child .member-seen", "recently")
	if n, _ := chromedp.Run(b.Ctx(), chromedp.Evaluate[int](`document.querySelectorAll("#prev-page, #first-page").length`)); n != 0 {
		t.Errorf("the first page offers %d ways back", n)
	}
	b.Screenshot("page-1")

	b.Load(chromedp.Click(css("#next-page")))
	text("#page-range", "51–100 of 306")
	text("#prev-page", "Previous")
	if got := firstName(); got != "Member050" {
		t.Errorf("page 2 starts with %s", got)
	}
	b.Screenshot("page-2")
	b.Load(chromedp.Click(css("#next-page")))
	b.Load(chromedp.Click(css("#next-page")))
	text("#page-range", "151–200 of 306")
	b.Load(chromedp.Click(css("#prev-page")))
	text("#page-range", "101–150 of 306")
	if got := firstName(); got != "Member100" {
		t.Errorf("back on page 3, it starts with %s", got)
	}
	for range 4 {
		if !strings.Contains(b.Text("#page-range"), "of 306") {
			break
		}
		if n, _ := chromedp.Run(b.Ctx(), chromedp.Evaluate[int](`document.querySelectorAll("#next-page").length`)); n == 0 {
			break
		}
		b.Load(chromedp.Click(css("#next-page")))
	}
	text("#page-range", "301–306 of 306")
	b.Screenshot("last-page")
	for range 6 {
		b.Load(chromedp.Click(css("#prev-page")))
	}
	text("#page-range", "1–50 of 306")
	if got := firstName(); got != "Member000" {
		t.Errorf("back on page 1, it starts with %s", got)
	}

	// A link whose position does not fit says so and still shows its page.
	c := logIn(t, a)
	status, body := get(t, c, fmt.Sprintf("%s/member-lists/%d?at=7", a.URL, listID))
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "position is not valid") {
		t.Errorf("?at=7 on the first page: %d", status)
	}
}
