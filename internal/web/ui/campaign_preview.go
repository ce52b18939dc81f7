package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// previewData is the message as one recipient would read it.
type previewData struct {
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

// sampleRecipient is the made-up recipient the editor previews for.
func sampleRecipient(f url.Values) message.Recipient {
	first, last, _ := strings.Cut(strings.TrimSpace(f.Get("sample_name")), " ")
	return message.Recipient{FirstName: first, LastName: strings.TrimSpace(last),
		Username: strings.TrimPrefix(strings.TrimSpace(f.Get("sample_username")), "@")}
}

// preview renders the form's message for its sample recipient, with the
// first message's attachment (the form's media_id) when it has one.
func (h *Handler) preview(r *http.Request, f url.Values) previewData {
	rcpt := sampleRecipient(f)
	p := previewData{Max: message.MaxLength, For: strings.TrimSpace(rcpt.FirstName + " " + rcpt.LastName)}
	if p.For == "" {
		p.For = "a recipient without a name"
	}
	var in campaign.PreviewInput
	if id, err := mediaID(f, 1); err == nil && id != 0 && h.Media != nil {
		// A file not the workspace's shows nothing here; saving says why.
		if mf, err := h.Media.File(r.Context(), workspaceID(r), id, "media_id"); err == nil {
			p.Att, p.Max, in.MediaID = attachmentOf(mf), message.MaxCaptionLength, id
		}
	}
	if strings.TrimSpace(f.Get("message")) == "" {
		p.Empty = true
		return p
	}
	in.Message, in.OptOutFooter, in.Recipient = f.Get("message"), f.Get("opt_out_footer") == "on", rcpt
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

// POST /campaigns/preview — the editor's live preview (htmx).
func (h *Handler) previewCampaign(w http.ResponseWriter, r *http.Request) {
	h.writeFragment(w, r, "campaign_new", "campaign-preview", h.preview(r, r.PostForm))
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
