package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/accounts"
)

// GET /accounts/{id}/disconnect — what disconnecting does, before doing it.
func (h *Handler) showDisconnect(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if a.Status == accounts.StatusDisconnected {
		redirect(w, r, "/accounts")
		return
	}
	h.render(w, r, http.StatusOK, "account_disconnect", &Page{Title: "Disconnect", Nav: "accounts", Data: a})
}

// POST /accounts/{id}/disconnect — auth.logOut, then the stored secrets are
// deleted. For a login in progress: cancel it.
func (h *Handler) submitDisconnect(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	res, err := h.AccountService.Disconnect(r.Context(), h.actor(r), a.ID)
	switch {
	case err != nil:
		h.renderError(w, r, "account_disconnect", &Page{Title: "Disconnect", Nav: "accounts", Data: a}, err)
		return
	case a.Status == accounts.StatusPending:
		h.flash(r, "info", "The login was cancelled.")
	case !res.LoggedOut:
		h.flash(r, "warning", a.Name+" is disconnected and its stored credentials are deleted, but Telegram could not be reached to end the session. End “Telegramate” under Settings → Devices in a Telegram app.")
	default:
		h.flash(r, "success", a.Name+" is disconnected: its session was logged out at Telegram and its stored credentials deleted.")
	}
	redirect(w, r, "/accounts")
}
