package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/apperr"
)

// /admin/jobs — River's UI, for instance admins (the route is wrapped in
// requireAdmin).
func (h *Handler) jobs(w http.ResponseWriter, r *http.Request) {
	if h.JobsUI == nil {
		h.renderError(w, r, "error", &Page{Title: "Background jobs"}, &apperr.Error{
			Code: "unavailable", Message: "The job dashboard is not available", Status: http.StatusServiceUnavailable,
		})
		return
	}
	h.JobsUI.ServeHTTP(w, r)
}
