package ui

import "net/http"

// campaignCounters fills the dashboard's campaign slots: the counters, the
// "Send a campaign" step once an account and a member list exist, and its
// "Done" once a campaign exists.
func (h *Handler) campaignCounters(r *http.Request, uid int64, d *dashboardData) error {
	var err error
	if d.Campaigns, err = h.Campaigns.Count(r.Context(), uid); err != nil {
		return err
	}
	if d.Suppressed, err = h.Campaigns.CountSuppressions(r.Context(), uid); err != nil {
		return err
	}
	d.CampaignSent = d.Campaigns > 0
	if d.Accounts > 0 && d.MemberLists > 0 {
		d.CampaignHref = "/campaigns/new"
	}
	return nil
}
