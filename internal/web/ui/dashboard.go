package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/web/auth"
)

type shellData struct {
	Accounts int // connected Telegram accounts; 0 shows the yellow alert
}

func (h *Handler) shell(r *http.Request) (shellData, error) {
	n, err := h.connectedAccounts(r.Context(), auth.UserFrom(r.Context()).ID)
	return shellData{Accounts: n}, err
}

// GET /
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	h.shellPage(w, r, "dashboard", &Page{Title: "Dashboard"})
}

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
