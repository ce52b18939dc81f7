package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/users"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const (
	email    = "ann@example.com"
	password = "correct horse battery"
	listSize = 306
)

// seedList starts the app and gives a user a finished extraction's list of
// listSize members, written straight to the app's database: the page is
// under test here, not the extraction.
func seedList(t *testing.T) (*apptest.App, int64) {
	t.Helper()
	a := apptest.StartApp(t)
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: a.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := users.New(st, users.Options{SignupOpen: true, Hash: users.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}).
		Create(ctx, users.NewUser{Email: email, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	acct, err := st.CreateAccount(ctx, u.ID, store.AccountLogin{APIID: 2100001, APIHashSealed: []byte("h"), Phone: "9996611201", SessionSealed: []byte("s"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	x, err := st.CreateExtraction(ctx, store.NewExtraction{
		UserID: u.ID, AccountID: acct.ID, ListName: "Go Devs", Now: now,
		Chat: store.Chat{TGChatID: 7001, AccessHash: 1, Kind: "supergroup", Title: "Go Devs", Username: "go_devs"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartExtractionRun(ctx, x.ID, "run", now); err != nil {
		t.Fatal(err)
	}
	members := make([]store.Member, listSize)
	for i := range members {
		members[i] = store.Member{
			AccountID: acct.ID, TGUserID: int64(5000 + i), AccessHash: int64(i + 1),
			FirstName: fmt.Sprintf("Member%03d", i), Username: fmt.Sprintf("member%03d", i),
			LastSeen: store.SeenRecently, SeenRank: now.Unix(), Role: "member", FetchedAt: now,
		}
	}
	if _, err := st.SaveMembersPage(ctx, store.Checkpoint{ExtractionID: x.ID, RunToken: "run", Phase: "done", Total: listSize, Now: now}, members); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishExtraction(ctx, x.ID, "run", store.ExtractionCompleted, "", "", "", now); err != nil {
		t.Fatal(err)
	}
	return a, x.ListID
}

// logIn is a client with the user's session cookie.
func logIn(t *testing.T, a *apptest.App) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(a.URL+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("log in: status %d", resp.StatusCode)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	filterErrorRe = regexp.MustCompile(`(?s)id="filter-error" data-code="validation_failed">.*?Show the whole list`)
	rowRe         = regexp.MustCompile(`<tr data-user-id="`)
	tagRe         = regexp.MustCompile(`<[^>]+>`)
	spaceRe       = regexp.MustCompile(`\s+`)
)

// text is the visible text of an HTML fragment.
func text(html string) string {
	return strings.TrimSpace(spaceRe.ReplaceAllString(tagRe.ReplaceAllString(html, " "), " "))
}

// TestBadFilterLinkShowsTheListAndSaysWhy: a stale or edited link with a
// parameter the list cannot use answers 422 with the list itself (the bad
// parameter left out) and, above the filters, which parameter was wrong
// and what to do, never "No members in this list yet".
func TestBadFilterLinkShowsTheListAndSaysWhy(t *testing.T) {
	a, listID := seedList(t)
	c := logIn(t, a)
	page := fmt.Sprintf("%s/member-lists/%d", a.URL, listID)

	status, body := get(t, c, page)
	if status != http.StatusOK || strings.Contains(body, `id="filter-error"`) || len(rowRe.FindAllString(body, -1)) != 50 {
		t.Fatalf("the plain list: status %d, %d rows, filter error shown: %v", status, len(rowRe.FindAllString(body, -1)), strings.Contains(body, `id="filter-error"`))
	}

	for _, c2 := range []struct {
		query string
		says  []string // in the error
		kept  string   // a good parameter the page must keep, if any
		total int      // members the page counts after leaving the bad ones out
	}{
		{"sort=banana", []string{"Sort by must be", "not “banana”", "left out"}, "", listSize},
		{"seen_within=abc", []string{"Last seen must be a number of days", "not “abc”"}, "", listSize},
		{"order=sideways", []string{"Order must be ascending or descending", "not “sideways”"}, "", listSize},
		{"exclude_bots=maybe", []string{"Exclude bots must be on or off", "not “maybe”"}, "", listSize},
		{"after=garbage", []string{"This page link is not valid", "first page"}, "", listSize},
		{"q=" + strings.Repeat("x", 101), []string{"at most 100 characters", "Shorten it"}, "", listSize},
		{"sort=banana&q=member00", []string{"Sort by must be", "not “banana”"}, "q=member00", 10},
		{"sort=banana&seen_within=abc&has_username=1", []string{"Some filters in this link are not valid:", "Sort by", "Last seen"}, "has_username=1", listSize},
	} {
		status, body := get(t, c, page+"?"+c2.query)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("?%s: status %d, want 422", c2.query, status)
		}
		if !strings.Contains(body, `<h1 class="h3 mb-1" id="list-name"><bdi>Go Devs</bdi></h1>`) {
			t.Errorf("?%s: the page does not show the list's name", c2.query)
		}
		if m := filterErrorRe.FindString(body); m == "" {
			t.Errorf("?%s: no error above the filters", c2.query)
		} else {
			said := text(m)
			for _, s := range c2.says {
				if !strings.Contains(said, s) {
					t.Errorf("?%s: the error reads %q, want %q in it", c2.query, said, s)
				}
			}
			if strings.Index(body, `id="filter-error"`) > strings.Index(body, `id="member-filters"`) {
				t.Errorf("?%s: the error is not above the filter form", c2.query)
			}
		}
		if strings.Contains(body, "No members in this list yet") || strings.Contains(body, `id="no-members"`) {
			t.Errorf("?%s: the page says the list is empty", c2.query)
		}
		if !strings.Contains(body, fmt.Sprintf(`data-total="%d"`, c2.total)) {
			t.Errorf("?%s: the page does not count %d members", c2.query, c2.total)
		}
		if rows := len(rowRe.FindAllString(body, -1)); rows != min(50, c2.total) {
			t.Errorf("?%s: %d rows, want %d", c2.query, rows, min(50, c2.total))
		}
		// The export and next-page links leave the bad parameters out,
		// and keep the good ones.
		for _, bad := range []string{"banana", "abc", "sideways", "maybe", "garbage", "xxxxxxxxxx"} {
			if strings.Contains(body, "="+bad) {
				t.Errorf("?%s: a link still carries %q", c2.query, bad)
			}
		}
		if c2.kept != "" && !strings.Contains(body, c2.kept) {
			t.Errorf("?%s: the links lost %s", c2.query, c2.kept)
		}
	}

	// An export link with a bad format or filter says why on its error page.
	status, body = get(t, c, page+"/export?format=pdf")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="page-error"`) || !strings.Contains(body, "format is csv, json or xlsx") {
		t.Errorf("export as pdf: status %d, error shown: %v", status, strings.Contains(body, `id="page-error"`))
	}
}

// TestBadFilterLinkInTheBrowser shows the error state to a person: the
// list, the message above the filters, and a way back to the whole list.
func TestBadFilterLinkInTheBrowser(t *testing.T) {
	a, listID := seedList(t)
	b := testkit.NewBrowser(t)
	b.Do(
		chromedp.Navigate(a.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	b.Load(chromedp.Submit(chromedp.CSS("#password")))
	page := fmt.Sprintf("%s/member-lists/%d", a.URL, listID)
	if status := b.Load(chromedp.Navigate(page + "?sort=banana")); status != http.StatusUnprocessableEntity {
		t.Errorf("status %d, want 422", status)
	}
	b.Screenshot("bad-sort")
	if got := b.Text("#filter-error"); !strings.Contains(got, "Sort by must be order fetched, name, username or last seen") {
		t.Errorf("the error reads %q", got)
	}
	if got := b.Text("#member-count"); got != "306 members" {
		t.Errorf("the count reads %q", got)
	}
	b.Load(chromedp.Click(chromedp.CSS("#show-whole-list")))
	if strings.Contains(b.Location(), "banana") {
		t.Errorf("Show the whole list went to %s", b.Location())
	}
	b.Screenshot("whole-list")
}

// TestMemberSearchPromisesItsColumns: the search box offers to find what
// the table shows (names and usernames), not a phone it has no column for.
func TestMemberSearchPromisesItsColumns(t *testing.T) {
	a, listID := seedList(t)
	c := logIn(t, a)
	_, body := get(t, c, fmt.Sprintf("%s/member-lists/%d", a.URL, listID))
	if !strings.Contains(body, `placeholder="Name or username"`) || strings.Contains(strings.ToLower(body), "or phone") {
		t.Errorf("the member search's placeholder names a column the table lacks")
	}
}
