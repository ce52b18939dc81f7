package ui

import (
	"net/http"
	"time"

	"github.com/telegramate/telegramate/internal/store"
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
	if _, err := h.logIn(w, r, email, password); err != nil {
		h.renderError(w, r, "login", page, err)
		return
	}
	redirect(w, r, safeNext(r.URL.Query().Get("next")))
}

// logIn checks the credentials and starts the session (the log-in form's
// work, and the invitation page's).
func (h *Handler) logIn(w http.ResponseWriter, r *http.Request, email, password string) (store.User, error) {
	var device string
	if c, err := r.Cookie(deviceCookie); err == nil {
		device = c.Value
	}
	u, newDevice, err := h.Users.LogIn(r.Context(), email, password, clientIP(r), device)
	if err != nil {
		return u, err
	}
	if newDevice != "" {
		// Remembers that this browser logged in as this user, so that
		// strangers' failed log-ins for the email never lock it out.
		http.SetCookie(w, &http.Cookie{
			Name: deviceCookie, Value: newDevice, Path: "/login", MaxAge: int(deviceLifetime / time.Second),
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: h.Sessions.Cookie.Secure,
		})
	}
	// A new token on privilege change stops session fixation.
	if err := h.Sessions.RenewToken(r.Context()); err != nil {
		return u, err
	}
	h.Sessions.Put(r.Context(), sessionUserKey, u.ID)
	return u, nil
}

const (
	deviceCookie   = "telegramate_device"
	deviceLifetime = 365 * 24 * time.Hour
)

// nextParam is the page to return to after logging in, if it is local.
func nextParam(r *http.Request) string {
	if n := r.URL.Query().Get("next"); safeNext(n) == n {
		return n
	}
	return ""
}

// clientIP is the client's address as the web layer worked it out once
// for the request (behind a trusted reverse proxy, from X-Forwarded-For).
func clientIP(r *http.Request) string { return auth.ClientIP(r.Context(), r.RemoteAddr) }
