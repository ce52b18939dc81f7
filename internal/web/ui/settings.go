package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

type settingsData struct {
	Sessions []store.WebSession
	Current  string // the stored token of the session viewing the page
	Tokens   []store.Token
}

// GET /settings: the password form, the user's sessions and API tokens.
func (h *Handler) showSettings(w http.ResponseWriter, r *http.Request) {
	h.settingsPage(w, r, http.StatusOK, &Page{})
}

// POST /settings/password. Every other session of the user ends: whoever
// knew the old password is logged out.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	user := auth.UserFrom(r.Context())
	current, next := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	keep := storedToken(h.Sessions.Token(r.Context()))
	if err := h.Users.ChangePassword(r.Context(), user.ID, current, next, keep); err != nil {
		h.settingsPage(w, r, 0, &Page{}, err)
		return
	}
	// A new token for this session too: the old one may have been seen.
	if err := h.Sessions.RenewToken(r.Context()); err != nil {
		h.settingsPage(w, r, 0, &Page{}, err)
		return
	}
	h.flash(r, "success", "Your password was changed. Every other session was logged out.")
	redirect(w, r, "/settings")
}

// POST /settings/sessions/{id}/end, id being the session's stored token.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) {
	user := auth.UserFrom(r.Context())
	id := r.PathValue("id")
	if id == storedToken(h.Sessions.Token(r.Context())) {
		h.logout(w, r)
		return
	}
	if err := h.Users.EndSession(r.Context(), user.ID, id); err != nil {
		h.settingsPage(w, r, 0, &Page{}, err)
		return
	}
	h.flash(r, "success", "That session was logged out.")
	redirect(w, r, "/settings")
}

// POST /settings/sessions/end-all: "Log out everywhere", this browser
// included.
func (h *Handler) endAllSessions(w http.ResponseWriter, r *http.Request) {
	user := auth.UserFrom(r.Context())
	if _, err := h.Users.EndSessions(r.Context(), user.ID, ""); err != nil {
		h.settingsPage(w, r, 0, &Page{}, err)
		return
	}
	h.logout(w, r)
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, status int, p *Page, errs ...error) {
	p.Title, p.Nav = "Security", "settings"
	user := auth.UserFrom(r.Context())
	sessions, err := h.Users.Sessions(r.Context(), user.ID)
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	tokens, err := h.Tokens.List(r.Context(), user.ID)
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	p.Data = settingsData{Sessions: sessions, Current: storedToken(h.Sessions.Token(r.Context())), Tokens: tokens}
	if len(errs) > 0 {
		h.renderError(w, r, "settings", p, errs[0])
		return
	}
	h.render(w, r, status, "settings", p)
}
