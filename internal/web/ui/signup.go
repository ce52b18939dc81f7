package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// GET /signup
func (h *Handler) showSignup(w http.ResponseWriter, r *http.Request) {
	if auth.UserFrom(r.Context()) != nil {
		redirect(w, r, "/")
		return
	}
	if !h.Users.SignupOpen() {
		h.renderError(w, r, "login", &Page{Title: "Log in"}, users.ErrSignupClosed)
		return
	}
	h.render(w, r, http.StatusOK, "signup", &Page{Title: "Sign up", Data: signupData{}})
}

type signupData struct {
	More fieldErrors
}

// POST /signup
func (h *Handler) submitSignup(w http.ResponseWriter, r *http.Request) {
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	page := &Page{Title: "Sign up", Form: map[string]string{"email": email}, Data: signupData{}}
	u, err := h.Users.SignUpFrom(r.Context(), email, password, clientIP(r))
	if err != nil {
		if err == users.ErrSignupClosed {
			h.renderError(w, r, "login", &Page{Title: "Log in"}, err)
			return
		}
		// Users stops at a bad email; a short password is shown with it
		// rather than on the next round trip.
		if e, ok := apperr.As(err); ok && e.Field == "email" {
			if perr := users.ValidatePassword(password); perr != nil {
				page.Data = signupData{More: fieldErrors{"password": perr}}
			}
		}
		h.renderError(w, r, "signup", page, err)
		return
	}
	if err := h.Sessions.RenewToken(r.Context()); err != nil {
		h.renderError(w, r, "signup", page, err)
		return
	}
	h.Sessions.Put(r.Context(), sessionUserKey, u.ID)
	h.flash(r, "success", "Welcome to Telegramate! Your account is ready.")
	redirect(w, r, "/")
}
