package ui

import (
	"context"
	"net/http"
	"strconv"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
)

// POST /campaigns/{id}/start
func (h *Handler) startCampaign(w http.ResponseWriter, r *http.Request) {
	h.moveCampaign(w, r, h.Campaigns.Start, func(v campaign.View) string {
		if v.Status == store.CampaignScheduled {
			return "Campaign scheduled: it starts sending at " + v.StartAt.UTC().Format("2 Jan 2006 15:04 UTC") + "."
		}
		return "Campaign started. Each account sends at its pace; the progress below updates by itself."
	})
}

// POST /campaigns/{id}/pause
func (h *Handler) pauseCampaign(w http.ResponseWriter, r *http.Request) {
	h.moveCampaign(w, r, h.Campaigns.Pause, func(campaign.View) string {
		return "Campaign paused. A message already on its way finishes; nothing else is sent until you resume."
	})
}

// POST /campaigns/{id}/resume
func (h *Handler) resumeCampaign(w http.ResponseWriter, r *http.Request) {
	h.moveCampaign(w, r, h.Campaigns.Resume, func(campaign.View) string {
		return "Campaign resumed from where it stopped."
	})
}

// POST /campaigns/{id}/cancel
func (h *Handler) cancelCampaign(w http.ResponseWriter, r *http.Request) {
	h.moveCampaign(w, r, h.Campaigns.Cancel, func(campaign.View) string {
		return "Campaign cancelled. The messages not sent yet are skipped; what was sent stays in the report."
	})
}

// moveCampaign runs one of the campaign page's buttons and comes back to
// the page saying what happened; a move the status no longer allows (the
// page was old) is said there too.
func (h *Handler) moveCampaign(w http.ResponseWriter, r *http.Request, act func(ctx context.Context, uid, id int64) (campaign.View, error), said func(campaign.View) string) {
	id, err := pathID(r, "Campaign")
	var v campaign.View
	if err == nil {
		v, err = act(r.Context(), workspaceID(r), id)
	}
	if e, ok := apperr.As(err); ok && e.HTTPStatus() == http.StatusConflict {
		h.flash(r, "warning", e.Message+". "+e.Hint)
		redirect(w, r, "/campaigns/"+strconv.FormatInt(id, 10))
		return
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Campaign", Nav: "campaigns"}, err)
		return
	}
	h.flash(r, "success", said(v))
	redirect(w, r, "/campaigns/"+strconv.FormatInt(id, 10))
}
