package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
)

// campaignRow is one campaign in the list and on its page.
type campaignRow struct{ campaign.View }

// Pending counts the deliveries still to go, those on their way included.
func (c campaignRow) Pending() int { return c.Counts.Pending + c.Counts.Sending }

// Total is every recipient of the campaign, skipped ones included.
func (c campaignRow) Total() int {
	n := c.Counts
	return n.Pending + n.Sending + n.Sent + n.Failed + n.Skipped
}

// Percent is the share of recipients that reached an outcome.
func (c campaignRow) Percent() int {
	t := c.Total()
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
}

// GET /campaigns
func (h *Handler) campaigns(w http.ResponseWriter, r *http.Request) {
	p := &Page{Title: "Campaigns", Nav: "campaigns"}
	d, err := h.shell(r)
	var list []campaign.View
	if err == nil {
		list, err = h.Campaigns.List(r.Context(), userID(r))
	}
	data := campaignListData{shellData: d}
	if err == nil && len(list) == 0 {
		lists, lerr := h.Extract.Lists(r.Context(), userID(r))
		data.MemberLists, err = len(lists), lerr
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
