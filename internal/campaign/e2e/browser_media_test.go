package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/axe"
)

// TestBrowserCampaignPhoto attaches a photo in the campaign editor, sees
// it in the live preview (the caption now held to 1,024), sends a test,
// saves and starts the campaign, and sees the photo on its page; the
// sandbox's record says each recipient got the photo's very bytes, once,
// with their caption, and so did the test in Saved Messages.
func TestBrowserCampaignPhoto(t *testing.T) {
	// typed tells the live preview the message changed, as typing does.
	typed := chromedp.Evaluate[chromedp.Void](`document.querySelector("#message").dispatchEvent(new Event("input", {bubbles: true}))`)
	t.Parallel()
	sb := mediaSandbox(t)
	a := startAppOn(t, sb)
	p := page{Browser: testkit.NewBrowser(t), t: t}
	css := p.css

	p.signUp(a.URL, "poster@example.com")
	c := a.APIAs(t, "poster@example.com")
	ann := c.Connect(apiID, apiHash, phoneAnn)

	photo := testJPEG(t, 42)
	path := filepath.Join(t.TempDir(), "poster.jpg")
	if err := os.WriteFile(path, photo, 0o600); err != nil {
		t.Fatal(err)
	}

	p.Load(chromedp.Navigate(a.URL + "/campaigns/new"))
	p.Do(
		chromedp.SendKeys(css("#name"), "Poster"),
		chromedp.SendKeys(css("#recipients"), "@alice_m, bruno_b, chloe_d"),
		chromedp.SetValue(css("#min_interval"), "0"),
		chromedp.SendKeys(css("#message"), "Hi **{first_name|there}**, here is our poster"),
		chromedp.SetUploadFiles(css("#attachment"), []string{path}),
	)
	if !eval[bool](p, fmt.Sprintf(`document.querySelector("#sender-%d").checked`, ann)) {
		p.Do(chromedp.Click(css(fmt.Sprintf("#sender-%d", ann))))
	}
	// Attach stores the file and shows the form again, nothing saved.
	p.Load(chromedp.Click(css("#attach-1")))
	p.has("#attachment-attached", "Attached: poster.jpg (photo, ")
	p.waitFor("the photo in the preview", `(function () { var i = document.querySelector("#preview-photo"); return !!i && i.complete && i.naturalWidth === 320; })()`, 10*time.Second)
	p.has("#preview-text b", "Ann")
	p.has("#preview-length", "/ 1024 characters in a caption")
	if v := eval[string](p, `document.querySelector("#name").value + "|" + document.querySelector("#message").value`); v != "Poster|Hi **{first_name|there}**, here is our poster" {
		t.Errorf("attaching lost what was typed: %q", v)
	}
	mediaID := eval[string](p, `document.querySelector("input[name=media_id]").value`)
	// The editor with a file attached meets WCAG 2.1 AA (the a11y suite
	// sees it only fresh and refused).
	for _, v := range axe.Run(p.Browser) {
		if v.Serious() {
			t.Errorf("the editor with an attachment: %s", v)
		}
	}

	// The live preview keeps the photo and the caption limit as the text
	// changes.
	p.Do(chromedp.SetValue(css("#message"), "Hi **{first_name|there}**, here is our poster"+strings.Repeat("!", 1000)), typed)
	p.has("#preview-error", "Telegram allows 1024 in the caption of an attachment")
	p.waitFor("the photo still in the preview", `!!document.querySelector("#preview-photo")`, 10*time.Second)
	p.shot("editor-photo-too-long")
	p.Do(chromedp.SetValue(css("#message"), "Hi **{first_name|there}**, here is our poster"), typed)
	p.waitFor("the preview to clear", `!document.querySelector("#preview-error")`, 10*time.Second)
	// The API's preview holds it to the caption limit too.
	c.Call("POST", "/campaigns/preview", map[string]any{"message": strings.Repeat("a", 1100), "media_id": mediaID}).APIError(t, 422, "validation_failed")
	p.shot("editor-photo")

	// A test carries the photo to Ann's Saved Messages.
	p.Do(chromedp.Click(css("#test-send")))
	p.has("#test-ok", "Saved Messages of Ann Lee")
	self := sentBy(t, sb, 4301)[4301]
	if len(self) != 1 || self[0].Media == nil || self[0].Media.Type != "photo" || self[0].Media.SHA256 != sha(photo) || !strings.HasPrefix(self[0].Text, "Hi Ann, here is our poster") {
		t.Errorf("the test send reached Saved Messages as %+v", self)
	}

	p.Load(chromedp.Click(css("#save-campaign")))
	if !strings.Contains(p.Location(), "/campaigns/") {
		t.Fatalf("after saving: %s", p.Location())
	}
	p.has("#message-card .step-attachment", "With a photo: poster.jpg")
	p.waitFor("the photo on the campaign's page", `(function () { var i = document.querySelector("#message-card .step-attachment img"); return !!i && i.complete && i.naturalWidth === 320; })()`, 10*time.Second)

	p.Load(clickLive("#start-campaign"))
	p.waitFor("the end", attr("#campaign-progress", "status")+` === "completed"`, 90*time.Second)
	p.has("#count-sent", "3")
	p.has("#message-card .step-attachment", "With a photo: poster.jpg")
	p.shot("campaign-photo")

	got := sentBy(t, sb, 4301)
	for to, name := range map[int64]string{5001: "Alice", 5002: "Bruno", 5003: "Chloé"} {
		msgs := got[to]
		if len(msgs) != 1 {
			t.Errorf("%s got %d messages, want exactly one", name, len(msgs))
			continue
		}
		m := msgs[0]
		if m.Media == nil || m.Media.Type != "photo" || m.Media.SHA256 != sha(photo) || m.Media.Size != int64(len(photo)) || !strings.HasPrefix(m.Text, "Hi "+name+", here is our poster") {
			t.Errorf("%s got %q with %+v, want the photo (sha256 %s)", name, m.Text, m.Media, sha(photo))
		}
	}
}

// TestBrowserFollowUpPreview writes a follow-up in the campaign editor and
// watches its own live preview follow the typing (rendered for the sample
// recipient, who can be renamed), show the photo attached to it, hold its
// text to the caption limit in the words the save uses, and drop the
// footer when it is switched off; the first message's preview stays its
// own. The editor in that state meets WCAG 2.1 AA.
func TestBrowserFollowUpPreview(t *testing.T) {
	// typed tells step 2's preview its message changed, as typing does.
	typed := chromedp.Evaluate[chromedp.Void](`document.querySelector("#step2_message").dispatchEvent(new Event("input", {bubbles: true}))`)
	t.Parallel()
	a := startApp(t)
	p := page{Browser: testkit.NewBrowser(t), t: t}
	css := p.css
	p.signUp(a.URL, "steps@example.com")
	path := filepath.Join(t.TempDir(), "reminder.jpg")
	if err := os.WriteFile(path, testJPEG(t, 7), 0o600); err != nil {
		t.Fatal(err)
	}

	p.Load(chromedp.Navigate(a.URL + "/campaigns/new"))
	// Open step 2 and type its message: its preview follows.
	p.Do(chromedp.Click(css("#step-2 > summary")))
	p.has("#step2-preview-empty", "Type the message to see it as Ann would.")
	p.Do(
		chromedp.SendKeys(css("#message"), "Hi {first_name|there}"),
		chromedp.SendKeys(css("#step2_message"), "Still on, **{first_name|there}**?"),
	)
	p.waitFor("step 2's preview", `(document.querySelector("#step2-preview-text b") || {}).textContent === "Ann"`, 10*time.Second)
	p.has("#step2-preview-text", "Reply STOP to stop receiving messages")
	p.has("#step2-preview-length", "/ 4096 characters")
	p.has("#preview-text", "Hi Ann")
	if eval[bool](p, `document.querySelector("#preview-text").innerText.includes("Still on")`) {
		t.Error("step 2's message shows in the first message's preview")
	}
	// Another sample recipient: step 2's preview is rendered for them too.
	p.Do(chromedp.Evaluate[chromedp.Void](`document.querySelector("#sample_name").value = ""`), chromedp.SendKeys(css("#sample_name"), "Bea"))
	p.waitFor("step 2's preview for Bea", `(document.querySelector("#step2-preview-text b") || {}).textContent === "Bea"`, 10*time.Second)

	// Attach a photo to step 2: the form comes back with it in step 2's
	// preview, and the step's text now a caption.
	p.Do(chromedp.SetUploadFiles(css("#step2_attachment"), []string{path}))
	p.Load(chromedp.Click(css("#attach-2")))
	p.has("#step2_attachment-attached", "Attached: reminder.jpg (photo, ")
	p.waitFor("the photo in step 2's preview", `(function () { var i = document.querySelector("#step2-preview-photo"); return !!i && i.complete && i.naturalWidth === 320; })()`, 10*time.Second)
	p.has("#step2-preview-text b", "Bea")
	p.has("#step2-preview-length", "/ 1024 characters in a caption")
	if eval[bool](p, `!!document.querySelector("#preview-photo")`) {
		t.Error("step 2's photo shows in the first message's preview")
	}

	// Too long for a caption, as typed: the save's words, in step 2's
	// preview's live region, which is the node it was before the update
	// (morphed, not replaced: a screen reader reads out what appears in a
	// live region it already knows, not in a new one); the photo stays.
	p.Do(chromedp.Evaluate[chromedp.Void](`document.querySelector("#step2-preview-status").kept = true`),
		chromedp.SetValue(css("#step2_message"), "Still on, **{first_name|there}**?"+strings.Repeat("!", 1000)), typed)
	p.has("#step2-preview-error", "Step 2: The message is 1053 characters long for @ann; Telegram allows 1024 in the caption of an attachment")
	if !eval[bool](p, `(function () { var s = document.querySelector("#step2-preview-status"); return s.kept === true && s.getAttribute("role") === "status" && !!s.querySelector("#step2-preview-error"); })()`) {
		t.Error("step 2's error did not appear in the live region the page had before it: a screen reader would not read it out")
	}
	p.has("#step2-preview-length", "1053 / 1024 characters in a caption")
	p.waitFor("the photo still in step 2's preview", `!!document.querySelector("#step2-preview-photo")`, 10*time.Second)
	if eval[bool](p, `!!document.querySelector("#preview-error")`) {
		t.Error("step 2's error shows in the first message's preview")
	}
	for _, v := range axe.Run(p.Browser) {
		if v.Serious() {
			t.Errorf("the editor with a follow-up's preview: %s", v)
		}
	}
	p.shot("editor-follow-up-too-long")

	// Shortened, and without the footer: the preview clears and drops it.
	p.Do(chromedp.SetValue(css("#step2_message"), "Still on, **{first_name|there}**?"), typed)
	p.waitFor("step 2's preview to clear", `!document.querySelector("#step2-preview-error")`, 10*time.Second)
	p.Do(chromedp.Click(css("#opt_out_footer")))
	p.waitFor("step 2's preview without the footer", `(function () { var e = document.querySelector("#step2-preview-text"); return !!e && !e.innerText.includes("Reply STOP"); })()`, 10*time.Second)
	p.has("#step2-preview-text", "Still on, Bea?")
	p.shot("editor-follow-up")
}
