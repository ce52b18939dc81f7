package campaign_test

import (
	"context"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestPreviewForSkipsInOneRead: a campaign whose first 5,000 recipients
// are skipped opens with one read of its deliveries, which finds the
// first one who gets the message; with every recipient skipped, the same
// one read says there is nobody to preview for.
func TestPreviewForSkipsInOneRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		counter := &readCounter{Store: st}
		svc := quietService(t, counter, campaign.Options{})
		user := newUser(t, st, "ann@example.com")
		now := time.Now().UTC()

		ds := append(skipped(5000), store.NewDelivery{TGUserID: 42, Username: "ann_lee", FirstName: "Ann", State: store.DeliveryPending})
		c := draftOf(t, st, user, now, ds)
		r, row, err := svc.PreviewFor(ctx, user, c.ID, 0)
		if err != nil || row.Username != "ann_lee" || r.Text == "" {
			t.Fatalf("preview after 5,000 skipped: %q %+v %v", r.Text, row, err)
		}
		if n := counter.reads.Load(); n != 1 {
			t.Errorf("the preview read the deliveries %d times, want once", n)
		}

		counter.reads.Store(0)
		all := draftOf(t, st, user, now, skipped(5000))
		r, row, err = svc.PreviewFor(ctx, user, all.ID, 0)
		if err != nil || r.Text != "" || row.Username != "" {
			t.Fatalf("preview with everyone skipped: %q %+v %v", r.Text, row, err)
		}
		if n := counter.reads.Load(); n != 1 {
			t.Errorf("the preview of a campaign with everyone skipped read the deliveries %d times, want once", n)
		}
	})
}
