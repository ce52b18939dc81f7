package store

import "context"

// CampaignMedia is which stored file each step of a campaign attaches.
type CampaignMedia interface {
	// SetCampaignMedia makes step (1 for the first message) attach file;
	// the file must exist.
	SetCampaignMedia(ctx context.Context, campaignID int64, step int, fileID int64) error
	// CampaignMedia maps each step of the campaign that attaches a file to
	// the file's id; steps without one are absent.
	CampaignMedia(ctx context.Context, campaignID int64) (map[int]int64, error)
}
