package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestCampaignFollowUpPreviewCaptionLimit: a follow-up's live preview holds
// its message to the caption limit when the follow-up has an attachment
// (its own, not the first message's), in the words the save uses for that
// step; the page sent back without JavaScript shows the same.
func TestCampaignFollowUpPreviewCaptionLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s, withMedia(200_000, 1<<20))
		ann := e.loggedIn("ann@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000311, "Ann")

		// Attach a photo to step 2 (the form without JavaScript): the
		// step's preview shows it, rendered for the sample recipient.
		r := ann.postMultipart("/campaigns", url.Values{"attach": {"2"}, "message": {"Hi"}, "step2_message": {"Still on, **{first_name|there}**?"},
			"step2_after": {"2"}, "sample_name": {"Ann"}, "opt_out_footer": {"on"}},
			map[string]namedFile{"step2_attachment": {"poster.jpg", photoJPEG(t)}}).wantStatus(t, http.StatusOK)
		m := regexp.MustCompile(`name="step2_media_id" value="(\d+)"`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no hidden step2_media_id in the form:\n%s", r.body)
		}
		id := m[1]
		r.wantBody(t, `<div id="step2-preview" class="campaign-preview" data-step="2"`, `id="step2-preview-attachment" data-type="photo"`,
			`<img src="/media/`+id+`" alt="The attached photo, poster.jpg" class="tg-photo" id="step2-preview-photo">`,
			`id="step2-preview-text">Still on, <b>Ann</b>?`, "Reply STOP to stop receiving messages", "/ 1024 characters in a caption")
		// The first message has no attachment: its preview counts to 4,096.
		r.wantBody(t, `id="preview-text">Hi`, "/ 4096 characters</span>")
		r.wantNoBody(t, `id="preview-photo"`)

		// As typed (htmx): 1,100 characters are too long for step 2's
		// caption, not for the first message's text.
		long := strings.Repeat("a", 1100)
		form := url.Values{"message": {long}, "step2_message": {long}, "step2_media_id": {id}, "sample_name": {"Ann"}}
		r = ann.post("/campaigns/preview?step=2", form, "HX-Request", "true").wantStatus(t, http.StatusOK)
		r.wantBody(t, `<div id="step2-preview"`, `data-length="1100" data-max="1024"`, `id="step2-preview-photo"`,
			"1100 / 1024 characters in a caption", `id="step2-preview-error" data-code="validation_failed"`,
			"Step 2: The message is 1100 characters long for Ann; Telegram allows 1024 in the caption of an attachment",
			// The problem is in the step's live region, read out as it appears.
			`<div id="step2-preview-status" role="status"><div class="alert alert-danger small mt-2 mb-0 py-2" id="step2-preview-error"`)
		r.wantNoBody(t, `id="campaign-preview"`, `id="preview-error"`, "<html")
		r = ann.post("/campaigns/preview", form, "HX-Request", "true").wantStatus(t, http.StatusOK)
		r.wantBody(t, `<div id="campaign-preview"`, "1100 / 4096 characters", `<div id="preview-status" role="status"></div>`)
		r.wantNoBody(t, "preview-error", "in a caption")
		// Without its attachment the follow-up is a text of up to 4,096.
		form.Del("step2_media_id")
		r = ann.post("/campaigns/preview?step=2", form, "HX-Request", "true").wantStatus(t, http.StatusOK)
		r.wantBody(t, "1100 / 4096 characters")
		r.wantNoBody(t, "preview-error", "in a caption", "step2-preview-photo")
		// Step 3 reads its own fields: step 2's photo is not its attachment.
		form.Set("step2_media_id", id)
		form.Set("step3_message", long)
		r = ann.post("/campaigns/preview?step=3", form, "HX-Request", "true").wantStatus(t, http.StatusOK)
		r.wantBody(t, `<div id="step3-preview"`, "1100 / 4096 characters")
		r.wantNoBody(t, "preview-error", "preview-photo")

		// The save refuses it in the same words, for the real recipient,
		// and the page it sends back shows it in step 2's preview.
		r = ann.postMultipart("/campaigns", url.Values{"name": {"Long follow-up"}, "message": {"Hi"}, "step2_message": {long}, "step2_after": {"2"},
			"step2_media_id": {id}, "recipients": {"@alice_m"}, "sender": {fmt.Sprint(acct)}, "sample_name": {"Ann"}}, nil).
			wantStatus(t, http.StatusUnprocessableEntity)
		r.wantBody(t, "Step 2: The message is 1100 characters long for @alice_m; Telegram allows 1024 in the caption of an attachment",
			`id="step2-preview-error"`, "Step 2: The message is 1100 characters long for Ann; Telegram allows 1024 in the caption of an attachment")
	})
}

// TestCampaignFollowUpPreviewShowsItsAttachment: each follow-up's preview
// shows its own attachment (a document by its name, type and size, never
// inline) and its message rendered for the sample recipient, placeholders
// filled and formatting applied, with a placeholder error in that step's
// words; the fresh editor shows every step's preview waiting for its text,
// each with its own ids and its own htmx request.
func TestCampaignFollowUpPreviewShowsItsAttachment(t *testing.T) {
	s := storetest.SQLite(t)
	e := newEnv(t, s, withMedia(200_000, 1<<20))
	ann := e.loggedIn("ann@example.com")

	page := ann.get("/campaigns/new").wantStatus(t, http.StatusOK)
	// Each preview is morphed into place, so its live region stays the
	// node a screen reader watches.
	page.wantBody(t, `<div id="campaign-preview"`, `id="preview-empty">Type the message to see it as Ann would.`,
		`hx-target="#campaign-preview" hx-swap="morph:outerHTML"`, `<div id="preview-status" role="status"></div>`)
	for n := 2; n <= store.MaxSteps; n++ {
		page.wantBody(t, fmt.Sprintf(`hx-post="/campaigns/preview?step=%d"`, n), fmt.Sprintf(`hx-target="#step%d-preview" hx-swap="morph:outerHTML"`, n),
			fmt.Sprintf(`<div id="step%d-preview-status" role="status"></div>`, n),
			fmt.Sprintf(`hx-params="step%d_message,opt_out_footer,sample_name,sample_username,step%d_media_id"`, n, n),
			fmt.Sprintf(`<div id="step%d-preview" class="campaign-preview" data-step="%d"`, n, n),
			fmt.Sprintf(`id="step%d-preview-empty">Type the message to see it as Ann would.`, n),
			fmt.Sprintf("Preview of step %d", n))
	}
	if ids := duplicateIDs(page.body); len(ids) > 0 {
		t.Errorf("ids used more than once on the editor: %v", ids)
	}

	// A document attached to step 3 (step 2 written, as the save needs).
	r := ann.postMultipart("/campaigns", url.Values{"attach": {"3"}, "step2_message": {"Still on?"}, "step3_message": {"Last call"}, "sample_name": {"Ann"}},
		map[string]namedFile{"step3_attachment": {"agenda.pdf", []byte("%PDF-1.4\n%agenda\n")}}).wantStatus(t, http.StatusOK)
	m := regexp.MustCompile(`name="step3_media_id" value="(\d+)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no hidden step3_media_id in the form:\n%s", r.body)
	}
	doc := m[1]
	r.wantBody(t, `id="step3-preview-attachment" data-type="document"`, `id="step2-preview-text">Still on?`)
	r.wantNoBody(t, `id="step2-preview-attachment"`)
	if ids := duplicateIDs(r.body); len(ids) > 0 {
		t.Errorf("ids used more than once on the editor with a follow-up: %v", ids)
	}

	form := url.Values{"step3_message": {"Hi **{first_name|there}** from {username|us}"}, "step3_media_id": {doc},
		"sample_name": {"Bea Stone"}, "sample_username": {"@bea"}, "opt_out_footer": {"on"}}
	r = ann.post("/campaigns/preview?step=3", form, "HX-Request", "true").wantStatus(t, http.StatusOK)
	r.wantBody(t, "As <strong>Bea Stone</strong> reads it:", `id="step3-preview-attachment" data-type="document"`,
		"<bdi>agenda.pdf</bdi>", "document, ", `id="step3-preview-text">Hi <b>Bea</b> from @bea`,
		"Reply STOP to stop receiving messages", " / 1024 characters in a caption")
	r.wantNoBody(t, "<img", "preview-error")
	// Without the footer the follow-up goes without it, as it is sent.
	form.Del("opt_out_footer")
	r = ann.post("/campaigns/preview?step=3", form, "HX-Request", "true").wantStatus(t, http.StatusOK)
	r.wantBody(t, `id="step3-preview-text">Hi <b>Bea</b> from @bea</div>`)
	r.wantNoBody(t, "Reply STOP")
	// An attachment and no text yet: the file, and what to do.
	form.Set("step3_message", " ")
	ann.post("/campaigns/preview?step=3", form, "HX-Request", "true").wantStatus(t, http.StatusOK).
		wantBody(t, `id="step3-preview-attachment"`, `id="step3-preview-empty">Type the message to see it as Bea Stone would.`)
	// An unknown placeholder is named in that step's words.
	form.Set("step3_message", "Hi {nickname}")
	ann.post("/campaigns/preview?step=3", form, "HX-Request", "true").wantStatus(t, http.StatusOK).
		wantBody(t, `id="step3-preview-error"`, "Step 3: ", "nickname")

	// There is no step 5, nor a step named otherwise.
	for _, q := range []string{"0", "5", "two", "-1"} {
		ann.post("/campaigns/preview?step="+q, form, "HX-Request", "true").wantStatus(t, http.StatusBadRequest)
	}
}

var idAttr = regexp.MustCompile(` id="([^"]+)"`)

// duplicateIDs lists the ids a page uses more than once.
func duplicateIDs(body string) []string {
	seen := map[string]int{}
	var out []string
	for _, m := range idAttr.FindAllStringSubmatch(body, -1) {
		if seen[m[1]]++; seen[m[1]] == 2 {
			out = append(out, m[1])
		}
	}
	return out
}
