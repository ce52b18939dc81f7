package ui

import (
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
)

type auditData struct {
	Events  []store.AuditEvent
	Actions []audit.Action
	People  []store.AuditActor
	// Action, Actor and Target are the filters in effect ("" for none).
	Action, Actor, Target string
	// TargetLabel names the Target filter's thing, from its newest event.
	TargetLabel string
	// OlderURL and NewestURL page through the log; CSVURL exports what the
	// filters show.
	OlderURL, NewestURL, CSVURL template.URL
}

// auditFilter reads the page's filters: ?action=, ?actor= (a user id) and
// ?target=kind:id (an account's page links to its events).
func auditFilter(q url.Values) (audit.Filter, error) {
	f := audit.Filter{Action: strings.TrimSpace(q.Get("action"))}
	if v := strings.TrimSpace(q.Get("actor")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, apperr.Validation("actor", "Choose a person from the list")
		}
		f.ActorUserID = id
	}
	if v := strings.TrimSpace(q.Get("target")); v != "" {
		kind, id, ok := strings.Cut(v, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || kind == "" || err != nil || n <= 0 {
			return f, apperr.Validation("target", "This link's target is not one the audit log knows (kind:id)")
		}
		f.TargetKind, f.TargetID = kind, n
	}
	return f, nil
}

// query is the filters as a query string, with extra parameters.
func auditQuery(q url.Values, extra ...string) string {
	v := url.Values{}
	for _, k := range []string{"action", "actor", "target"} {
		if s := q.Get(k); s != "" {
			v.Set(k, s)
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// GET /audit[?before=cursor&action=&actor=&target=]: the workspace's audit
// log, newest first, a page at a time.
func (h *Handler) showAudit(w http.ResponseWriter, r *http.Request) {
	p := &Page{Title: "Audit log", Nav: "audit"}
	q := r.URL.Query()
	d := auditData{Actions: audit.Actions(), Action: q.Get("action"), Actor: q.Get("actor"), Target: q.Get("target")}
	p.Data = &d
	f, err := auditFilter(q)
	if err != nil {
		h.renderError(w, r, "audit", p, pageError(err))
		return
	}
	ws := workspaceID(r)
	if d.People, err = h.Audit.Actors(r.Context(), ws); err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	before := q.Get("before")
	events, next, err := h.Audit.Page(r.Context(), ws, f, before, audit.PageSize)
	if err != nil {
		h.renderError(w, r, "audit", p, pageError(err))
		return
	}
	d.Events = events
	if next != "" {
		d.OlderURL = template.URL("/audit" + auditQuery(q, "before", next))
	}
	if before != "" {
		d.NewestURL = template.URL("/audit" + auditQuery(q))
	}
	d.CSVURL = template.URL("/audit/export.csv" + auditQuery(q))
	if f.TargetKind != "" && len(events) > 0 {
		d.TargetLabel = events[0].TargetLabel
	}
	h.render(w, r, http.StatusOK, "audit", p)
}

// GET /audit/export.csv[?action=&actor=&target=]: every event the filters
// show, streamed from the database.
func (h *Handler) exportAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r.URL.Query())
	if err == nil {
		err = h.Audit.Check(f)
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Audit log"}, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "audit-log.csv"}))
	if err := h.Audit.WriteCSV(r.Context(), workspaceID(r), f, w); err != nil {
		h.Logger.Error("audit log export", "err", err)
	}
}

// pageError shows an error of a link's parameter (a cursor, a target)
// at the top of the page: the page has no field for it.
func pageError(err error) error {
	if e, ok := apperr.As(err); ok && (e.Field == "cursor" || e.Field == "target") {
		return e.OnField("")
	}
	return err
}

// auditTarget is where an event's target is shown, "" when it has no page.
func auditTarget(e store.AuditEvent) string {
	id := strconv.FormatInt(e.TargetID, 10)
	switch e.TargetKind {
	case audit.TargetAccount:
		return "/accounts/" + id
	case audit.TargetCampaign:
		return "/campaigns/" + id
	case audit.TargetExtraction:
		return "/extractions/" + id
	case audit.TargetMemberList:
		return "/member-lists/" + id
	case audit.TargetChat:
		return "/inbox/" + id
	case audit.TargetWebhook:
		return "/webhooks"
	case audit.TargetToken:
		return "/tokens"
	case audit.TargetInvitation:
		return "/members"
	}
	return ""
}
