package ui

import (
	"net/http"
)

// POST /accounts/{id}/cancel-login — "Discard" an unfinished login (also
// an expired one) from the accounts list, or "Cancel" on its code page.
func (h *Handler) cancelLogin(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if err := h.AccountService.CancelLogin(r.Context(), h.actor(r), a.ID); err != nil {
		h.renderError(w, r, "error", &Page{Title: "Cancel login", Nav: "accounts"}, err)
		return
	}
	h.flash(r, "info", "The unfinished login for "+a.MaskedPhone()+" was discarded.")
	redirect(w, r, "/accounts")
}
