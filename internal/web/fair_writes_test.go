package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestImportDoesNotStarveOtherTenants: while one tenant imports 100,000
// suppressions, another tenant's writes each finish within a second and
// none fails. SQLite only: it is the engine with one writer at a time,
// where a long import used to starve everyone else (PostgreSQL locks rows).
//
// The one-second bound is the issue's: an import is now batches of
// store.WriteBatch rows and writers queue first come, first served, so a
// write waits for at most one batch (tens of milliseconds here); before,
// it waited up to busy_timeout (ten seconds) and then failed with a 500.
//
// Not parallel: a bound on wall time is only fair to the code when the
// package's other tests are not sharing the CPU with it.
func TestImportDoesNotStarveOtherTenants(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	tokenA := e.loggedIn("ann@example.com").createToken(t, "import")
	b := e.loggedIn("bea@example.com")
	tokenB := b.createToken(t, "writes")

	const rows = 100_000
	var csv strings.Builder
	csv.WriteString("user_id\n")
	for i := range rows {
		fmt.Fprintf(&csv, "%d\n", 1_000_000+i)
	}
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	// A failing test stops the import, or the server's Close would wait
	// for it.
	importCtx, stopImport := context.WithCancel(context.Background())
	t.Cleanup(stopImport)
	go func() {
		req, _ := http.NewRequestWithContext(importCtx, http.MethodPost, e.srv.URL+"/api/v1/suppressions/import",
			strings.NewReader(csv.String()))
		req.Header.Set("Authorization", "Bearer "+tokenA)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(body)}
	}()

	// Wait for the import to be under way: ann's list starts to fill.
	annID := userIDOf(t, e, "ann@example.com")
	testkit.Eventually(t, time.Minute, "the import to start writing", func() bool {
		n, err := e.store.CountSuppressions(context.Background(), annID)
		return err == nil && n > 0
	})

	var (
		writes  int
		slowest time.Duration
		imp     result
	)
	for i := 0; ; i++ {
		body := fmt.Sprintf(`{"user_id": %d, "reason": "asked"}`, 5_000_000+i)
		start := time.Now()
		r := b.apiBody(http.MethodPost, "/api/v1/suppressions", tokenB, body)
		took := time.Since(start)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("bea's write %d during the import: status %d after %s\n%s", i, r.StatusCode, took, r.body)
		}
		if bound := raceSlowdown * time.Second; took > bound {
			t.Fatalf("bea's write %d during the import took %s, want under %s", i, took, bound)
		}
		slowest = max(slowest, took)
		writes++
		select {
		case imp = <-done:
		default:
			continue
		}
		break
	}
	if imp.err != nil || imp.status != http.StatusOK {
		t.Fatalf("import: %d %v\n%.500s", imp.status, imp.err, imp.body)
	}
	if !strings.Contains(imp.body, fmt.Sprintf(`"added":%d`, rows)) {
		t.Fatalf("import did not add %d rows:\n%.500s", rows, imp.body)
	}
	if writes < 5 {
		t.Fatalf("only %d writes of bea's ran during the import; the test proves nothing", writes)
	}
	t.Logf("%d writes of another tenant during a %d-row import; slowest %s", writes, rows, slowest)
}

func userIDOf(t *testing.T, e *env, email string) int64 {
	t.Helper()
	u, err := e.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// apiBody sends a JSON body with a bearer token.
func (c *client) apiBody(method, path, token, body string) response {
	c.e.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, c.e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return c.do(req)
}

// TestSuppressionsAPIPages: GET /api/v1/suppressions answers a page at a
// time (it used to build the whole list, 10 MB for 110,000 entries), and
// following next_cursor reads every entry once; the CSV is the whole list.
func TestSuppressionsAPIPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	ann := e.loggedIn("ann@example.com")
	token := ann.createToken(t, "pages")
	annID := userIDOf(t, e, "ann@example.com")
	var list []store.Suppression
	for i := range 250 {
		list = append(list, store.Suppression{UserID: annID, TGUserID: int64(1000 + i), Reason: "x", CreatedAt: time.Now().UTC()})
	}
	if _, _, err := e.store.AddSuppressions(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	cursor, pages := "", 0
	for {
		r := ann.api(http.MethodGet, "/api/v1/suppressions?limit=100&cursor="+cursor, token).wantStatus(t, http.StatusOK)
		var body struct {
			Suppressions []struct {
				UserID int64 `json:"user_id"`
			} `json:"suppressions"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(r.body), &body); err != nil {
			t.Fatal(err)
		}
		pages++
		if len(body.Suppressions) > 100 {
			t.Fatalf("page %d has %d entries, want at most 100", pages, len(body.Suppressions))
		}
		for _, s := range body.Suppressions {
			if seen[s.UserID] {
				t.Fatalf("%d listed twice", s.UserID)
			}
			seen[s.UserID] = true
		}
		if cursor = body.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 250 || pages != 3 {
		t.Fatalf("%d entries in %d pages, want 250 in 3", len(seen), pages)
	}
	ann.api(http.MethodGet, "/api/v1/suppressions?cursor=nonsense", token).wantStatus(t, http.StatusUnprocessableEntity)
	r := ann.api(http.MethodGet, "/api/v1/suppressions?format=csv", token).wantStatus(t, http.StatusOK)
	if n := strings.Count(r.body, "\n"); n != 251 {
		t.Fatalf("the CSV has %d lines, want a header and 250", n)
	}
}

// TestCampaignCreationDoesNotStarveOtherTenants: while one tenant's
// 100,000-recipient campaign is written, another tenant's writes each
// finish within a second (raceSlowdown under -race) and none fails.
// SQLite only, not parallel, for the reasons of
// TestImportDoesNotStarveOtherTenants. The campaign is written by the
// store, as the campaign service does once its audience is resolved:
// resolving 100,000 recipients through the sandbox would test Telegram's
// pace, not the writer's.
func TestCampaignCreationDoesNotStarveOtherTenants(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	e.loggedIn("ann@example.com")
	annID := userIDOf(t, e, "ann@example.com")
	b := e.loggedIn("bea@example.com")
	tokenB := b.createToken(t, "writes")

	const rows = 100_000
	ds := make([]store.NewDelivery, rows)
	for i := range ds {
		ds[i] = store.NewDelivery{TGUserID: int64(1_000_000 + i), AccessHash: int64(i), FirstName: "Member", State: store.DeliveryPending, RandomID: int64(i + 1)}
	}
	type result struct {
		c   store.Campaign
		err error
	}
	done := make(chan result, 1)
	started := time.Now()
	go func() {
		c, err := e.store.CreateCampaign(context.Background(), store.NewCampaign{
			Campaign: store.Campaign{UserID: annID, Name: "Everyone", Message: "Hi", Status: store.CampaignDraft,
				MinIntervalSeconds: 30, DailyCap: 50, Audience: "{}", CreatedAt: time.Now().UTC()},
			Deliveries: ds})
		done <- result{c, err}
	}()

	var (
		writes  int
		slowest time.Duration
		created result
	)
	for i := 0; ; i++ {
		body := fmt.Sprintf(`{"user_id": %d, "reason": "asked"}`, 5_000_000+i)
		start := time.Now()
		r := b.apiBody(http.MethodPost, "/api/v1/suppressions", tokenB, body)
		took := time.Since(start)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("bea's write %d during the creation: status %d after %s\n%s", i, r.StatusCode, took, r.body)
		}
		if bound := raceSlowdown * time.Second; took > bound {
			t.Fatalf("bea's write %d during the creation took %s, want under %s", i, took, bound)
		}
		slowest = max(slowest, took)
		writes++
		select {
		case created = <-done:
		default:
			continue
		}
		break
	}
	if created.err != nil {
		t.Fatal(created.err)
	}
	if c, err := e.store.CampaignByID(context.Background(), annID, created.c.ID); err != nil || c.Recipients != rows {
		t.Fatalf("the campaign reads %+v, %v", c, err)
	}
	if writes < 3 {
		t.Fatalf("only %d writes of bea's ran during the creation; the test proves nothing", writes)
	}
	t.Logf("%d writes of another tenant during a %d-recipient campaign's creation (%s); slowest %s",
		writes, rows, time.Since(started).Round(time.Millisecond), slowest)
}
