package ui

import (
	"fmt"
	"net/http"

	"github.com/telegramate/telegramate/internal/accounts"
)

// GET /accounts/{id}/code — "Enter … the verification code sent by
// Telegram", where it went, when it expires, and "Resend code".
func (h *Handler) showCode(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if a.Step() == accounts.LoginPasswordNeeded || a.Login == nil {
		redirect(w, r, nextStep(a.Account))
		return
	}
	p := codePage(a)
	if a.Step() == accounts.LoginEnded {
		// The stopped login's attempts, which its message asks the person
		// to check: a pending account has no account page of its own.
		log, err := h.AccountService.Activity(r.Context(), a.UserID, a.ID)
		if err != nil {
			h.renderError(w, r, "error", &Page{Title: "Error"}, err)
			return
		}
		p.Data = endedLogin{accountView: a, Activity: log}
	}
	h.render(w, r, http.StatusOK, "account_code", p)
}

// endedLogin is the code page of a login stopped after too many wrong
// codes or passwords, with the attempts that stopped it.
type endedLogin struct {
	accountView
	Activity []accounts.Activity
}

// POST /accounts/{id}/code
func (h *Handler) submitCode(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	next, err := h.AccountService.SubmitCode(r.Context(), h.actor(r), a.ID, r.PostFormValue("code"))
	if err != nil {
		h.loginStepError(w, r, "account_code", codePage(a), a, err)
		return
	}
	if next.Step() == accounts.StatusActive {
		h.flash(r, "success", connectedMessage(a, next))
	}
	redirect(w, r, nextStep(next))
}

// POST /accounts/{id}/resend-code
func (h *Handler) resendCode(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	next, err := h.AccountService.ResendCode(r.Context(), h.actor(r), a.ID)
	if err != nil {
		h.loginStepError(w, r, "account_code", codePage(a), a, err)
		return
	}
	h.flash(r, "info", "Telegram is sending the code again "+viewOf(next).CodeWhere()+".")
	redirect(w, r, nextStep(next))
}

func codePage(a accountView) *Page {
	return &Page{Title: "Enter the code", Nav: "accounts", Data: a}
}

// loginStepError shows a login step's error on its page. An expired login
// is shown as such (the page offers to start again); a stopped one leads
// to its code page, which says why it stopped.
func (h *Handler) loginStepError(w http.ResponseWriter, r *http.Request, name string, p *Page, a accountView, err error) {
	if fresh, gerr := h.AccountService.Get(r.Context(), a.UserID, a.ID); gerr == nil {
		if fresh.Step() == accounts.LoginEnded {
			// One page says it, with the attempts: not this error above a
			// page that no longer has a form.
			redirect(w, r, nextStep(fresh))
			return
		}
		p.Data = viewOf(fresh)
	}
	h.renderError(w, r, name, p, err)
}

func connectedMessage(before accountView, after accounts.Account) string {
	v := viewOf(after)
	switch {
	case !before.Renewal():
		return fmt.Sprintf("%s is connected. Telegramate can now work through this account.", v.Name)
	case before.Login != nil && before.Login.APIID != before.APIID:
		return fmt.Sprintf("Credentials rotated: %s now uses API ID %d, and its previous session was logged out.", v.Name, after.APIID)
	}
	return fmt.Sprintf("%s is logged in again.", v.Name)
}
