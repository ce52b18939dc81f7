package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/web/auth"
)

type tokensData struct {
	Tokens []store.Token
	// OlderURL and NewestURL page through the tokens.
	OlderURL, NewestURL template.URL
	NewToken            secrets.Secret // shown once, right after creation
	NewTokenName        string
}

// tokensPerPage is how many tokens a page shows, revoked ones included.
const tokensPerPage = 50

// GET /tokens[?before=cursor]
func (h *Handler) listTokens(w http.ResponseWriter, r *http.Request) {
	h.tokensPage(w, r, http.StatusOK, &Page{}, tokensData{})
}

// POST /tokens. The new token is rendered in the response instead of
// redirecting, so its value never sits in the session store.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	user := auth.UserFrom(r.Context())
	name, expires, readOnly := r.PostFormValue("name"), r.PostFormValue("expires_days"), r.PostFormValue("read_only") != ""
	form := map[string]string{"name": name, "expires_days": expires}
	if readOnly {
		form["read_only"] = "on"
	}
	validFor, err := expiryDays(expires)
	if err != nil {
		h.tokensPage(w, r, 0, &Page{Form: form}, tokensData{}, err)
		return
	}
	plain, t, err := h.Tokens.CreateIn(r.Context(), tokens.NewToken{
		UserID: user.ID, WorkspaceID: workspaceID(r), Name: name, ValidFor: validFor, ReadOnly: readOnly,
	})
	if err != nil {
		h.tokensPage(w, r, 0, &Page{Form: form}, tokensData{}, err)
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
	var before string
	if r.Method == http.MethodGet {
		before = r.URL.Query().Get("before")
	}
	list, next, err := h.Tokens.Page(r.Context(), auth.UserFrom(r.Context()).ID, before, tokensPerPage)
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	d.Tokens = list
	if next != "" {
		d.OlderURL = template.URL("/tokens?before=" + url.QueryEscape(next))
	}
	if before != "" {
		d.NewestURL = "/tokens"
	}
	p.Data = d
	if len(errs) > 0 {
		h.renderError(w, r, "tokens", p, errs[0])
		return
	}
	h.render(w, r, status, "tokens", p)
}

// expiryDays reads the form's "expires in N days" ("" or 0: never).
func expiryDays(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 3650 {
		return 0, apperr.Validation("expires_days", "Enter the number of days the token works, 1 to 3650, or leave it empty for no expiry")
	}
	return time.Duration(n) * 24 * time.Hour, nil
}

// expired says whether a token is past its expiry, for the list.
func expired(t store.Token) bool { return !t.ExpiresAt.IsZero() && !time.Now().Before(t.ExpiresAt) }
