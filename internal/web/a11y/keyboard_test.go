package a11y_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/telegramate/telegramate/internal/testkit"
)

// keys drives a page with the keyboard alone: Tab, Enter, Space and typed
// text go to whatever has focus, as they would for someone without a
// mouse. Each stop is checked for a visible focus.
type keys struct {
	t *testing.T
	b *testkit.Browser
	n int
}

// focusProblem says why the focused element is not visibly focused ("" when
// it is): nothing focused, or no outline or ring drawn around it.
const focusProblem = `(() => {
	const e = document.activeElement;
	if (!e || e === document.body) return "nothing has focus";
	const r = e.getBoundingClientRect();
	if (r.width === 0 || r.height === 0) return "the focused element is not shown: " + e.outerHTML.slice(0, 160);
	const s = getComputedStyle(e);
	if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) return "";
	if (s.boxShadow && s.boxShadow !== "none") return "";
	return "no visible focus on " + e.outerHTML.slice(0, 160);
})()`

// focused is a short description of the focused element.
const focused = `(() => { const e = document.activeElement; return e ? (e.id ? "#" + e.id : e.tagName.toLowerCase() + (e.getAttribute("href") ? "[href=" + e.getAttribute("href") + "]" : "")) : ""; })()`

func (k *keys) press(key string) {
	k.t.Helper()
	k.b.Do(chromedp.KeyEvent(key))
}

// tabTo presses Tab until the element matching sel has focus, checking a
// visible focus at every stop on the way.
func (k *keys) tabTo(sel string) {
	k.t.Helper()
	is := fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)
	if testkit.Eval[bool](k.b, is) { // a field that takes focus by itself
		k.visible()
		return
	}
	for i := 0; i < 80; i++ {
		k.press(kb.Tab)
		k.visible()
		if testkit.Eval[bool](k.b, is) {
			k.shot("focus-" + strings.Trim(sel, "#[]=\"'"))
			return
		}
	}
	k.b.Screenshot("failed")
	k.t.Fatalf("%s never got focus in 80 presses of Tab", sel)
}

// visible fails the test when the focus cannot be seen.
func (k *keys) visible() {
	k.t.Helper()
	if p := testkit.Eval[string](k.b, focusProblem); p != "" {
		k.b.Screenshot("failed")
		k.t.Fatalf("at %s: %s", testkit.Eval[string](k.b, focused), p)
	}
}

// has fails unless the element matching sel has focus (and shows it).
func (k *keys) has(sel string) {
	k.t.Helper()
	k.b.WaitJS(sel+" has focus", fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel), 10*time.Second)
	k.visible()
}

// enter presses Enter on what has focus and waits for the page it loads.
func (k *keys) enter() {
	k.t.Helper()
	k.b.Load(chromedp.KeyEvent(kb.Enter))
	k.ready()
}

// open loads a page and waits until its scripts ran (autofocus included).
func (k *keys) open(url string) {
	k.t.Helper()
	k.b.Load(chromedp.Navigate(url))
	k.ready()
}

func (k *keys) ready() {
	k.t.Helper()
	k.b.WaitJS("the page loaded", `document.readyState === "complete"`, 10*time.Second)
}

func (k *keys) typ(text string) {
	k.t.Helper()
	k.b.Do(chromedp.KeyEvent(text))
}

func (k *keys) shot(name string) {
	k.n++
	k.b.Screenshot(name)
}

// TestKeyboardOnly connects a Telegram account, makes a campaign and
// starts it, and answers a reply in the inbox, with the keyboard alone: a
// skip link leads past the navigation, every Tab stop shows its focus, a
// refused form puts focus on what went wrong and ties each message to its
// field, and after each round trip focus is on what the server said.
func TestKeyboardOnly(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := testkit.NewBrowser(t)
	k := &keys{t: t, b: b}
	signUp(b, a.URL, "kim@example.com")

	// The skip link is the first stop and leads into the page.
	k.open(a.URL + "/help")
	k.press(kb.Tab)
	k.has(".skip-link")
	k.shot("skip-link")
	k.press(kb.Enter)
	k.has("#main")
	k.open(a.URL + "/accounts/connect")

	// Connect: a first try without the phone number is refused; focus goes
	// to the error summary, whose link leads to the field, which says why;
	// the API ID and the API Hash typed are still there.
	id5, hash5 := app(5)
	k.tabTo("#api_id")
	k.typ(fmt.Sprint(id5))
	k.tabTo("#api_hash")
	k.typ(hash5)
	k.tabTo("#connect-submit")
	b.ExpectProblem("status of 422")
	k.enter()
	k.has("#error-summary")
	k.shot("connect-refused")
	if got := testkit.Eval[string](b, `document.querySelector("#api_id").value + " " + document.querySelector("#api_hash").value`); got != fmt.Sprint(id5)+" "+hash5 {
		t.Errorf("after the error the API ID and Hash read %q", got)
	}
	k.tabTo("#error-summary a")
	k.press(kb.Enter)
	k.has("#phone")
	described := testkit.Eval[string](b, `(() => { const f = document.querySelector("#phone");
		return f.getAttribute("aria-invalid") + " | " + (f.getAttribute("aria-describedby") || "").split(" ").map(id => document.getElementById(id)?.innerText).join(" "); })()`)
	if !strings.HasPrefix(described, "true | ") || !strings.Contains(described, "phone number") {
		t.Errorf("the phone field after the error: aria-invalid and description %q", described)
	}
	k.typ("+" + phoneEve)
	k.tabTo("#connect-submit")
	k.enter()
	k.has("#code") // the code page's field takes focus by itself
	k.shot("code")
	k.typ("55555")
	k.enter()
	b.WaitJS("the account connected", `location.pathname.startsWith("/accounts/") && !location.pathname.endsWith("/code")`, 20*time.Second)
	k.visible()
	k.shot("connected")

	// A campaign from draft to start.
	k.open(a.URL + "/campaigns/new")
	k.tabTo("#name")
	k.typ("Keyboard meetup")
	k.tabTo("#recipients")
	k.typ("@grace_a11y, @henry_a11y")
	k.tabTo(`input[name="sender"]`)
	if !testkit.Eval[bool](b, `document.activeElement.checked`) { // the only account comes ticked
		k.press(" ")
	}
	if !testkit.Eval[bool](b, `document.activeElement.checked`) {
		t.Fatal("Space did not tick the sending account")
	}
	k.tabTo("#message")
	k.typ("Hi {first_name|there}, see you on Friday.")
	k.tabTo("#min_interval")
	k.typ("4") // two messages, seconds apart: the page updates itself while it is used
	k.tabTo("#save-campaign")
	k.enter()
	k.has("#flash")
	k.shot("draft-saved")
	k.tabTo("#start-campaign")
	k.enter()
	k.has("#flash")
	k.shot("started")

	// The live part updates while focus is on a link inside it: focus
	// stays there, and the change is announced.
	b.Do(chromedp.Evaluate[chromedp.Void](`window.swaps = 0; document.body.addEventListener("htmx:afterSettle", e => { if (e.target.closest("#progress-slot")) window.swaps++; })`))
	k.tabTo("#campaign-accounts a")
	b.WaitText("#campaign-status", "completed", time.Minute)
	b.WaitJS("the progress updated itself", `window.swaps > 0`, 10*time.Second)
	if got := testkit.Eval[string](b, focused); got != "a[href=/accounts/1]" {
		t.Errorf("after %d live updates focus is on %s, not on the account link it was on", testkit.Eval[int](b, `window.swaps`), got)
	}
	k.visible()
	b.WaitText("#live-announcer", "Campaign completed", 10*time.Second)

	// Grace's reply, answered from the inbox.
	k.open(a.URL + "/inbox")
	b.WaitJS("Grace's conversation", `!!document.querySelector("#conversations .conversation")`, time.Minute)
	k.tabTo("#conversations .conversation")
	k.enter()
	k.tabTo("#text")
	k.typ("See you Friday, Grace!")
	k.tabTo("#send-answer")
	k.enter()
	b.WaitJS("focus on the answer in the thread", `document.activeElement.matches('#thread .msg[data-origin="answer"]')`, 10*time.Second)
	k.visible()
	// Each message names its sender for someone who cannot see which side
	// of the thread it is on.
	if got := testkit.Eval[string](b, `document.activeElement.innerText`); !strings.HasPrefix(got, "Eve:") {
		t.Errorf("the answer reads %q to a screen reader, without its sender first", got)
	}
	if got := testkit.Eval[string](b, `document.querySelector('#thread .msg[data-origin="person"]').innerText`); !strings.HasPrefix(got, "Grace Hopper:") {
		t.Errorf("Grace's message reads %q to a screen reader, without her name first", got)
	}
	k.shot("answered")
	b.WaitJS("the answer sent", `!!document.querySelector('#thread .msg[data-origin="answer"][data-state="sent"]')`, time.Minute)

	if p := b.Problems(); len(p) > 0 {
		t.Errorf("browser problems: %q", p)
	}
}
