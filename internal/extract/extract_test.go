package extract_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestChatsListEveryKindWithTheirRules(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := context.Background()
	chats, err := e.svc.Chats(ctx, e.user.ID, e.ann, "")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]store.Chat{}
	for _, c := range chats {
		byID[c.TGChatID] = c
	}
	for _, want := range []store.Chat{
		{TGChatID: chatGoDevs, Kind: store.ChatSupergroup, Title: "Go Devs", Username: "go_devs", MembersCount: 1506},
		{TGChatID: chatCrowd, Kind: store.ChatSupergroup, Title: "Crowd", Username: "big_crowd", MembersCount: 2602},
		{TGChatID: chatQuiet, Kind: store.ChatSupergroup, Title: "Quiet Room", MembersCount: 404, MembersHidden: true},
		{TGChatID: chatNews, Kind: store.ChatChannel, Title: "News", Username: "news_chan", MembersCount: 302},
		{TGChatID: chatFamily, Kind: store.ChatGroup, Title: "Family", MembersCount: 5, IsAdmin: true, IsCreator: true},
	} {
		got, ok := byID[want.TGChatID]
		if !ok {
			t.Errorf("chat %d (%s) missing", want.TGChatID, want.Title)
			continue
		}
		if got.Kind != want.Kind || got.Title != want.Title || got.Username != want.Username || got.MembersCount != want.MembersCount ||
			got.MembersHidden != want.MembersHidden || got.IsAdmin != want.IsAdmin || got.IsCreator != want.IsCreator {
			t.Errorf("chat %d = %+v, want %+v", want.TGChatID, got, want)
		}
	}
	if _, ok := byID[chatPublic]; ok || len(chats) != 5 {
		t.Errorf("chats %+v: want the five Ann is in", chats)
	}
	if chats[0].TGChatID != chatCrowd {
		t.Errorf("largest first, got %s first", chats[0].Title)
	}
	found, err := e.svc.Chats(ctx, e.user.ID, e.ann, "@GO_")
	if err != nil || len(found) != 1 || found[0].TGChatID != chatGoDevs {
		t.Errorf("search @GO_: %+v, %v", found, err)
	}
	bobs, err := e.svc.RefreshChats(ctx, e.user.ID, e.bob)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range bobs {
		if c.TGChatID == chatNews && (!c.IsAdmin || !c.IsCreator) {
			t.Errorf("bob's channel: %+v", c)
		}
		if c.TGChatID == chatQuiet && !c.MembersHidden {
			t.Errorf("hidden flag: %+v", c)
		}
	}
	if _, err := e.svc.Chats(ctx, e.user.ID+1, e.ann, ""); !isCode(err, "not_found") {
		t.Errorf("another user's account: %v", err)
	}
}

func isCode(err error, code string) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == code
}

func TestSupergroupListsEveryMemberInTheFewestCalls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		before := participantCalls()
		x := e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs})
		if x.Status != store.ExtractionQueued || x.JobID == 0 || x.ChatTitle != "Go Devs" {
			t.Errorf("started %+v", x)
		}
		x = e.wait(x.ID)
		if x.Status != store.ExtractionCompleted || x.Fetched != 1506 || x.Total != 1506 || x.Partial || x.Cap != 0 {
			t.Fatalf("finished %+v", x)
		}
		// ceil(1506/200) pages of recent members and no more: the list
		// reached Telegram's count, so every admin and bot is in it, and
		// no empty closing page is needed.
		if calls := participantCalls() - before; calls != 8 {
			t.Errorf("%d getParticipants calls, want 8", calls)
		}
		e.checkMembers(e.members(x.ListID), expected(chatGoDevs, false), e.ann)
		p := extract.ProgressOf(x, time.Now())
		if p.Percent != 100 || p.Notice != "" || !p.Final() || p.StatusLine() != "Done · 1,506 members" {
			t.Errorf("progress %+v %q", p, p.StatusLine())
		}
		// Against the instant sandbox the run is over in a blink; its rate
		// is still reported, not 0.
		if p.Rate <= 0 {
			t.Errorf("a finished run reports a rate of %v members/s", p.Rate)
		}
		l, err := st.MemberListByID(context.Background(), e.user.ID, x.ListID)
		if err != nil || l.MemberCount != 1506 || l.Name != "Go Devs" {
			t.Errorf("list %+v, %v", l, err)
		}
		ev := e.acc.events()
		if len(ev) != 2 || !strings.Contains(ev[0], "extraction_started: Go Devs (@go_devs)") || !strings.Contains(ev[1], "extraction_completed") {
			t.Errorf("activity %q", ev)
		}
	})
}

func TestCapIsReportedNotSwept(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	before := participantCalls()
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, Chat: "@big_crowd"}).ID)
	want := expected(chatCrowd, false)
	if x.Status != store.ExtractionCompleted || !x.Partial || x.Cap != testCap || x.Total != 2602 || x.Fetched != len(want) {
		t.Fatalf("finished %+v, want %d members", x, len(want))
	}
	// Ten full pages to the cap, the empty page that shows it, admins,
	// bots: no search terms tried to get past it.
	if calls := participantCalls() - before; calls != 10+1+2 {
		t.Errorf("%d getParticipants calls, want 13", calls)
	}
	e.checkMembers(e.members(x.ListID), want, e.ann)
	p := extract.ProgressOf(x, time.Now())
	if !strings.HasPrefix(p.Notice, "Telegram returned 2,000 of 2,602 members") || !p.Partial ||
		!strings.HasSuffix(p.Notice, fmt.Sprintf("which bring this list to %s.", extract.Thousands(x.Fetched))) {
		t.Errorf("notice %q (fetched %d)", p.Notice, x.Fetched)
	}
}

func TestHiddenMembersGiveAdminsAndBotsWithAnExplanation(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	before := participantCalls()
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatQuiet}).ID)
	want := expected(chatQuiet, true)
	if x.Status != store.ExtractionCompleted || !x.Partial || !x.MembersHidden || x.Total != 404 || x.Fetched != len(want) {
		t.Fatalf("finished %+v", x)
	}
	if calls := participantCalls() - before; calls != 2 {
		t.Errorf("%d getParticipants calls, want 2 (admins, bots)", calls)
	}
	e.checkMembers(e.members(x.ListID), want, e.ann)
	if n := extract.ProgressOf(x, time.Now()).Notice; !strings.Contains(n, "hidden") || !strings.Contains(n, "of its 404 members") {
		t.Errorf("notice %q", n)
	}
	// A search sees only the admins and bots too, and the notice does not
	// count its matches as the group's members.
	z := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatQuiet, Search: "b"}).ID)
	if n := extract.ProgressOf(z, time.Now()).Notice; z.Status != store.ExtractionCompleted || !strings.Contains(n, "matching “b”") || strings.Contains(n, "of its") {
		t.Errorf("hidden members with a search: %+v, notice %q", z, n)
	}
	// An admin sees everyone.
	y := e.wait(e.start(extract.StartInput{AccountID: e.bob, ChatID: chatQuiet}).ID)
	if y.Status != store.ExtractionCompleted || y.Partial || y.Fetched != 404 {
		t.Errorf("admin's extraction %+v", y)
	}
}

func TestBroadcastChannelOnlyForAdmins(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := context.Background()
	for _, in := range []extract.StartInput{
		{AccountID: e.ann, ChatID: chatNews},
		{AccountID: e.ann, Chat: "https://t.me/news_chan"},
	} {
		_, err := e.svc.Start(ctx, e.user.ID, in)
		if !errors.Is(err, extract.ErrChannelAdminRequired) {
			t.Errorf("start %+v: %v", in, err)
		}
	}
	// Telegram has the last word: an account the chats list took for an
	// admin still fails with the same message, without a member fetched.
	chats, _ := e.st.ListAccountChats(ctx, e.user.ID, e.ann)
	for i := range chats {
		chats[i].IsAdmin = chats[i].TGChatID == chatNews
	}
	if err := e.st.ReplaceAccountChats(ctx, e.ann, chats, time.Now()); err != nil {
		t.Fatal(err)
	}
	before := participantCalls()
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatNews}).ID)
	if x.Status != store.ExtractionFailed || x.ErrorCode != "channel_admin_required" || x.ErrorMessage != extract.ErrChannelAdminRequired.Message || x.Fetched != 0 {
		t.Errorf("job on a channel Ann does not admin: %+v", x)
	}
	if calls := participantCalls() - before; calls != 0 {
		t.Errorf("%d getParticipants calls for a channel the account cannot list", calls)
	}
	// Its creator lists every subscriber.
	y := e.wait(e.start(extract.StartInput{AccountID: e.bob, ChatID: chatNews}).ID)
	if y.Status != store.ExtractionCompleted || y.Fetched != 302 || y.Partial {
		t.Errorf("creator's extraction %+v", y)
	}
	e.checkMembers(e.members(y.ListID), expected(chatNews, false), e.bob)
}

func TestBasicGroupInOneCall(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	before := sbx.Counts()
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatFamily}).ID)
	if x.Status != store.ExtractionCompleted || x.Fetched != 5 || x.Total != 5 || x.Partial {
		t.Fatalf("finished %+v", x)
	}
	after := sbx.Counts()
	if n := after["messages.getFullChat"] - before["messages.getFullChat"]; n != 1 {
		t.Errorf("%d getFullChat calls", n)
	}
	if n := after["channels.getParticipants"] - before["channels.getParticipants"]; n != 0 {
		t.Errorf("%d getParticipants calls for a basic group", n)
	}
	got := e.members(x.ListID)
	e.checkMembers(got, expected(chatFamily, false), e.ann)
	for _, m := range got {
		if m.TGUserID == 1004 && (m.LastSeenAt.Unix() != 1767225600 || m.LastName != `O'Neil, "Jr"`) {
			t.Errorf("Dan: %+v", m)
		}
		if m.TGUserID == 1003 && (m.LastSeen != store.SeenOnline || m.LastSeenAt.IsZero()) {
			t.Errorf("Cleo online: %+v", m)
		}
	}
}

func TestPastedUsernamesAndLinks(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := context.Background()
	// A public supergroup the account is not in, by link.
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, Chat: " https://t.me/public_square/42 "}).ID)
	if x.Status != store.ExtractionCompleted || x.Fetched != 251 || x.ChatTGID != chatPublic {
		t.Errorf("public square: %+v", x)
	}
	e.checkMembers(e.members(x.ListID), expected(chatPublic, false), e.ann)

	for _, tc := range []struct {
		chat string
		err  error
		code string
	}{
		{"t.me/+AbCdEf123", extract.ErrInviteLink, ""},
		{"https://t.me/joinchat/AbCdEf", extract.ErrInviteLink, ""},
		{"@ann_lee", extract.ErrNotAChat, ""},
		{"@nobody_here", extract.ErrUnknownUsername, ""},
		{"not a link!", nil, "validation_failed"},
		{"t.me/c/99999/1", nil, "not_found"},
	} {
		_, err := e.svc.Start(ctx, e.user.ID, extract.StartInput{AccountID: e.ann, Chat: tc.chat})
		if tc.err != nil && !errors.Is(err, tc.err) || tc.code != "" && !isCode(err, tc.code) {
			t.Errorf("%q: %v", tc.chat, err)
		}
	}
	// A private link to a chat the account is in.
	y := e.wait(e.start(extract.StartInput{AccountID: e.ann, Chat: "https://t.me/c/5003/7"}).ID)
	if y.ChatTGID != chatQuiet || y.Status != store.ExtractionCompleted {
		t.Errorf("t.me/c link: %+v", y)
	}
	for _, in := range []extract.StartInput{
		{AccountID: 0, ChatID: chatGoDevs},
		{AccountID: e.ann},
		{AccountID: e.ann, ChatID: chatGoDevs, Chat: "@go_devs"},
		{AccountID: e.ann, ChatID: chatGoDevs, Search: strings.Repeat("a", 65)},
	} {
		if _, err := e.svc.Start(ctx, e.user.ID, in); !isCode(err, "validation_failed") {
			t.Errorf("%+v: %v", in, err)
		}
	}
	if _, err := e.svc.Start(ctx, e.user.ID+1, extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs}); !isCode(err, "not_found") {
		t.Errorf("another user's account: %v", err)
	}
}

func TestSearchTermNarrowsOneRun(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	before := participantCalls()
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs, Search: "anna"}).ID)
	if x.Status != store.ExtractionCompleted || x.Fetched == 0 || x.Fetched != x.Total || x.Partial {
		t.Fatalf("finished %+v", x)
	}
	want := 0
	for _, m := range sbx.ChatMembers(chatGoDevs) {
		if !m.Deleted && (strings.HasPrefix(strings.ToLower(m.Username), "anna") || hasWordPrefix(m.FirstName+" "+m.LastName, "anna")) {
			want++
		}
	}
	if x.Fetched != want {
		t.Errorf("fetched %d, the world has %d matching", x.Fetched, want)
	}
	if calls, pages := participantCalls()-before, (want+199)/200; calls != pages {
		t.Errorf("%d calls for %d matches, want %d", calls, want, pages)
	}
	l, _ := e.st.MemberListByID(context.Background(), e.user.ID, x.ListID)
	if l.Name != "Go Devs — “anna”" {
		t.Errorf("list name %q", l.Name)
	}
}

func hasWordPrefix(name, prefix string) bool {
	for _, w := range strings.Fields(strings.ToLower(name)) {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}

func TestFloodWaitSnoozesTheJobAndResumes(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	t.Cleanup(sbx.ClearFaults)
	if err := sbx.SetFault(sandbox.Fault{Method: "channels.getParticipants", After: 3, Error: "FLOOD_WAIT_2"}); err != nil {
		t.Fatal(err)
	}
	before := participantCalls()
	x := e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs})
	w := e.waitFor(x.ID, func(x store.Extraction) bool { return x.Status == store.ExtractionWaiting }, "waiting")
	p := extract.ProgressOf(w, time.Now())
	if w.Fetched != 600 || p.WaitSeconds < 1 || p.WaitSeconds > 2 || !strings.HasPrefix(p.StatusLine(), "Waiting ") {
		t.Errorf("waiting: %+v, %q", w, p.StatusLine())
	}
	x = e.wait(x.ID)
	if x.Status != store.ExtractionCompleted || x.Fetched != 1506 {
		t.Fatalf("finished %+v", x)
	}
	if !x.FinishedAt.After(w.WaitUntil) && !x.FinishedAt.Equal(w.WaitUntil) {
		t.Errorf("finished at %v, before the wait ended at %v", x.FinishedAt, w.WaitUntil)
	}
	if calls := participantCalls() - before; calls != 8+1 {
		t.Errorf("%d getParticipants calls, want the 8 needed and the refused one", calls)
	}
	e.checkMembers(e.members(x.ListID), expected(chatGoDevs, false), e.ann)
}

func TestPeerFloodStopsTheJob(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	t.Cleanup(sbx.ClearFaults)
	if err := sbx.SetFault(sandbox.Fault{Method: "channels.getParticipants", After: 2, Error: "PEER_FLOOD"}); err != nil {
		t.Fatal(err)
	}
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs}).ID)
	if x.Status != store.ExtractionFailed || x.ErrorCode != "account_limited" || x.Fetched != 400 || x.ErrorHint == "" {
		t.Errorf("finished %+v", x)
	}
	if ev := e.acc.events(); len(ev) != 2 || !strings.Contains(ev[1], "extraction_failed") {
		t.Errorf("activity %q", ev)
	}
}

func TestCancelStopsAWaitingExtraction(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	t.Cleanup(sbx.ClearFaults)
	if err := sbx.SetFault(sandbox.Fault{Method: "channels.getParticipants", After: 2, Error: "FLOOD_WAIT_30"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	x := e.start(extract.StartInput{AccountID: e.ann, ChatID: chatCrowd})
	e.waitFor(x.ID, func(x store.Extraction) bool { return x.Status == store.ExtractionWaiting }, "waiting")
	c, err := e.svc.Cancel(ctx, e.user.ID, x.ID)
	if err != nil || c.Status != store.ExtractionCancelled || c.Fetched != 400 {
		t.Fatalf("cancel: %+v, %v", c, err)
	}
	if _, err := e.svc.Cancel(ctx, e.user.ID, x.ID); !errors.Is(err, extract.ErrAlreadyOver) {
		t.Errorf("cancel twice: %v", err)
	}
	if _, err := e.svc.Cancel(ctx, e.user.ID+1, x.ID); !isCode(err, "not_found") {
		t.Errorf("another user cancels: %v", err)
	}
	if p := extract.ProgressOf(c, time.Now()); p.StatusLine() != "Cancelled · 400 members saved" {
		t.Errorf("status %q", p.StatusLine())
	}
}

func TestRevokedSessionStopsTheJob(t *testing.T) {
	const phoneCleo = "9996611003"
	ctx := context.Background()
	p, err := gw.SendCode(ctx, creds, phoneCleo)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gw.SignIn(ctx, creds, phoneCleo, p, "11111")
	if err != nil {
		t.Fatal(err)
	}
	sessMu.Lock()
	sessions[phoneCleo] = res.Session
	sessMu.Unlock()
	e := newEnv(t, storetest.SQLite(t))
	a, err := e.st.CreateAccount(ctx, e.user.ID, store.AccountLogin{APIID: 300, APIHashSealed: []byte("h"), Phone: phoneCleo, SessionSealed: []byte("s"), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	e.acc.mu.Lock()
	e.acc.phones[a.ID] = phoneCleo
	e.acc.mu.Unlock()
	if _, err := e.svc.Chats(ctx, e.user.ID, a.ID, ""); err != nil {
		t.Fatal(err)
	}
	if n := sbx.RevokeSessions(phoneCleo); n == 0 {
		t.Fatal("no session revoked")
	}
	x := e.wait(e.start(extract.StartInput{AccountID: a.ID, ChatID: chatGoDevs}).ID)
	if x.Status != store.ExtractionFailed || x.ErrorCode != "account_needs_relogin" || x.Fetched != 0 {
		t.Errorf("finished %+v", x)
	}
}

// TestSearchTermNarrowsABasicGroup: Telegram cannot search a basic group's
// members, so the term is applied to what getFullChat returns, as Telegram's
// member search matches, instead of being ignored.
func TestSearchTermNarrowsABasicGroup(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	const term = "c"
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatFamily, Search: term}).ID)
	want := map[int64]sandbox.ChatMember{}
	for id, m := range expected(chatFamily, false) {
		if !m.Deleted && (strings.HasPrefix(strings.ToLower(m.Username), term) || hasWordPrefix(m.FirstName+" "+m.LastName, term)) {
			want[id] = m
		}
	}
	if len(want) == 0 || len(want) == len(expected(chatFamily, false)) {
		t.Fatalf("the term %q should match some of the family, not %d", term, len(want))
	}
	if x.Status != store.ExtractionCompleted || x.Fetched != len(want) || x.Total != len(want) || x.Partial {
		t.Fatalf("finished %+v, want %d matches", x, len(want))
	}
	e.checkMembers(e.members(x.ListID), want, e.ann)
}

// TestNulBytesFromTelegramAreStripped: a chat title and a member's name
// holding U+0000 are read without it, so the extraction completes on
// both engines (PostgreSQL cannot store U+0000 in text: it failed and
// was retried forever).
func TestNulBytesFromTelegramAreStripped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		x := e.wait(e.start(extract.StartInput{AccountID: e.bob, ChatID: chatNul}).ID)
		if x.Status != store.ExtractionCompleted || x.Fetched != 2 || x.ChatTitle != "Nul Club" {
			t.Fatalf("extraction %+v", x)
		}
		var got *store.Member
		for _, m := range e.members(x.ListID) {
			if m.TGUserID == 1008 {
				got = &m
			}
		}
		if got == nil || got.FirstName != "Null" || got.LastName != "Zed" {
			t.Fatalf("member 1008: %+v", got)
		}
	})
}

// TestMembersQuotaRefusesNewExtractions: once the owner's member lists
// hold the members quota, a new extraction is refused naming the quota
// and what to do, and none is created; deleting a list makes room.
func TestMembersQuotaRefusesNewExtractions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnvWith(t, st, true, extract.Options{QuotaMembers: 3})
		ctx := context.Background()
		x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatFamily}).ID)
		if x.Status != store.ExtractionCompleted || x.Fetched != 5 {
			t.Fatalf("first extraction %+v", x)
		}
		_, err := e.svc.Start(ctx, e.user.ID, extract.StartInput{AccountID: e.ann, ChatID: chatFamily})
		if e, ok := apperr.As(err); !ok || e.Code != "quota_exceeded" || !strings.Contains(e.Message, "members quota is 3") ||
			!strings.Contains(e.Hint, "--quota-members") {
			t.Fatalf("past the members quota: %v", err)
		}
		if list, err := st.ListExtractions(ctx, e.user.ID, 10); err != nil || len(list) != 1 {
			t.Fatalf("extractions after the refusal: %d, %v", len(list), err)
		}
		if err := e.svc.Delete(ctx, e.user.ID, x.ListID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Start(ctx, e.user.ID, extract.StartInput{AccountID: e.ann, ChatID: chatFamily}); err != nil {
			t.Fatalf("after deleting the list: %v", err)
		}
	})
}
