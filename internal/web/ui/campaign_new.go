package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/campaign/recipients"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/usertext"
)

// campaignUploadLimit bounds the editor's form: a recipients file of the
// parser's largest size plus the rest of the form.
const campaignUploadLimit = recipients.DefaultMaxBytes + 1<<20

// editorData is the campaign editor: the choices it offers and what the
// user sent last.
type editorData struct {
	Form url.Values
	// Lists are the member-list picker's choices: the lists ticked, then
	// up to pickerSize lists matching ListQ (the newest when it is empty).
	Lists []listChoice
	ListQ string
	// ListsFound is how many lists matched (at most pickerSize);
	// ListsMore says more did; HasLists is false when the user has none.
	ListsFound int
	ListsMore  bool
	HasLists   bool
	// ListsInvalid marks the picker when the audience was refused.
	ListsInvalid bool
	Accounts     []senderChoice
	SyntaxHelp   string
	Zones        []string
	// Invalid are the pasted or uploaded items that name no user; the
	// user either fixes them or ticks "leave them out".
	Invalid      []recipients.Invalid
	InvalidCount int
	// FileDropped says a file was sent with a refused form: a browser
	// cannot show it again, so the page asks for it once more.
	FileDropped bool
	// Preview is the first message's live preview; StepPreviews are the
	// follow-ups' (by step, 2 to store.MaxSteps).
	Preview      previewData
	StepPreviews map[int]previewData
	// Attached are the files the steps attach (by step, 1 for the first
	// message), stored already and carried by the form's hidden ids.
	Attached map[int]*attachmentView
	// MaxFileSize is the media service's limit in words; "" when this
	// instance takes no attachments.
	MaxFileSize string
}

// listChoice is a member list in the picker, with what tells it from
// another of the same name: the account that extracted it and its date.
type listChoice struct {
	extract.ListInfo
	Account string // "" for a merged list
}

// maxTickedLists bounds the ticked lists the picker reads back one by
// one; more than a person ticks, fewer than a forged form could send.
const maxTickedLists = 200

// senderChoice is one of the user's accounts as a sender.
type senderChoice struct {
	ID     int64
	Name   string
	Phone  string
	Status string // in words
	Usable bool
}

// Value is a field as sent, or its default on a fresh form.
func (d *editorData) Value(name string) string { return d.Form.Get(name) }

// Checked reports whether a checkbox (or one of a group) was ticked.
func (d *editorData) Checked(name string, value any) bool {
	return slices.Contains(d.Form[name], fmt.Sprint(value))
}

// Selected reports whether a select's value is v.
func (d *editorData) Selected(name, v string) bool { return d.Form.Get(name) == v }

// ZoneOptions are the time zones offered, with the one sent if it is not
// among them.
func (d *editorData) ZoneOptions() []string {
	z := strings.TrimSpace(d.Form.Get("time_zone"))
	if z == "" || slices.Contains(d.Zones, z) {
		return d.Zones
	}
	return append([]string{z}, d.Zones...)
}

// stepSlot is one of the editor's follow-ups (steps 2 to 4): empty
// until the user writes its message.
type stepSlot struct {
	N       int // 2, 3 or 4
	Message string
	After   string // a whole number of Unit
	Unit    string // "hours" or "days"
	// Field is where Create puts this step's errors (steps[N-2]).
	Field string
	// Preview is the step's live preview.
	Preview previewData
}

// Filled reports whether the step will be sent.
func (s stepSlot) Filled() bool { return strings.TrimSpace(s.Message) != "" }

// Prev is the step before.
func (s stepSlot) Prev() int { return s.N - 1 }

// StepSlots are the editor's three follow-ups as sent (a fresh one: two
// days after the step before).
func (d *editorData) StepSlots() []stepSlot {
	var out []stepSlot
	for n := 2; n <= store.MaxSteps; n++ {
		k := fmt.Sprintf("step%d_", n)
		sl := stepSlot{N: n, Message: d.Form.Get(k + "message"), After: d.Form.Get(k + "after"), Unit: d.Form.Get(k + "unit"),
			Field: fmt.Sprintf("steps[%d]", n-2), Preview: d.StepPreviews[n]}
		sl.Preview.Step = n // its ids are the step's, whatever was rendered
		if sl.After == "" {
			sl.After = "2"
		}
		if sl.Unit != "hours" {
			sl.Unit = "days"
		}
		out = append(out, sl)
	}
	return out
}

// removeStep takes follow-up n out of the form, moving the later ones up.
func removeStep(f url.Values, n int) {
	for k := n; k <= store.MaxSteps; k++ {
		for _, field := range []string{"message", "after", "unit", "media_id"} {
			from, to := fmt.Sprintf("step%d_%s", k+1, field), fmt.Sprintf("step%d_%s", k, field)
			if k < store.MaxSteps && f.Has(from) {
				f[to] = f[from]
			} else {
				f.Del(to)
			}
		}
	}
}

// stepInputs reads the editor's follow-ups: filled ones, in order, with
// none skipped.
func stepInputs(f url.Values) ([]campaign.StepInput, error) {
	var out []campaign.StepInput
	gap := 0
	for n := 2; n <= store.MaxSteps; n++ {
		k := fmt.Sprintf("step%d_", n)
		msg := f.Get(k + "message")
		field := fmt.Sprintf("steps[%d]", n-2)
		mid, err := mediaID(f, n)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(msg) == "" {
			if mid != 0 {
				e := apperr.Validation(field+".message", fmt.Sprintf("Step %d has an attachment but no message", n))
				e.Hint = "Write the message it goes with, or remove the attachment."
				return nil, e
			}
			if gap == 0 {
				gap = n
			}
			continue
		}
		if gap != 0 {
			e := apperr.Validation(field+".message", fmt.Sprintf("Step %d has a message but step %d has none", n, gap))
			e.Hint = fmt.Sprintf("Write step %d first, or remove step %d.", gap, n)
			return nil, e
		}
		after, err := strconv.Atoi(strings.TrimSpace(f.Get(k + "after")))
		if err != nil || after < 1 {
			e := apperr.Validation(field+".after_seconds", fmt.Sprintf("Step %d's wait must be a whole number of hours or days, at least 1", n))
			e.Hint = "Two days is a common wait for a follow-up."
			return nil, e
		}
		unit := 86400
		if f.Get(k+"unit") == "hours" {
			unit = 3600
		}
		if after > int(campaign.MaxStepDelay/time.Second)/unit {
			e := apperr.Validation(field+".after_seconds", fmt.Sprintf("Step %d's wait is longer than %d days", n, int(campaign.MaxStepDelay.Hours()/24)))
			e.Hint = "Shorten it."
			return nil, e
		}
		out = append(out, campaign.StepInput{Message: msg, AfterSeconds: after * unit, MediaID: mid})
	}
	return out, nil
}

// defaultEditorForm is a fresh editor: the pacing defaults, the footer on,
// and the only usable account chosen when there is one.
func defaultEditorForm(choices []senderChoice) url.Values {
	f := url.Values{
		"min_interval":    {strconv.Itoa(int(campaign.DefaultMinInterval / time.Second))},
		"daily_cap":       {strconv.Itoa(campaign.DefaultDailyCap)},
		"opt_out_footer":  {"on"},
		"time_zone":       {"UTC"},
		"sample_name":     {"Ann"},
		"sample_username": {"ann"},
		"failure_percent": {"10"},
	}
	var usable []int64
	for _, c := range choices {
		if c.Usable {
			usable = append(usable, c.ID)
		}
	}
	if len(usable) == 1 {
		f.Set("sender", strconv.FormatInt(usable[0], 10))
	}
	if len(usable) > 0 {
		f.Set("test_account", strconv.FormatInt(usable[0], 10))
	}
	return f
}

func (h *Handler) editorChoices(r *http.Request) (editorData, error) {
	uid := workspaceID(r)
	d := editorData{SyntaxHelp: message.SyntaxHelp(), Zones: timeZones}
	accts, err := h.AccountService.List(r.Context(), uid)
	if err != nil {
		return d, err
	}
	now := time.Now()
	for _, a := range accts {
		if !a.Live() {
			continue
		}
		d.Accounts = append(d.Accounts, senderChoice{ID: a.ID, Name: a.Name, Phone: a.MaskedPhone(), Status: a.StatusLabel(now),
			Usable: a.Status == accounts.StatusActive || a.Status == accounts.StatusFloodWait})
	}
	return d, nil
}

// listChoices fills the member-list picker from the form: the lists
// ticked in it (kept whatever the search), then those matching list_q.
func (h *Handler) listChoices(r *http.Request, d *editorData) error {
	ctx, uid := r.Context(), workspaceID(r)
	accts, err := h.AccountService.List(ctx, uid)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, a := range accts {
		names[a.ID] = a.Name
	}
	choice := func(l extract.ListInfo) listChoice {
		c := listChoice{ListInfo: l}
		if l.Extraction != nil {
			if c.Account = names[l.Extraction.AccountID]; c.Account == "" {
				c.Account = "a disconnected account"
			}
		}
		return c
	}
	ticked := map[int64]bool{}
	for _, v := range d.Form["list"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 || ticked[id] || len(ticked) >= maxTickedLists {
			continue // refused on save, with a message
		}
		l, err := h.Extract.List(ctx, uid, id)
		if e, ok := apperr.As(err); ok && e.Status == http.StatusNotFound {
			continue
		}
		if err != nil {
			return err
		}
		ticked[id] = true
		d.Lists = append(d.Lists, choice(l))
		d.HasLists = true
	}
	d.ListQ = strings.TrimSpace(d.Form.Get("list_q"))
	found, err := h.Extract.SearchLists(ctx, uid, d.ListQ, pickerSize+1)
	if err != nil {
		return err
	}
	if len(found) > pickerSize {
		found, d.ListsMore = found[:pickerSize], true
	}
	d.ListsFound = len(found)
	for _, l := range found {
		d.HasLists = true
		if !ticked[l.ID] {
			d.Lists = append(d.Lists, choice(l))
		}
	}
	if !d.HasLists && d.ListQ != "" {
		n, _, err := h.Extract.ListCounts(ctx, uid)
		d.HasLists = n > 0
		return err
	}
	return nil
}

// GET /campaigns/new
func (h *Handler) newCampaign(w http.ResponseWriter, r *http.Request) {
	p := &Page{Title: "New campaign", Nav: "campaigns"}
	d, err := h.editorChoices(r)
	if err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	d.Form = defaultEditorForm(d.Accounts)
	if list := r.URL.Query().Get("list"); list != "" {
		d.Form.Set("list", list)
	}
	d.Form.Set("list_q", r.URL.Query().Get("list_q"))
	if err := h.listChoices(r, &d); err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	if err := h.loadAttachments(r.Context(), workspaceID(r), &d); err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	h.fillPreviews(r, &d)
	p.Data = &d
	h.render(w, r, http.StatusOK, "campaign_new", p)
}

// POST /campaigns — saves the campaign as a draft and opens its page.
func (h *Handler) createCampaign(w http.ResponseWriter, r *http.Request) {
	p := &Page{Title: "New campaign", Nav: "campaigns"}
	d, err := h.editorChoices(r)
	if err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	d.Form = r.PostForm
	p.Data = &d
	if err := h.listChoices(r, &d); err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	// Chosen files are stored first, whatever the button: a form that
	// comes back (an error, a removed step) keeps them by id, as a
	// browser cannot keep a chosen file.
	attErr := h.storeAttachments(r, d.Form)
	if v := d.Form.Get("remove_media"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= store.MaxSteps {
			_, hidden, _ := attachmentFields(n)
			d.Form.Del(hidden)
		}
	}
	if v := d.Form.Get("remove_step"); v != "" {
		// Removing a follow-up without JavaScript: the same form again
		// without it; nothing is saved.
		if n, err := strconv.Atoi(v); err == nil && n >= 2 && n <= store.MaxSteps {
			removeStep(d.Form, n)
		}
	}
	if err := h.loadAttachments(r.Context(), workspaceID(r), &d); attErr == nil {
		attErr = err
	}
	// Attaching, removing an attachment or a step, and the picker's search
	// without JavaScript show the same form again; nothing is saved.
	if attErr != nil || d.Form.Get("remove_step") != "" || d.Form.Get("find_lists") != "" || d.Form.Get("attach") != "" || d.Form.Get("remove_media") != "" {
		d.FileDropped = r.MultipartForm != nil && len(r.MultipartForm.File["recipients_file"]) > 0
		h.fillPreviews(r, &d)
		if attErr != nil {
			h.renderError(w, r, "campaign_new", p, attErr)
			return
		}
		h.render(w, r, http.StatusOK, "campaign_new", p)
		return
	}
	in, err := h.campaignInput(r, &d)
	if err == nil {
		var v campaign.View
		v, err = h.Campaigns.Create(r.Context(), workspaceID(r), in)
		if err == nil {
			h.flash(r, "success", fmt.Sprintf("Campaign saved as a draft with %s. Check the preview and the accounts, then start it.", countOf(v.Recipients, "recipient")))
			redirect(w, r, "/campaigns/"+strconv.FormatInt(v.ID, 10))
			return
		}
	}
	if e, ok := apperr.As(err); ok && !editorFields[e.Field] {
		err = e.OnField("") // shown at the top rather than lost
	}
	if e, ok := apperr.As(err); ok && (e.Field == "audience" || e.Field == "audience.list_ids") {
		d.ListsInvalid = true
	}
	d.FileDropped = r.MultipartForm != nil && len(r.MultipartForm.File["recipients_file"]) > 0
	h.fillPreviews(r, &d)
	h.renderError(w, r, "campaign_new", p, err)
}

// GET /campaigns/new/lists?list_q=…&list=… — the member-list picker
// alone, narrowed as the user types into its search field (with
// JavaScript; without, the form's Find button does the same).
func (h *Handler) campaignListPicker(w http.ResponseWriter, r *http.Request) {
	d := editorData{Form: r.URL.Query()}
	err := h.listChoices(r, &d)
	var html []byte
	if err == nil {
		html, err = h.fragment("campaign_new", "list-picker", &d)
	}
	writePart(w, html, err)
}

// editorFields are the fields the editor shows errors next to.
var editorFields = map[string]bool{
	"name": true, "message": true, "audience": true, "audience.list_ids": true, "recipients": true, "recipients_file": true,
	"sender_account_ids": true, "pacing.min_interval_seconds": true, "pacing.daily_cap": true, "pacing.rate_per_hour": true,
	"pacing.window.from": true, "pacing.window.to": true, "pacing.window.time_zone": true, "start_at": true, "failure_percent": true,
	"steps[0].message": true, "steps[1].message": true, "steps[2].message": true,
	"steps[0].after_seconds": true, "steps[1].after_seconds": true, "steps[2].after_seconds": true,
	"media_id": true, "steps[0].media_id": true, "steps[1].media_id": true, "steps[2].media_id": true,
}

// campaignInput reads the editor's form into what Create takes.
func (h *Handler) campaignInput(r *http.Request, d *editorData) (campaign.CreateInput, error) {
	f := d.Form
	in := campaign.CreateInput{Name: f.Get("name"), Message: f.Get("message"), LinkPreview: f.Get("link_preview") == "on"}
	footer := f.Get("opt_out_footer") == "on"
	in.OptOutFooter = &footer
	for _, v := range f["list"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return in, apperr.Validation("audience", "Choose member lists from the list shown")
		}
		in.Audience.ListIDs = append(in.Audience.ListIDs, id)
	}
	for _, v := range f["sender"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return in, apperr.Validation("sender_account_ids", "Choose accounts from the list shown")
		}
		in.SenderAccountIDs = append(in.SenderAccountIDs, id)
	}
	refs, err := h.pastedRecipients(r, d)
	if err != nil {
		return in, err
	}
	in.Audience.Refs = refs
	if in.MediaID, err = mediaID(f, 1); err != nil {
		return in, err
	}
	if in.Steps, err = stepInputs(f); err != nil {
		return in, err
	}

	var err2 error
	num := func(field, key string) *int {
		s := strings.TrimSpace(f.Get(key))
		if s == "" || err2 != nil {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			err2 = apperr.Validation(field, fmt.Sprintf("%q is not a whole number", s))
			return nil
		}
		return &n
	}
	in.FailurePercent = num("failure_percent", "failure_percent")
	in.Pacing.MinIntervalSeconds = num("pacing.min_interval_seconds", "min_interval")
	in.Pacing.DailyCap = num("pacing.daily_cap", "daily_cap")
	if rate := num("pacing.rate_per_hour", "rate_per_hour"); rate != nil {
		in.Pacing.RatePerHour = *rate
	}
	if err2 != nil {
		return in, err2
	}
	zone := strings.TrimSpace(f.Get("time_zone"))
	if from, to := strings.TrimSpace(f.Get("window_from")), strings.TrimSpace(f.Get("window_to")); from != "" || to != "" {
		in.Pacing.Window = &campaign.WindowInput{From: from, To: to, TimeZone: zone}
	}
	if s := strings.TrimSpace(f.Get("start_at")); s != "" {
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "" || strings.EqualFold(zone, "local") {
			return in, apperr.Validation("pacing.window.time_zone", fmt.Sprintf("Unknown time zone %q", zone))
		}
		t, err := time.ParseInLocation("2006-01-02T15:04", s, loc)
		if err != nil {
			return in, apperr.Validation("start_at", "The start time is not a date and time")
		}
		if t.Before(time.Now()) {
			return in, apperr.Validation("start_at", "The start time has passed; leave it empty to start when you press Start")
		}
		in.StartAt = &t
	}
	return in, nil
}

// pastedRecipients reads the pasted list and the uploaded file. Items that
// name no user stop the save until the user fixes them or says to leave
// them out.
func (h *Handler) pastedRecipients(r *http.Request, d *editorData) ([]recipients.Ref, error) {
	lim := recipients.Limits{}
	var all []recipients.Ref
	add := func(res recipients.Result) {
		all = append(all, res.Refs...)
		d.Invalid = append(d.Invalid, res.Invalid...)
		d.InvalidCount += res.InvalidCount
	}
	if text := d.Form.Get("recipients"); strings.TrimSpace(text) != "" {
		res, err := recipients.ParseText(text, lim)
		if err != nil {
			return nil, onField(err, "recipients")
		}
		add(res)
	}
	if r.MultipartForm != nil && len(r.MultipartForm.File["recipients_file"]) > 0 {
		fh := r.MultipartForm.File["recipients_file"][0]
		if fh.Size > 0 {
			file, err := fh.Open()
			if err != nil {
				return nil, fmt.Errorf("open uploaded recipients: %w", err)
			}
			defer file.Close()
			res, err := recipients.ParseCSV(file, lim)
			if e, ok := apperr.As(err); ok {
				return nil, e.OnField("recipients_file") // the parser names the pasted list's field
			} else if err != nil {
				return nil, err
			}
			for i := range res.Invalid {
				res.Invalid[i].Value = fh.Filename + ": " + res.Invalid[i].Value
			}
			add(res)
		}
	}
	if len(d.Invalid) > 5*recipients.MaxReported {
		d.Invalid = d.Invalid[:5*recipients.MaxReported]
	}
	if d.InvalidCount > 0 && d.Form.Get("skip_invalid") != "on" {
		e := apperr.Validation("recipients", fmt.Sprintf("%s of the pasted or uploaded items name no Telegram user", usertext.Thousands(d.InvalidCount)))
		e.Hint = "Correct them (the list below says where), or tick “Leave them out” to save without them."
		return nil, e
	}
	return all, nil
}

func onField(err error, field string) error {
	if e, ok := apperr.As(err); ok && e.Field == "" {
		return e.OnField(field)
	}
	return err
}

// timeZones are offered for a sending window; any IANA name typed into the
// API works too.
var timeZones = []string{
	"UTC",
	"Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris", "Europe/Brussels", "Europe/Amsterdam",
	"Europe/Berlin", "Europe/Zurich", "Europe/Rome", "Europe/Vienna", "Europe/Prague", "Europe/Warsaw", "Europe/Stockholm",
	"Europe/Helsinki", "Europe/Athens", "Europe/Bucharest", "Europe/Kyiv", "Europe/Istanbul", "Europe/Moscow",
	"Asia/Dubai", "Asia/Tehran", "Asia/Karachi", "Asia/Tashkent", "Asia/Almaty", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok",
	"Asia/Jakarta", "Asia/Singapore", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Seoul", "Asia/Tokyo",
	"Australia/Perth", "Australia/Sydney", "Pacific/Auckland",
	"Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Nairobi",
	"America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/Bogota", "America/Mexico_City",
	"America/New_York", "America/Toronto", "America/Chicago", "America/Denver", "America/Los_Angeles",
}
