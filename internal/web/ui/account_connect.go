package ui

import (
	"net/http"
	"strings"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/secrets"
)

type connectData struct {
	More fieldErrors
}

// GET /accounts/connect — the help article's "Enter your credentials" and
// "Verify your phone number", with its how-to and security advice.
func (h *Handler) showConnect(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "account_connect", connectPage(nil, connectData{}))
}

// POST /accounts/connect
func (h *Handler) submitConnect(w http.ResponseWriter, r *http.Request) {
	in := accounts.ConnectInput{
		APIID:   r.PostFormValue("api_id"),
		APIHash: secrets.Secret(r.PostFormValue("api_hash")),
		Phone:   r.PostFormValue("phone"),
	}
	// The hash is not sent back: a mistake in it means typing it again.
	form := map[string]string{"api_id": strings.TrimSpace(in.APIID), "phone": strings.TrimSpace(in.Phone)}
	if errs := accounts.CheckConnect(in); len(errs) > 0 {
		h.renderError(w, r, "account_connect", connectPage(form, connectData{More: moreErrors(errs[1:])}), errs[0])
		return
	}
	acct, err := h.AccountService.Start(r.Context(), h.actor(r), in)
	if err != nil {
		h.renderError(w, r, "account_connect", connectPage(form, connectData{}), err)
		return
	}
	redirect(w, r, nextStep(acct))
}

func connectPage(form map[string]string, d connectData) *Page {
	return &Page{Title: "Connect a Telegram account", Nav: "accounts", Form: form, Data: d}
}
