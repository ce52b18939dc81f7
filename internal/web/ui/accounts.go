package ui

import "net/http"

// GET /accounts — until the accounts domain lands, an empty state that
// leads to /accounts/connect.
func (h *Handler) accounts(w http.ResponseWriter, r *http.Request) {
	h.shellPage(w, r, "accounts", &Page{Title: "Accounts", Nav: "accounts"})
}

// GET /accounts/connect — the steps of the help article; the form itself
// arrives with the accounts domain.
func (h *Handler) accountConnect(w http.ResponseWriter, r *http.Request) {
	h.shellPage(w, r, "account_connect", &Page{Title: "Connect a Telegram account", Nav: "accounts"})
}
