package ui

import (
	"fmt"
	"net/http"

	"github.com/telegramate/telegramate/internal/accounts"
)

type shellData struct {
	Accounts int // connected Telegram accounts; 0 shows the yellow alert
	// Waiting are first logins still waiting for their code or password,
	// which the yellow alert offers to continue.
	Waiting []accountView
}

func (h *Handler) shell(r *http.Request) (shellData, error) {
	n, err := h.AccountService.ConnectedAccounts(r.Context(), workspaceID(r))
	return shellData{Accounts: n}, err
}

// dashboardData is the dashboard: its counters and the getting-started
// steps, each of which leads to the next thing to do until it is done.
type dashboardData struct {
	shellData
	MemberLists int
	// Extracted is true once a member list holds a finished extraction (or
	// a merge): the "Extract members" step is done.
	Extracted bool
	// ExtractHref starts an extraction with the first connected account
	// chosen; "" while none is connected.
	ExtractHref string

	// The campaign domain fills these: its counters, whether a campaign was
	// sent (the last step's "Done"), and where "Send a campaign" leads
	// ("" hides the button until campaigns exist).
	Campaigns    int
	Suppressed   int
	CampaignSent bool
	CampaignHref string

	// The inbox fills these: unread conversations, and the newest of them.
	HasInbox            bool
	Unread              int
	UnreadConversations []conversationRow
}

// GET /
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	d, err := h.dashboardData(r)
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	h.render(w, r, http.StatusOK, "dashboard", &Page{Title: "Dashboard", Data: d})
}

func (h *Handler) dashboardData(r *http.Request) (dashboardData, error) {
	var d dashboardData
	uid := workspaceID(r)
	list, err := h.AccountService.List(r.Context(), uid)
	if err != nil {
		return d, err
	}
	for _, a := range list {
		if a.Live() {
			d.Accounts++
			if d.ExtractHref == "" {
				d.ExtractHref = fmt.Sprintf("/extractions/new?account=%d", a.ID)
			}
		}
	}
	if d.Accounts == 0 {
		d.Waiting = waitingLogins(list)
	}
	lists, ready, err := h.Extract.ListCounts(r.Context(), uid)
	if err != nil {
		return d, err
	}
	d.MemberLists, d.Extracted = lists, ready > 0
	if h.Campaigns != nil {
		if err = h.campaignCounters(r, uid, &d); err != nil {
			return d, err
		}
	}
	if h.Inbox != nil {
		d.HasInbox = true
		err = h.inboxCounters(r, uid, &d)
	}
	return d, err
}

// waitingLogins are the unfinished first logins among the user's accounts
// that have not expired, newest first.
func waitingLogins(list []accounts.Account) []accountView {
	var out []accountView
	for i := len(list) - 1; i >= 0; i-- {
		if a := list[i]; a.Status == accounts.StatusPending && a.Login != nil && a.Login.State != accounts.LoginExpired && a.Login.State != accounts.LoginEnded {
			out = append(out, viewOf(a))
		}
	}
	return out
}

// Next is the page where the login continues.
func (v accountView) Next() string { return nextStep(v.Account) }
