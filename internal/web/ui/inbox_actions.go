package ui

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/inbox"
)

func conversationURL(id int64) string { return "/inbox/" + strconv.FormatInt(id, 10) }

// POST /inbox/{id}/messages — answers as the conversation's account. The
// answer is committed to the outbox with its random_id and sent by the
// account's job; the page shows its state as it moves.
func (h *Handler) answerConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Conversation")
	text := r.PostFormValue("text")
	var answer inbox.Message
	if err == nil {
		answer, err = h.answerWithFile(r, id, text)
	}
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Field == "media_id" {
			err = e.OnField("file")
		}
		h.renderConversation(w, r, 0, text, err)
		return
	}
	// The answer is the link's target: the browser scrolls to it and gives
	// it focus, where its state shows (WCAG 2.4.3).
	redirect(w, r, fmt.Sprintf("%s#message-%d", conversationURL(id), answer.ID))
}

// answerWithFile writes the form's answer, with the file chosen in
// "Attach a file" when there is one (stored as POST /api/v1/media stores
// it, its text then a caption).
func (h *Handler) answerWithFile(r *http.Request, id int64, text string) (inbox.Message, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 || r.MultipartForm.File["file"][0].Filename == "" {
		return h.Inbox.Answer(r.Context(), workspaceID(r), id, text)
	}
	fh := r.MultipartForm.File["file"][0]
	if fh.Size == 0 {
		return inbox.Message{}, apperr.Validation("file", "The file is empty")
	}
	f, err := fh.Open()
	if err != nil {
		return inbox.Message{}, fmt.Errorf("open the uploaded file: %w", err)
	}
	defer f.Close()
	return h.Inbox.AnswerUpload(r.Context(), workspaceID(r), id, text, fh.Filename, f)
}

// answerBodyLimit is what the answer form may send: the largest file the
// instance takes, and the text and the form's parts beside it.
func (h *Handler) answerBodyLimit() int64 {
	return h.Inbox.MaxFileSize() + DefaultBodyLimit
}

// POST /inbox/{id}/preview — the answer as the person will read it,
// formatted and with its placeholders filled (htmx).
func (h *Handler) previewAnswer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Conversation")
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Conversation", Nav: "inbox"}, err)
		return
	}
	// with_file says a file is chosen (the page's script sets it): the
	// text is then its caption, held to Telegram's caption limit.
	p, err := h.answerPreview(r.Context(), workspaceID(r), id, r.PostFormValue("text"), r.PostFormValue("with_file") != "")
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Conversation", Nav: "inbox"}, err)
		return
	}
	h.writeFragment(w, r, "inbox_show", "answer-preview", p)
}

// answerPreview renders an answer for the conversation's person; an
// error of the text itself is the preview's, any other is returned.
func (h *Handler) answerPreview(ctx context.Context, uid, id int64, text string, withFile bool) (previewData, error) {
	p := previewData{Max: message.MaxLength}
	if withFile {
		p.Max = message.MaxCaptionLength
	}
	if strings.TrimSpace(text) == "" {
		p.Empty = true
		return p, nil
	}
	rendered, err := h.Inbox.PreviewAnswer(ctx, uid, id, text, withFile)
	p.HTML, p.Length = template.HTML(rendered.HTML()), rendered.Length() // HTML escapes the text
	if e, ok := apperr.As(err); ok && e.Field == "text" {
		p.Err = e
		return p, nil
	}
	return p, err
}

// POST /inbox/{id}/done
func (h *Handler) conversationDone(w http.ResponseWriter, r *http.Request) {
	h.setConversationStatus(w, r, h.Inbox.Done, "Marked done. A new message from this person opens it again.")
}

// POST /inbox/{id}/reopen
func (h *Handler) reopenConversation(w http.ResponseWriter, r *http.Request) {
	h.setConversationStatus(w, r, h.Inbox.Reopen, "Open again.")
}

func (h *Handler) setConversationStatus(w http.ResponseWriter, r *http.Request,
	set func(ctx context.Context, uid, id int64) (inbox.Conversation, error), done string) {
	id, err := pathID(r, "Conversation")
	if err == nil {
		_, err = set(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Conversation", Nav: "inbox"}, err)
		return
	}
	h.flash(r, "success", done)
	redirect(w, r, conversationURL(id))
}
