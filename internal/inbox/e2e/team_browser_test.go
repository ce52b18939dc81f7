package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestBrowserTeamInbox: Ann invites Bea as an operator, and Bea joins
// from the link in a browser of her own; then both are in the same
// thread. Ann types and Bea sees "… is
// replying" by itself; Bea writes a note, which Ann sees in the thread,
// labelled as the team's, and which never reaches Telegram; Bea assigns
// the conversation to Ann, whose page shows it; Ann's answer goes out once
// and reads "answered here by ann@…" on Bea's page; "Mine" lists it for
// Ann only; the audit page shows the assignment and the answer.
func TestBrowserTeamInbox(t *testing.T) {
	a := startApp(t)
	ann := page{Browser: testkit.NewBrowser(t), t: t}
	bea := page{Browser: testkit.NewBrowser(t), t: t}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	signup := func(p page, email string) {
		p.Do(
			chromedp.Navigate(a.URL+"/signup"),
			chromedp.SendKeys(css("#email"), email),
			chromedp.SendKeys(css("#password"), "correct horse battery"),
		)
		p.Load(chromedp.Click(css("#signup-submit")))
	}
	signup(ann, "ann@example.com")
	c := a.APIAs(t, "ann@example.com")
	acct := c.Connect(apiID, apiHash, phoneAnn)

	// Ann invites Bea as an operator from the Members page; Bea opens the
	// link in her own browser, signs up there and lands in Ann's
	// workspace.
	ann.Load(chromedp.Navigate(a.URL + "/members"))
	ann.Do(chromedp.WaitVisible(css("#invite-form")),
		chromedp.SendKeys(css("#invite-email"), "bea@example.com"),
		chromedp.SetValue(css("#invite-role"), "operator"))
	if status := ann.Load(chromedp.Click(css("#invite-submit"))); status != 201 {
		t.Fatalf("inviting Bea answered %d", status)
	}
	ann.Do(chromedp.WaitVisible(css("#invitation-link")))
	link := testkit.Eval[string](ann.Browser, `document.querySelector("#invitation-link").value`)
	if !strings.HasPrefix(link, a.URL+"/invite/") {
		t.Fatalf("invitation link %q", link)
	}
	bea.Load(chromedp.Navigate(link))
	bea.Do(chromedp.WaitVisible(css("#invite-signup")), chromedp.SendKeys(css("#password"), "correct horse battery"))
	if status := bea.Load(chromedp.Click(css("#invite-signup"))); status != 200 {
		t.Fatalf("Bea's joining ended on a page with status %d", status)
	}
	bea.WaitText("#flash", "You joined “ann@example.com's workspace” as operator", 5*time.Second)

	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	annU, err := st.UserByEmail(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	beaU, err := st.UserByEmail(ctx, "bea@example.com")
	if err != nil {
		t.Fatal(err)
	}
	a.WaitListening(t, acct)
	st.Close()
	bea.Load(chromedp.Navigate(a.URL + "/inbox"))

	// Ivy writes to Ann's account: one conversation for the team.
	if _, err := sbx.Write(ivy, tgAnn, "Hello, is anyone there?", nil); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Conversations []struct {
			ID     int64 `json:"id"`
			Person struct {
				UserID int64 `json:"user_id"`
			} `json:"person"`
		} `json:"conversations"`
	}
	var conv int64
	testkit.Eventually(t, live, "Ivy's conversation to reach the inbox", func() bool {
		c.Call("GET", "/conversations", nil).Into(t, 200, &list)
		for _, x := range list.Conversations {
			if x.Person.UserID == ivy {
				conv = x.ID
			}
		}
		return conv != 0
	})
	thread := fmt.Sprintf("%s/inbox/%d", a.URL, conv)
	ann.Load(chromedp.Navigate(thread))
	bea.Load(chromedp.Navigate(thread))
	ann.WaitText(`#thread .msg[data-origin="person"]`, "Hello, is anyone there?", 10*time.Second)
	bea.WaitText(`#thread .msg[data-origin="person"]`, "Hello, is anyone there?", 10*time.Second)
	ann.Do(chromedp.Evaluate[chromedp.Void](`window.stayed = true`))

	// Ann types; Bea sees it, Ann does not see herself.
	ann.Do(chromedp.SendKeys(css("#text"), "Hi Ivy, Ann from the team here."))
	bea.WaitText("#replying", "ann@example.com is replying…", live)
	if txt := testkit.Eval[string](ann.Browser, `document.querySelector("#replying").innerText`); strings.TrimSpace(txt) != "" {
		t.Errorf("Ann sees %q on her own page", txt)
	}
	bea.shot("team-replying")

	// Bea's note: in her thread at once, in Ann's by itself.
	bea.Do(chromedp.SendKeys(css("#note-text"), "VIP customer: offer the Friday discount"))
	bea.Load(chromedp.Click(css("#add-note")))
	bea.WaitText("#thread .msg.note", "VIP customer: offer the Friday discount", 10*time.Second)
	bea.WaitText("#thread .msg.note .note-label", "Note · only your team sees this", 5*time.Second)
	bea.WaitText("#thread .msg.note .note-author", "bea@example.com", 5*time.Second)
	// The page says "Note added" where focus is: the flash, on screen,
	// and nothing of the conversation's header (its Assign button) is
	// under the sticky navigation. Sent back to "#note-form" instead,
	// the page scrolled there after the flash took focus and lost it, and
	// a click on Assign landed on the navigation.
	onScreen := `(function () {
		var nav = document.querySelector("nav.app-navbar").getBoundingClientRect().bottom;
		return document.activeElement.id === "flash" &&
			document.querySelector("#flash").getBoundingClientRect().top >= nav &&
			document.querySelector("#assign-submit").getBoundingClientRect().top >= nav;
	})()`
	if !bea.is(onScreen) {
		t.Error("after adding a note, the focused flash or the Assign button is off screen or under the navigation")
	}
	ann.WaitText("#thread .msg.note", "VIP customer: offer the Friday discount", live)
	ann.WaitText("#thread .msg.note .note-author", "bea@example.com", 5*time.Second)

	// Bea picks herself as the assignee; before she presses Assign, Ann
	// takes the conversation (through the API, her answer being half
	// typed on her page). Bea's page shows Ann's assignment by itself and
	// keeps Bea's unsent choice; pressed, it assigns Bea.
	bea.Do(chromedp.SetValue(css("#assignee"), fmt.Sprint(beaU.ID)))
	c.Call("POST", fmt.Sprintf("/conversations/%d/assign", conv), map[string]any{"user_id": annU.ID}).Into(t, 200, nil)
	bea.WaitJS("Ann's assignment on Bea's page", fmt.Sprintf(`document.querySelector("#conversation-assignment").dataset.assignedTo === "%d"`, annU.ID), live)
	if got := testkit.Eval[string](bea.Browser, `document.querySelector("#assignee").value`); got != fmt.Sprint(beaU.ID) {
		t.Errorf("Bea's choice in the assignee list became %q when the assignment refreshed, want hers (%d)", got, beaU.ID)
	}
	bea.Load(chromedp.Click(css("#assign-submit")))
	bea.WaitText("#flash", "Assigned to bea@example.com", 5*time.Second)

	// Bea assigns it to Ann; Ann's page shows it by itself.
	bea.Do(chromedp.SetValue(css("#assignee"), fmt.Sprint(annU.ID)))
	bea.Load(chromedp.Click(css("#assign-submit")))
	bea.WaitText("#flash", "Assigned to ann@example.com", 5*time.Second)
	ann.WaitJS("the assignment on Ann's page", fmt.Sprintf(`document.querySelector("#conversation-assignment").dataset.assignedTo === "%d"`, annU.ID), live)
	if ann.is(`!!document.querySelector("#assign-me")`) {
		t.Error(`"Assign to me" is offered to the assignee`)
	}
	if !ann.is(`window.stayed === true`) {
		t.Error("Ann's page reloaded instead of showing the note and the assignment by itself")
	}
	ann.shot("team-assigned")
	bea.Do(chromedp.Evaluate[chromedp.Void](`window.stayed = true`))

	// Ann's answer: sent once; labelled with her on Bea's page, which no
	// longer shows her replying.
	ann.Load(chromedp.Click(css("#send-answer")))
	ann.WaitJS("Ann's answer sent", `(function () { var m = document.querySelector('#thread .msg[data-origin="answer"]'); return !!m && m.dataset.state === "sent"; })()`, live)
	bea.WaitText(`#thread .msg[data-origin="answer"] .answered-by`, "ann@example.com", live)
	bea.WaitJS("Ann no longer replying", `document.querySelector("#replying").innerText.trim() === ""`, live)
	if !bea.is(`window.stayed === true`) {
		t.Error("Bea's page reloaded instead of updating itself")
	}
	bea.shot("team-answered")
	if n := countSent(tgAnn, ivy, "Hi Ivy, Ann from the team here."); n != 1 {
		t.Errorf("the sandbox got Ann's answer %d times, want once", n)
	}
	for _, m := range sbx.Messages() {
		if strings.Contains(m.Text, "VIP customer") {
			t.Errorf("the note reached Telegram: %+v", m)
		}
	}

	// "Mine" is Ann's; Bea's is empty, and so is "Unassigned".
	ann.Load(chromedp.Navigate(a.URL + "/inbox?status=all&assigned=mine"))
	ann.WaitText(conversationOf(ivy)+" .conv-assigned", "ann@example.com", 10*time.Second)
	ann.WaitText("#assigned-mine", "Mine", 5*time.Second)
	if !ann.is(`document.querySelector("#assigned-mine").classList.contains("active")`) {
		t.Error(`the "Mine" tab is not marked current`)
	}
	ann.shot("team-mine")
	bea.Load(chromedp.Navigate(a.URL + "/inbox?status=all&assigned=mine"))
	bea.WaitText("#no-conversations", "No conversation matches", 10*time.Second)
	bea.Load(chromedp.Click(css("#assigned-unassigned")))
	bea.WaitText("#no-conversations", "No conversation matches", 10*time.Second)

	// The audit log: Bea's invitation and joining, her assignment and
	// Ann's answer.
	ann.Load(chromedp.Navigate(a.URL + "/audit"))
	ann.WaitText(`#audit-events tr[data-action="member_invited"]`, "bea@example.com", 10*time.Second)
	ann.WaitText(`#audit-events tr[data-action="invitation_accepted"]`, "bea@example.com", 5*time.Second)
	ann.WaitText(`#audit-events tr[data-action="conversation_assigned"]`, "bea@example.com", 10*time.Second)
	ann.WaitText(`#audit-events tr[data-action="conversation_assigned"]`, "Assigned to ann@example.com", 5*time.Second)
	ann.WaitText(`#audit-events tr[data-action="answer_sent"]`, "ann@example.com", 5*time.Second)
	ann.shot("team-audit")

	for _, p := range []page{ann, bea} {
		if pr := p.Problems(); len(pr) > 0 {
			t.Errorf("browser problems: %q", pr)
		}
	}
}
