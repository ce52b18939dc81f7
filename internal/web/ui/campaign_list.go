package ui

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
)

// campaignRow is one campaign in the list and on its page.
type campaignRow struct{ campaign.View }

// Pending counts the deliveries still to go, those on their way included.
func (c campaignRow) Pending() int { return c.Counts.Pending + c.Counts.Sending }

// Total is every recipient of the campaign, skipped ones included.
func (c campaignRow) Total() int {
	if c.Recipients > 0 {
		return c.Recipients
	}
	return c.messages()
}

// messages counts the campaign's messages: one per recipient and step
// written so far.
func (c campaignRow) messages() int {
	n := c.Counts
	return n.Pending + n.Sending + n.Sent + n.Failed + n.Skipped
}

// Percent is the share of messages written so far (first messages, and
// follow-ups once their step comes) that reached an outcome.
func (c campaignRow) Percent() int {
	t := c.messages()
	if t == 0 {
		return 100
	}
	return (c.Counts.Sent + c.Counts.Failed + c.Counts.Skipped) * 100 / t
}

// Badge is the Bootstrap colour of the status badge.
func (c campaignRow) Badge() string { return statusBadge(c.Status) }

func statusBadge(status string) string {
	switch status {
	case store.CampaignRunning:
		return "primary"
	case store.CampaignScheduled:
		return "info"
	case store.CampaignPaused:
		return "warning"
	case store.CampaignCompleted:
		return "success"
	case store.CampaignCancelled:
		return "secondary"
	}
	return "light border" // draft
}

type campaignListData struct {
	shellData
	MemberLists int
	Campaigns   []campaignRow
	// OlderURL and NewestURL page through the list.
	OlderURL, NewestURL template.URL
}

// campaignsPerPage is how many campaigns a page of the list shows.
const campaignsPerPage = 50

var errBadCampaignsLink = &apperr.Error{Code: apperr.CodeValidation, Message: "This page link is not one the campaign list made",
	Hint: "Start again from the newest campaigns.", Status: http.StatusUnprocessableEntity}

// GET /campaigns
func (h *Handler) campaigns(w http.ResponseWriter, r *http.Request) {
	p := &Page{Title: "Campaigns", Nav: "campaigns"}
	d, err := h.shell(r)
	var (
		list []campaign.View
		next string
	)
	before := r.URL.Query().Get("before")
	if err == nil {
		list, next, err = h.Campaigns.ListPage(r.Context(), workspaceID(r), before, campaignsPerPage)
		if e, ok := apperr.As(err); ok && e.Field == "cursor" {
			err = errBadCampaignsLink
		}
	}
	data := campaignListData{shellData: d}
	if next != "" {
		data.OlderURL = template.URL("/campaigns?before=" + url.QueryEscape(next))
	}
	if before != "" {
		data.NewestURL = "/campaigns"
	}
	if err == nil && len(list) == 0 && before == "" {
		data.MemberLists, _, err = h.Extract.ListCounts(r.Context(), workspaceID(r))
	}
	if err != nil {
		h.renderError(w, r, "error", p, err)
		return
	}
	for _, v := range list {
		data.Campaigns = append(data.Campaigns, campaignRow{v})
	}
	p.Data = data
	h.render(w, r, http.StatusOK, "campaigns", p)
}
