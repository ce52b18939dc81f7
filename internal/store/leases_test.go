package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
)

// acquireWithin polls until holder gets the account (the other holder's
// lease expires by the database's clock), failing after a deadline.
func acquireWithin(t *testing.T, s store.Store, accountID int64, holder string, ttl time.Duration) store.Lease {
	t.Helper()
	var l store.Lease
	testkit.EventuallyWith(t, 10*time.Second, fmt.Sprintf("%s to get account %d", holder, accountID), func() (bool, string) {
		var ok bool
		var err error
		if l, ok, err = s.AcquireLease(context.Background(), accountID, holder, ttl); err != nil {
			t.Fatal(err)
		}
		return ok, fmt.Sprintf("held: %+v", l)
	})
	return l
}

// TestAccountLease: one holder at a time; the other is refused with who
// holds it and for how long; renewal is the holder's only; after expiry
// (by the database's clock) another node takes it with a larger token;
// a release frees it at once and keeps the token growing.
func TestAccountLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		acct := mustAccount(t, s, ann.ID, 1, "9996620001")

		a, ok, err := s.AcquireLease(ctx, acct.ID, "node-a", time.Minute)
		if err != nil || !ok || a.Holder != "node-a" || a.Token != 1 || a.Left <= 50*time.Second || a.Left > time.Minute {
			t.Fatalf("first acquire: %+v %v %v", a, ok, err)
		}
		b, ok, err := s.AcquireLease(ctx, acct.ID, "node-b", time.Minute)
		if err != nil || ok || b.Holder != "node-a" || b.Token != 1 || b.Left <= 50*time.Second || !b.ExpiresAt.Equal(a.ExpiresAt) {
			t.Fatalf("acquire while held: %+v %v %v, want refused and node-a's lease %+v", b, ok, err, a)
		}
		if _, err := s.RenewLease(ctx, store.Fence{AccountID: acct.ID, Holder: "node-b", Token: 1}, time.Minute); !errors.Is(err, store.ErrFenced) {
			t.Errorf("node-b renewed node-a's lease: %v", err)
		}
		if err := s.CheckFence(ctx, a.Fence()); err != nil {
			t.Errorf("holder's fence: %v", err)
		}

		// Shorten it to expire at once, as a node that stopped renewing.
		if _, err := s.RenewLease(ctx, a.Fence(), time.Millisecond); err != nil {
			t.Fatalf("holder renews: %v", err)
		}
		b = acquireWithin(t, s, acct.ID, "node-b", time.Minute)
		if b.Token != 2 || b.Holder != "node-b" {
			t.Fatalf("takeover: %+v, want node-b with token 2", b)
		}
		if _, err := s.RenewLease(ctx, a.Fence(), time.Minute); !errors.Is(err, store.ErrFenced) {
			t.Errorf("node-a renewed after losing the lease: %v", err)
		}
		if err := s.CheckFence(ctx, a.Fence()); !errors.Is(err, store.ErrFenced) {
			t.Errorf("node-a's stale fence passes: %v", err)
		}
		if _, err := s.RenewLease(ctx, b.Fence(), time.Minute); err != nil {
			t.Errorf("node-b renews: %v", err)
		}

		// A stale release changes nothing; the holder's frees it at once.
		if err := s.ReleaseLease(ctx, a.Fence()); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.AcquireLease(ctx, acct.ID, "node-c", time.Minute); ok {
			t.Fatal("a stale release freed node-b's lease")
		}
		if err := s.ReleaseLease(ctx, b.Fence()); err != nil {
			t.Fatal(err)
		}
		c, ok, err := s.AcquireLease(ctx, acct.ID, "node-c", time.Minute)
		if err != nil || !ok || c.Token != 3 {
			t.Fatalf("acquire after release: %+v %v %v, want token 3", c, ok, err)
		}
		// The holder acquiring again (a release racing a new use) gets a
		// new token; the old one is fenced off.
		c2, ok, err := s.AcquireLease(ctx, acct.ID, "node-c", time.Minute)
		if err != nil || !ok || c2.Token != 4 {
			t.Fatalf("holder acquires again: %+v %v %v", c2, ok, err)
		}
		if err := s.CheckFence(ctx, c.Fence()); !errors.Is(err, store.ErrFenced) {
			t.Errorf("the previous token still passes: %v", err)
		}
		if n, err := s.ReleaseLeasesOf(ctx, "node-c"); err != nil || n != 1 {
			t.Fatalf("release node-c's leases: %d %v", n, err)
		}
		if l, err := s.LeaseOf(ctx, acct.ID); err != nil || l.Left > 0 || l.Token != 4 {
			t.Fatalf("after releasing node-c's leases: %+v %v", l, err)
		}
	})
}

// TestFencedClaimAndRecord: the claim and the record of a send under a
// lease apply only while it is current; a stale token's write changes
// nothing and says ErrFenced, whatever else the row allows.
func TestFencedClaimAndRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		acct := mustAccount(t, s, ann.ID, 1, "9996620001")
		c := newCampaign(t, s, ann.ID, acct.ID)
		if _, err := s.SetCampaignStatus(ctx, ann.ID, c.ID, []string{store.CampaignDraft}, store.CampaignRunning, "", t0); err != nil {
			t.Fatal(err)
		}
		old, _, err := s.AcquireLease(ctx, acct.ID, "node-a", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseLease(ctx, old.Fence()); err != nil {
			t.Fatal(err)
		}
		cur, ok, err := s.AcquireLease(ctx, acct.ID, "node-b", time.Minute)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		stale, fresh := old.Fence(), cur.Fence()

		d, err := s.NextPendingDelivery(ctx, c.ID, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimDelivery(ctx, stale, d.ID, t0); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("claim with a stale token: %v, want ErrFenced", err)
		}
		if got, _ := s.NextPendingDelivery(ctx, c.ID, acct.ID); got.ID != d.ID || got.State != store.DeliveryPending {
			t.Fatalf("the refused claim changed the delivery: %+v", got)
		}
		if err := s.ClaimDelivery(ctx, fresh, d.ID, t0); err != nil {
			t.Fatalf("claim with the current token: %v", err)
		}
		if err := s.ClaimDelivery(ctx, fresh, d.ID, t0); !errors.Is(err, store.ErrConflict) {
			t.Errorf("claiming twice: %v, want ErrConflict", err)
		}
		if err := s.FinishDelivery(ctx, stale, d.ID, store.DeliverySent, "", "", 7, t0); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("record with a stale token: %v, want ErrFenced", err)
		}
		if err := s.ReleaseDelivery(ctx, stale, d.ID, "", "", t0); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("release with a stale token: %v, want ErrFenced", err)
		}
		if list, _ := s.SendingDeliveries(ctx, acct.ID); len(list) != 1 || list[0].ID != d.ID {
			t.Fatalf("refused writes changed the claimed delivery: %+v", list)
		}
		if err := s.FinishDelivery(ctx, fresh, d.ID, store.DeliverySent, "", "", 7, t0); err != nil {
			t.Fatalf("record with the current token: %v", err)
		}

		// FinishAccountUse, fenced, stores nothing for a lost lease.
		sealed := []byte("sealed-session")
		if _, err := s.FinishAccountUse(ctx, stale, store.AccountUse{ID: acct.ID, LoginGeneration: acct.LoginGeneration,
			SessionSealed: sealed, Verdict: store.AccountLimited, StatusDetail: "PEER_FLOOD", Now: t0}); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("FinishAccountUse with a stale token: %v, want ErrFenced", err)
		}
		if got, _ := s.AccountByID(ctx, ann.ID, acct.ID); got.Status == store.AccountLimited {
			t.Fatalf("a fenced use's verdict landed: %+v", got.Status)
		}
	})
}

// TestNodesAndRescue: heartbeats keep a node alive; River jobs left
// running by a node unseen for deadAfter (or by any other node, with
// deadAfter 0) become available again, not those of live nodes.
func TestNodesAndRescue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		for _, id := range []string{"alive", "dead"} {
			if err := s.NodeStarted(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		nodes, err := s.ListNodes(ctx, time.Minute)
		if err != nil || len(nodes) != 2 || nodes[0].SeenAt.IsZero() {
			t.Fatalf("nodes: %+v %v", nodes, err)
		}
		// "dead" stops beating: once it is unseen for a second, only
		// "alive", which beats, is listed. (A second, not less: on a
		// loaded machine the statements between alive's last beat and
		// the rescue below take a good part of 50ms.)
		testkit.EventuallyWith(t, 10*time.Second, "the dead node to leave the list", func() (bool, string) {
			if err := s.NodeSeen(ctx, "alive"); err != nil {
				t.Fatal(err)
			}
			if nodes, err = s.ListNodes(ctx, time.Second); err != nil {
				t.Fatal(err)
			}
			return len(nodes) == 1 && nodes[0].ID == "alive", fmt.Sprintf("still listed: %+v", nodes)
		})
		ids := map[string]int64{}
		for _, by := range []string{"alive", "dead", "gone", "self"} {
			ids[by] = insertRunningJob(t, s, by)
		}
		if err := s.NodeSeen(ctx, "alive"); err != nil {
			t.Fatal(err)
		}
		rescued, err := s.RescueJobs(ctx, "self", time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if !sameIDs(rescued, ids["dead"], ids["gone"]) {
			t.Fatalf("rescued %v, want the dead and the never-seen node's jobs (%v)", rescued, ids)
		}
		if again, err := s.RescueJobs(ctx, "self", time.Second); err != nil || len(again) != 0 {
			t.Fatalf("a second rescue: %v %v", again, err)
		}
		if st := jobState(t, s, ids["dead"]); st != "available" {
			t.Fatalf("rescued job is %s", st)
		}
		if own, err := s.RescueOwnJobs(ctx, "self"); err != nil || !sameIDs(own, ids["self"]) {
			t.Fatalf("own jobs: %v %v", own, err)
		}
		// A single node treats every other one as dead.
		if all, err := s.RescueJobs(ctx, "other", 0); err != nil || !sameIDs(all, ids["alive"]) {
			t.Fatalf("rescue with deadAfter 0: %v %v", all, err)
		}
		// Forgetting by an age the live node's last beat is well within,
		// however slow the machine: wait until "dead" is older than it.
		testkit.EventuallyWith(t, 10*time.Second, "the dead node to leave the list a second on", func() (bool, string) {
			if err := s.NodeSeen(ctx, "alive"); err != nil {
				t.Fatal(err)
			}
			nodes, err := s.ListNodes(ctx, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			return len(nodes) == 1, fmt.Sprintf("still listed: %+v", nodes)
		})
		if n, err := s.ForgetNodes(ctx, time.Second); err != nil || n != 1 {
			t.Fatalf("forget nodes: %d %v", n, err)
		}
	})
}

func sameIDs(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[int64]bool{}
	for _, id := range got {
		seen[id] = true
	}
	for _, id := range want {
		if !seen[id] {
			return false
		}
	}
	return true
}

// insertRunningJob writes a River job as a node's running one.
func insertRunningJob(t *testing.T, s store.Store, node string) int64 {
	t.Helper()
	var (
		id int64
		q  string
	)
	if s.Dialect() == "postgres" {
		q = `INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by)
			VALUES ('{}', 'test', 5, 'default', 'running', 1, now(), ARRAY['` + node + `']) RETURNING id`
	} else {
		q = `INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, attempted_by, created_at, scheduled_at, metadata, errors)
			VALUES (jsonb('{}'), 'test', 5, 'default', 'running', 1, datetime('now', 'subsec'), jsonb('["` + node + `"]'),
			datetime('now', 'subsec'), datetime('now', 'subsec'), jsonb('{}'), NULL) RETURNING id`
	}
	if err := s.DB().QueryRowContext(context.Background(), q).Scan(&id); err != nil {
		t.Fatalf("insert running job: %v", err)
	}
	return id
}

func jobState(t *testing.T, s store.Store, id int64) string {
	t.Helper()
	var st string
	q := "SELECT state FROM river_job WHERE id = $1"
	if s.Dialect() == "sqlite" {
		q = "SELECT state FROM river_job WHERE id = ?"
	}
	if err := s.DB().QueryRowContext(context.Background(), q, id).Scan(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestWantedLease: another node's request marks the holder's lease
// (renewals report it, so a holder that may give way does); the holder
// cannot mark its own, and the next acquisition starts unmarked.
func TestWantedLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		acct := mustAccount(t, s, ann.ID, 1, "9996620001")
		a, ok, err := s.AcquireLease(ctx, acct.ID, "node-a", time.Minute)
		if err != nil || !ok || a.Wanted {
			t.Fatalf("first acquire: %+v %v %v", a, ok, err)
		}
		if err := s.WantLease(ctx, acct.ID, "node-a"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.RenewLeases(ctx, "node-a", time.Minute); len(got) != 1 || got[0].Wanted {
			t.Fatalf("the holder marked its own lease wanted: %+v", got)
		}
		if err := s.WantLease(ctx, acct.ID, "node-b"); err != nil {
			t.Fatal(err)
		}
		got, err := s.RenewLeases(ctx, "node-a", time.Minute)
		if err != nil || len(got) != 1 || !got[0].Wanted || got[0].Token != a.Token {
			t.Fatalf("renewal after node-b asked: %+v %v, want wanted", got, err)
		}
		if err := s.ReleaseLease(ctx, a.Fence()); err != nil {
			t.Fatal(err)
		}
		b, ok, err := s.AcquireLease(ctx, acct.ID, "node-b", time.Minute)
		if err != nil || !ok || b.Wanted || b.Token != a.Token+1 {
			t.Fatalf("node-b's acquire after the release: %+v %v %v, want unmarked with the next token", b, ok, err)
		}
	})
}
