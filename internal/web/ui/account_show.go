package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/accounts"
)

type accountShowData struct {
	accountView
	Activity []accounts.Activity
	// CampaignHref is where "Send a campaign" leads from this account; the
	// campaign domain fills it ("" hides the button until campaigns exist).
	CampaignHref string
}

// GET /accounts/{id} — the account, its health, what to do about it, and
// its activity log ("Monitor account activity").
func (h *Handler) showAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if a.Status == accounts.StatusPending {
		redirect(w, r, nextStep(a.Account))
		return
	}
	log, err := h.AccountService.Activity(r.Context(), a.UserID, a.ID)
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	h.render(w, r, http.StatusOK, "account_show", &Page{Title: a.Name, Nav: "accounts", Data: accountShowData{accountView: a, Activity: log}})
}

// POST /accounts/{id}/reset-limit — a person says Telegram lifted the
// PEER_FLOOD limit.
func (h *Handler) resetLimit(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	ctx := accounts.WithIP(r.Context(), clientIP(r))
	if err := h.AccountService.ResetLimited(ctx, workspaceID(r), a.ID); err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	h.flash(r, "success", "The account is active again. If Telegram limits it again, it stops again.")
	redirect(w, r, nextStep(a.Account))
}

// POST /accounts/{id}/relogin — a new login with the stored credentials.
func (h *Handler) relogin(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	next, err := h.AccountService.Relogin(r.Context(), h.actor(r), a.ID)
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Log in again", Nav: "accounts"}, err)
		return
	}
	redirect(w, r, nextStep(next))
}
