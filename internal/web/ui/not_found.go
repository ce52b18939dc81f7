package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/apperr"
)

// Any path no other route matches.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	e := apperr.NotFound("Page")
	e.Hint = "The link may be old or mistyped."
	h.renderError(w, r, "error", &Page{Title: "Page not found"}, e)
}
