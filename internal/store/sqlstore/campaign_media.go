package sqlstore

import (
	"context"

	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func (q queries) SetCampaignMedia(ctx context.Context, campaignID int64, step int, fileID int64) error {
	return mapErr(q.d, q.q.SetCampaignMedia(ctx, gen.SetCampaignMediaParams{CampaignID: campaignID, Step: int64(step), FileID: fileID}))
}

func (q queries) CampaignMedia(ctx context.Context, campaignID int64) (map[int]int64, error) {
	rows, err := q.q.CampaignMedia(ctx, campaignID)
	if err != nil {
		return nil, mapErr(q.d, err)
	}
	out := make(map[int]int64, len(rows))
	for _, r := range rows {
		out[int(r.Step)] = r.FileID
	}
	return out, nil
}
