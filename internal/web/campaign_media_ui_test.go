package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/web"
)

// withMedia gives the app a media service of small limits.
func withMedia(maxFile, quota int64) option {
	return withDeps(func(d *web.Deps) {
		m, err := media.New(media.Options{Store: d.Store, MaxFileSize: maxFile, Quota: quota})
		if err != nil {
			panic(err)
		}
		d.Media = m
	})
}

// postMultipart sends the editor's form with files, as a browser does.
func (c *client) postMultipart(path string, form url.Values, files map[string]namedFile) response {
	c.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for field, f := range files {
		fw, _ := mw.CreateFormFile(field, f.name)
		_, _ = fw.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

type namedFile struct {
	name string
	data []byte
}

func photoJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(5 * y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// exeBytes start as a Windows executable does.
func exeBytes() []byte {
	return append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0x00, 0x45, 0x10}, 2000)...)
}

var hiddenMediaID = regexp.MustCompile(`name="media_id" value="(\d+)"`)

// TestCampaignEditorAttachments: the editor stores a chosen file through
// the media service and keeps it by id when the form comes back (a photo
// shows in the preview, whose caption limit is then 1,024); a file over
// the size limit or past the quota is refused beside its field with the
// form as typed and nothing saved; an .exe named .jpg is attached as a
// document, never shown inline; the saved campaign's page shows the photo,
// and GET /media/{id} serves only the workspace's own files.
func TestCampaignEditorAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s, withMedia(200_000, 300_000))
		ann := e.loggedIn("ann@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000301, "Ann")
		ctx := context.Background()
		noCampaigns := func() {
			t.Helper()
			if n, _ := s.CountCampaigns(ctx, ann.userID(t)); n != 0 {
				t.Fatalf("a form that was not saved made %d campaigns", n)
			}
		}

		ann.get("/campaigns/new").wantStatus(t, http.StatusOK).wantBody(t,
			`<label for="attachment" class="form-label fw-semibold">Attachment <span class="fw-normal text-body-secondary">(optional)</span></label>`,
			`type="file" id="attachment" name="attachment" aria-describedby="attachment-help"`,
			`id="step2_attachment" name="step2_attachment" aria-describedby="step2_attachment-help"`,
			"a voice note; any other file as a document with its name. Up to 195.3 KB.")

		form := url.Values{"name": {"With a photo"}, "message": {"Hi {first_name|there}, see you **Friday**"}, "recipients": {"@alice_m"},
			"sender": {fmt.Sprint(acct)}, "opt_out_footer": {"on"}, "sample_name": {"Ann"}}
		photo := photoJPEG(t)

		// Attach: the file is stored and shown, nothing is saved.
		attach := url.Values{"attach": {"1"}}
		for k, v := range form {
			attach[k] = v
		}
		r := ann.postMultipart("/campaigns", attach, map[string]namedFile{"attachment": {"meetup.jpg", photo}}).wantStatus(t, http.StatusOK)
		r.wantBody(t, "Attached: <strong><bdi>meetup.jpg</bdi></strong> (photo, ", `id="preview-photo"`, " / 1024 characters in a caption", `value="With a photo"`)
		m := hiddenMediaID.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no hidden media_id in the form:\n%s", r.body)
		}
		photoID := m[1]
		noCampaigns()

		// A file over the limit on step 2 is refused beside its field; the
		// photo stays attached and the text stays as typed.
		big := bytes.Repeat([]byte("0123456789"), 20_001)
		form.Set("media_id", photoID)
		form.Set("step2_message", "Still on for Friday?")
		form.Set("step2_after", "2")
		r = ann.postMultipart("/campaigns", form, map[string]namedFile{"step2_attachment": {"big.txt", big}}).wantStatus(t, http.StatusRequestEntityTooLarge)
		r.wantBody(t, `id="step2_attachment-error"`, "The file is larger than 195.3 KB", `aria-describedby="step2_attachment-error step2_attachment-help"`,
			`name="media_id" value="`+photoID+`"`, `>Still on for Friday?</textarea>`, `value="With a photo"`)
		noCampaigns()

		// An executable named .jpg is a document: an icon and its name,
		// never an image.
		r = ann.postMultipart("/campaigns", url.Values{"attach": {"2"}, "media_id": {photoID}, "step2_message": {"Still on?"}},
			map[string]namedFile{"step2_attachment": {"holiday.jpg", exeBytes()}}).wantStatus(t, http.StatusOK)
		r.wantBody(t, "Attached: <strong><bdi>holiday.jpg</bdi></strong> (document, ", `id="step2_attachment-attached"`)
		exeID := regexp.MustCompile(`name="step2_media_id" value="(\d+)"`).FindStringSubmatch(r.body)
		if exeID == nil {
			t.Fatal("the document is not carried by step2_media_id")
		}
		if strings.Contains(r.body, `<img src="/media/`+exeID[1]+`"`) {
			t.Error("an executable named .jpg is shown as an image")
		}

		// Past the quota (300,000 bytes): refused beside the field.
		fill := bytes.Repeat([]byte{7}, 190_000)
		ann.postMultipart("/campaigns", url.Values{"attach": {"1"}}, map[string]namedFile{"attachment": {"a.bin", fill}}).wantStatus(t, http.StatusOK)
		r = ann.postMultipart("/campaigns", url.Values{"attach": {"1"}, "name": {"Kept"}}, map[string]namedFile{"attachment": {"b.bin", bytes.Repeat([]byte{8}, 190_000)}}).
			wantStatus(t, http.StatusUnprocessableEntity)
		r.wantBody(t, `id="attachment-error"`, `data-code="quota_exceeded"`, "does not fit in the workspace", `value="Kept"`)
		noCampaigns()

		// Refused for another field, the form keeps the attachment.
		r = ann.postMultipart("/campaigns", url.Values{"name": {"No sender"}, "message": {"Hi"}, "recipients": {"@alice_m"}, "media_id": {photoID}}, nil).
			wantStatus(t, http.StatusUnprocessableEntity)
		r.wantBody(t, "Choose at least one account to send from", `name="media_id" value="`+photoID+`"`, "Attached: <strong><bdi>meetup.jpg</bdi></strong>")
		noCampaigns()

		// Remove takes the attachment off without saving.
		r = ann.postMultipart("/campaigns", url.Values{"remove_media": {"1"}, "media_id": {photoID}, "name": {"Kept"}}, nil).wantStatus(t, http.StatusOK)
		r.wantNoBody(t, `name="media_id" value=`, "Attached:")

		// Saved with the photo kept by id: the campaign's page shows it.
		form.Set("step2_media_id", exeID[1])
		loc := ann.postMultipart("/campaigns", form, nil).wantStatus(t, http.StatusSeeOther).Header.Get("Location")
		page := ann.get(loc).wantStatus(t, http.StatusOK)
		page.wantBody(t, `data-type="photo" data-media-id="`+photoID+`"`, `<img src="/media/`+photoID+`"`, "With a photo: <a href=\"/media/"+photoID,
			`data-type="document" data-media-id="`+exeID[1]+`"`, "With a document:", "holiday.jpg")

		// The stored bytes: the photo inline as itself, the executable a
		// download the browser must not sniff.
		got := ann.get("/media/"+photoID).wantStatus(t, http.StatusOK)
		if got.Header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(got.Header.Get("Content-Disposition"), "inline") ||
			got.Header.Get("X-Content-Type-Options") != "nosniff" || got.body != string(photo) {
			t.Errorf("photo served as %v (%d bytes)", got.Header, len(got.body))
		}
		ann.get("/media/"+photoID, "If-None-Match", got.Header.Get("ETag")).wantStatus(t, http.StatusNotModified)
		got = ann.get("/media/"+exeID[1]).wantStatus(t, http.StatusOK)
		if got.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(got.Header.Get("Content-Disposition"), "attachment") ||
			got.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("executable named .jpg served as %v", got.Header)
		}
		bob := e.loggedIn("bob@example.com")
		bob.get("/media/"+photoID).wantStatus(t, http.StatusNotFound)
		// Nor can another workspace's file be attached by its id.
		bob.postMultipart("/campaigns", url.Values{"attach": {"1"}, "media_id": {photoID}}, nil).wantStatus(t, http.StatusUnprocessableEntity).
			wantBody(t, "No attachment "+photoID)
	})
}

// TestCampaignPreviewCaptionLimit: with an attachment the live preview
// holds the text to Telegram's 1,024-character caption, in the words the
// save uses; without one, to 4,096.
func TestCampaignPreviewCaptionLimit(t *testing.T) {
	s := storetest.SQLite(t)
	e := newEnv(t, s, withMedia(200_000, 1<<20))
	ann := e.loggedIn("ann@example.com")
	acct := senderOf(t, e, "ann@example.com", 2000302, "Ann")
	r := ann.postMultipart("/campaigns", url.Values{"attach": {"1"}}, map[string]namedFile{"attachment": {"p.jpg", photoJPEG(t)}}).wantStatus(t, http.StatusOK)
	id := hiddenMediaID.FindStringSubmatch(r.body)[1]

	long := strings.Repeat("a", 1100)
	form := url.Values{"message": {long}, "sample_name": {"Ann"}}
	r = ann.post("/campaigns/preview", form).wantStatus(t, http.StatusOK)
	r.wantBody(t, "1100 / 4096 characters")
	r.wantNoBody(t, "preview-error")
	form.Set("media_id", id)
	r = ann.post("/campaigns/preview", form).wantStatus(t, http.StatusOK)
	r.wantBody(t, "1100 / 1024 characters in a caption", `id="preview-error"`, "The message is 1100 characters long for Ann; Telegram allows 1024 in the caption of an attachment")

	// The save refuses it in the same words, naming the recipient.
	r = ann.postMultipart("/campaigns", url.Values{"name": {"Long"}, "message": {long}, "media_id": {id}, "recipients": {"@alice_m"},
		"sender": {fmt.Sprint(acct)}}, nil).wantStatus(t, http.StatusUnprocessableEntity)
	r.wantBody(t, "The message is 1100 characters long for @alice_m; Telegram allows 1024 in the caption of an attachment")
}
