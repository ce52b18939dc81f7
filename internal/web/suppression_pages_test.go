package web_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

var (
	suppressedRow = regexp.MustCompile(`data-username="([^"]+)"`)
	olderLink     = regexp.MustCompile(`href="([^"]+)" id="older-page"`)
)

// fillSuppressions adds n entries to a user's list in one statement,
// user0 … user<n-1>, the later ones newer.
func fillSuppressions(t *testing.T, s store.Store, userID int64, n int) {
	t.Helper()
	_, err := s.DB().Exec(fmt.Sprintf(`INSERT INTO suppressions (user_id, username, reason, created_at)
		WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < %d)
		SELECT %d, 'user' || i, 'filled', CURRENT_TIMESTAMP FROM seq`, n-1, userID))
	if err != nil {
		t.Fatal(err)
	}
}

// walkSuppressions follows the page's Older links from the first page
// and returns each page's usernames.
func walkSuppressions(t *testing.T, c *client) [][]string {
	t.Helper()
	var pages [][]string
	path := "/suppressions"
	for path != "" {
		r := c.get(path).wantStatus(t, http.StatusOK)
		var names []string
		for _, m := range suppressedRow.FindAllStringSubmatch(r.body, -1) {
			names = append(names, m[1])
		}
		pages = append(pages, names)
		if len(pages) > 1 && !strings.Contains(r.body, `id="newest-page"`) {
			t.Errorf("page %d has no link back to the newest entries", len(pages))
		}
		path = ""
		if m := olderLink.FindStringSubmatch(r.body); m != nil {
			path = html.UnescapeString(m[1])
		}
		if len(pages) > 10 {
			t.Fatal("more pages than entries")
		}
	}
	return pages
}

// TestSuppressionsPagesWalk: a list longer than a page is shown 100 at a
// time, newest first, and walking the Older links shows every entry once.
func TestSuppressionsPagesWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		bob := e.loggedIn("bob@example.com")
		fillSuppressions(t, s, userOf(t, e, "ann@example.com"), 250)
		fillSuppressions(t, s, userOf(t, e, "bob@example.com"), 30)

		first := ann.get("/suppressions").wantStatus(t, http.StatusOK)
		first.wantBody(t, "250 people on the list", `id="older-page"`)
		first.wantNoBody(t, `id="newest-page"`)
		pages := walkSuppressions(t, ann)
		if len(pages) != 3 || len(pages[0]) != 100 || len(pages[1]) != 100 || len(pages[2]) != 50 {
			t.Fatalf("pages of %v entries, want 100, 100, 50", lens(pages))
		}
		seen := map[string]bool{}
		for _, p := range pages {
			for _, n := range p {
				if seen[n] {
					t.Errorf("%s shown twice", n)
				}
				seen[n] = true
			}
		}
		for i := range 250 {
			if !seen[fmt.Sprintf("user%d", i)] {
				t.Errorf("user%d never shown", i)
			}
		}
		if pages[0][0] != "user249" {
			t.Errorf("the first page starts with %s, want the newest, user249", pages[0][0])
		}
		// Bob sees his own 30 on one page, whatever link he is given.
		if p := walkSuppressions(t, bob); len(p) != 1 || len(p[0]) != 30 {
			t.Errorf("bob's pages: %v, want one of 30", lens(p))
		}
		bob.get(html.UnescapeString(olderLink.FindStringSubmatch(first.body)[1])).wantStatus(t, http.StatusOK).
			wantNoBody(t, `data-username="user249"`)
		// A link the list did not make is refused with what to do.
		ann.get("/suppressions?before=abc").wantStatus(t, http.StatusUnprocessableEntity).
			wantBody(t, "This page link is not one the suppression list made", "Start again from the newest entries")
	})
}

func lens(pages [][]string) []int {
	out := make([]int, len(pages))
	for i, p := range pages {
		out[i] = len(p)
	}
	return out
}

// TestSuppressionsPageMemoryDoesNotGrowWithTheList: the 110,000
// entries made a 92 MB page and took RSS past a gigabyte in six loads. A
// page now allocates what 100 rows need: the bytes allocated while
// serving the first page of a 110,000-entry list are compared with those
// for a 1,000-entry one (the baseline, measured in the same run). Three
// times the baseline is a generous bound for the count and the noise of
// the process's other goroutines; the whole list would be about 100
// times.
func TestSuppressionsPageMemoryDoesNotGrowWithTheList(t *testing.T) {
	s := storetest.SQLite(t)
	e := newEnv(t, s)
	small, large := e.loggedIn("small@example.com"), e.loggedIn("large@example.com")
	fillSuppressions(t, s, userOf(t, e, "small@example.com"), 1_000)
	fillSuppressions(t, s, userOf(t, e, "large@example.com"), 110_000)

	allocated := func(c *client) (uint64, int) {
		var before, after runtime.MemStats
		c.get("/suppressions").wantStatus(t, http.StatusOK) // warm: templates, statements
		runtime.GC()
		runtime.ReadMemStats(&before)
		r := c.get("/suppressions").wantStatus(t, http.StatusOK)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, len(r.body)
	}
	base, baseBody := allocated(small)
	got, body := allocated(large)
	ratio := float64(got) / float64(base)
	t.Logf("first page allocated %d KB for 110,000 entries, %d KB for 1,000 (ratio %.2f); pages of %d and %d bytes",
		got>>10, base>>10, ratio, body, baseBody)
	if ratio > 3 {
		t.Errorf("a page of a 110,000-entry list allocated %.1f times what a 1,000-entry one does: it grows with the list", ratio)
	}
	if body > 2*baseBody {
		t.Errorf("the page is %d bytes, %d for a 1,000-entry list", body, baseBody)
	}
}
