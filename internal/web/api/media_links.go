package api

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/medialink"
	"github.com/telegramate/telegramate/internal/web/auth"
)

var (
	errLinkInvalid = &apperr.Error{Code: apperr.CodeNotFound, Status: http.StatusNotFound,
		Message: "This media link is not one of this instance's",
		Hint:    "Use the link exactly as the webhook event carried it, or fetch the file with GET /api/v1/conversations/{id}/messages/{message_id}/media."}
	errLinkExpired = &apperr.Error{Code: "link_expired", Status: http.StatusGone,
		Message: "This media link has expired",
		Hint:    "Links in webhook events work for a day; fetch the file with GET /api/v1/conversations/{id}/messages/{message_id}/media and an API token."}
)

// serveMediaLink serves the file a webhook's media link names, without a
// token: the sealed link is the permission, for the one message, until it
// expires.
func (a *API) serveMediaLink(w http.ResponseWriter, r *http.Request) {
	l, err := medialink.Open(a.deps.MediaLinks, r.PathValue("token"), time.Now())
	switch {
	case errors.Is(err, medialink.ErrExpired):
		WriteError(w, r, errLinkExpired)
		return
	case err != nil:
		WriteError(w, r, errLinkInvalid)
		return
	}
	f, err := a.deps.Inbox.Media(r.Context(), l.WorkspaceID, l.ConversationID, l.MessageID, inbox.MediaFull)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	f.Header(w.Header())
	// The link is a bearer credential: no shared cache keeps the file.
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, f.Body); err != nil {
		auth.NoteError(r.Context(), err)
	}
}
