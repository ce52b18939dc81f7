package ui

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store"
)

// conversationsPerPage is the inbox's page size.
const conversationsPerPage = 30

// inboxPoll is how often the inbox's live streams look at the database:
// a message taken in on another node reaches this node's pages no other
// way. A message taken in on this node wakes them at once.
const inboxPoll = 2 * time.Second

// inboxFilter is the inbox's GET parameters, as the page shows them.
type inboxFilter struct {
	Q        string
	Account  int64
	Campaign int64
	// CampaignQ narrows the campaign picker's choices (by name); it does
	// not filter the conversations.
	CampaignQ string
	Unread    bool
	// Status is "open" (the default), "done" or "all".
	Status string
	// Assigned is "" (all), "mine" or "unassigned".
	Assigned string
	// Before is the cursor of the page shown; "" for the newest.
	Before string
}

var (
	errBadAccountFilter = &apperr.Error{Code: apperr.CodeValidation, Message: "That is not one of your accounts",
		Hint: "Choose an account from the list.", Field: "account", Status: http.StatusUnprocessableEntity}
	errBadCampaignFilter = &apperr.Error{Code: apperr.CodeValidation, Message: "That is not one of your campaigns",
		Hint: "Choose a campaign from the list.", Field: "campaign", Status: http.StatusUnprocessableEntity}
	errBadStatusFilter = &apperr.Error{Code: apperr.CodeValidation, Message: "Choose open, done, or open and done",
		Hint: "The status filter takes one of the list's choices.", Field: "status", Status: http.StatusUnprocessableEntity}
	errBadPageLink = &apperr.Error{Code: apperr.CodeValidation, Message: "This page link is not one the inbox made",
		Hint: "Start again from the newest conversations.", Status: http.StatusUnprocessableEntity}
)

// parseInboxFilter reads the parameters; a bad one is reported with the
// filters as typed, so the page can show them for correction.
func parseInboxFilter(q url.Values) (inboxFilter, error) {
	f := inboxFilter{Q: strings.TrimSpace(q.Get("q")), CampaignQ: strings.TrimSpace(q.Get("campaign_q")), Status: q.Get("status"), Before: q.Get("before")}
	if f.Status == "" {
		f.Status = store.ConversationOpen
	}
	unread, ok := parseFlag(q.Get("unread"))
	f.Unread = unread
	if !ok {
		return f, &apperr.Error{Code: apperr.CodeValidation, Message: "Unread only is on or off",
			Hint: "Tick the box or leave it empty.", Field: "unread", Status: http.StatusUnprocessableEntity}
	}
	var err error
	if f.Account, err = parseOptionalID(q.Get("account")); err != nil {
		return f, errBadAccountFilter
	}
	if f.Campaign, err = parseOptionalID(q.Get("campaign")); err != nil {
		return f, errBadCampaignFilter
	}
	switch f.Status {
	case store.ConversationOpen, store.ConversationDone, "all":
	default:
		return f, errBadStatusFilter
	}
	switch f.Assigned = q.Get("assigned"); f.Assigned {
	case "all":
		f.Assigned = inbox.AssignedAll
	case inbox.AssignedAll, inbox.AssignedMine, inbox.AssignedUnassigned:
	default:
		f.Assigned = inbox.AssignedAll
		return f, &apperr.Error{Code: apperr.CodeValidation, Message: "Show all, mine or unassigned conversations",
			Hint: "Choose one of the tabs above the list.", Field: "assigned", Status: http.StatusUnprocessableEntity}
	}
	return f, nil
}

func parseOptionalID(s string) (int64, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, strconv.ErrSyntax
	}
	return id, nil
}

// parseFlag reads a checkbox: absent, "1", "on" or "true" (and "0",
// "off", "false"); ok is false for anything else.
func parseFlag(s string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return false, true
	case "1", "on", "true", "yes":
		return true, true
	case "0", "off", "false", "no":
		return false, true
	}
	return false, false
}

// service is the filter as the inbox service takes it.
func (f inboxFilter) service() inbox.Filter {
	s := inbox.Filter{AccountID: f.Account, CampaignID: f.Campaign, Unread: f.Unread, Search: f.Q,
		Assigned: f.Assigned, Cursor: f.Before, Limit: conversationsPerPage}
	if f.Status != "all" {
		s.Status = f.Status
	}
	return s
}

// values are the filter's parameters without the page cursor.
func (f inboxFilter) values() url.Values {
	v := url.Values{}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Account != 0 {
		v.Set("account", strconv.FormatInt(f.Account, 10))
	}
	if f.Campaign != 0 {
		v.Set("campaign", strconv.FormatInt(f.Campaign, 10))
	}
	if f.Unread {
		v.Set("unread", "1")
	}
	if f.Status != store.ConversationOpen {
		v.Set("status", f.Status)
	}
	if f.Assigned != "" {
		v.Set("assigned", f.Assigned)
	}
	return v
}

// assignedTab is one of the list's All / Mine / Unassigned tabs.
type assignedTab struct {
	Label, ID string
	URL       template.URL
	Current   bool
}

// AssignedTabs are the tabs, each keeping the other filters.
func (f inboxFilter) AssignedTabs() []assignedTab {
	var out []assignedTab
	for _, t := range []struct{ value, label string }{{inbox.AssignedAll, "All"}, {inbox.AssignedMine, "Mine"}, {inbox.AssignedUnassigned, "Unassigned"}} {
		g := f
		g.Assigned = t.value
		id := t.value
		if id == "" {
			id = "all"
		}
		out = append(out, assignedTab{Label: t.label, ID: "assigned-" + id, URL: inboxURL(g.values()), Current: f.Assigned == t.value})
	}
	return out
}

// filtered reports whether anything but the default status narrows the
// list.
func (f inboxFilter) filtered() bool {
	return f.Q != "" || f.Account != 0 || f.Campaign != 0 || f.Unread || f.Status == store.ConversationDone || f.Assigned != ""
}

type option struct {
	ID       int64
	Name     string
	Selected bool
}

// avatar is a person's initial on a colour of their own.
type avatar struct {
	Initial string
	Hue     int
	Small   bool
}

func avatarOf(c inbox.Conversation) avatar {
	return avatar{Initial: c.Initial(), Hue: int((c.TGUserID*47)%360+360) % 360}
}

// conversationRow is one conversation in a list.
type conversationRow struct {
	ID, AccountID int64
	TGUserID      int64
	Avatar        avatar
	Person        string
	Username      string
	Account       string
	Campaign      string
	Last          string
	LastOut       bool
	LastAt        time.Time
	Unread        int
	Status        string
	// Assignee is the email of the member it is assigned to; "" for none.
	Assignee string
}

func rowOf(c inbox.Conversation) conversationRow {
	r := conversationRow{ID: c.ID, AccountID: c.AccountID, TGUserID: c.TGUserID, Avatar: avatarOf(c), Person: c.Name(), Account: c.AccountName,
		Campaign: c.CampaignName, Last: c.LastMessageText, LastOut: c.LastMessageOut, LastAt: c.LastMessageAt,
		Unread: c.Unread, Status: c.Status, Assignee: c.AssignedEmail}
	if c.FirstName != "" || c.LastName != "" {
		r.Username = c.Username // else Name is the @username already
	}
	if r.Account == "" {
		r.Account = "a disconnected account"
	}
	if r.Last == "" {
		r.Last = "(no text)"
	}
	return r
}

// inboxData is the inbox page and its live list.
type inboxData struct {
	shellData
	inboxFilter
	Rows            []conversationRow
	AccountOptions  []option
	CampaignOptions []option
	// CampaignsFound is how many campaigns matched the picker's search
	// (at most pickerSize); CampaignsMore says more did.
	CampaignsFound int
	CampaignsMore  bool
	// CampaignInvalid marks the picker when the campaign chosen was refused.
	CampaignInvalid bool
	OlderURL        template.URL
	NewestURL       template.URL
	// Live streams the first page's changes.
	Live bool
}

// Filtered reports whether a filter narrows the list.
func (d inboxData) Filtered() bool { return d.filtered() }

// Query is the filter's parameters for the event stream's URL.
func (d inboxData) Query() string { return d.values().Encode() }

func inboxURL(v url.Values) template.URL {
	if q := v.Encode(); q != "" {
		return template.URL("/inbox?" + q) // built from url.Values: escaped already
	}
	return "/inbox"
}

// GET /inbox — conversations newest first, filtered by GET parameters,
// with a keyset "Older" link; the first page stays live.
func (h *Handler) inboxPage(w http.ResponseWriter, r *http.Request) {
	p := &Page{Title: "Inbox", Nav: "inbox"}
	f, ferr := parseInboxFilter(r.URL.Query())
	d, err := h.inboxData(r, f, ferr == nil)
	if err == nil {
		err = ferr
	}
	if e, ok := apperr.As(err); ok && e.Field == "campaign" {
		d.CampaignInvalid = true
	}
	p.Data = d
	if err != nil {
		h.renderError(w, r, "inbox", p, formErr(err, "q", "account", "campaign", "status", "unread", "assigned"))
		return
	}
	h.render(w, r, http.StatusOK, "inbox", p)
}

// formErr shows an error next to one of the form's fields, or at the top
// of the page when it names a field the form does not have (a cursor).
func formErr(err error, fields ...string) error {
	e, ok := apperr.As(err)
	if !ok || e.Field == "" {
		return err
	}
	for _, f := range fields {
		if e.Field == f {
			return err
		}
	}
	if e.Field == "cursor" {
		return errBadPageLink.Wrap(err)
	}
	return e.OnField("")
}

// inboxData reads one page; with list false (the filter was refused) only
// the choices the form offers.
func (h *Handler) inboxData(r *http.Request, f inboxFilter, list bool) (inboxData, error) {
	ctx, uid := r.Context(), workspaceID(r)
	d := inboxData{inboxFilter: f}
	var err error
	if d.shellData, err = h.shell(r); err != nil {
		return d, err
	}
	accts, err := h.AccountService.List(ctx, uid)
	if err != nil {
		return d, err
	}
	known := false
	for _, a := range accts {
		if a.Live() || a.ID == f.Account {
			d.AccountOptions = append(d.AccountOptions, option{ID: a.ID, Name: a.Name, Selected: a.ID == f.Account})
			known = known || a.ID == f.Account
		}
	}
	if f.Account != 0 && !known {
		return d, errBadAccountFilter
	}
	if err = h.campaignOptions(ctx, uid, f, &d); err != nil {
		return d, err
	}
	if !list {
		return d, nil
	}
	d.Rows, d.OlderURL, err = h.inboxRows(ctx, uid, f)
	if err != nil {
		return d, err
	}
	if f.Before != "" {
		d.NewestURL = inboxURL(f.values())
	}
	d.Live = f.Before == ""
	return d, nil
}

// pickerSize is how many choices a picker (campaigns, member lists) shows
// at once: the newest, or those whose name holds the text typed into its
// search field. A user with thousands finds one by typing, and the page
// stays small.
const pickerSize = 20

// campaignOptions fills the campaign picker: the chosen campaign, then
// up to pickerSize campaigns matching the picker's search.
func (h *Handler) campaignOptions(ctx context.Context, uid int64, f inboxFilter, d *inboxData) error {
	if f.Campaign != 0 {
		c, err := h.Campaigns.Find(ctx, uid, f.Campaign)
		if e, ok := apperr.As(err); ok && e.Status == http.StatusNotFound {
			return errBadCampaignFilter
		}
		if err != nil {
			return err
		}
		d.CampaignOptions = append(d.CampaignOptions, option{ID: c.ID, Name: c.Name, Selected: true})
	}
	camps, err := h.Campaigns.Search(ctx, uid, f.CampaignQ, pickerSize+1)
	if err != nil {
		return err
	}
	if len(camps) > pickerSize {
		camps, d.CampaignsMore = camps[:pickerSize], true
	}
	for _, c := range camps {
		if c.ID != f.Campaign {
			d.CampaignOptions = append(d.CampaignOptions, option{ID: c.ID, Name: c.Name})
		}
	}
	d.CampaignsFound = len(camps)
	return nil
}

// GET /inbox/campaigns?campaign_q=…&campaign=… — the campaign picker
// alone, narrowed as the user types into its search field (with
// JavaScript; without, the filter form's Show does the same).
func (h *Handler) inboxCampaignPicker(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := inboxFilter{CampaignQ: strings.TrimSpace(q.Get("campaign_q"))}
	var err error
	if f.Campaign, err = parseOptionalID(q.Get("campaign")); err != nil {
		err = errBadCampaignFilter
	}
	var d inboxData
	if err == nil {
		d.inboxFilter = f
		err = h.campaignOptions(r.Context(), workspaceID(r), f, &d)
	}
	var html []byte
	if err == nil {
		html, err = h.fragment("inbox", "campaign-picker", d)
	}
	writePart(w, html, err)
}

// inboxRows is one page of the list and the link to the next, older one.
func (h *Handler) inboxRows(ctx context.Context, uid int64, f inboxFilter) ([]conversationRow, template.URL, error) {
	page, err := h.Inbox.List(ctx, uid, f.service())
	if err != nil {
		return nil, "", err
	}
	rows := make([]conversationRow, 0, len(page.Conversations))
	for _, c := range page.Conversations {
		rows = append(rows, rowOf(c))
	}
	var older template.URL
	if page.Next != "" {
		v := f.values()
		v.Set("before", page.Next)
		older = inboxURL(v)
	}
	return rows, older, nil
}

// GET /inbox/events — the first page of the list again whenever it
// changes ("list" events).
func (h *Handler) inboxEvents(w http.ResponseWriter, r *http.Request) {
	f, err := parseInboxFilter(r.URL.Query())
	if err == nil && f.Before != "" {
		err = errBadPageLink // only the newest page is live
	}
	if err == nil {
		_, err = h.Inbox.List(r.Context(), workspaceID(r), f.service())
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			e = internal(err)
		}
		http.Error(w, e.Message+". "+e.Hint, e.HTTPStatus())
		return
	}
	events, stop := h.Inbox.Subscribe(workspaceID(r))
	defer stop()
	h.streamLive(w, r, "inbox", inboxPoll, wakeOn(r.Context(), events, 0), func(ctx context.Context) (liveLook, error) {
		d := inboxData{inboxFilter: f, Live: true}
		var err error
		if d.Rows, d.OlderURL, err = h.inboxRows(ctx, workspaceID(r), f); err != nil {
			return liveLook{}, err
		}
		ev, err := h.block("list", "inbox", "inbox-list", d)
		return liveLook{events: []liveEvent{ev}}, err
	})
}

// wakeOn turns the inbox's events into wake-ups of a live stream: every
// event of the user, or only those of one conversation.
// It ends with ctx (the request).
func wakeOn(ctx context.Context, events <-chan inbox.Event, conversation int64) <-chan struct{} {
	wake := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-events:
				if conversation != 0 && e.ConversationID != conversation {
					continue
				}
				select {
				case wake <- struct{}{}:
				default: // a wake-up is pending already
				}
			}
		}
	}()
	return wake
}

// writePart answers an htmx request for a part of a page (a picker's
// search): the part, never cached, or the error as text.
func writePart(w http.ResponseWriter, html []byte, err error) {
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			e = internal(err)
		}
		http.Error(w, e.Message+". "+e.Hint, e.HTTPStatus())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(html)
}
