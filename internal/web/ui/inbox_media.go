package ui

import (
	"io"
	"net/http"
	"strconv"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// GET /inbox/{id}/messages/{message_id}/media — a message's photo or file
// under the session, as GET /api/v1/conversations/{id}/messages/{message_id}/media
// serves it under a token: whoever may read the conversation may open it.
func (h *Handler) conversationMedia(w http.ResponseWriter, r *http.Request) {
	p := &Page{Title: "File", Nav: "inbox"}
	id, err := pathID(r, "Conversation")
	mid, perr := strconv.ParseInt(r.PathValue("message_id"), 10, 64)
	if err == nil && (perr != nil || mid <= 0) {
		err = apperr.NotFound("Message")
	}
	if err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	f, err := h.Inbox.Media(r.Context(), workspaceID(r), id, mid, r.URL.Query().Get("variant"))
	if err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	f.Header(w.Header())
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, f.Body); err != nil {
		auth.NoteError(r.Context(), err)
	}
}
