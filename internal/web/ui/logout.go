package ui

import "net/http"

// POST /logout. The session gets a new token and loses its user rather
// than being destroyed, so the "logged out" message survives the redirect.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.Sessions.RenewToken(r.Context()); err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	h.Sessions.Remove(r.Context(), sessionUserKey)
	h.flash(r, "info", "You have been logged out.")
	redirect(w, r, "/login")
}
