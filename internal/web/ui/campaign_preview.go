package ui

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// previewData is one step's message as one recipient would read it.
type previewData struct {
	// Step is the campaign step previewed: 1 for the first message, 2
	// to store.MaxSteps for a follow-up.
	Step   int
	HTML   template.HTML // escaped text with the formatting as tags
	Length int           // as Telegram counts it
	Max    int
	For    string // whom it is rendered for
	Empty  bool   // nothing typed yet
	Err    *apperr.Error
	// Att is the file the message goes with, its caption then held to
	// message.MaxCaptionLength; nil for none.
	Att *attachmentView
}

// Over reports a text longer than Telegram takes.
func (p previewData) Over() bool { return p.Length > p.Max }

// Box is the id of the element the preview is, which htmx replaces.
func (p previewData) Box() string {
	if p.Step <= 1 {
		return "campaign-preview"
	}
	return fmt.Sprintf("step%d-preview", p.Step)
}

// ID is the id of one of the preview's parts ("text", "length", "error",
// …), unique on the page: preview-text for the first message,
// step2-preview-text for step 2.
func (p previewData) ID(part string) string {
	if p.Step <= 1 {
		return "preview-" + part
	}
	return fmt.Sprintf("step%d-preview-%s", p.Step, part)
}

// sampleRecipient is the made-up recipient the editor previews for.
func sampleRecipient(f url.Values) message.Recipient {
	first, last, _ := strings.Cut(strings.TrimSpace(f.Get("sample_name")), " ")
	return message.Recipient{FirstName: first, LastName: strings.TrimSpace(last),
		Username: strings.TrimPrefix(strings.TrimSpace(f.Get("sample_username")), "@")}
}

// messageField is the form field of step n's message.
func messageField(n int) string {
	if n == 1 {
		return "message"
	}
	return fmt.Sprintf("step%d_message", n)
}

// preview renders step n's message of the form (1 for the first) for its
// sample recipient, with the step's attachment when it has one, in the
// words the save uses for that step.
func (h *Handler) preview(r *http.Request, f url.Values, n int) previewData {
	rcpt := sampleRecipient(f)
	p := previewData{Step: n, Max: message.MaxLength, For: strings.TrimSpace(rcpt.FirstName + " " + rcpt.LastName)}
	if p.For == "" {
		p.For = "a recipient without a name"
	}
	in := campaign.PreviewInput{Step: n}
	if id, err := mediaID(f, n); err == nil && id != 0 && h.Media != nil {
		// A file not the workspace's shows nothing here; saving says why.
		_, _, field := attachmentFields(n)
		if mf, err := h.Media.File(r.Context(), workspaceID(r), id, field); err == nil {
			p.Att, p.Max, in.MediaID = attachmentOf(mf), message.MaxCaptionLength, id
		}
	}
	text := f.Get(messageField(n))
	if strings.TrimSpace(text) == "" {
		p.Empty = true
		return p
	}
	in.Message, in.OptOutFooter, in.Recipient = text, f.Get("opt_out_footer") == "on", rcpt
	rd, err := h.Campaigns.Preview(in)
	p.HTML, p.Length = template.HTML(rd.HTML()), rd.Length() // HTML escapes the text
	if err != nil {
		if e, ok := apperr.As(err); ok {
			p.Err = e
		} else {
			p.Err = errInternal
		}
	}
	return p
}

// fillPreviews renders the previews of every step of the editor's form:
// the first message's and each follow-up's (an empty one says so).
func (h *Handler) fillPreviews(r *http.Request, d *editorData) {
	d.Preview = h.preview(r, d.Form, 1)
	d.StepPreviews = map[int]previewData{}
	for n := 2; n <= store.MaxSteps; n++ {
		d.StepPreviews[n] = h.preview(r, d.Form, n)
	}
}

// POST /campaigns/preview[?step=N] — the editor's live preview of the
// first message, or of follow-up N (htmx).
func (h *Handler) previewCampaign(w http.ResponseWriter, r *http.Request) {
	n := 1
	if v := r.URL.Query().Get("step"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > store.MaxSteps {
			http.Error(w, fmt.Sprintf("A campaign has steps 1 to %d.", store.MaxSteps), http.StatusBadRequest)
			return
		}
	}
	h.writeFragment(w, r, "campaign_new", "campaign-preview", h.preview(r, r.PostForm, n))
}

// testSendData is the answer to "Send a test".
type testSendData struct {
	OK      bool
	Account string
	Err     *apperr.Error
}

// POST /campaigns/test-send — the message, rendered for the account
// itself, to the account's own Saved Messages (htmx).
func (h *Handler) testSendCampaign(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	var d testSendData
	id, perr := strconv.ParseInt(f.Get("test_account"), 10, 64)
	var err error
	if perr != nil || id <= 0 {
		err = apperr.Validation("test_account", "Choose the account to send the test from")
	} else if a, gerr := h.AccountService.Get(r.Context(), workspaceID(r), id); gerr != nil {
		err = gerr
	} else {
		d.Account = a.Name
		var mid int64
		if mid, err = mediaID(f, 1); err == nil {
			err = h.Campaigns.TestSend(r.Context(), workspaceID(r), id,
				campaign.PreviewInput{Message: f.Get("message"), OptOutFooter: f.Get("opt_out_footer") == "on", MediaID: mid}, f.Get("link_preview") == "on")
		}
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			auth.NoteError(r.Context(), err)
			e = internal(err)
		}
		d.Err = e
	} else {
		d.OK = true
	}
	h.writeFragment(w, r, "campaign_new", "campaign-test-result", d)
}

// writeFragment answers an htmx request with one block of a page.
func (h *Handler) writeFragment(w http.ResponseWriter, r *http.Request, page, block string, data any) {
	html, err := h.fragment(page, block, data)
	if err != nil {
		auth.NoteError(r.Context(), err)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(html)
}
