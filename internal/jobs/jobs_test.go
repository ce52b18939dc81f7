package jobs_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// each runs body on SQLite, on PostgreSQL polling, and on PostgreSQL with
// the LISTEN/NOTIFY listener.
func each(t *testing.T, body func(t *testing.T, s store.Store, url string)) {
	t.Run("sqlite", func(t *testing.T) { body(t, storetest.SQLite(t), "") })
	t.Run("postgres", func(t *testing.T) { body(t, storetest.Postgres(t), "") })
	t.Run("postgres-listener", func(t *testing.T) {
		s, url := storetest.PostgresURL(t)
		body(t, s, url)
	})
}

func start(t *testing.T, o jobs.Options) *jobs.Client {
	t.Helper()
	c, err := jobs.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !o.InsertOnly {
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

// waitFor returns the first event about a job of kind.
func waitFor(t *testing.T, events <-chan *river.Event, kind string) *river.Event {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Job != nil && ev.Job.Kind == kind {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s job finished within 30s", kind)
		}
	}
}

func TestPruneRunsAtStartAndDeletesExpiredRows(t *testing.T) {
	each(t, func(t *testing.T, s store.Store, url string) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, store.NewUser{Email: "a@example.com", PasswordHash: "h", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		for tok, expiry := range map[string]time.Time{"old": now.Add(-time.Minute), "live": now.Add(time.Hour)} {
			if err := s.SessionCommit(ctx, tok, []byte("x"), expiry); err != nil {
				t.Fatal(err)
			}
		}
		for _, at := range []time.Time{now.Add(-25 * time.Hour), now.Add(-time.Hour)} {
			if err := s.AddLoginFailure(ctx, "k", at); err != nil {
				t.Fatal(err)
			}
		}
		for _, exp := range []time.Time{now.Add(-time.Second), now.Add(time.Minute)} {
			if _, err := s.CreatePendingLogin(ctx, store.PendingLogin{
				UserID: u.ID, APIID: 1, APIHashSealed: []byte("h"), Phone: "9996620000", PhoneCodeHashSealed: []byte("c"),
				State: store.LoginCodeSent, CreatedAt: now, ExpiresAt: exp,
			}); err != nil {
				t.Fatal(err)
			}
		}

		// A pending account from two days ago whose login is gone, and one
		// whose login is still waiting.
		abandoned, err := s.CreatePendingAccount(ctx, u.ID, 2, "9996620002", now.Add(-48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		waiting, err := s.CreatePendingAccount(ctx, u.ID, 3, "9996620003", now.Add(-48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreatePendingLogin(ctx, store.PendingLogin{
			UserID: u.ID, AccountID: waiting.ID, APIID: 3, APIHashSealed: []byte("h"), Phone: "9996620003", PhoneCodeHashSealed: []byte("c"),
			State: store.LoginCodeSent, CreatedAt: now, ExpiresAt: now.Add(time.Minute),
		}); err != nil {
			t.Fatal(err)
		}

		c, err := jobs.New(ctx, jobs.Options{Store: s, DatabaseURL: url, Now: func() time.Time { return now }, FetchPollInterval: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		events, cancel := c.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		defer cancel()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })

		if ev := waitFor(t, events, "prune"); ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("prune: %s %v", ev.Kind, ev.Job.Errors)
		}
		if _, found, _ := s.SessionFind(ctx, "old", now.Add(-time.Hour)); found {
			t.Error("expired session survived")
		}
		if _, found, _ := s.SessionFind(ctx, "live", now); !found {
			t.Error("live session was pruned")
		}
		if n, _ := s.LoginFailuresSince(ctx, "k", time.Time{}); n != 1 {
			t.Errorf("%d login failures left, want the recent one", n)
		}
		if n, _ := s.DeleteExpiredPendingLogins(ctx, now.Add(-time.Hour)); n != 0 {
			t.Error("nothing should be older")
		}
		if _, err := s.AccountByID(ctx, u.ID, abandoned.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("abandoned pending account: %v", err)
		}
		if _, err := s.AccountByID(ctx, u.ID, waiting.ID); err != nil {
			t.Errorf("pending account whose login waits: %v", err)
		}
		if n, _ := s.DeleteExpiredPendingLogins(ctx, now.Add(time.Hour)); n != 2 {
			t.Errorf("%d pending logins left, want the two unexpired ones", n)
		}
	})
}

// TestJobCommitsWithItsTransaction: a job enqueued in a rolled-back
// transaction never exists; one in a committed transaction does.
func TestJobCommitsWithItsTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		c := start(t, jobs.Options{Store: s, InsertOnly: true})
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx store.Tx) error {
			if _, err := c.InsertTx(ctx, tx.SQL(), jobs.PruneArgs{}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if counts, _ := jobs.CountByState(ctx, s.DB()); counts[rivertype.JobStateAvailable] != 0 {
			t.Fatalf("rolled-back job exists: %v", counts)
		}
		err = s.InTx(ctx, func(tx store.Tx) error {
			_, err := c.InsertTx(ctx, tx.SQL(), jobs.PruneArgs{}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if counts, _ := jobs.CountByState(ctx, s.DB()); counts[rivertype.JobStateAvailable] != 1 {
			t.Errorf("committed job missing: %v", counts)
		}
	})
}

func TestJobsMetric(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		c := start(t, jobs.Options{Store: s, InsertOnly: true})
		for range 2 {
			if _, err := c.Insert(ctx, jobs.PruneArgs{}, nil); err != nil {
				t.Fatal(err)
			}
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(c.Collector())
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range families {
			if f.GetName() != "telegramate_jobs" {
				continue
			}
			for _, m := range f.GetMetric() {
				got[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
			}
		}
		if got["available"] != 2 || got["completed"] != 0 || len(got) != len(rivertype.JobStates()) {
			t.Errorf("telegramate_jobs = %v; want available 2 and every state present", got)
		}
	})
}

func TestRiverUI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := start(t, jobs.Options{Store: s, InsertOnly: true})
		if _, err := c.Insert(ctx, jobs.PruneArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		h, err := c.UIHandler(ctx, "/admin/jobs", nil)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		for path, want := range map[string]string{
			"/admin/jobs/":                         "<html",
			"/admin/jobs/api/jobs?state=available": `"kind":"prune"`,
		} {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
				t.Errorf("GET %s: %d, %.300s; want %q", path, resp.StatusCode, body, want)
			}
		}
	})
}
