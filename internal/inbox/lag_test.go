package inbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/opsmetrics"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
)

// TestInboxLagIsMeasured: a person's message dated 30 s before the inbox
// stores it is one observation of 30 s in telegramate_inbox_lag_seconds;
// the account's own message and the same message read again (after a
// gap) are not observed, on both engines.
func TestInboxLagIsMeasured(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
		u, err := st.CreateUser(ctx, store.NewUser{Email: "lag@example.com", PasswordHash: "x", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		acct, err := st.CreateAccount(ctx, u.ID, store.AccountLogin{APIID: 2500001, APIHashSealed: []byte("x"), Phone: "9996615002",
			TGUserID: 4602, FirstName: "Ann", SessionSealed: []byte("x"), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		m := opsmetrics.New(st, nil)
		svc, err := inbox.New(inbox.Options{Store: st, Accounts: noAccounts{}, Lag: m.InboxLag, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		in := telegram.PrivateMessage{ID: 7, PeerID: 9002, Text: "hello", Date: now.Add(-30 * time.Second), AccessHash: 1, FirstName: "Vera"}
		out := telegram.PrivateMessage{ID: 8, PeerID: 9002, Text: "hi", Date: now.Add(-10 * time.Second), Out: true, AccessHash: 1}
		for _, batch := range [][]telegram.PrivateMessage{{in, out}, {in}} {
			if err := svc.Ingest(ctx, u.ID, acct.ID, batch); err != nil {
				t.Fatal(err)
			}
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(m)
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() != "telegramate_inbox_lag_seconds" {
				continue
			}
			h := f.GetMetric()[0].GetHistogram()
			if h.GetSampleCount() != 1 || h.GetSampleSum() != 30 {
				t.Fatalf("inbox lag: %d observations summing to %v s, want one of 30 s", h.GetSampleCount(), h.GetSampleSum())
			}
			return
		}
		t.Fatal("telegramate_inbox_lag_seconds is not exposed")
	})
}
