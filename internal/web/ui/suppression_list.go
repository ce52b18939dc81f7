package ui

import (
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign/recipients"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/usertext"
)

// suppressionUploadLimit bounds an imported file: the recipients parser's
// largest plus the form around it.
const suppressionUploadLimit = recipients.DefaultMaxBytes + 64<<10

type suppressionData struct {
	List []suppressionRow
	// Total is the list's length; OlderURL and NewestURL page through it
	// (a 100,000-entry list is never read whole for a page).
	Total     int
	OlderURL  template.URL
	NewestURL template.URL
	// Import is what the last import left out, shown under its form.
	Invalid      []recipients.Invalid
	InvalidCount int
}

// TotalText is the list's length for the page: "12,345 people".
func (d suppressionData) TotalText() string {
	if d.Total == 1 {
		return "1 person"
	}
	return usertext.Thousands(d.Total) + " people"
}

type suppressionRow struct{ store.Suppression }

// Key is what removing the entry names: its user id, else its username.
func (s suppressionRow) Key() string {
	if s.TGUserID != 0 {
		return strconv.FormatInt(s.TGUserID, 10)
	}
	return s.Username
}

var errBadSuppressionsLink = &apperr.Error{Code: apperr.CodeValidation, Message: "This page link is not one the suppression list made",
	Hint: "Start again from the newest entries.", Status: http.StatusUnprocessableEntity}

// GET /suppressions[?before=cursor]
func (h *Handler) suppressions(w http.ResponseWriter, r *http.Request) {
	h.renderSuppressions(w, r, http.StatusOK, &Page{}, suppressionData{}, nil)
}

// suppressionsPerPage is how many entries a page of the list shows.
const suppressionsPerPage = 100

func (h *Handler) renderSuppressions(w http.ResponseWriter, r *http.Request, status int, p *Page, d suppressionData, failed error) {
	p.Title, p.Nav = "Suppressions", "suppressions"
	// Only the page GET shows follows its link; a form's answer shows the
	// newest entries, where what it added is.
	var before string
	if r.Method == http.MethodGet {
		before = r.URL.Query().Get("before")
	}
	list, next, err := h.Campaigns.SuppressionsPage(r.Context(), workspaceID(r), before, suppressionsPerPage)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Field == "cursor" {
			err = errBadSuppressionsLink
		}
		h.renderError(w, r, "error", p, err)
		return
	}
	if d.Total, err = h.Campaigns.CountSuppressions(r.Context(), workspaceID(r)); err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	for _, s := range list {
		d.List = append(d.List, suppressionRow{s})
	}
	if next != "" {
		d.OlderURL = template.URL("/suppressions?before=" + url.QueryEscape(next))
	}
	if before != "" {
		d.NewestURL = "/suppressions"
	}
	p.Data = d
	if failed != nil {
		h.renderError(w, r, "suppressions", p, failed)
		return
	}
	h.render(w, r, status, "suppressions", p)
}

// POST /suppressions — adds one person.
func (h *Handler) addSuppression(w http.ResponseWriter, r *http.Request) {
	who, why := r.PostFormValue("user"), r.PostFormValue("reason")
	e, err := h.Campaigns.Suppress(r.Context(), workspaceID(r), who, why)
	if ae, ok := apperr.As(err); ok && ae.Field == "recipients" {
		// Several items read as a list that is too long: say what the
		// field takes instead.
		err = &apperr.Error{Code: ae.Code, Message: "That is not one Telegram user", Hint: "Enter one @username, t.me link or numeric user id.",
			Field: "user", Status: ae.Status}
	}
	if err != nil {
		h.renderSuppressions(w, r, 0, &Page{Form: map[string]string{"user": who, "reason": why}}, suppressionData{}, err)
		return
	}
	h.flash(r, "success", suppressionName(e)+" is on your suppression list: no campaign writes to them.")
	redirect(w, r, "/suppressions")
}

// POST /suppressions/remove — takes one person off the list.
func (h *Handler) removeSuppression(w http.ResponseWriter, r *http.Request) {
	who := strings.TrimSpace(r.PostFormValue("who"))
	if err := h.Campaigns.Unsuppress(r.Context(), workspaceID(r), who); err != nil {
		h.renderSuppressions(w, r, 0, &Page{}, suppressionData{}, err)
		return
	}
	name := who
	if _, err := strconv.ParseInt(who, 10, 64); err != nil {
		name = "@" + strings.TrimPrefix(who, "@")
	} else {
		name = "User " + who
	}
	h.flash(r, "info", name+" is off your suppression list: new campaigns may write to them again.")
	redirect(w, r, "/suppressions")
}

// POST /suppressions/import — adds everyone in an uploaded CSV file.
func (h *Handler) importSuppressions(w http.ResponseWriter, r *http.Request) {
	var files int
	if r.MultipartForm != nil {
		files = len(r.MultipartForm.File["file"])
	}
	if files == 0 || r.MultipartForm.File["file"][0].Size == 0 {
		h.renderSuppressions(w, r, 0, &Page{}, suppressionData{}, apperr.Validation("file", "Choose a CSV file to import"))
		return
	}
	f, err := r.MultipartForm.File["file"][0].Open()
	if err != nil {
		h.renderSuppressions(w, r, 0, &Page{}, suppressionData{}, fmt.Errorf("open imported file: %w", err))
		return
	}
	defer f.Close()
	res, err := h.Campaigns.ImportSuppressions(r.Context(), workspaceID(r), f)
	if err != nil {
		if e, ok := apperr.As(err); ok {
			err = e.OnField("file")
		}
		h.renderSuppressions(w, r, 0, &Page{}, suppressionData{}, err)
		return
	}
	msg := fmt.Sprintf("Imported: %s added, %s already on the list.", usertext.Thousands(res.Added), usertext.Thousands(res.Already))
	if res.InvalidCount > 0 {
		msg += fmt.Sprintf(" %s rows name no Telegram user and were left out (listed under the import form).", usertext.Thousands(res.InvalidCount))
		h.renderSuppressions(w, r, http.StatusOK, &Page{Flash: &Flash{Kind: "warning", Message: msg}},
			suppressionData{Invalid: res.Invalid, InvalidCount: res.InvalidCount}, nil)
		return
	}
	h.flash(r, "success", msg)
	redirect(w, r, "/suppressions")
}

// GET /suppressions/export.csv
func (h *Handler) exportSuppressions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "suppressions.csv"}))
	if err := h.Campaigns.ExportSuppressions(r.Context(), workspaceID(r), w); err != nil {
		h.Logger.Error("suppressions export", "err", err)
	}
}

func suppressionName(s store.Suppression) string {
	if s.Username != "" {
		return "@" + s.Username
	}
	return "User " + strconv.FormatInt(s.TGUserID, 10)
}
