package ui

import (
	"net"
	"net/http"

	"github.com/telegramate/telegramate/internal/web/auth"
)

// GET /login
func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request) {
	if auth.UserFrom(r.Context()) != nil {
		redirect(w, r, "/")
		return
	}
	h.render(w, r, http.StatusOK, "login", &Page{Title: "Log in", Data: nextParam(r)})
}

// POST /login
func (h *Handler) submitLogin(w http.ResponseWriter, r *http.Request) {
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	page := &Page{Title: "Log in", Form: map[string]string{"email": email}, Data: nextParam(r)}
	u, err := h.Users.Authenticate(r.Context(), email, password, clientIP(r))
	if err != nil {
		h.renderError(w, r, "login", page, err)
		return
	}
	// A new token on privilege change stops session fixation.
	if err := h.Sessions.RenewToken(r.Context()); err != nil {
		h.renderError(w, r, "login", page, err)
		return
	}
	h.Sessions.Put(r.Context(), sessionUserKey, u.ID)
	redirect(w, r, safeNext(r.URL.Query().Get("next")))
}

// nextParam is the page to return to after logging in, if it is local.
func nextParam(r *http.Request) string {
	if n := r.URL.Query().Get("next"); safeNext(n) == n {
		return n
	}
	return ""
}

// clientIP is the peer address. Behind a reverse proxy every client shares
// the proxy's address, which the per-IP throttle allows for with a higher
// limit than the per-email one.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
