package ui

import "net/http"

// GET /suppressions
func (h *Handler) suppressions(w http.ResponseWriter, r *http.Request) {
	h.shellPage(w, r, "suppressions", &Page{Title: "Suppressions", Nav: "suppressions"})
}
