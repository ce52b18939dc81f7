package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/usertext"
	"github.com/telegramate/telegramate/internal/web/auth"
)

//go:embed templates
var templateFS embed.FS

// Page is what every template receives. Handlers fill Title, Nav, Form,
// Err and Data; render fills the rest.
type Page struct {
	Title string
	// Nav is the navigation item to highlight: "inbox", "accounts",
	// "lists", "campaigns", "suppressions", "tokens", "help".
	Nav string
	// Form holds submitted values to show again after an error.
	Form map[string]string
	// Err is shown next to the form field it names, or at the top of the
	// page when it names none.
	Err  *apperr.Error
	Data any

	User *auth.User
	// Workspace is the one the page works in, with the person's role and
	// (for the switcher) all of theirs.
	Workspace  *auth.Workspace
	Flash      *Flash
	SignupOpen bool
	// HasInbox shows the inbox in the navigation; Unread counts the user's
	// unread conversations for its badge.
	HasInbox bool
	Unread   int
}

type Flash struct {
	Kind    string // Bootstrap contextual class: success, info, warning, danger
	Message string
}

// Can reports whether the person's role allows what role does: pages show
// no button the person cannot use (the domain refuses it anyway).
func (p *Page) Can(role string) bool {
	return p.Workspace != nil && p.Workspace.Role.AtLeast(actor.Role(role))
}

// FieldErr returns the error to show next to field, if it belongs there.
func (p *Page) FieldErr(field string) *apperr.Error {
	if p.Err != nil && p.Err.Field == field {
		return p.Err
	}
	return nil
}

// PageErr is the error shown at the top of the page: one without a field.
func (p *Page) PageErr() *apperr.Error {
	if p.Err != nil && p.Err.Field == "" {
		return p.Err
	}
	return nil
}

// Value is a submitted form value, "" when none.
func (p *Page) Value(field string) string { return p.Form[field] }

type templates struct {
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"asset": assetURL,
	// bdi isolates a name people gave (a Telegram user's, a campaign's, a
	// chat's) from the text around it, so its bidirectional controls
	// (U+202E turns what follows around) cannot reorder the page: every
	// such name shown goes through it, or through isolate where no
	// element can go (a title, an attribute, an <option>).
	"bdi": func(s string) template.HTML {
		if s == "" {
			return ""
		}
		return template.HTML("<bdi>" + template.HTMLEscapeString(s) + "</bdi>")
	},
	"isolate": usertext.Isolate,
	// expired tells an API token past its expiry.
	"expired": expired,
	// helpFor links an error to the Help entry that explains it.
	"helpFor": helpFor,
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"ago":          ago,
	"auditLabel":   audit.Label,
	"auditTarget":  auditTarget,
	"attemptsLeft": attemptsLeft,
	// count is "1 recipient", "10,446 members": a number with its noun.
	"count": countOf,
	// failuresToPause says how many failed messages among the last 50
	// pause a campaign at a percent (an int, or a form's text).
	"failuresToPause": failuresToPause,
	// milestone rounds a percentage down to a quarter, so a live region
	// announces progress four times, not at every update.
	"milestone": func(percent int) int { return percent / 25 * 25 },
	"wait":      apperr.FormatWait,
	"navItem": func(p *Page, key, href, icon, label string) navItem {
		return navItem{Active: p.Nav == key, Href: href, Icon: icon, Label: label}
	},
	"emptyState": func(icon, title, text, href, action string) emptyState {
		return emptyState{icon, title, text, href, action}
	},
	"header": func(title, lead, href, action string) pageHeader {
		return pageHeader{title, lead, href, action}
	},
}

type navItem struct {
	Active            bool
	Href, Icon, Label string
}

type emptyState struct{ Icon, Title, Text, Href, Action string }

type pageHeader struct{ Title, Lead, Href, Action string }

// parseTemplates builds one template set per page: the layout and shared
// partials plus that page's "content" (and optional "title") blocks.
func parseTemplates() (*templates, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, name := range names {
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		page, err := clone.ParseFS(templateFS, name)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		t.pages[strings.TrimSuffix(path.Base(name), ".html")] = page
	}
	return t, nil
}

// render writes the named page with status. It renders into a buffer
// first, so a template error becomes a clean 500 instead of half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	t, ok := h.tmpl.pages[name]
	if !ok {
		panic("ui: no template " + name)
	}
	p.User = auth.UserFrom(r.Context())
	p.Workspace = auth.WorkspaceFrom(r.Context())
	p.SignupOpen = h.Users.SignupOpen()
	if p.User != nil && h.Inbox != nil {
		p.HasInbox = true
		h.unreadBadge(r, p)
	}
	if p.Flash == nil {
		p.Flash = h.popFlash(r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		auth.NoteError(r.Context(), fmt.Errorf("render %s: %w", name, err))
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

var errInternal = &apperr.Error{
	Code:    apperr.CodeInternal,
	Message: "Something went wrong on our side",
	Hint:    "Try again in a moment. If it keeps happening, tell the administrator of this instance.",
	Status:  http.StatusInternalServerError,
}

// errBusy is what a request gets when the database could not answer in
// time (SQLite's writers queued past their wait, PostgreSQL restarting):
// nothing is wrong with what was sent, so say to send it again.
var errBusy = &apperr.Error{
	Code:       apperr.CodeDatabaseBusy,
	Message:    "The database is busy",
	Hint:       "Nothing was changed. Try again in a few seconds.",
	Status:     http.StatusServiceUnavailable,
	RetryAfter: 5 * time.Second,
}

// internal is the error shown for one that is not the user's to fix.
func internal(err error) *apperr.Error {
	if store.IsUnavailable(err) {
		return errBusy.Wrap(err)
	}
	return errInternal
}

// renderError shows err on the named page: an *apperr.Error next to its
// field (or at the top), anything else as a generic message with the
// details kept for the log.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, name string, p *Page, err error) {
	e, ok := apperr.As(err)
	if !ok {
		auth.NoteError(r.Context(), err)
		e = internal(err)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Round(time.Second).Seconds())))
	}
	p.Err = e
	h.render(w, r, e.HTTPStatus(), name, p)
}

const (
	flashKey     = "flash"
	flashKindKey = "flash_kind"
)

// flash keeps a message in the session for the next page shown.
func (h *Handler) flash(r *http.Request, kind, message string) {
	h.Sessions.Put(r.Context(), flashKindKey, kind)
	h.Sessions.Put(r.Context(), flashKey, message)
}

func (h *Handler) popFlash(r *http.Request) *Flash {
	msg := h.Sessions.PopString(r.Context(), flashKey)
	kind := h.Sessions.PopString(r.Context(), flashKindKey)
	if msg == "" {
		return nil
	}
	return &Flash{Kind: kind, Message: msg}
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < 48*time.Hour:
		return apperr.FormatWait(d.Truncate(time.Minute)) + " ago"
	}
	return t.UTC().Format("2 Jan 2006")
}

// failuresToPause is "6 failures (more than 5)" for 10 %: the campaign
// package's own threshold, so the words cannot drift from the pause.
func failuresToPause(percent any) string {
	n := 10
	switch p := percent.(type) {
	case int:
		n = p
	case string:
		if v, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && v >= 1 && v <= 100 {
			n = v
		}
	}
	k := campaign.FailuresToPause(n)
	if k == 0 {
		return "no number of failures (100 % turns the pause off)"
	}
	if k == 1 {
		return "the first failure"
	}
	return fmt.Sprintf("%d failures (more than %d)", k, k-1)
}

// countOf is n with thousands separators and noun, plural unless n is 1.
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return usertext.Thousands(n) + " " + noun + "s"
}
