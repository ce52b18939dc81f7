package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/secrets"
)

// GET /accounts/{id}/password — "Complete 2FA (If Enabled)", with the
// account's password hint.
func (h *Handler) showPassword(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if a.Step() != accounts.LoginPasswordNeeded {
		redirect(w, r, nextStep(a.Account))
		return
	}
	h.render(w, r, http.StatusOK, "account_password", passwordPage(a))
}

// POST /accounts/{id}/password
func (h *Handler) submitPassword(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	next, err := h.AccountService.SubmitPassword(r.Context(), h.actor(r), a.ID, secrets.Secret(r.PostFormValue("password")))
	if err != nil {
		h.loginStepError(w, r, "account_password", passwordPage(a), a, err)
		return
	}
	h.flash(r, "success", connectedMessage(a, next))
	redirect(w, r, nextStep(next))
}

func passwordPage(a accountView) *Page {
	return &Page{Title: "Two-step verification", Nav: "accounts", Data: a}
}
