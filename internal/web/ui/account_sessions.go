package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
)

type sessionsData struct {
	accountView
	Sessions []accounts.Session
	// ListedAt is when Telegram gave the list.
	ListedAt time.Time
}

// sessionsMaxAge is how long the page shows Telegram's last list before it
// asks again; its Refresh button asks at once.
const sessionsMaxAge = time.Minute

// GET /accounts/{id}/sessions[?refresh=1] — the account's logged-in devices
// (account.getAuthorizations), to spot ones the owner does not know.
func (h *Handler) showSessions(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	maxAge := sessionsMaxAge
	if r.URL.Query().Has("refresh") {
		maxAge = 0
	}
	list, at, err := h.AccountService.RecentSessions(r.Context(), h.actor(r), a.ID, maxAge)
	p := &Page{Title: "Active sessions", Nav: "accounts", Data: sessionsData{accountView: a, Sessions: list, ListedAt: at}}
	if err != nil {
		h.renderError(w, r, "account_sessions", p, err)
		return
	}
	h.render(w, r, http.StatusOK, "account_sessions", p)
}

// POST /accounts/{id}/sessions/{hash}/terminate (account.resetAuthorization)
func (h *Handler) terminateSession(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	hash, err := strconv.ParseInt(r.PathValue("hash"), 10, 64)
	if err == nil {
		err = h.AccountService.TerminateSession(r.Context(), h.actor(r), a.ID, hash)
	} else {
		err = apperr.NotFound("Session")
	}
	if err != nil {
		h.renderError(w, r, "account_sessions", &Page{Title: "Active sessions", Nav: "accounts", Data: sessionsData{accountView: a}}, err)
		return
	}
	h.flash(r, "success", "The session was terminated: that device is logged out of the Telegram account.")
	redirect(w, r, "/accounts/"+strconv.FormatInt(a.ID, 10)+"/sessions")
}
