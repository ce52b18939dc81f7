package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/web/auth"
)

type shellData struct {
	Accounts int // connected Telegram accounts; 0 shows the yellow alert
	// Waiting are first logins still waiting for their code or password,
	// which the yellow alert offers to continue.
	Waiting []accountView
}

func (h *Handler) shell(r *http.Request) (shellData, error) {
	n, err := h.AccountService.ConnectedAccounts(r.Context(), auth.UserFrom(r.Context()).ID)
	return shellData{Accounts: n}, err
}

// GET /
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	d, err := h.shell(r)
	if err == nil && d.Accounts == 0 {
		d.Waiting, err = h.waitingLogins(r)
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	h.render(w, r, http.StatusOK, "dashboard", &Page{Title: "Dashboard", Data: d})
}

// waitingLogins are the user's unfinished first logins that have not
// expired, newest first.
func (h *Handler) waitingLogins(r *http.Request) ([]accountView, error) {
	list, err := h.AccountService.List(r.Context(), auth.UserFrom(r.Context()).ID)
	if err != nil {
		return nil, err
	}
	var out []accountView
	for i := len(list) - 1; i >= 0; i-- {
		if a := list[i]; a.Status == accounts.StatusPending && a.Login != nil && a.Login.State != accounts.LoginExpired {
			out = append(out, viewOf(a))
		}
	}
	return out, nil
}

// Next is the page where the login continues.
func (v accountView) Next() string { return nextStep(v.Account) }

// shellPage renders a page whose only data is the shell's.
func (h *Handler) shellPage(w http.ResponseWriter, r *http.Request, name string, p *Page) {
	d, err := h.shell(r)
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	p.Data = d
	h.render(w, r, http.StatusOK, name, p)
}
