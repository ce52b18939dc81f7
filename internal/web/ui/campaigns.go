package ui

import "net/http"

// GET /campaigns
func (h *Handler) campaigns(w http.ResponseWriter, r *http.Request) {
	h.shellPage(w, r, "campaigns", &Page{Title: "Campaigns", Nav: "campaigns"})
}
