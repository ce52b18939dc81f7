package campaign_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit"
)

// quietService is a campaign service over st whose Telegram gateway is
// never called: for what needs only the database.
func quietService(t *testing.T, st store.Store, o campaign.Options) *campaign.Service {
	t.Helper()
	dcs, key := testkit.UnreachableTelegram(t)
	gw, err := telegram.New(telegram.Config{DCs: dcs, PublicKeyPEM: key, ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.NewKeyring(secrets.Key{ID: "test", Secret: make([]byte, secrets.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := accounts.New(accounts.Options{Store: st, Keyring: keys, Gateway: gw})
	if err != nil {
		t.Fatal(err)
	}
	o.Store, o.Accounts = st, acc
	svc, err := campaign.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// newUser writes a user.
func newUser(t *testing.T, st store.Store, email string) int64 {
	t.Helper()
	u, err := st.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// draftOf writes a draft of user's with the deliveries given, as the
// campaign service would have fixed them.
func draftOf(t *testing.T, st store.Store, userID int64, created time.Time, ds []store.NewDelivery) store.Campaign {
	t.Helper()
	for i := range ds {
		ds[i].RandomID = int64(i + 1)
	}
	c, err := st.CreateCampaign(context.Background(), store.NewCampaign{
		Campaign: store.Campaign{UserID: userID, Name: "Draft", Message: "Hi {first_name}", Status: store.CampaignDraft,
			OptOutFooter: true, MinIntervalSeconds: 30, DailyCap: 50, FailurePercent: 10, Audience: "{}", CreatedAt: created},
		Deliveries: ds,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// skipped are n deliveries skipped as bots.
func skipped(n int) []store.NewDelivery {
	ds := make([]store.NewDelivery, n)
	for i := range ds {
		ds[i] = store.NewDelivery{TGUserID: int64(100_000 + i), Username: fmt.Sprintf("bot%d_bot", i), State: store.DeliverySkipped,
			ReasonCode: "bot", Reason: "A bot"}
	}
	return ds
}

// readCounter counts the store's reads of deliveries.
type readCounter struct {
	store.Store
	reads atomic.Int64
}

func (r *readCounter) ListDeliveries(ctx context.Context, campaignID, afterID int64, limit int) ([]store.Delivery, error) {
	r.reads.Add(1)
	return r.Store.ListDeliveries(ctx, campaignID, afterID, limit)
}

func (r *readCounter) FirstUnskippedDelivery(ctx context.Context, campaignID, afterID int64) (store.Delivery, error) {
	r.reads.Add(1)
	return r.Store.FirstUnskippedDelivery(ctx, campaignID, afterID)
}
