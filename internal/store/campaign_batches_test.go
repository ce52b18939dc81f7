package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func recipients(n int, bad int) []store.NewDelivery {
	ds := make([]store.NewDelivery, n)
	for i := range ds {
		ds[i] = store.NewDelivery{TGUserID: int64(1000 + i), State: store.DeliveryPending, RandomID: int64(i + 1)}
		if i == bad {
			ds[i].State = "no such state" // refused by the table: the creation fails there
		}
	}
	return ds
}

// TestCampaignCreatedInBatches: a campaign of more recipients than one
// write batch is written in several transactions and appears whole; one
// whose creation fails after some batches never appears and is deleted
// by the prune; one left preparing (its process died) stays out of sight
// and the prune deletes it after store.PreparingTimeout.
func TestCampaignCreatedInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		draft := func(name string) store.Campaign {
			return store.Campaign{UserID: ann.ID, Name: name, Message: "Hi", Status: store.CampaignDraft,
				MinIntervalSeconds: 30, DailyCap: 50, Audience: "{}", CreatedAt: t0}
		}
		n := 3*store.WriteBatch + 7
		c, err := s.CreateCampaign(ctx, store.NewCampaign{Campaign: draft("Big"), Deliveries: recipients(n, -1)})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.CampaignByID(ctx, ann.ID, c.ID); err != nil || got.Recipients != n {
			t.Fatalf("read back %+v, %v", got, err)
		}
		if counts, err := s.CampaignCounts(ctx, c.ID); err != nil || counts.Pending != n {
			t.Fatalf("counts %+v, %v; want %d pending", counts, err, n)
		}

		// A failure in the third batch: nothing to see, nothing to start.
		if _, err := s.CreateCampaign(ctx, store.NewCampaign{Campaign: draft("Broken"), Deliveries: recipients(n, 2*store.WriteBatch+1)}); err == nil {
			t.Fatal("a campaign with a refused delivery was created")
		}
		list, err := s.ListCampaigns(ctx, ann.ID)
		if err != nil || len(list) != 1 || list[0].ID != c.ID {
			t.Fatalf("after a failed creation the campaigns are %+v, %v", list, err)
		}
		if k, err := s.CountCampaigns(ctx, ann.ID); err != nil || k != 1 {
			t.Errorf("%d campaigns counted (%v); want 1", k, err)
		}
		if _, err := s.CampaignByID(ctx, ann.ID, c.ID+1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the half-made campaign reads: %v", err)
		}
		if _, err := s.SetCampaignStatus(ctx, ann.ID, c.ID+1, []string{store.CampaignDraft}, store.CampaignRunning, "", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the half-made campaign starts: %v", err)
		}
		deleted := func() int64 {
			var total int64
			for {
				k, err := s.DeletePruned(ctx, store.WriteBatch)
				if err != nil {
					t.Fatal(err)
				}
				if k == 0 {
					return total
				}
				total += k
			}
		}
		if k := deleted(); k != 2*store.WriteBatch+1 {
			t.Errorf("the prune deleted %d rows of the failed creation; want its %d deliveries and itself", k, 2*store.WriteBatch+1)
		}

		// A creation cut short by the process's end leaves the campaign
		// preparing, as its first transaction wrote it.
		cut, err := s.CreateCampaign(ctx, store.NewCampaign{Campaign: draft("Cut short"), Deliveries: recipients(n, -1)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, markPreparing(s), cut.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CampaignByID(ctx, ann.ID, cut.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a preparing campaign reads: %v", err)
		}
		if k, err := s.PruneDraftsBefore(ctx, t0.Add(-time.Hour), t0.Add(store.PreparingTimeout/2)); err != nil || k != 0 {
			t.Errorf("the prune took %d campaigns still within their time (%v)", k, err)
		}
		if k, err := s.PruneDraftsBefore(ctx, t0.Add(-time.Hour), t0.Add(store.PreparingTimeout+time.Minute)); err != nil || k != 1 {
			t.Errorf("the prune took %d campaigns left preparing (%v); want 1", k, err)
		}
		if k := deleted(); k != int64(n)+1 {
			t.Errorf("the prune deleted %d rows; want %d", k, n+1)
		}
		if list, err := s.ListCampaigns(ctx, ann.ID); err != nil || len(list) != 1 {
			t.Errorf("campaigns left: %+v, %v", list, err)
		}
	})
}

// markPreparing puts a campaign back as its first transaction wrote it.
func markPreparing(s store.Store) string {
	if s.Dialect() == "postgres" {
		return "UPDATE campaigns SET preparing = TRUE WHERE id = $1"
	}
	return "UPDATE campaigns SET preparing = TRUE WHERE id = ?"
}
