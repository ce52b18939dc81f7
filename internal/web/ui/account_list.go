package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/accounts"
)

type accountListData struct {
	Live         []accountView // connected, whatever their health
	Pending      []accountView // logins waiting for their code or password
	Expired      []accountView // logins that ran out of time, until discarded or pruned
	Stopped      []accountView // logins stopped after too many wrong codes or passwords
	Disconnected []accountView
}

// GET /accounts
func (h *Handler) accountList(w http.ResponseWriter, r *http.Request) {
	var d accountListData
	if h.AccountService != nil {
		list, err := h.AccountService.List(r.Context(), workspaceID(r))
		if err != nil {
			h.renderError(w, r, "error", &Page{Title: "Error"}, err)
			return
		}
		for _, a := range list {
			v := viewOf(a)
			switch {
			case a.Live():
				d.Live = append(d.Live, v)
			case a.Login != nil && a.Login.State == accounts.LoginEnded:
				d.Stopped = append(d.Stopped, v)
			case a.Login != nil && a.Login.State == accounts.LoginExpired:
				d.Expired = append(d.Expired, v)
			case a.Login != nil:
				d.Pending = append(d.Pending, v)
			default:
				d.Disconnected = append(d.Disconnected, v)
			}
		}
	}
	h.render(w, r, http.StatusOK, "account_list", &Page{Title: "Telegram accounts", Nav: "accounts", Data: d})
}
