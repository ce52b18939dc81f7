package e2e_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/testkit"
)

func picture(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBrowserIncomingPhoto: Kai sends Ann's account a photo and an
// executable named photo.jpg. The thread shows the photo's thumbnail
// (fetched from Telegram on this first view), which links to the full
// size; the executable is a download link, and both the page's link and
// the API serve it as an attachment, never inline.
func TestBrowserIncomingPhoto(t *testing.T) {
	a := startApp(t)
	p := page{Browser: testkit.NewBrowser(t), t: t}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	p.Do(
		chromedp.Navigate(a.URL+"/signup"),
		chromedp.SendKeys(css("#email"), "ann@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	p.Load(chromedp.Click(css("#signup-submit")))
	c := a.APIAs(t, "ann@example.com")
	acct := c.Connect(apiID, apiHash, phoneAnn)
	a.WaitListening(t, acct)

	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0x90}, 5000)...)
	if _, err := sbx.Write(kai, tgAnn, "", &sandbox.Media{Type: "photo", Data: picture(t, 900, 600)}); err != nil {
		t.Fatal(err)
	}
	if _, err := sbx.Write(kai, tgAnn, "the venue's plan", &sandbox.Media{Type: "document", Data: exe, FileName: "photo.jpg", MimeType: "image/jpeg"}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Conversations []struct {
			ID     int64 `json:"id"`
			Person struct {
				UserID int64 `json:"user_id"`
			} `json:"person"`
			LastMessage struct {
				Text string `json:"text"`
			} `json:"last_message"`
		} `json:"conversations"`
	}
	var conv int64
	testkit.Eventually(t, live, "Kai's photo and file to reach the inbox", func() bool {
		c.Call("GET", "/conversations", nil).Into(t, 200, &list)
		for _, x := range list.Conversations {
			if x.Person.UserID == kai && x.LastMessage.Text == "the venue's plan" {
				conv = x.ID
			}
		}
		return conv != 0
	})

	p.Load(chromedp.Navigate(fmt.Sprintf("%s/inbox/%d", a.URL, conv)))
	const thumb = `#thread [data-media="photo"] img`
	p.WaitJS("the photo's thumbnail to load", fmt.Sprintf(`(() => { const i = document.querySelector(%q); return !!i && i.complete && i.naturalWidth > 0; })()`, thumb), live)
	if w := testkit.Eval[int](p.Browser, fmt.Sprintf(`document.querySelector(%q).naturalWidth`, thumb)); w != 320 {
		t.Errorf("the thumbnail is %d pixels wide, want Telegram's 320", w)
	}
	if alt := testkit.Eval[string](p.Browser, fmt.Sprintf(`document.querySelector(%q).alt`, thumb)); !strings.HasPrefix(alt, "Photo") {
		t.Errorf("the thumbnail's alt text is %q", alt)
	}
	p.WaitText(`#thread [data-media="file"]`, "photo.jpg", 5*time.Second)
	p.shot("incoming-photo")

	// The full size: what the thumbnail links to.
	full := testkit.Eval[string](p.Browser, `document.querySelector('#thread [data-media="photo"] a').href`)
	file := testkit.Eval[string](p.Browser, `document.querySelector('#thread [data-media="file"] a').href`)
	heads := testkit.Eval[[]string](p.Browser, fmt.Sprintf(`Promise.all([%q, %q].map(u => fetch(u).then(r => r.headers.get("Content-Type") + " | " + r.headers.get("Content-Disposition") + " | " + r.headers.get("X-Content-Type-Options"))))`, full, file),
		chromedp.EvalAwaitPromise)
	if !strings.HasPrefix(heads[0], "image/jpeg | inline") || !strings.HasSuffix(heads[0], "nosniff") {
		t.Errorf("the full photo is served as %q, want an inline JPEG", heads[0])
	}
	if !strings.HasPrefix(heads[1], "application/octet-stream | attachment") || !strings.Contains(heads[1], "photo.jpg") {
		t.Errorf("the executable named photo.jpg is served as %q, want an attachment", heads[1])
	}
	p.Load(chromedp.Navigate(full))
	p.WaitJS("the full photo to load", `document.images.length === 1 && document.images[0].complete && document.images[0].naturalWidth === 900`, live)
	p.Screenshot("incoming-photo-full")

	// The API serves the same bytes under a token.
	var msgs struct {
		Messages []struct {
			ID    int64 `json:"id"`
			Media *struct {
				Type string `json:"type"`
			} `json:"media"`
		} `json:"messages"`
	}
	c.Call("GET", fmt.Sprintf("/conversations/%d/messages", conv), nil).Into(t, 200, &msgs)
	for _, m := range msgs.Messages {
		if m.Media == nil {
			continue
		}
		r := c.Call("GET", fmt.Sprintf("/conversations/%d/messages/%d/media", conv, m.ID), nil)
		cd := r.Header.Get("Content-Disposition")
		switch {
		case r.Status != 200:
			t.Errorf("API media of message %d: %d %s", m.ID, r.Status, r.Body)
		case bytes.HasPrefix(r.Body, []byte("MZ")):
			if !strings.HasPrefix(cd, "attachment") || sha256.Sum256(r.Body) != sha256.Sum256(exe) {
				t.Errorf("the executable from the API: %q, %d bytes", cd, len(r.Body))
			}
		case !strings.HasPrefix(cd, "inline") || r.Header.Get("Content-Type") != "image/jpeg":
			t.Errorf("the photo from the API: %q %q", r.Header.Get("Content-Type"), cd)
		}
	}
	r := c.Call("GET", fmt.Sprintf("/conversations/%d/messages/%d/media", conv, msgs.Messages[0].ID+1000), nil)
	r.APIError(t, 404, "not_found")
}
