package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestQuotasRefuseClearly: a draft past the drafts quota, or recipients
// past the deliveries quota, are refused naming the quota and what to do,
// and nothing is saved; a cancelled draft is deleted by the next prune
// and frees its share; another user's quotas are their own.
func TestQuotasRefuseClearly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := quietService(t, st, campaign.Options{Quotas: campaign.Quotas{Drafts: 2, Deliveries: 5}})
		ann, bea := newUser(t, st, "ann@example.com"), newUser(t, st, "bea@example.com")
		sender := func(user int64, apiID int64) int64 {
			a, err := st.CreateAccount(ctx, user, store.AccountLogin{APIID: apiID, APIHashSealed: []byte("h"), Phone: fmt.Sprintf("99966%05d", apiID%100000),
				TGUserID: apiID, FirstName: "Sam", SessionSealed: []byte("s"), Now: time.Now().UTC()})
			if err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		annAcct, beaAcct := sender(ann, 3000001), sender(bea, 3000002)
		create := func(user, acct int64, ids ...int64) (campaign.View, error) {
			return svc.Create(ctx, user, campaign.CreateInput{Name: "Spring", Message: "Hi", SenderAccountIDs: []int64{acct},
				Audience: campaign.Audience{UserIDs: ids}})
		}
		quota := func(err error, words ...string) {
			t.Helper()
			e, ok := apperr.As(err)
			if !ok || e.Code != "quota_exceeded" || e.HTTPStatus() != 422 || !strings.Contains(e.Hint, "Nothing was saved") {
				t.Fatalf("want a quota refusal, got %v", err)
			}
			for _, w := range words {
				if !strings.Contains(e.Message+" "+e.Hint, w) {
					t.Errorf("refusal %q / %q does not say %q", e.Message, e.Hint, w)
				}
			}
		}
		first, err := create(ann, annAcct, 11, 12)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := create(ann, annAcct, 13, 14); err != nil {
			t.Fatal(err)
		}
		_, err = create(ann, annAcct, 15)
		quota(err, "drafts quota is 2", "cancel")
		if n, _ := st.CountCampaigns(ctx, ann); n != 2 {
			t.Fatalf("a refused draft was saved: %d campaigns", n)
		}
		if _, err := create(bea, beaAcct, 11, 12, 13); err != nil {
			t.Fatalf("another user's quota: %v", err)
		}

		// Cancelling a draft frees its place and its recipients once the
		// prune has run.
		if _, err := svc.Cancel(ctx, ann, first.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CampaignByID(ctx, ann, first.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a cancelled draft is still there after the prune: %v", err)
		}
		_, err = create(ann, annAcct, 21, 22, 23, 24)
		quota(err, "hold 2 recipients", "deliveries quota is 5", "--quota-deliveries")
		if _, err := create(ann, annAcct, 21, 22, 23); err != nil {
			t.Fatalf("within the deliveries quota: %v", err)
		}
	})
}

// pruneCounter counts the prune's delete batches.
type pruneCounter struct {
	store.Store
	batches atomic.Int64
}

func (p *pruneCounter) DeletePruned(ctx context.Context, limit int) (int64, error) {
	p.batches.Add(1)
	return p.Store.DeletePruned(ctx, limit)
}

// TestPruneDeletesOldDraftsInBatches: drafts older than the retention are
// deleted, a batch of at most store.WriteBatch rows at a time, and nothing
// else is: a younger draft, an old campaign that was started, another
// user's young draft.
func TestPruneDeletesOldDraftsInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		var mu sync.Mutex
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		counter := &pruneCounter{Store: st}
		svc := quietService(t, counter, campaign.Options{Now: clock, Quotas: campaign.Quotas{DraftRetention: 30 * 24 * time.Hour}})
		ann, bea := newUser(t, st, "ann@example.com"), newUser(t, st, "bea@example.com")

		old := draftOf(t, st, ann, now.Add(-31*24*time.Hour), skipped(1200))
		young := draftOf(t, st, ann, now.Add(-29*24*time.Hour), skipped(3))
		started := draftOf(t, st, ann, now.Add(-60*24*time.Hour), skipped(3))
		if _, err := st.SetCampaignStatus(ctx, ann, started.ID, []string{store.CampaignDraft}, store.CampaignRunning, "", now); err != nil {
			t.Fatal(err)
		}
		beas := draftOf(t, st, bea, now.Add(-time.Hour), skipped(3))

		deleted, err := svc.Prune(ctx)
		if err != nil || deleted != 1201 {
			t.Fatalf("prune deleted %d rows, %v; want the old draft's 1,200 deliveries and itself", deleted, err)
		}
		// 500 + 500 + 200 deliveries, the draft, and the look that finds
		// nothing left.
		if n := counter.batches.Load(); n != 5 {
			t.Errorf("%d delete batches, want 5", n)
		}
		if _, err := st.CampaignByID(ctx, ann, old.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the old draft: %v", err)
		}
		if ds, _ := st.ListDeliveries(ctx, old.ID, 0, 10); len(ds) != 0 {
			t.Errorf("the old draft's deliveries are left: %d", len(ds))
		}
		for _, c := range []struct {
			user int64
			c    store.Campaign
		}{{ann, young}, {ann, started}, {bea, beas}} {
			if got, err := st.CampaignByID(ctx, c.user, c.c.ID); err != nil || got.Recipients != 3 {
				t.Errorf("campaign %d: %+v %v", c.c.ID, got, err)
			}
		}
		u, err := st.UsageOf(ctx, ann)
		if err != nil || u.Drafts != 1 || u.Deliveries != 6 {
			t.Errorf("usage after the prune: %+v %v", u, err)
		}
	})
}
