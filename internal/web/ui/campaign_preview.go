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
}

// Over reports a text longer than Telegram takes.
func (p previewData) Over() bool { return p.Length > p.Max }

// sampleRecipient is the made-up recipient the editor previews for.
func sampleRecipient(f url.Values) message.Recipient {
	first, last, _ := strings.Cut(strings.TrimSpace(f.Get("sample_name")), " ")
	return message.Recipient{FirstName: first, LastName: strings.TrimSpace(last),
		Username: strings.TrimPrefix(strings.TrimSpace(f.Get("sample_username")), "@")}
}

// preview renders the form's message for its sample recipient.
func (h *Handler) preview(f url.Values) previewData {
	rcpt := sampleRecipient(f)
	p := previewData{Max: message.MaxLength, For: strings.TrimSpace(rcpt.FirstName + " " + rcpt.LastName)}
	if p.For == "" {
		p.For = "a recipient without a name"
	}
	if strings.TrimSpace(f.Get("message")) == "" {
		p.Empty = true
		return p
	}
	r, err := h.Campaigns.Preview(campaign.PreviewInput{Message: f.Get("message"), OptOutFooter: f.Get("opt_out_footer") == "on", Recipient: rcpt})
	p.HTML, p.Length = template.HTML(r.HTML()), r.Length() // r.HTML escapes the text
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
	h.writeFragment(w, r, "campaign_new", "campaign-preview", h.preview(r.PostForm))
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
		err = h.Campaigns.TestSend(r.Context(), workspaceID(r), id,
			campaign.PreviewInput{Message: f.Get("message"), OptOutFooter: f.Get("opt_out_footer") == "on"}, f.Get("link_preview") == "on")
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
