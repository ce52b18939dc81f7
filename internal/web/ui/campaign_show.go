package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/usertext"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// campaignProgress is the live part of a campaign's page: status,
// controls, counts, accounts, reasons and replies. The event stream sends
// it again whenever it changes.
type campaignProgress struct {
	campaignRow
	Live     bool
	Replies  []replyRow
	Timeline string // JSON for the chart: {"labels":[], "sent":[], "replied":[]}
}

type replyRow struct {
	Who       string
	UserID    int64
	AccountID int64
	At        time.Time
	Text      string
}

// Started reports whether the campaign ever ran.
func (p campaignProgress) Started() bool { return !p.StartedAt.IsZero() }

// CanStart, CanPause, … say which controls the status allows.
func (p campaignProgress) CanStart() bool { return p.Status == store.CampaignDraft }
func (p campaignProgress) CanPause() bool {
	return p.Status == store.CampaignRunning || p.Status == store.CampaignScheduled
}
func (p campaignProgress) CanResume() bool { return p.Status == store.CampaignPaused }
func (p campaignProgress) CanCancel() bool { return !p.Final() }

// Open counts an account's deliveries still to go.
func (p campaignProgress) Open(n store.DeliveryCounts) int { return n.Pending + n.Sending }

// StatusLine is the status in words.
func (p campaignProgress) StatusLine() string {
	switch p.Status {
	case store.CampaignDraft:
		return "Draft: nothing is sent until you start it."
	case store.CampaignScheduled:
		return "Scheduled: sending starts at " + p.StartAt.UTC().Format("2 Jan 2006 15:04 UTC") + "."
	case store.CampaignRunning:
		if p.Pending() == 0 {
			return "Finishing."
		}
		if why, _, ok := p.Stalled(); ok {
			return why
		}
		return "Sending, at each account's pace."
	case store.CampaignPaused:
		return "Paused: nothing is sent until you resume it."
	case store.CampaignCompleted:
		return "Completed: every recipient has an outcome."
	case store.CampaignCancelled:
		return "Cancelled: what was not sent is skipped."
	}
	return p.Status
}

// Count is n with its noun: "1 recipient", "1,200 recipients".
func (p campaignProgress) Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return usertext.Thousands(n) + " " + many
}

// AccountBadge is the Bootstrap colour of an account's state.
func (p campaignProgress) AccountBadge(state string) string {
	switch state {
	case campaign.AccountSending:
		return "primary"
	case campaign.AccountWaiting:
		return "warning"
	case campaign.AccountLimited, campaign.AccountNeedsLogin:
		return "danger"
	}
	return "success"
}

// campaignPageData is the whole campaign page.
type campaignPageData struct {
	campaignProgress
	Preview    template.HTML
	PreviewLen int
	PreviewFor string
	Senders    string
	// Attachments are the steps' files, by step index.
	Attachments map[int]*attachmentView
}

// Attachment is step n's file; nil for none.
func (d campaignPageData) Attachment(n int) *attachmentView { return d.Attachments[n] }

// Progress is the live blocks' data.
func (d campaignPageData) Progress() campaignProgress { return d.campaignProgress }

func (h *Handler) campaignProgress(ctx context.Context, uid, id int64) (campaignProgress, error) {
	v, err := h.Campaigns.Get(ctx, uid, id)
	if err != nil {
		return campaignProgress{}, err
	}
	p := campaignProgress{campaignRow: campaignRow{v}, Live: !v.Final()}
	replies, err := h.Campaigns.Replies(ctx, uid, id, 50)
	if err != nil {
		return p, err
	}
	for _, d := range replies {
		p.Replies = append(p.Replies, replyRow{Who: personName(d), UserID: d.TGUserID, AccountID: d.AccountID, At: d.RepliedAt, Text: d.ReplyText})
	}
	buckets, width, err := h.Campaigns.Timeline(ctx, uid, id)
	if err != nil {
		return p, err
	}
	p.Timeline = timelineJSON(buckets, width, len(v.Steps))
	return p, nil
}

func personName(d store.Delivery) string {
	name := strings.TrimSpace(d.FirstName + " " + d.LastName)
	switch {
	case name != "" && d.Username != "":
		return name + " (@" + d.Username + ")"
	case name != "":
		return name
	case d.Username != "":
		return "@" + d.Username
	}
	return "user " + strconv.FormatInt(d.TGUserID, 10)
}

// timelineJSON is the chart's data: bucket labels in UTC, sends and
// replies per bucket, and with follow-ups (steps > 1) each step's sends,
// so the chart stacks them.
func timelineJSON(buckets []store.TimeBucket, width time.Duration, steps int) string {
	out := struct {
		Labels  []string `json:"labels"`
		Sent    []int    `json:"sent"`
		Replied []int    `json:"replied"`
		Steps   [][]int  `json:"steps,omitempty"`
		Width   string   `json:"width"`
	}{Labels: []string{}, Sent: []int{}, Replied: []int{}, Width: width.String()}
	layout := "15:04"
	if width >= 24*time.Hour {
		layout = "2 Jan"
	} else if width >= time.Hour {
		layout = "2 Jan 15:04"
	}
	if steps > 1 {
		out.Steps = make([][]int, steps)
		for k := range out.Steps {
			out.Steps[k] = []int{}
		}
	}
	for _, b := range buckets {
		out.Labels = append(out.Labels, b.Start.UTC().Format(layout))
		out.Sent = append(out.Sent, b.Sent)
		out.Replied = append(out.Replied, b.Replied)
		for k := range out.Steps {
			n := 0
			if k < len(b.StepSent) {
				n = b.StepSent[k]
			}
			out.Steps[k] = append(out.Steps[k], n)
		}
	}
	j, _ := json.Marshal(out)
	return string(j)
}

// GET /campaigns/{id}
func (h *Handler) showCampaign(w http.ResponseWriter, r *http.Request) {
	p := &Page{Title: "Campaign", Nav: "campaigns"}
	id, err := pathID(r, "Campaign")
	var d campaignPageData
	if err == nil {
		d.campaignProgress, err = h.campaignProgress(r.Context(), workspaceID(r), id)
	}
	if err == nil {
		var first campaign.DeliveryRow
		rendered, row, perr := h.Campaigns.PreviewFor(r.Context(), workspaceID(r), id, 0)
		first = row
		if perr == nil && rendered.Text != "" {
			d.Preview, d.PreviewLen = template.HTML(rendered.HTML()), rendered.Length() // HTML escapes the text
			switch {
			case first.Username != "":
				d.PreviewFor = "@" + first.Username
			case first.UserID != 0:
				d.PreviewFor = "user " + strconv.FormatInt(first.UserID, 10)
			}
		}
		var names []string
		for _, a := range d.Accounts {
			names = append(names, usertext.Isolate(a.Name)) // each apart from the others
		}
		d.Senders = strings.Join(names, ", ")
		d.Attachments, err = h.stepAttachments(r.Context(), workspaceID(r), d.Steps)
	}
	if err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	p.Title = d.Name
	p.Data = d
	h.render(w, r, http.StatusOK, "campaign_show", p)
}

// campaignPoll is how often the event stream looks at the campaign; the
// senders may run on another node, so the database is what it watches.
// An ended campaign still gets replies, looked at less often.
const (
	campaignPoll      = time.Second
	campaignEndedPoll = 5 * time.Second
)

// replyWatch is how long after its end a campaign's page keeps listening
// for replies: the engine watches its accounts that long (its
// WatchRepliesFor default).
const replyWatch = 7 * 24 * time.Hour

// Listening reports whether the page should stream: while the campaign
// runs, and while replies may still come after its end.
func (p campaignProgress) Listening() bool {
	return p.Live || p.FinishedAt.IsZero() || time.Since(p.FinishedAt) < replyWatch
}

// GET /campaigns/{id}/events — "progress" and "report" events carrying the
// live blocks' HTML whenever they change; "done" once the campaign ended
// longer ago than replies are watched.
func (h *Handler) campaignEvents(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Campaign")
	if err == nil {
		_, err = h.Campaigns.Get(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		http.Error(w, "Not found", http.StatusNotFound)
		return
	}
	h.streamLive(w, r, "campaign progress", campaignPoll, nil, func(ctx context.Context) (liveLook, error) {
		p, err := h.campaignProgress(ctx, workspaceID(r), id)
		if err != nil {
			return liveLook{}, fmt.Errorf("campaign %d: %w", id, err)
		}
		l := liveLook{done: !p.Listening()}
		if !p.Live {
			l.next = campaignEndedPoll
		}
		for _, b := range [][2]string{{"progress", "campaign-progress"}, {"report", "campaign-report"}} {
			ev, err := h.block(b[0], "campaign_show", b[1], p)
			if err != nil {
				return l, err
			}
			l.events = append(l.events, ev)
		}
		return l, nil
	})
}

// GET /campaigns/{id}/deliveries.csv — the delivery report.
func (h *Handler) campaignDeliveriesCSV(w http.ResponseWriter, r *http.Request) {
	h.campaignDeliveries(w, r, "csv")
}

// GET /campaigns/{id}/deliveries.json
func (h *Handler) campaignDeliveriesJSON(w http.ResponseWriter, r *http.Request) {
	h.campaignDeliveries(w, r, "json")
}

func (h *Handler) campaignDeliveries(w http.ResponseWriter, r *http.Request, format string) {
	id, err := pathID(r, "Campaign")
	var v campaign.View
	if err == nil {
		v, err = h.Campaigns.Get(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Delivery report", Nav: "campaigns"}, err)
		return
	}
	ct := "text/csv; charset=utf-8"
	if format == "json" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment",
		map[string]string{"filename": reportName(v.Name) + " deliveries." + format}))
	if err := h.Campaigns.WriteDeliveries(r.Context(), workspaceID(r), id, format, w); err != nil {
		// The headers are gone; the client sees a cut-short file.
		auth.NoteError(r.Context(), err)
		h.Logger.Error("delivery report", "campaign", id, "err", err)
	}
}

// reportName makes a campaign's name safe as a file name.
func reportName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 32 {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		return "campaign"
	}
	return name
}

// stepAttachments are the files a campaign's steps attach, by step.
func (h *Handler) stepAttachments(ctx context.Context, uid int64, steps []campaign.StepView) (map[int]*attachmentView, error) {
	out := map[int]*attachmentView{}
	for _, st := range steps {
		if st.MediaID == 0 {
			continue
		}
		if h.Media == nil {
			out[st.Index] = &attachmentView{ID: st.MediaID, Name: fmt.Sprintf("file %d", st.MediaID), Label: "file"}
			continue
		}
		f, err := h.Media.File(ctx, uid, st.MediaID, "media_id")
		if err != nil {
			return nil, err
		}
		out[st.Index] = attachmentOf(f)
	}
	return out, nil
}
