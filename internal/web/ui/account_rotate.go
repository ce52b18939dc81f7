package ui

import (
	"net/http"
	"strings"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/secrets"
)

type rotateData struct {
	accountView
	More fieldErrors
}

// GET /accounts/{id}/rotate — "Regularly rotate credentials": new API ID
// and Hash, then the phone is verified again.
func (h *Handler) showRotate(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if !a.Live() {
		redirect(w, r, nextStep(a.Account))
		return
	}
	h.render(w, r, http.StatusOK, "account_rotate", rotatePage(a, nil, nil))
}

// POST /accounts/{id}/rotate
func (h *Handler) submitRotate(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	in := accounts.RotateInput{APIID: r.PostFormValue("api_id"), APIHash: secrets.Secret(r.PostFormValue("api_hash"))}
	form := map[string]string{"api_id": strings.TrimSpace(in.APIID)}
	if errs := accounts.CheckRotate(in); len(errs) > 0 {
		h.renderError(w, r, "account_rotate", rotatePage(a, form, moreErrors(errs[1:])), errs[0])
		return
	}
	next, err := h.AccountService.Rotate(r.Context(), h.actor(r), a.ID, in)
	if err != nil {
		h.renderError(w, r, "account_rotate", rotatePage(a, form, nil), err)
		return
	}
	redirect(w, r, nextStep(next))
}

func rotatePage(a accountView, form map[string]string, more fieldErrors) *Page {
	return &Page{Title: "Rotate credentials", Nav: "accounts", Form: form, Data: rotateData{a, more}}
}
