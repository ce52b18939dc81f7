package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/store"
)

type extractionNewData struct {
	Accounts []accounts.Account // live ones
	Account  *accounts.Account  // the chosen one
	Chats    []chatRow
	Query    string
	ChatsErr *apperr.Error
}

// newExtractionPage fills the page for the chosen account (the first live
// one when none is chosen).
func (h *Handler) newExtractionPage(r *http.Request, accountID int64, query string) (*Page, error) {
	all, err := h.AccountService.List(r.Context(), workspaceID(r))
	if err != nil {
		return nil, err
	}
	d := extractionNewData{Query: query}
	for _, a := range all {
		if a.Live() {
			d.Accounts = append(d.Accounts, a)
		}
	}
	for i := range d.Accounts {
		if d.Accounts[i].ID == accountID {
			d.Account = &d.Accounts[i]
		}
	}
	if d.Account == nil && len(d.Accounts) > 0 {
		d.Account = &d.Accounts[0]
	}
	if d.Account != nil {
		chats, err := h.Extract.Chats(r.Context(), workspaceID(r), d.Account.ID, query)
		if e, ok := apperr.As(err); ok {
			d.ChatsErr = e
		} else if err != nil {
			return nil, err
		}
		for _, c := range chats {
			d.Chats = append(d.Chats, chatRow{c})
		}
	}
	return &Page{Title: "New extraction", Nav: "lists", Data: d,
		Form: map[string]string{"account_id": strconv.FormatInt(accountIDOf(d.Account), 10)}}, nil
}

// chatRow is a chat as the table shows it.
type chatRow struct{ store.Chat }

// Members is the member count with thousands separators.
func (c chatRow) Members() string { return extract.Thousands(c.MembersCount) }

func accountIDOf(a *accounts.Account) int64 {
	if a == nil {
		return 0
	}
	return a.ID
}

// GET /extractions/new — pick an account, then one of its chats (searchable
// and refreshable), or paste a @username or t.me link.
func (h *Handler) showNewExtraction(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.URL.Query().Get("account"), 10, 64)
	p, err := h.newExtractionPage(r, id, strings.TrimSpace(r.URL.Query().Get("q")))
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error", Nav: "lists"}, err)
		return
	}
	h.render(w, r, http.StatusOK, "extraction_new", p)
}

// POST /extractions/chats/refresh — ask Telegram for the account's chats again.
func (h *Handler) refreshChats(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.FormValue("account_id"), 10, 64)
	if _, err := h.Extract.RefreshChats(r.Context(), workspaceID(r), id); err != nil {
		p, perr := h.newExtractionPage(r, id, "")
		if perr != nil {
			h.renderError(w, r, "error", &Page{Title: "Error", Nav: "lists"}, perr)
			return
		}
		h.renderError(w, r, "extraction_new", p, err)
		return
	}
	h.flash(r, "success", "Chats refreshed from Telegram.")
	redirect(w, r, "/extractions/new?account="+strconv.FormatInt(id, 10))
}

// POST /extractions — start one.
func (h *Handler) startExtraction(w http.ResponseWriter, r *http.Request) {
	accountID, _ := strconv.ParseInt(r.FormValue("account_id"), 10, 64)
	chatID, _ := strconv.ParseInt(r.FormValue("chat_id"), 10, 64)
	in := extract.StartInput{
		AccountID: accountID, ChatID: chatID, Chat: r.FormValue("chat"), Search: r.FormValue("search"), IP: clientIP(r),
	}
	x, err := h.Extract.Start(accounts.WithIP(r.Context(), clientIP(r)), workspaceID(r), in)
	if err != nil {
		p, perr := h.newExtractionPage(r, accountID, "")
		if perr != nil {
			h.renderError(w, r, "error", &Page{Title: "Error", Nav: "lists"}, perr)
			return
		}
		p.Form["chat"], p.Form["search"] = in.Chat, in.Search
		h.renderError(w, r, "extraction_new", p, err)
		return
	}
	redirect(w, r, "/extractions/"+strconv.FormatInt(x.ID, 10))
}
