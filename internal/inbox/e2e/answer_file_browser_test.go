package e2e_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestBrowserAnswerWithFile answers from the conversation page with a file
// chosen in "Attach a file": a caption past 1,024 characters is refused
// beside the text and nothing goes; then the file goes once with its
// caption, judged from the sandbox's record (the file's sha256 and name),
// and the thread shows the answer with its file's label.
func TestBrowserAnswerWithFile(t *testing.T) {
	a := startApp(t)
	p := page{Browser: testkit.NewBrowser(t), t: t}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	p.Do(
		chromedp.Navigate(a.URL+"/signup"),
		chromedp.SendKeys(css("#email"), "files@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	p.Load(chromedp.Click(css("#signup-submit")))
	c := a.APIAs(t, "files@example.com")
	bob := c.Connect(apiID2, apiHash2, phoneBob)
	a.WaitListening(t, bob)
	// Jonas writes first (the other tests' people answer campaigns once
	// per account, and this test leaves their replies to them).
	if _, err := sbx.Write(jonas, tgBob, "Is there an agenda?", nil); err != nil {
		t.Fatal(err)
	}

	p.Load(chromedp.Navigate(a.URL + "/inbox"))
	p.WaitJS("Jonas's conversation", fmt.Sprintf(`!!document.querySelector(%q)`, conversationOf(jonas)), live)
	p.Load(clickLive(conversationOf(jonas)))
	p.WaitText("#person-name", "Jonas", 10*time.Second)

	// A document only this test sends, so the record tells its message.
	agenda := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("10:00 welcome, 10:30 talks, 12:00 lunch\n"), 2000)...)
	agenda = append(agenda, []byte(t.Name()+time.Now().String())...)
	path := filepath.Join(t.TempDir(), "agenda.pdf")
	if err := os.WriteFile(path, agenda, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(agenda)
	sha := hex.EncodeToString(sum[:])

	p.WaitJS("the attach field", `!!document.querySelector("#answer-file") && document.querySelector("#reply-form").enctype === "multipart/form-data"`, 5*time.Second)
	p.Do(chromedp.SetValue(css("#text"), strings.Repeat("a", 1025)))
	p.Do(chromedp.SetUploadFiles(css("#answer-file"), []string{path}))
	// With a file chosen, the preview counts a caption.
	p.WaitText("#answer-preview-length", "1025 / 1024 characters", 10*time.Second)
	p.WaitText("#answer-preview-error", "1024", 5*time.Second)
	p.ExpectProblem("status of 422") // the refused form comes back as 422
	p.Load(chromedp.Click(css("#send-answer")))
	p.WaitText("#reply-form .invalid-feedback", "Telegram allows 1024 beside a file", 10*time.Second)
	p.WaitText("#answer-file-again", "Choose the file again", 5*time.Second)
	if n := sentWithFile(sha); n != 0 {
		t.Fatalf("a refused answer reached the sandbox %d times", n)
	}
	p.Screenshot("answer-file-refused")

	p.Do(chromedp.SetValue(css("#text"), "The **agenda** for Friday"))
	p.Do(chromedp.SetUploadFiles(css("#answer-file"), []string{path}))
	p.Load(chromedp.Click(css("#send-answer")))
	p.WaitJS("the answer with its file sent", `(function () { var m = Array.from(document.querySelectorAll('#thread .msg[data-origin="answer"]')); return m.length === 1 && m[0].dataset.state === "sent"; })()`, live)
	// Sent, it is a download like any file in the thread, named and sized.
	p.WaitText(`#thread .msg[data-origin="answer"] .msg-media a[download]`, "agenda.pdf", 5*time.Second)
	p.WaitText(`#thread .msg[data-origin="answer"] .msg-media`, " KB)", 5*time.Second)
	p.WaitText(`#thread .msg[data-origin="answer"]`, "The agenda for Friday", 5*time.Second)
	p.shot("answer-file-sent")
	if n := sentWithFile(sha); n != 1 {
		t.Errorf("the sandbox got the file %d times, want once", n)
	}
	for _, m := range sbx.Messages() {
		if m.Media != nil && m.Media.SHA256 == sha && (m.From != tgBob || m.To != jonas || m.Media.FileName != "agenda.pdf" || m.Media.Type != "document" || m.Text != "The agenda for Friday") {
			t.Errorf("the file arrived as %+v (%+v)", m, m.Media)
		}
	}
	if pr := p.Problems(); len(pr) > 0 {
		t.Errorf("browser problems: %q", pr)
	}
}

// jonas writes to Bob first, in this test only.
const jonas = 5110

// sentWithFile counts the sandbox's messages carrying the file of sha.
func sentWithFile(sha string) int {
	n := 0
	for _, m := range sbx.Messages() {
		if m.Media != nil && m.Media.SHA256 == sha {
			n++
		}
	}
	return n
}
