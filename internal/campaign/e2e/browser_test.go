package e2e_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/testkit"
)

// page wraps the browser with the few checks this test repeats.
type page struct {
	*testkit.Browser
	t *testing.T
}

func (p page) css(s string) chromedp.CSS { return chromedp.CSS(s) }

// signUp makes an account for email on the app at base, through its form,
// and lands on the page that follows.
func (p page) signUp(base, email string) {
	p.Do(
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(p.css("#email"), email),
		chromedp.SendKeys(p.css("#password"), "correct horse battery"),
	)
	p.Load(chromedp.Click(p.css("#signup-submit")))
}

// eval runs a script and returns its value.
func eval[T any](p page, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx(), 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a script until it is true: the live page changes by
// itself (server-sent events), at the campaign's pace.
func (p page) waitFor(what, js string, within time.Duration) {
	p.t.Helper()
	if !testkit.Until(within, func() bool { return eval[bool](p, js) }) {
		p.Screenshot("failed")
		p.t.Fatalf("%s: not within %v", what, within)
	}
}

// has waits until the element's text holds want. It reads the text in one
// script, because the live blocks are replaced by server-sent events at
// any moment, and a node found in one step may be gone in the next.
func (p page) has(sel, want string) {
	p.t.Helper()
	js := fmt.Sprintf(`(function () { var e = document.querySelector(%q); return e ? e.innerText : "(no element)"; })()`, sel)
	var got string
	if !testkit.Until(10*time.Second, func() bool {
		got = eval[string](p, js)
		return strings.Contains(got, want) && got != "(no element)"
	}) {
		p.Screenshot("failed")
		p.t.Fatalf("%s reads %q, want %q in it", sel, got, want)
	}
}

// shot saves the page at desktop width and at a phone's.
func (p page) shot(name string) {
	p.t.Helper()
	p.Screenshot(name + "-desktop")
	p.Viewport(390, 844, true)
	p.Screenshot(name + "-phone")
	p.Viewport(1280, 900, false)
}

func attr(sel, name string) string {
	return fmt.Sprintf(`(document.querySelector(%q) || {dataset: {}}).dataset.%s`, sel, name)
}

// TestBrowserCampaign creates a campaign from an extracted member list in
// the editor, looks at its preview and sends a test, starts it, watches the
// progress move by itself, pauses and resumes it, and reads the report:
// reasons, replies (one of them STOP, which lands on the suppression list)
// and the delivery report.
func TestBrowserCampaign(t *testing.T) {
	a := startApp(t)
	p := page{Browser: testkit.NewBrowser(t), t: t}
	css := p.css

	p.signUp(a.URL, "ann@example.com")
	p.Load(chromedp.Navigate(a.URL + "/campaigns"))
	p.has(".empty-state", "Connect an account first")
	p.shot("campaigns-empty")

	c := a.APIAs(t, "ann@example.com")
	ann := c.Connect(apiID, apiHash, phoneAnn)
	bob := c.Connect(apiID2, apiHash2, phoneBob)
	x := extractChat(t, c, ann, chatMeetup)

	// The dashboard's last step leads to the editor.
	p.Load(chromedp.Navigate(a.URL + "/"))
	p.has("#stat-campaigns", "0")
	p.Load(chromedp.Click(css("#step-campaign-button")))
	if loc := p.Location(); !strings.HasSuffix(loc, "/campaigns/new") {
		t.Fatalf("Send a campaign leads to %s", loc)
	}

	// The preview follows the text, rendered on the server.
	p.Do(
		chromedp.Click(css(fmt.Sprintf("#list-%d", x.ListID))),
		chromedp.Click(css(fmt.Sprintf("#sender-%d", ann))),
		chromedp.Click(css(fmt.Sprintf("#sender-%d", bob))),
		chromedp.SendKeys(css("#message"), "Hi **{first_name|there}**, our __meetup__ is on Friday at 18:00. 🎉"),
	)
	p.waitFor("the preview", `(document.querySelector("#preview-text b") || {}).textContent === "Ann"`, 10*time.Second)
	p.has("#preview-text i", "meetup")
	p.has("#preview-text", "Reply STOP to stop receiving messages")
	// The emoji counts 2, as Telegram counts it.
	body := "Hi Ann, our meetup is on Friday at 18:00. 🎉\n\nReply STOP to stop receiving messages"
	want := len([]rune(body)) + 1
	p.has("#preview-length", fmt.Sprintf("%d / 4096", want))

	// A test goes to Ann's own Saved Messages, rendered for her.
	p.Do(chromedp.Click(css("#test-send")))
	p.has("#test-ok", "Saved Messages of Ann Lee")
	var tested bool
	for _, m := range sbx.Messages() {
		tested = tested || m.From == 4301 && m.To == 4301 && strings.HasPrefix(m.Text, "Hi Ann, our meetup")
	}
	if !tested {
		t.Error("the test send did not reach Ann's Saved Messages")
	}
	p.shot("editor")

	// Without a name the form comes back with the error next to the name
	// and everything else as typed.
	p.Do(chromedp.SetValue(css("#min_interval"), "1"))
	p.ExpectProblem("status of 422")
	if st := p.Load(chromedp.Click(css("#save-campaign"))); st != 422 {
		t.Fatalf("saving without a name: %d", st)
	}
	p.has("#name + .invalid-feedback", "Give the campaign a name")
	if !eval[bool](p, fmt.Sprintf(`document.querySelector("#list-%d").checked && document.querySelector("#sender-%d").checked && document.querySelector("#min_interval").value === "1" && document.querySelector("#message").value.startsWith("Hi **{first_name|there}**")`, x.ListID, bob)) {
		t.Error("the refused form lost what was typed")
	}
	p.shot("editor-error")
	p.Do(chromedp.SendKeys(css("#name"), "Friday meetup"))
	p.Load(chromedp.Click(css("#save-campaign")))
	if !strings.Contains(p.Location(), "/campaigns/") {
		t.Fatalf("after saving: %s", p.Location())
	}
	id := p.Location()[strings.LastIndex(p.Location(), "/")+1:]
	p.has("#campaign-status", "draft")
	p.has("#flash", "22 recipients")
	p.has("#campaign-preview-text b", "")
	p.has("#reasons", "A bot, not a person")
	p.has("#reasons", "One of this campaign's own sending accounts")
	p.shot("draft")

	// Start: the counts move without a reload.
	p.Load(clickLive("#start-campaign"))
	p.Do(chromedp.Evaluate[chromedp.Void](`window.stayed = true`))
	p.waitFor("sends", attr("#campaign-progress", "sent")+` >= 3`, 30*time.Second)
	if !eval[bool](p, `window.stayed === true`) {
		t.Error("the page reloaded while the campaign sent")
	}
	// A second between messages: the account is sending or waiting for
	// its interval, whichever the last update caught.
	p.waitFor("Ann's account at work", fmt.Sprintf(`(function () { var e = document.querySelector('#campaign-accounts tr[data-account-id="%d"] .account-state');
		return !!e && (e.innerText === "sending" || e.innerText === "waiting for its interval"); })()`, ann), 10*time.Second)
	p.shot("running")

	p.Load(clickLive("#pause-campaign"))
	p.has("#campaign-status", "paused")
	p.has("#pause-reason", "Paused by you")
	if n, _ := strconv.Atoi(eval[string](p, attr("#campaign-progress", "pending"))); n == 0 {
		t.Fatal("nothing left to send after the pause; the campaign was too fast to test pausing")
	}
	p.shot("paused")

	p.Load(clickLive("#resume-campaign"))
	p.has("#flash", "resumed")
	p.waitFor("the end", attr("#campaign-progress", "status")+` === "completed"`, 90*time.Second)
	// The notice of the resume is not left standing over a finished campaign.
	p.waitFor("the resume's notice to go", `!document.getElementById("flash")`, 30*time.Second)
	p.waitFor("Grace's reply", `!!document.querySelector('#replies .reply[data-user-id="5007"]')`, 60*time.Second)
	p.has(`#replies .reply[data-user-id="5007"]`, "Thanks, I'll be there!")
	p.has(`#replies .reply[data-user-id="5007"] .reply-who`, "Grace Hopper")
	p.waitFor("Henry's STOP", `!!document.querySelector('#replies .reply[data-user-id="5008"]')`, 60*time.Second)
	p.has("#count-sent", "18")
	p.has("#count-failed", "1")
	p.has("#count-skipped", "3")
	p.has("#reasons", "privacy settings")
	p.has(fmt.Sprintf(`#campaign-accounts tr[data-account-id="%d"] .account-state`, bob), "done")
	p.shot("completed")

	// The delivery report, one row per recipient.
	dir := t.TempDir()
	p.Do(allowDownloads(dir), chromedp.Click(css("#report-menu")), chromedp.Click(css("#download-csv")))
	rows := readDownload(t, dir, ".csv")
	// The file starts with a BOM, so spreadsheets read it as UTF-8.
	if len(rows) != 23 || rows[0][0] != "\ufeffuser_id" {
		t.Fatalf("delivery report: %d rows, header %q", len(rows), rows[0])
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[strings.TrimPrefix(name, "\ufeff")] = i
	}
	for _, r := range rows[1:] {
		if r[col["user_id"]] == strconv.Itoa(grace) && (r[col["state"]] != "sent" || r[col["message_id"]] == "" || r[col["first_name"]] != "Grace") {
			t.Errorf("Grace's row %q", r)
		}
		if r[col["user_id"]] == strconv.Itoa(ivy) && r[col["state"]] != "failed" {
			t.Errorf("Ivy's row %q", r)
		}
	}

	// Henry's STOP put him on the suppression list.
	p.Load(chromedp.Navigate(a.URL + "/suppressions"))
	p.has(fmt.Sprintf(`#suppressions tr[data-user-id="%d"]`, henry), "Friday meetup")
	p.Do(chromedp.SendKeys(css("#user"), "@not a name"))
	p.ExpectProblem("status of 422")
	p.Load(chromedp.Click(css("#add-suppression-submit")))
	p.has("#user + .invalid-feedback", "That is not one Telegram user")
	p.Do(chromedp.SetValue(css("#user"), "@dmitri_k"), chromedp.SendKeys(css("#reason"), "Asked by email"))
	p.Load(chromedp.Click(css("#add-suppression-submit")))
	p.has(`#suppressions tr[data-username="dmitri_k"]`, "Asked by email")
	p.shot("suppressions")
	p.Do(chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	p.Load(chromedp.Click(css(`#suppressions tr[data-username="dmitri_k"] .remove-suppression`)))
	if n := eval[int](p, `document.querySelectorAll('#suppressions tr[data-username="dmitri_k"]').length`); n != 0 {
		t.Error("Remove left dmitri_k on the list")
	}

	p.Load(chromedp.Navigate(a.URL + "/campaigns"))
	p.has(fmt.Sprintf(`#campaigns tr[data-campaign-id="%s"] .campaign-status`, id), "completed")
	p.shot("campaigns")
	p.Load(chromedp.Navigate(a.URL + "/"))
	p.has("#stat-campaigns", "1")
	p.has("#stat-suppressed", "1")
	if n := eval[int](p, `document.querySelectorAll("#step-campaign .step-done").length`); n != 1 {
		t.Error("the dashboard's campaign step is not done")
	}
	p.shot("dashboard")

	// A second campaign of Ann's, one message a day: her account sent
	// today already, so it waits for the next day, and the page says so,
	// with the time, instead of "sending".
	var capped struct{ ID int64 }
	c.Call("POST", "/campaigns", map[string]any{"name": "One a day", "message": "Hi {first_name|there}",
		"audience": map[string]any{"list_ids": []int64{x.ListID}}, "sender_account_ids": []int64{ann},
		"pacing": map[string]any{"daily_cap": 1}}).Into(t, 201, &capped)
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", capped.ID), nil).Into(t, 200, &capped)
	p.Load(chromedp.Navigate(fmt.Sprintf("%s/campaigns/%d", a.URL, capped.ID)))
	p.has(fmt.Sprintf(`#campaign-accounts tr[data-account-id="%d"] .account-state`, ann), "daily cap reached")
	p.has(fmt.Sprintf(`#campaign-accounts tr[data-account-id="%d"] .account-detail`, ann), "Daily cap of 1 reached; next send at 00:00 UTC (in ")
	p.has("#campaign-status-line", "No account can send now: daily cap reached. Sending resumes at 00:00 UTC")
	p.shot("capped")
	if pr := p.Problems(); len(pr) > 0 {
		t.Errorf("browser problems: %q", pr)
	}
}

// clickLive clicks a button of a live block in one script: the block may
// be replaced between finding the button and clicking it.
func clickLive(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}

// allowDownloads saves downloads in dir.
func allowDownloads(dir string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		})
		return chromedp.Void{}, err
	}
}

func readDownload(t *testing.T, dir, ext string) [][]string {
	t.Helper()
	var matches []string
	testkit.Eventually(t, 30*time.Second, "a "+ext+" download", func() bool {
		matches, _ = filepath.Glob(filepath.Join(dir, "*"+ext))
		return len(matches) > 0
	})
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestBrowserFollowUpCancelledByReply builds a 2-step campaign in the
// editor (step 2 two days after step 1), starts it, and watches the
// campaign page: step 1 goes out, step 2 waits with its due time, and
// Grace's reply and Henry's STOP cancel their step 2 live, with the
// reasons in the delivery report.
func TestBrowserFollowUpCancelledByReply(t *testing.T) {
	// Its own sandbox: Grace's and Henry's scripted answers to Ann come
	// once, and the other tests of the package use them up.
	a := startAppOn(t, freshSandbox(t))
	p := page{Browser: testkit.NewBrowser(t), t: t}
	css := p.css
	p.signUp(a.URL, "ann@example.com")
	c := a.APIAs(t, "ann@example.com")
	ann := c.Connect(apiID, apiHash, phoneAnn)
	x := extractChat(t, c, ann, chatMeetup)

	p.Load(chromedp.Navigate(a.URL + "/campaigns/new"))
	p.has("#step-2 summary", "Add step 2")
	p.Do(
		chromedp.SendKeys(css("#name"), "Friday meetup, with a follow-up"),
		chromedp.Click(css(fmt.Sprintf("#list-%d", x.ListID))),
		chromedp.SendKeys(css("#message"), "Hi {first_name|there}, our meetup is on Friday."),
		chromedp.SetValue(css("#min_interval"), "0"),
		chromedp.Click(css("#step-2 summary")),
		chromedp.SendKeys(css("#step2_message"), "Hi {first_name|there}, just checking: see you on Friday?"),
		chromedp.SetValue(css("#step2_after"), "2"),
	)
	p.shot("editor-follow-up")
	p.Load(chromedp.Click(css("#save-campaign")))
	if !strings.Contains(p.Location(), "/campaigns/") {
		t.Fatalf("after saving: %s", p.Location())
	}
	p.has("#step-2-title", "Step 2: 2 days after step 1, if they have not replied")
	p.has("#steps", "2 days after step 1")

	p.Load(clickLive("#start-campaign"))
	p.waitFor("step 1 sent", attr(`#steps tr[data-step="1"]`, "pending")+` === "0" && `+attr("#campaign-progress", "sent")+` >= 18`, 90*time.Second)
	p.waitFor("Grace's and Henry's step 2 cancelled", attr(`#steps tr[data-step="2"]`, "cancelled")+` === "2"`, 60*time.Second)
	p.has(`#steps tr[data-step="2"] .step-next`, "next due")
	p.has(`#steps tr[data-step="1"]`, "first message")
	p.has("#campaign-status", "running")
	p.has("#campaign-status-line", "Every message due so far is sent; the next follow-up is due at")
	// The chart stacks each step's sends.
	p.waitFor("the chart's bars by step", `(function () {
		var c = window.Chart && Chart.getChart(document.getElementById("campaign-chart"));
		if (!c) return false;
		var labels = c.data.datasets.map(function (d) { return d.label; }).join("|");
		var sum = function (k) { return c.data.datasets[k].data.reduce(function (a, b) { return a + b; }, 0); };
		return labels === "Step 1 sent|Step 2 sent|Replies" && sum(0) >= 18 && sum(1) === 0 && sum(2) >= 1;
	})()`, 10*time.Second)
	p.shot("follow-up-cancelled")

	dir := t.TempDir()
	p.Do(allowDownloads(dir), chromedp.Click(css("#report-menu")), chromedp.Click(css("#download-csv")))
	rows := readDownload(t, dir, ".csv")
	col := map[string]int{}
	for i, name := range rows[0] {
		col[strings.TrimPrefix(name, "\ufeff")] = i
	}
	reasons := map[string]string{}
	for _, r := range rows[1:] {
		if r[col["step"]] == "2" {
			reasons[r[col["user_id"]]] = r[col["state"]] + ": " + r[col["reason"]]
		}
	}
	if reasons[strconv.Itoa(grace)] != "skipped: Cancelled: they replied" || reasons[strconv.Itoa(henry)] != "skipped: Cancelled: they opted out" {
		t.Errorf("step 2 of Grace and Henry: %q, %q", reasons[strconv.Itoa(grace)], reasons[strconv.Itoa(henry)])
	}
}
