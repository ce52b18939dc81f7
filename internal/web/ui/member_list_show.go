package ui

import (
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/store"
)

const membersPerPage = 50

type memberListData struct {
	extract.ListInfo
	Progress *progressView
	Page     extract.MemberPage
	Rows     []memberRow
	Filter   url.Values // the view's parameters (without the page cursor and bad ones)
	Asked    url.Values // the parameters as the link gave them
	First    bool       // on the first page
	// At is the position of the page's first member in the view (0 for the
	// first page), -1 when the link did not say (an older link).
	At int
	// Prev is the cursor of the previous page ("" for the first).
	Prev string
	Sort string
	Desc bool
}

// Flag reports whether a filter checkbox is on.
func (d *memberListData) Flag(name string) bool {
	on, _ := extract.ParseFlag(d.Filter.Get(name))
	return on
}

// SearchText is the search as typed, kept in its box even when it was
// refused, so it can be corrected.
func (d *memberListData) SearchText() string {
	if v := d.Filter.Get(extract.ParamSearch); v != "" {
		return v
	}
	return d.Asked.Get(extract.ParamSearch)
}

// Total is the filtered count with thousands separators.
func (d *memberListData) Total() string { return extract.Thousands(d.Page.Total) }

// Count is the list's size with thousands separators.
func (d *memberListData) Count() string { return extract.Thousands(d.MemberCount) }

// Filtered reports whether any filter narrows the view.
func (d *memberListData) Filtered() bool {
	for k := range d.Filter {
		if k != extract.ParamSort && k != extract.ParamOrder && d.Filter.Get(k) != "" {
			return true
		}
	}
	return false
}

func (d *memberListData) link(path string, extra url.Values) template.URL {
	v := url.Values{}
	for k, vs := range d.Filter {
		if len(vs) > 0 && vs[0] != "" {
			v[k] = vs
		}
	}
	for k, vs := range extra {
		v[k] = vs
	}
	u := path
	if q := v.Encode(); q != "" {
		u += "?" + q
	}
	return template.URL(u) // built from url.Values: escaped already
}

// ExportURL downloads the filtered view in format.
func (d *memberListData) ExportURL(format string) template.URL {
	return d.link(fmt.Sprintf("/member-lists/%d/export", d.ID), url.Values{"format": {format}})
}

// NextURL is the next page of the view.
func (d *memberListData) NextURL() template.URL {
	v := url.Values{"after": {d.Page.Next}}
	if d.At >= 0 {
		v.Set("at", strconv.Itoa(d.At+len(d.Rows)))
	}
	return d.link(fmt.Sprintf("/member-lists/%d", d.ID), v)
}

// PrevURL is the previous page of the view; "" when its position is not
// known (the page offers the first page instead).
func (d *memberListData) PrevURL() template.URL {
	switch {
	case d.At < 0:
		return ""
	case d.Prev == "":
		return d.FirstURL()
	}
	return d.link(fmt.Sprintf("/member-lists/%d", d.ID), url.Values{"after": {d.Prev}, "at": {strconv.Itoa(d.At - membersPerPage)}})
}

// Range is where the page sits in the view, "51–100 of 306"; without a
// known position only the total.
func (d *memberListData) Range() string {
	total := extract.Thousands(d.Page.Total)
	if d.At < 0 || len(d.Rows) == 0 {
		return total + " in all"
	}
	return fmt.Sprintf("%s–%s of %s", extract.Thousands(d.At+1), extract.Thousands(d.At+len(d.Rows)), total)
}

// FirstURL is the view's first page.
func (d *memberListData) FirstURL() template.URL {
	return d.link(fmt.Sprintf("/member-lists/%d", d.ID), nil)
}

// memberRow is a member as the table shows it.
type memberRow struct{ store.Member }

func (m memberRow) Name() string {
	if m.Deleted {
		return "Deleted account"
	}
	return strings.TrimSpace(m.FirstName + " " + m.LastName)
}

var seenLabels = map[string]string{
	store.SeenOnline: "online", store.SeenRecently: "recently", store.SeenLastWeek: "within a week",
	store.SeenLastMonth: "within a month", store.SeenLongAgo: "long ago", store.SeenHidden: "hidden",
}

// Seen is when the member was last seen: the exact time when Telegram gave
// one (its bucket would only repeat it less precisely, and "long ago"
// beside a date reads as a contradiction), else the bucket in words.
func (m memberRow) Seen() string {
	if !m.LastSeenAt.IsZero() && m.LastSeen != store.SeenOnline {
		return m.LastSeenAt.UTC().Format("2 Jan 2006 15:04 UTC")
	}
	return seenLabels[m.LastSeen]
}

func (m memberRow) Joined() string {
	if m.JoinedAt.IsZero() {
		return ""
	}
	return m.JoinedAt.UTC().Format("2 Jan 2006")
}

// pagePosition is the position the link's "at" gives the page starting at
// cursor: 0 on the first page, -1 when an older link gave none.
func pagePosition(cursor, at string, total int) (int, error) {
	if cursor == "" {
		if at == "" || at == "0" {
			return 0, nil
		}
		return 0, errors.New("a position without a page cursor")
	}
	if at == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(at)
	if err != nil || n < 1 || n >= max(total, 1) {
		return -1, fmt.Errorf("position %q out of 1..%d", at, total)
	}
	return n, nil
}

// GET /member-lists/{id} — browse with filters, order and pages; export
// the filtered view.
func (h *Handler) showList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Member list")
	var l extract.ListInfo
	if err == nil {
		l, err = h.Extract.List(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "List not found", Nav: "lists"}, err)
		return
	}
	q := r.URL.Query()
	cursor, atText := q.Get("after"), q.Get("at")
	q.Del("after")
	q.Del("at")
	d := memberListData{ListInfo: l, Filter: q, Asked: r.URL.Query()}
	if l.Extraction != nil {
		v := viewProgress(*l.Extraction)
		d.Progress = &v
	}
	p := &Page{Title: l.Name, Nav: "lists", Data: &d}
	// A bad parameter (an edited or stale link) is left out and named
	// above the filters, so the list still shows instead of looking empty.
	f, bad := parseView(q, time.Now())
	d.Sort, d.Desc = f.Sort, f.Desc
	d.Page, err = h.Extract.Members(r.Context(), workspaceID(r), id, f, cursor, membersPerPage)
	if e, ok := apperr.As(err); ok && e.Field == "after" && cursor != "" {
		bad = append(bad, rejected{Field: "after", Value: cursor})
		cursor = ""
		d.Page, err = h.Extract.Members(r.Context(), workspaceID(r), id, f, cursor, membersPerPage)
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error", Nav: "lists"}, err)
		return
	}
	d.First = cursor == ""
	d.At, err = pagePosition(cursor, atText, d.Page.Total)
	if err != nil {
		bad = append(bad, rejected{Field: "at", Value: atText})
		d.At = -1
		if cursor == "" {
			d.At = 0
		}
	}
	if d.At >= membersPerPage {
		// The previous page starts membersPerPage members earlier; finding
		// its cursor walks the view up to there.
		d.Prev, err = h.Extract.CursorAt(r.Context(), workspaceID(r), id, f, d.At-membersPerPage)
		if e, ok := apperr.As(err); ok && e.Field == "at" {
			bad = append(bad, rejected{Field: "at", Value: atText})
			d.At, err = -1, nil
		}
		if err != nil {
			h.renderError(w, r, "error", &Page{Title: "Error", Nav: "lists"}, err)
			return
		}
	}
	for _, m := range d.Page.Members {
		d.Rows = append(d.Rows, memberRow{m})
	}
	if len(bad) > 0 {
		h.renderError(w, r, "member_list_show", p, viewError(bad))
		return
	}
	h.render(w, r, http.StatusOK, "member_list_show", p)
}

// GET /member-lists/{id}/export?format=csv|xlsx|json&… — the filtered view
// as a file, streamed.
func (h *Handler) exportList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := q.Get("format")
	id, err := pathID(r, "Member list")
	var (
		l extract.ListInfo
		f store.MemberFilter
	)
	if err == nil {
		err = extract.CheckFormat(format)
	}
	if err == nil {
		l, err = h.Extract.List(r.Context(), workspaceID(r), id)
	}
	if err == nil {
		f, err = extract.ParseFilter(q, time.Now())
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Export", Nav: "lists"}, err)
		return
	}
	w.Header().Set("Content-Type", extract.ContentType(format))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": extract.FileName(l.Name, format)}))
	if err := h.Extract.Export(r.Context(), workspaceID(r), id, f, format, w); err != nil {
		// The headers are gone; the client sees a cut-short file.
		h.Logger.Error("export", "list", id, "err", fmt.Errorf("export: %w", err))
	}
}
