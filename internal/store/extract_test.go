package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func mustAccount(t *testing.T, s store.Queries, userID, apiID int64, phone string) store.Account {
	t.Helper()
	a, err := s.CreateAccount(context.Background(), userID, login(apiID, phone))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAccountChatsReplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, bob := mustUser(t, s, "alice@example.com"), mustUser(t, s, "bob@example.com")
		a := mustAccount(t, s, alice.ID, 1, "9996620001")
		chats := []store.Chat{
			{TGChatID: 10, Kind: store.ChatGroup, Title: "Small", MembersCount: 5},
			{TGChatID: 20, AccessHash: 77, Kind: store.ChatSupergroup, Title: "Big", Username: "big", MembersCount: 900, IsAdmin: true},
			{TGChatID: 30, AccessHash: 88, Kind: store.ChatChannel, Title: "News", MembersCount: 50, MembersHidden: true},
		}
		if err := s.ReplaceAccountChats(ctx, a.ID, chats, t0); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListAccountChats(ctx, alice.ID, a.ID)
		if err != nil || len(got) != 3 || got[0].TGChatID != 20 || !got[0].IsAdmin || got[0].AccessHash != 77 {
			t.Fatalf("list = %+v, %v", got, err)
		}
		if got, _ := s.ListAccountChats(ctx, bob.ID, a.ID); len(got) != 0 {
			t.Errorf("bob sees alice's chats: %+v", got)
		}
		// A refresh that no longer sees chat 10 forgets it and updates 20.
		chats[1].Title = "Bigger"
		if err := s.ReplaceAccountChats(ctx, a.ID, chats[1:], t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.ListAccountChats(ctx, alice.ID, a.ID)
		if len(got) != 2 || got[0].Title != "Bigger" {
			t.Errorf("after refresh: %+v", got)
		}
		c, err := s.AccountChatByTGID(ctx, alice.ID, a.ID, 30)
		if err != nil || c.Kind != store.ChatChannel || !c.MembersHidden {
			t.Errorf("chat 30 = %+v, %v", c, err)
		}
		if _, err := s.AccountChatByTGID(ctx, alice.ID, a.ID, 10); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("forgotten chat: %v", err)
		}
		if _, err := s.AccountChatByTGID(ctx, bob.ID, a.ID, 30); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob reads alice's chat: %v", err)
		}
	})
}

func member(accountID, id int64, first, last, username string) store.Member {
	return store.Member{
		AccountID: accountID, TGUserID: id, AccessHash: id * 7, Username: username, FirstName: first, LastName: last,
		LastSeen: store.SeenRecently, SeenRank: t0.Unix() - 86400, Role: store.RoleMember, FetchedAt: t0,
	}
}

func newExtraction(t *testing.T, s store.Queries, userID, accountID int64) store.Extraction {
	t.Helper()
	e, err := s.CreateExtraction(context.Background(), store.NewExtraction{
		UserID: userID, AccountID: accountID, ListName: "Big",
		Chat: store.Chat{TGChatID: 20, AccessHash: 77, Kind: store.ChatSupergroup, Title: "Big", Username: "big"},
		Now:  t0,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestExtractionCheckpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, bob := mustUser(t, s, "alice@example.com"), mustUser(t, s, "bob@example.com")
		a := mustAccount(t, s, alice.ID, 1, "9996620001")
		e := newExtraction(t, s, alice.ID, a.ID)
		if e.Status != store.ExtractionQueued || e.ListID == 0 || e.ChatAccessHash != 77 {
			t.Fatalf("created %+v", e)
		}
		if l, err := s.MemberListByID(ctx, alice.ID, e.ListID); err != nil || l.Source != store.ListFromExtraction || l.Name != "Big" {
			t.Errorf("list %+v, %v", l, err)
		}
		if _, err := s.ExtractionByID(ctx, bob.ID, e.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob reads alice's extraction: %v", err)
		}
		if err := s.SetExtractionJob(ctx, e.ID, 99); err != nil {
			t.Fatal(err)
		}

		run, err := s.StartExtractionRun(ctx, e.ID, "run-1", t0)
		if err != nil || run.Status != store.ExtractionRunning || run.RunToken != "run-1" || run.JobID != 99 {
			t.Fatalf("start = %+v, %v", run, err)
		}
		cp := store.Checkpoint{ExtractionID: e.ID, RunToken: "run-1", Phase: "recent", PhaseOffset: 3, Total: 5, Now: t0}
		page := []store.Member{member(a.ID, 1, "Ann", "Lee", "ann"), member(a.ID, 2, "Bob", "", ""), member(a.ID, 3, "Иван", "Петров", "ivan")}
		if n, err := s.SaveMembersPage(ctx, cp, page); err != nil || n != 3 {
			t.Fatalf("first page: %d, %v", n, err)
		}
		// The same page again (a resumed run re-fetching it) adds nothing.
		if n, err := s.SaveMembersPage(ctx, cp, page); err != nil || n != 3 {
			t.Fatalf("page again: %d, %v", n, err)
		}
		// A second run takes over; the first one's writes are refused whole.
		if _, err := s.StartExtractionRun(ctx, e.ID, "run-2", t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		cp.PhaseOffset = 5
		if _, err := s.SaveMembersPage(ctx, cp, []store.Member{member(a.ID, 4, "Zed", "", "")}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("stale run's page: %v", err)
		}
		cp.RunToken = "run-2"
		cp.Partial, cp.Cap, cp.Notice = true, 4, "capped"
		if n, err := s.SaveMembersPage(ctx, cp, []store.Member{member(a.ID, 3, "Иван", "Петров", "ivan"), member(a.ID, 5, "Eve", "", "")}); err != nil || n != 4 {
			t.Fatalf("second run's page: %d, %v", n, err)
		}
		got, _ := s.ExtractionByID(ctx, alice.ID, e.ID)
		if got.Fetched != 4 || got.PhaseOffset != 5 || !got.Partial || got.Cap != 4 || got.Notice != "capped" || got.RunStartFetched != 3 {
			t.Errorf("after checkpoints: %+v", got)
		}
		if l, _ := s.MemberListByID(ctx, alice.ID, e.ListID); l.MemberCount != 4 {
			t.Errorf("list count %d, want 4", l.MemberCount)
		}

		until := t0.Add(37 * time.Second)
		if err := s.SetExtractionWaiting(ctx, e.ID, "run-2", until, t0); err != nil {
			t.Fatal(err)
		}
		got, _ = s.ExtractionByID(ctx, alice.ID, e.ID)
		if got.Status != store.ExtractionWaiting || !got.WaitUntil.Equal(until.Truncate(time.Microsecond)) {
			t.Errorf("waiting: %+v", got)
		}
		if _, err := s.CancelExtraction(ctx, bob.ID, e.ID, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob cancels: %v", err)
		}
		c, err := s.CancelExtraction(ctx, alice.ID, e.ID, t0)
		if err != nil || c.Status != store.ExtractionCancelled || !c.WaitUntil.IsZero() || c.FinishedAt.IsZero() || !c.Final() {
			t.Fatalf("cancel: %+v, %v", c, err)
		}
		if _, err := s.CancelExtraction(ctx, alice.ID, e.ID, t0); !errors.Is(err, store.ErrConflict) {
			t.Errorf("cancel twice: %v", err)
		}
		if _, err := s.StartExtractionRun(ctx, e.ID, "run-3", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("start after cancel: %v", err)
		}
		if err := s.FinishExtraction(ctx, e.ID, "run-2", store.ExtractionCompleted, "", "", "", t0); !errors.Is(err, store.ErrConflict) {
			t.Errorf("finish after cancel: %v", err)
		}
		if h, err := s.PeerAccessHash(ctx, a.ID, 3); err != nil || h != 21 {
			t.Errorf("access hash %d, %v", h, err)
		}
		if _, err := s.PeerAccessHash(ctx, a.ID, 4); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("access hash of a user never saved: %v", err)
		}
	})
}

func TestExtractionFinish(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, _, e := runningExtraction(t, s)
		if err := s.FinishExtraction(ctx, e.ID, "r", store.ExtractionFailed, "chat_admin_required", "Only admins", "Ask", t0); err != nil {
			t.Fatal(err)
		}
		got, _ := s.ExtractionForWork(ctx, e.ID)
		if got.Status != store.ExtractionFailed || got.ErrorCode != "chat_admin_required" || got.ErrorHint != "Ask" {
			t.Errorf("finished: %+v", got)
		}
		list, err := s.ListExtractions(ctx, alice.ID, 10)
		if err != nil || len(list) != 1 || list[0].ID != e.ID {
			t.Errorf("list: %+v, %v", list, err)
		}
	})
}

// fillList saves members 1..n with varied flags into a fresh extraction.
func fillList(t *testing.T, s store.Queries, userID, accountID int64, n int) store.Extraction {
	t.Helper()
	ctx := context.Background()
	e := newExtraction(t, s, userID, accountID)
	if _, err := s.StartExtractionRun(ctx, e.ID, "r", t0); err != nil {
		t.Fatal(err)
	}
	var page []store.Member
	for i := 1; i <= n; i++ {
		m := member(accountID, int64(i), fmt.Sprintf("Name%03d", n-i), "", "")
		m.Bot = i%10 == 0
		m.Deleted = i%15 == 0
		m.Premium = i%4 == 0
		if i%3 != 0 {
			m.Username = fmt.Sprintf("user_%03d", i)
		}
		if i <= 2 {
			m.Role = store.RoleAdmin
		}
		m.SeenRank = t0.Unix() - int64(i)*3600
		page = append(page, m)
	}
	page[4].FirstName, page[4].LastName = "Ольга", "Смирнова"
	page[5].Usernames = []string{"second_handle"}
	page[6].Phone = "15550001234"
	if _, err := s.SaveMembersPage(ctx, store.Checkpoint{ExtractionID: e.ID, RunToken: "r", Now: t0}, page); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestMemberFiltersAndKeysetOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice := mustUser(t, s, "alice@example.com")
		a := mustAccount(t, s, alice.ID, 1, "9996620001")
		const n = 120
		e := fillList(t, s, alice.ID, a.ID, n)

		count := func(f store.MemberFilter) int {
			c, err := s.CountMembers(ctx, e.ListID, f)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		for _, tc := range []struct {
			name string
			f    store.MemberFilter
			want int
		}{
			{"all", store.MemberFilter{}, n},
			{"no bots", store.MemberFilter{ExcludeBots: true}, n - n/10},
			{"no deleted", store.MemberFilter{ExcludeDeleted: true}, n - n/15},
			{"no bots or deleted", store.MemberFilter{ExcludeBots: true, ExcludeDeleted: true}, n - n/10 - n/15 + n/30},
			{"username", store.MemberFilter{HasUsername: true}, n - n/3},
			{"admins", store.MemberFilter{AdminsOnly: true}, 2},
			{"premium", store.MemberFilter{PremiumOnly: true}, n / 4},
			{"seen within 10h", store.MemberFilter{SeenSince: t0.Add(-10 * time.Hour)}, 10},
			{"search cyrillic any case", store.MemberFilter{Search: "СМИРН"}, 1},
			{"search other username", store.MemberFilter{Search: "second_HAND"}, 1},
			{"search phone", store.MemberFilter{Search: "5550001"}, 1},
			{"search percent is literal", store.MemberFilter{Search: "%"}, 0},
			{"search underscore is literal", store.MemberFilter{Search: "e_1"}, 0},
		} {
			if got := count(tc.f); got != tc.want {
				t.Errorf("%s: %d members, want %d", tc.name, got, tc.want)
			}
		}

		// Deleted accounts have no name; they end name orders.
		blank := []store.Member{member(a.ID, 1001, "", "", ""), member(a.ID, 1002, "", "", "")}
		if _, err := s.SaveMembersPage(ctx, store.Checkpoint{ExtractionID: e.ID, RunToken: "r", Phase: "recent", PhaseOffset: n + 2, Now: t0}, blank); err != nil {
			t.Fatal(err)
		}

		// Every order, walked in keyset pages of 7, gives every member once,
		// in order.
		for _, f := range []store.MemberFilter{
			{}, {Desc: true},
			{Sort: store.SortName}, {Sort: store.SortName, Desc: true},
			{Sort: store.SortUsername, HasUsername: true}, {Sort: store.SortUsername}, {Sort: store.SortUsername, Desc: true},
			{Sort: store.SortLastSeen, Desc: true}, {Sort: store.SortLastSeen, ExcludeBots: true},
		} {
			var all []store.Member
			var after store.MemberCursor
			for {
				page, err := s.ListMembers(ctx, e.ListID, f, after, 7)
				if err != nil {
					t.Fatalf("%+v: %v", f, err)
				}
				if len(page) == 0 {
					break
				}
				all = append(all, page...)
				after = f.CursorAfter(page[len(page)-1])
			}
			if len(all) != count(f) {
				t.Errorf("%+v: walked %d, count %d", f, len(all), count(f))
			}
			var scanned []store.Member
			if err := s.ScanMembers(ctx, e.ListID, f, func(m store.Member) error {
				scanned = append(scanned, m)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(scanned) != len(all) {
				t.Errorf("%+v: scanned %d, walked %d", f, len(scanned), len(all))
			}
			for i := range min(len(scanned), len(all)) {
				if scanned[i].ID != all[i].ID {
					t.Errorf("%+v: scan and keyset walk part at %d", f, i)
					break
				}
			}
			seen := map[int64]bool{}
			for i, m := range all {
				if seen[m.TGUserID] {
					t.Errorf("%+v: %d twice", f, m.TGUserID)
				}
				seen[m.TGUserID] = true
				if i == 0 {
					continue
				}
				// Blank names and usernames end their order either way.
				switch pb, mb := blankKey(f, all[i-1]), blankKey(f, m); {
				case pb && !mb:
					t.Errorf("%+v: blank %v before %v", f, all[i-1], m)
				case pb != mb:
				default:
					c := compareBy(f, all[i-1], m)
					if (!f.Desc && c > 0) || (f.Desc && c < 0) {
						t.Errorf("%+v: %v before %v", f, all[i-1], m)
					}
				}
			}
		}

		stop := errors.New("enough")
		seen := 0
		if err := s.ScanMembers(ctx, e.ListID, store.MemberFilter{}, func(store.Member) error {
			seen++
			if seen == 3 {
				return stop
			}
			return nil
		}); !errors.Is(err, stop) || seen != 3 {
			t.Errorf("scan stopped with %v after %d", err, seen)
		}

		got, _ := s.ListMembers(ctx, e.ListID, store.MemberFilter{Search: "ольга"}, store.MemberCursor{}, 10)
		if len(got) != 1 || got[0].TGUserID != 5 || got[0].AccessHash != 35 || got[0].LastSeen != store.SeenRecently || !got[0].FetchedAt.Equal(t0.Truncate(time.Microsecond)) {
			t.Errorf("search ольга: %+v", got)
		}
		got, _ = s.ListMembers(ctx, e.ListID, store.MemberFilter{Search: "second"}, store.MemberCursor{}, 10)
		if len(got) != 1 || !slices.Equal(got[0].Usernames, []string{"second_handle"}) {
			t.Errorf("usernames: %+v", got)
		}
	})
}

// blankKey: m has no value to sort by (no name, no username).
func blankKey(f store.MemberFilter, m store.Member) bool {
	k, ok := f.CursorAfter(m).Key.(string)
	return ok && k == "" && f.Sort != store.SortPosition
}

func compareBy(f store.MemberFilter, a, b store.Member) int {
	ka, kb := f.CursorAfter(a), f.CursorAfter(b)
	switch x := ka.Key.(type) {
	case string:
		if y := kb.Key.(string); x != y {
			if x < y {
				return -1
			}
			return 1
		}
	case int64:
		if y := kb.Key.(int64); x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

func TestMergeMemberLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, bob := mustUser(t, s, "alice@example.com"), mustUser(t, s, "bob@example.com")
		a := mustAccount(t, s, alice.ID, 1, "9996620001")
		b := mustAccount(t, s, bob.ID, 2, "9996620002")
		one := fillList(t, s, alice.ID, a.ID, 30)
		two := newExtraction(t, s, alice.ID, a.ID)
		if _, err := s.StartExtractionRun(ctx, two.ID, "r", t0); err != nil {
			t.Fatal(err)
		}
		var page []store.Member
		for i := 21; i <= 40; i++ { // 21-30 are in both
			page = append(page, member(a.ID, int64(i), "X", "", ""))
		}
		if _, err := s.SaveMembersPage(ctx, store.Checkpoint{ExtractionID: two.ID, RunToken: "r", Now: t0}, page); err != nil {
			t.Fatal(err)
		}
		bobs := fillList(t, s, bob.ID, b.ID, 8)
		if _, err := s.MergeMemberLists(ctx, alice.ID, "Audience", []int64{one.ListID, bobs.ListID}, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("merging bob's list: %v", err)
		}
		m, err := s.MergeMemberLists(ctx, alice.ID, "Audience", []int64{one.ListID, two.ListID}, t0)
		if err != nil || m.MemberCount != 40 || m.Source != store.ListFromMerge {
			t.Fatalf("merge = %+v, %v", m, err)
		}
		if c, _ := s.CountMembers(ctx, m.ID, store.MemberFilter{}); c != 40 {
			t.Errorf("merged list has %d rows", c)
		}
		// The first list wins for users in both.
		got, _ := s.ListMembers(ctx, m.ID, store.MemberFilter{Search: "name"}, store.MemberCursor{}, 100)
		if len(got) != 29 { // 30 from list one, one of them renamed Ольга
			t.Errorf("%d members from list one", len(got))
		}
		lists, _ := s.ListMemberLists(ctx, alice.ID)
		if len(lists) != 3 || lists[0].ID != m.ID {
			t.Errorf("lists %+v", lists)
		}
		if err := s.RenameMemberList(ctx, bob.ID, m.ID, "mine", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob renames: %v", err)
		}
		if err := s.DeleteMemberList(ctx, alice.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.CountMembers(ctx, m.ID, store.MemberFilter{}); c != 0 {
			t.Errorf("deleted list keeps %d members", c)
		}
	})
}

// runningExtraction is alice's extraction on her account, with run "r"
// started.
func runningExtraction(t *testing.T, s store.Store) (store.User, store.Account, store.Extraction) {
	t.Helper()
	alice := mustUser(t, s, "alice@example.com")
	a := mustAccount(t, s, alice.ID, 1, "9996620001")
	e := newExtraction(t, s, alice.ID, a.ID)
	if _, err := s.StartExtractionRun(context.Background(), e.ID, "r", t0); err != nil {
		t.Fatal(err)
	}
	return alice, a, e
}

// TestSavedMembersReadBackAsWritten covers the page INSERT's packing: the
// six flags travel as one integer on SQLite and as arrays on PostgreSQL,
// and one save may hold pages fetched at different times (pages that
// waited to be saved together), more than one statement's worth of rows.
func TestSavedMembersReadBackAsWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		_, a, e := runningExtraction(t, s)
		var want []store.Member
		for i := range 1088 { // 17 × 64: each flag set on exactly half
			m := member(a.ID, int64(i+1), fmt.Sprintf("First%d", i), "Last", fmt.Sprintf("u%d", i))
			m.FetchedAt = t0.Add(time.Duration(i/200) * time.Second) // one fetch time per page of 200
			flags := i % 64
			m.Bot, m.Deleted, m.Premium = flags&1 != 0, flags&2 != 0, flags&4 != 0
			m.Verified, m.Scam, m.Fake = flags&8 != 0, flags&16 != 0, flags&32 != 0
			if i%7 == 0 {
				m.Usernames = []string{"second", "third"}
				m.Phone = "15550001"
				m.LastSeen, m.LastSeenAt = store.SeenOnline, t0.Add(-time.Duration(i)*time.Minute)
				m.JoinedAt = t0.Add(-time.Duration(i) * time.Hour)
				m.Role = store.RoleAdmin
			}
			want = append(want, m)
		}
		n, err := s.SaveMembersPage(ctx, store.Checkpoint{ExtractionID: e.ID, RunToken: "r", Phase: "recent", PhaseOffset: len(want), Now: t0}, want)
		if err != nil || n != len(want) {
			t.Fatalf("save: %d, %v", n, err)
		}
		got, err := s.ListMembers(ctx, e.ListID, store.MemberFilter{}, store.MemberCursor{}, 2000)
		if err != nil || len(got) != len(want) {
			t.Fatalf("read %d members, %v", len(got), err)
		}
		for i := range want {
			w, g := want[i], got[i]
			w.ID, w.ListID = g.ID, e.ListID
			us := func(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) } // what the store keeps
			w.LastSeenAt, w.JoinedAt, w.FetchedAt = us(w.LastSeenAt), us(w.JoinedAt), us(w.FetchedAt)
			if len(w.Usernames) == 0 && len(g.Usernames) == 0 {
				w.Usernames = g.Usernames
			}
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("member %d:\n got %+v\nwant %+v", i, g, w)
			}
		}
		for _, f := range []store.MemberFilter{{ExcludeBots: true}, {ExcludeDeleted: true}, {PremiumOnly: true}} {
			if c, _ := s.CountMembers(ctx, e.ListID, f); c != len(want)/2 {
				t.Errorf("%+v counts %d, want %d", f, c, len(want)/2)
			}
		}
	})
}

// TestDeletingAListDuringASaveLeavesNoMembers: members have no foreign key,
// so a list deleted while a page of it is being saved must still take the
// page's rows with it, whichever commits first; and a save after the
// deletion is refused as a lost run.
func TestDeletingAListDuringASaveLeavesNoMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice, a, e := runningExtraction(t, s)
		page := []store.Member{member(a.ID, 1, "Ann", "", ""), member(a.ID, 2, "Bob", "", "")}
		cp := store.Checkpoint{ExtractionID: e.ID, RunToken: "r", Phase: "recent", PhaseOffset: 2, Now: t0}

		saving, deleted := make(chan struct{}), make(chan error, 1)
		err := s.InTx(ctx, func(tx store.Tx) error {
			if _, err := tx.SaveMembersPage(ctx, cp, page); err != nil {
				return err
			}
			close(saving)
			go func() { deleted <- s.DeleteMemberList(ctx, alice.ID, e.ListID) }()
			// The deletion must wait for this transaction, not go ahead
			// and leave the page's rows behind.
			select {
			case err := <-deleted:
				return fmt.Errorf("the list was deleted while its page was being saved (%v)", err)
			case <-time.After(300 * time.Millisecond):
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		<-saving
		if err := <-deleted; err != nil {
			t.Fatalf("delete: %v", err)
		}
		if n, err := s.CountMembers(ctx, e.ListID, store.MemberFilter{}); err != nil || n != 0 {
			t.Errorf("%d members of the deleted list remain (%v)", n, err)
		}
		cp.PhaseOffset = 4
		if _, err := s.SaveMembersPage(ctx, cp, []store.Member{member(a.ID, 3, "Cy", "", "")}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a page saved after its list was deleted: %v", err)
		}
		if n, _ := s.CountMembers(ctx, e.ListID, store.MemberFilter{}); n != 0 {
			t.Errorf("%d members written after the list was deleted", n)
		}
	})
}
