package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/extract"
)

type memberListsData struct {
	Accounts int // connected accounts (none: point at connecting one)
	Lists    []listRow
	// OlderURL and NewestURL page through the lists.
	OlderURL, NewestURL template.URL
}

// listsPerPage is how many lists a page shows (the merge form merges
// lists of one page).
const listsPerPage = 50

var errBadListsLink = &apperr.Error{Code: apperr.CodeValidation, Message: "This page link is not one the member lists made",
	Hint: "Start again from the newest lists.", Status: http.StatusUnprocessableEntity}

type listRow struct {
	extract.ListInfo
	Progress *progressView
}

// Count is the member count with thousands separators.
func (l listRow) Count() string { return extract.Thousands(l.MemberCount) }

// GET /member-lists[?before=cursor] — a page of lists, with its extraction's state, and the
// merge form.
func (h *Handler) memberLists(w http.ResponseWriter, r *http.Request) {
	d, err := h.memberListsData(r)
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error", Nav: "lists"}, err)
		return
	}
	h.render(w, r, http.StatusOK, "member_lists", &Page{Title: "Member lists", Nav: "lists", Data: d})
}

func (h *Handler) memberListsData(r *http.Request) (memberListsData, error) {
	n, err := h.AccountService.ConnectedAccounts(r.Context(), workspaceID(r))
	if err != nil {
		return memberListsData{}, err
	}
	d := memberListsData{Accounts: n}
	var before string
	if r.Method == http.MethodGet {
		before = r.URL.Query().Get("before")
	}
	lists, next, err := h.Extract.ListsPage(r.Context(), workspaceID(r), before, listsPerPage)
	if e, ok := apperr.As(err); ok && e.Field == "cursor" {
		return memberListsData{}, errBadListsLink
	}
	if err != nil {
		return memberListsData{}, err
	}
	if next != "" {
		d.OlderURL = template.URL("/member-lists?before=" + url.QueryEscape(next))
	}
	if before != "" {
		d.NewestURL = "/member-lists"
	}
	for _, l := range lists {
		row := listRow{ListInfo: l}
		if l.Extraction != nil {
			v := viewProgress(*l.Extraction)
			row.Progress = &v
		}
		d.Lists = append(d.Lists, row)
	}
	return d, nil
}

// POST /member-lists/merge — an audience from several lists.
func (h *Handler) mergeLists(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error", Nav: "lists"}, err)
		return
	}
	var ids []int64
	for _, s := range r.PostForm["list"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	l, err := h.Extract.Merge(r.Context(), workspaceID(r), r.PostFormValue("name"), ids)
	if err != nil {
		d, derr := h.memberListsData(r)
		if derr != nil {
			h.renderError(w, r, "error", &Page{Title: "Error", Nav: "lists"}, derr)
			return
		}
		h.renderError(w, r, "member_lists", &Page{Title: "Member lists", Nav: "lists", Data: d,
			Form: map[string]string{"name": r.PostFormValue("name")}}, err)
		return
	}
	h.flash(r, "success", "Merged into “"+l.Name+"”: "+extract.Thousands(l.MemberCount)+" people, each once.")
	redirect(w, r, "/member-lists/"+strconv.FormatInt(l.ID, 10))
}

// POST /member-lists/{id}/delete
func (h *Handler) deleteList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Member list")
	if err == nil {
		err = h.Extract.Delete(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Delete list", Nav: "lists"}, err)
		return
	}
	h.flash(r, "success", "List deleted.")
	redirect(w, r, "/member-lists")
}
