package ui

import (
	"net/http"
	"strings"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
)

// The inbox for a team: assignment, internal notes, and who is replying.

var errBadAssignee = &apperr.Error{Code: apperr.CodeValidation, Message: "Choose a member from the list, or Unassigned",
	Hint: "The conversation can be assigned to an operator, admin or owner of this workspace.", Field: "user_id", Status: http.StatusUnprocessableEntity}

// POST /inbox/{id}/assign — assigns the conversation to the member chosen,
// or to nobody (user_id empty).
func (h *Handler) assignConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Conversation")
	var who int64
	if err == nil {
		if who, err = parseOptionalID(r.PostFormValue("user_id")); err != nil {
			err = errBadAssignee
		}
	}
	var email string
	if err == nil {
		c, aerr := h.Inbox.Assign(r.Context(), workspaceID(r), id, who)
		err, email = aerr, c.AssignedEmail
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Conversation", Nav: "inbox"}, err)
		return
	}
	if who == 0 {
		h.flash(r, "success", "Unassigned.")
	} else {
		h.flash(r, "success", "Assigned to "+email+".")
	}
	redirect(w, r, conversationURL(id))
}

// POST /inbox/{id}/notes — an internal note in the thread; it never goes
// to Telegram.
func (h *Handler) addConversationNote(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Conversation")
	text := r.PostFormValue("text")
	if err == nil {
		_, err = h.Inbox.AddNote(r.Context(), workspaceID(r), id, text)
	}
	if err != nil {
		h.renderConversationNote(w, r, text, err)
		return
	}
	h.flash(r, "success", "Note added. Only your team sees it.")
	redirect(w, r, conversationURL(id))
}

// POST /inbox/{id}/typing — the person is typing an answer here (htmx,
// throttled by the page): the others viewing the thread see "… is
// replying" for inbox.TypingFor.
func (h *Handler) typingInConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Conversation")
	if err == nil {
		err = h.Inbox.Typing(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			e = internal(err)
		}
		http.Error(w, e.Message, e.HTTPStatus())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// me is the signed-in person's user id (0 for none).
func me(r *http.Request) int64 {
	a, _ := actor.From(r.Context())
	return a.UserID
}

// canWrite reports whether the person may answer, assign and write notes.
func canWrite(r *http.Request) bool {
	a, ok := actor.From(r.Context())
	return ok && a.Effective().AtLeast(actor.Operator)
}

// replyingLine is who else is typing an answer, in words: "Ann is
// replying…", "Ann and Bo are replying…"; "" for nobody.
func replyingLine(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0] + " is replying…"
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " are replying…"
}
