package ui

import (
	"fmt"
	"net/http"
)

// POST /accounts/{id}/cancel-login — "Discard" an unfinished login (also
// an expired one) from the accounts list, or "Cancel" on its code or
// password page; for a rotation or re-login the account stays as it was.
func (h *Handler) cancelLogin(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if err := h.AccountService.CancelLogin(r.Context(), h.actor(r), a.ID); err != nil {
		h.renderError(w, r, "error", &Page{Title: "Cancel login", Nav: "accounts"}, err)
		return
	}
	if a.Renewal() {
		h.flash(r, "info", "The login was cancelled. "+a.Name+" keeps its current credentials and session.")
		redirect(w, r, fmt.Sprintf("/accounts/%d", a.ID))
		return
	}
	h.flash(r, "info", "The unfinished login for "+a.MaskedPhone()+" was discarded.")
	redirect(w, r, "/accounts")
}
