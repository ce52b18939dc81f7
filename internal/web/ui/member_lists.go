package ui

import "net/http"

// GET /member-lists
func (h *Handler) memberLists(w http.ResponseWriter, r *http.Request) {
	h.shellPage(w, r, "member_lists", &Page{Title: "Member lists", Nav: "lists"})
}
