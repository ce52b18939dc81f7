package ui

import (
	"net/http"
	"strconv"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

type tokensData struct {
	Tokens       []store.Token
	NewToken     secrets.Secret // shown once, right after creation
	NewTokenName string
}

// GET /tokens
func (h *Handler) listTokens(w http.ResponseWriter, r *http.Request) {
	h.tokensPage(w, r, http.StatusOK, &Page{}, tokensData{})
}

// POST /tokens. The new token is rendered in the response instead of
// redirecting, so its value never sits in the session store.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	user := auth.UserFrom(r.Context())
	name := r.PostFormValue("name")
	plain, t, err := h.Tokens.Create(r.Context(), user.ID, name)
	if err != nil {
		h.tokensPage(w, r, 0, &Page{Form: map[string]string{"name": name}}, tokensData{}, err)
		return
	}
	h.tokensPage(w, r, http.StatusCreated, &Page{}, tokensData{NewToken: plain, NewTokenName: t.Name})
}

// POST /tokens/{id}/revoke
func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	user := auth.UserFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		err = h.Tokens.Revoke(r.Context(), user.ID, id)
	} else {
		err = apperr.NotFound("Token")
	}
	if err != nil {
		h.tokensPage(w, r, 0, &Page{}, tokensData{}, err)
		return
	}
	h.flash(r, "success", "The token was revoked. Requests using it are now refused.")
	redirect(w, r, "/tokens")
}

func (h *Handler) tokensPage(w http.ResponseWriter, r *http.Request, status int, p *Page, d tokensData, errs ...error) {
	p.Title, p.Nav = "API tokens", "tokens"
	list, err := h.Tokens.List(r.Context(), auth.UserFrom(r.Context()).ID)
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	d.Tokens = list
	p.Data = d
	if len(errs) > 0 {
		h.renderError(w, r, "tokens", p, errs[0])
		return
	}
	h.render(w, r, status, "tokens", p)
}
