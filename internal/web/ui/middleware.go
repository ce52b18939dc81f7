package ui

import (
	"net/http"
	"net/url"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/web/auth"
)

const sessionUserKey = "user_id"

// loadUser puts the session's user, if any, into the context. A session
// whose user no longer exists is treated as logged out.
func (h *Handler) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := h.Sessions.GetInt64(r.Context(), sessionUserKey)
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		u, err := h.Users.ByID(r.Context(), id)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				h.renderError(w, r, "error", &Page{Title: "Error"}, err)
				return
			}
			h.Sessions.Remove(r.Context(), sessionUserKey)
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithUser(r.Context(), u)))
	})
}

func (h *Handler) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.UserFrom(r.Context()) != nil {
			next.ServeHTTP(w, r)
			return
		}
		target := "/login"
		if r.Method == http.MethodGet && r.URL.Path != "/" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		redirect(w, r, target)
	})
}

var errAdminOnly = &apperr.Error{
	Code:    "forbidden",
	Message: "Only instance administrators can open this page",
	Hint:    "Ask an administrator if you need access.",
	Status:  http.StatusForbidden,
}

func (h *Handler) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := auth.UserFrom(r.Context()); u == nil || !u.IsAdmin {
			h.renderError(w, r, "error", &Page{Title: "Forbidden"}, errAdminOnly)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// redirect answers a form post or page load with 303, and an htmx request
// with HX-Redirect so the whole page changes rather than one fragment.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext keeps post-login redirects on this site: a local absolute path,
// never "//host" or "/\host" that browsers treat as another origin.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || next[0] != '/' || len(next) > 1 && (next[1] == '/' || next[1] == '\\') ||
		u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}
