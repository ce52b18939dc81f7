package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// chat is a conversation put straight in the store: these pages are under
// test, not how messages reach the inbox.
type chat struct {
	account  int64
	tgUser   int64
	first    string
	username string
	campaign int64
	msgs     []store.InboxMessage // Direction, Origin, Text, Media*; times are filled
}

var msgSeq int

func seedChat(t *testing.T, e *env, email string, at time.Time, c chat) int64 {
	t.Helper()
	ctx := context.Background()
	u, err := e.store.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	conv, _, err := e.store.UpsertConversation(ctx, store.ConversationPeer{UserID: u.ID, AccountID: c.account, TGUserID: c.tgUser,
		FirstName: c.first, Username: c.username, CampaignID: c.campaign, Now: at})
	if err != nil {
		t.Fatal(err)
	}
	// Opening a seeded conversation must not ask Telegram for its history.
	if err := e.store.SetHistoryLoaded(ctx, conv.ID, at); err != nil {
		t.Fatal(err)
	}
	for i, m := range c.msgs {
		msgSeq++
		m.ConversationID, m.UserID, m.AccountID, m.TGMessageID = conv.ID, u.ID, c.account, msgSeq
		m.SentAt = at.Add(time.Duration(i) * time.Second)
		m.CreatedAt = m.SentAt
		if _, _, err := e.store.AddInboxMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return conv.ID
}

func in(text string) store.InboxMessage {
	return store.InboxMessage{Direction: store.DirectionIn, Origin: store.OriginPerson, Text: text}
}

func out(origin, text string) store.InboxMessage {
	return store.InboxMessage{Direction: store.DirectionOut, Origin: origin, Text: text}
}

var conversationIDs = regexp.MustCompile(`data-conversation-id="(\d+)"`)

// listed are the conversation ids a page lists, in order.
func listed(body string) []string {
	var ids []string
	for _, m := range conversationIDs.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestInboxListsFiltersAndPages: the inbox lists the user's conversations
// newest first with account, person, last message, unread count and
// campaign; filters narrow it; "Older" pages on by keyset; another user's
// conversations never show; the navigation and the dashboard count unread
// conversations.
func TestInboxListsFiltersAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		bob := e.loggedIn("bob@example.com")
		annA := senderOf(t, e, "ann@example.com", 2000201, "Ann")
		annB := senderOf(t, e, "ann@example.com", 2000202, "Anna")
		bobA := senderOf(t, e, "bob@example.com", 2000203, "Bob")
		now := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)

		grace := seedChat(t, e, "ann@example.com", now, chat{account: annA, tgUser: 5007, first: "Grace", username: "grace_h",
			msgs: []store.InboxMessage{out(store.OriginCampaign, "Hi Grace, meetup on Friday"), in("Thanks, I'll be there!")}})
		zoe := seedChat(t, e, "ann@example.com", now.Add(time.Minute), chat{account: annB, tgUser: 5100, first: "Zoé", username: "zoe_z",
			msgs: []store.InboxMessage{in("Hello, who is this?"), out(store.OriginApp, "Ann, from the meetup")}})
		seedChat(t, e, "bob@example.com", now.Add(2*time.Minute), chat{account: bobA, tgUser: 5200, first: "Bobs friend",
			msgs: []store.InboxMessage{in("bob's secret")}})

		r := ann.get("/inbox").wantStatus(t, http.StatusOK)
		if got, want := listed(r.body), []string{fmt.Sprint(zoe), fmt.Sprint(grace)}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("inbox lists %v, want %v (newest first)", got, want)
		}
		r.wantBody(t, "Grace", "@grace_h", "Thanks, I&#39;ll be there!", "Ann, from the meetup", `id="nav-unread"`, `data-unread="1"`, "Anna")
		r.wantNoBody(t, "bob&#39;s secret", "Bobs friend")
		if !strings.Contains(r.body, `>2<span class="visually-hidden"> unread conversations`) {
			t.Error("the navigation does not count 2 unread conversations")
		}
		ann.get("/").wantStatus(t, http.StatusOK).wantBody(t, `id="stat-unread">2<`, `id="unread-conversations"`, "Zoé")

		// Filters: account, unread, search by name, username and text.
		byAccount := ann.get(fmt.Sprintf("/inbox?account=%d", annA)).wantStatus(t, http.StatusOK)
		if got := listed(byAccount.body); len(got) != 1 || got[0] != fmt.Sprint(grace) {
			t.Errorf("account filter lists %v", got)
		}
		byAccount.wantBody(t, fmt.Sprintf(`<option value="%d" selected>`, annA))
		for q, want := range map[string]string{"zoé": fmt.Sprint(zoe), "grace_h": fmt.Sprint(grace), "be there": fmt.Sprint(grace)} {
			if got := listed(ann.get("/inbox?q="+url.QueryEscape(q)).wantStatus(t, http.StatusOK).body); len(got) != 1 || got[0] != want {
				t.Errorf("search %q lists %v, want [%s]", q, got, want)
			}
		}
		if got := listed(ann.get("/inbox?q=secret").body); len(got) != 0 {
			t.Errorf("searching another user's text lists %v", got)
		}

		// Bad input: a clear message next to the field, the filters as
		// typed, nothing listed.
		for _, c := range []struct{ query, want string }{
			{"account=abc", "That is not one of your accounts"},
			{fmt.Sprintf("account=%d", bobA), "That is not one of your accounts"},
			{"campaign=-1", "That is not one of your campaigns"},
			{"status=archived", "Choose open, done, or open and done"},
			{"unread=maybe", "Unread only is on or off"},
			{"before=not-a-cursor", "This page link is not one the inbox made"},
			{"q=" + strings.Repeat("x", 101), "at most 100 characters"},
		} {
			r := ann.get("/inbox?"+c.query).wantStatus(t, http.StatusUnprocessableEntity)
			r.wantBody(t, c.want)
			if got := listed(r.body); len(got) != 0 {
				t.Errorf("%s: a refused filter still lists %v", c.query, got)
			}
		}

		// Keyset pages: 35 more conversations make two pages; "Older"
		// leads to the rest, keeping the filter, and no row shows twice.
		for i := range 35 {
			seedChat(t, e, "ann@example.com", now.Add(-time.Duration(i+1)*time.Minute), chat{account: annB, tgUser: int64(6000 + i),
				first: fmt.Sprintf("Person %02d", i), msgs: []store.InboxMessage{in("hi")}})
		}
		first := ann.get(fmt.Sprintf("/inbox?account=%d", annB)).wantStatus(t, http.StatusOK)
		older := regexp.MustCompile(`href="([^"]+)" id="older-page"`).FindStringSubmatch(first.body)
		if older == nil {
			t.Fatalf("no Older link on a full first page")
		}
		link := strings.ReplaceAll(older[1], "&amp;", "&")
		if !strings.Contains(link, fmt.Sprintf("account=%d", annB)) {
			t.Errorf("Older link %q drops the account filter", link)
		}
		second := ann.get(link).wantStatus(t, http.StatusOK)
		second.wantBody(t, `id="newest-page"`)
		second.wantNoBody(t, `id="older-page"`, "sse-connect") // the last page; only the newest is live
		seen := map[string]bool{}
		for _, id := range append(listed(first.body), listed(second.body)...) {
			if seen[id] {
				t.Errorf("conversation %s listed on both pages", id)
			}
			seen[id] = true
		}
		if len(seen) != 36 {
			t.Errorf("two pages list %d conversations, want 36", len(seen))
		}

		// The live list answers only the user's own, valid filters.
		ann.get("/inbox/events?status=bogus").wantStatus(t, http.StatusUnprocessableEntity)
		_ = bob
	})
}

// TestConversationPage: the thread shows both directions with who sent
// each message and media as a labelled placeholder; opening it marks it
// read; done and reopen move it between the open and done lists.
func TestConversationPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000211, "Ann")
		photo := in("")
		photo.MediaType, photo.MediaSize = "photo", 1258291
		id := seedChat(t, e, "ann@example.com", time.Now().UTC().Add(-time.Hour), chat{account: acct, tgUser: 5007, first: "Grace", username: "grace_h",
			msgs: []store.InboxMessage{out(store.OriginCampaign, "Hi Grace"), in("Thanks!"), photo, out(store.OriginApp, "Nice picture")}})
		page := fmt.Sprintf("/inbox/%d", id)

		if n, _ := s.CountUnreadConversations(context.Background(), ann.userID(t)); n != 1 {
			t.Fatalf("seeded %d unread conversations, want 1", n)
		}
		r := ann.get(page).wantStatus(t, http.StatusOK)
		r.wantBody(t, "Grace", `data-origin="campaign"`, `data-origin="person"`, `data-origin="app"`,
			"Photo, 1.2 MB", "Thanks!", "Nice picture", `id="reply-form"`, "Answer as <strong><bdi>Ann</bdi></strong>",
			fmt.Sprintf(`sse-connect="/inbox/%d/events"`, id), `id="mark-done"`)
		r.wantNoBody(t, `id="nav-unread"`) // this page load read it
		if n, _ := s.CountUnreadConversations(context.Background(), ann.userID(t)); n != 0 {
			t.Errorf("after opening, %d conversations are unread", n)
		}
		// Oldest first, as a thread reads.
		if strings.Index(r.body, "Hi Grace") > strings.Index(r.body, "Nice picture") {
			t.Error("the thread is not oldest first")
		}

		ann.get(page+"?before=nonsense").wantStatus(t, http.StatusUnprocessableEntity).wantBody(t, "This page link is not one the inbox made")

		// Answers: bad input is refused with the text kept and nothing
		// written.
		ann.post(page+"/messages", url.Values{"text": {"   "}}).wantStatus(t, http.StatusUnprocessableEntity).
			wantBody(t, "Write a message first", `id="reply-form"`)
		long := strings.Repeat("ab ", 1400)
		ann.post(page+"/messages", url.Values{"text": {long}}).wantStatus(t, http.StatusUnprocessableEntity).
			wantBody(t, "The message is too long", ">"+long+"</textarea>")
		msgs, err := s.ListInboxMessages(context.Background(), id, store.InboxMessageCursor{}, 50)
		if err != nil || len(msgs) != 4 {
			t.Fatalf("refused answers left %d messages (%v), want the 4 seeded", len(msgs), err)
		}

		// A limited account's answers wait, and the page says so; a
		// disconnected account offers no reply box at all.
		if err := s.SetAccountStatus(context.Background(), acct, store.AccountLimited, time.Time{}, "PEER_FLOOD", time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		ann.get(page).wantStatus(t, http.StatusOK).wantBody(t, `id="account-notice"`, "Telegram has limited this account", `id="reply-form"`)
		if err := s.SetAccountStatus(context.Background(), acct, store.AccountDisconnected, time.Time{}, "", time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		r = ann.get(page).wantStatus(t, http.StatusOK)
		r.wantBody(t, `id="no-answer"`)
		r.wantNoBody(t, `id="reply-form"`)
		if err := s.SetAccountStatus(context.Background(), acct, store.AccountActive, time.Time{}, "", time.Now().UTC()); err != nil {
			t.Fatal(err)
		}

		ann.post(page+"/done", nil).wantRedirect(t, page)
		ann.get(page).wantStatus(t, http.StatusOK).wantBody(t, "Marked done", `id="reopen-conversation"`, `data-status="done"`)
		if got := listed(ann.get("/inbox").body); len(got) != 0 {
			t.Errorf("the open list still shows a done conversation: %v", got)
		}
		if got := listed(ann.get("/inbox?status=done").body); len(got) != 1 {
			t.Errorf("the done list shows %v", got)
		}
		ann.post(page+"/reopen", nil).wantRedirect(t, page)
		if got := listed(ann.get("/inbox").body); len(got) != 1 {
			t.Errorf("a reopened conversation is not in the open list: %v", got)
		}

		// The live thread starts with the thread and the status.
		rctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(rctx, http.MethodGet, e.srv.URL+page+"/events", nil)
		resp, err := ann.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got bytes.Buffer
		buf := make([]byte, 4096)
		for !strings.Contains(got.String(), "event: status\n") {
			n, err := resp.Body.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				t.Fatalf("the live thread closed: %v\n%s", err, got.String())
			}
		}
		if !strings.Contains(got.String(), "event: thread\n") || !strings.Contains(got.String(), "Nice picture") {
			t.Errorf("the live thread did not send the thread first:\n%s", got.String())
		}
	})
}

// TestConversationOfAnotherUser: another user's conversation is not found
// on every inbox route, and nothing of it changes.
func TestConversationOfAnotherUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		e.loggedIn("bob@example.com")
		bobA := senderOf(t, e, "bob@example.com", 2000221, "Bob")
		id := seedChat(t, e, "bob@example.com", time.Now().UTC().Add(-time.Hour), chat{account: bobA, tgUser: 5200, first: "Bobs friend",
			msgs: []store.InboxMessage{in("bob's secret")}})
		page := fmt.Sprintf("/inbox/%d", id)

		ann.get(page).wantStatus(t, http.StatusNotFound).wantNoBody(t, "secret", "Bobs friend")
		ann.get(page+"/events").wantStatus(t, http.StatusNotFound)
		ann.post(page+"/messages", url.Values{"text": {"hello"}}).wantStatus(t, http.StatusNotFound)
		ann.post(page+"/done", nil).wantStatus(t, http.StatusNotFound)
		ann.post(page+"/reopen", nil).wantStatus(t, http.StatusNotFound)
		ann.get("/inbox/abc").wantStatus(t, http.StatusNotFound)

		c, err := s.ConversationForWork(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Unread != 1 || c.Status != store.ConversationOpen {
			t.Errorf("Ann's requests changed Bob's conversation: unread %d, status %s", c.Unread, c.Status)
		}
		msgs, _ := s.ListInboxMessages(context.Background(), id, store.InboxMessageCursor{}, 50)
		if len(msgs) != 1 {
			t.Errorf("Bob's conversation has %d messages after Ann's answer, want 1", len(msgs))
		}
	})
}

// TestConversationFormatting: a thread shows its messages' formatting
// from their stored entities, with the text escaped and only http, https
// and tg links made links; the answer box previews the answer as the
// person will read it (the campaign editor's syntax, their name filled
// in). internal/inbox's TestFormattingInThreadsAndAnswers sends one.
func TestConversationFormatting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000212, "Ann")
		camp := out(store.OriginCampaign, "Hi <Grace>, join us Friday at our page or here")
		camp.Entities = []store.TextEntity{{Type: "bold", Offset: 20, Length: 6}, {Type: "link", Offset: 30, Length: 8, URL: "https://example.com/a?b=1&c=2"},
			{Type: "link", Offset: 42, Length: 4, URL: "javascript:alert(1)"}}
		id := seedChat(t, e, "ann@example.com", time.Now().UTC().Add(-time.Hour), chat{account: acct, tgUser: 5008, first: "Grace",
			msgs: []store.InboxMessage{camp, in("Sure")}})
		page := fmt.Sprintf("/inbox/%d", id)
		r := ann.get(page).wantStatus(t, http.StatusOK)
		r.wantBody(t, `Hi &lt;Grace&gt;, join us <b>Friday</b> at <a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">our page</a> or <span>here</span>`,
			fmt.Sprintf(`hx-post="/inbox/%d/preview"`, id), `id="syntax-help"`)
		r.wantNoBody(t, "javascript:")

		ann.post(page+"/preview", url.Values{"text": {"See you **Friday**, {first_name}! <i>"}}).wantStatus(t, http.StatusOK).
			wantBody(t, `id="answer-preview"`, `See you <b>Friday</b>, Grace! &lt;i&gt;`, "26 / 4096 characters")
		ann.post(page+"/preview", url.Values{"text": {"See you **Friday"}}).wantStatus(t, http.StatusOK).
			wantBody(t, `id="answer-preview-error"`, "**")
		ann.post(page+"/preview", url.Values{"text": {""}}).wantStatus(t, http.StatusOK).wantNoBody(t, "As it will be read")

		// A mistake is refused with the text kept and its preview shown.
		ann.post(page+"/messages", url.Values{"text": {"See you **Friday"}}).wantStatus(t, http.StatusUnprocessableEntity).
			wantBody(t, "is-invalid", ">See you **Friday</textarea>", `id="answer-preview-error"`)
	})
}

// TestInboxSaysWhereItStarts: the inbox says plainly that it starts at an
// account's connection (chats from before are not imported), with and
// without conversations; it claimed "every private conversation".
func TestInboxSaysWhereItStarts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		const says = "The inbox starts when an account is connected: chats it had before are not imported."
		empty := ann.get("/inbox").wantStatus(t, http.StatusOK)
		empty.wantBody(t, `id="inbox-starts"`, says)
		empty.wantNoBody(t, "Every private conversation")
		acct := senderOf(t, e, "ann@example.com", 2000213, "Ann")
		seedChat(t, e, "ann@example.com", time.Now().UTC().Add(-time.Hour), chat{account: acct, tgUser: 5009, first: "Hal", msgs: []store.InboxMessage{in("Hello")}})
		ann.get("/inbox").wantStatus(t, http.StatusOK).wantBody(t, `id="inbox-starts"`, says, "Hal")
	})
}

// TestConversationShowsMedia: a thread shows a photo as its thumbnail
// linking to the full size, plays a video and a voice note, and links a
// document (and a file that only calls itself an image) by its name and
// size, each through the conversation's media route; a location has no
// file and stays a label. Another workspace's member is refused the route.
func TestConversationShowsMedia(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		bob := e.loggedIn("bob@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000212, "Ann")
		media := func(kind string, size int64, mime, name string) store.InboxMessage {
			m := in("")
			m.MediaType, m.MediaSize, m.MediaMIME, m.MediaFileName = kind, size, mime, name
			return m
		}
		id := seedChat(t, e, "ann@example.com", time.Now().UTC().Add(-time.Hour), chat{account: acct, tgUser: 5008, first: "Kai",
			msgs: []store.InboxMessage{
				media("photo", 1258291, "image/jpeg", ""),
				media("video", 3<<20, "video/mp4", "clip.mp4"),
				media("voice", 40000, "audio/ogg", ""),
				media("document", 300000, "application/pdf", "report.pdf"),
				media("photo", 70000, "image/jpeg", "photo.jpg"),
				media("location", 0, "", ""),
			}})
		r := ann.get(fmt.Sprintf("/inbox/%d", id)).wantStatus(t, http.StatusOK)
		base := fmt.Sprintf("/inbox/%d/messages/", id)
		for _, want := range []string{
			`data-media="photo"`, `?variant=thumb"`, `alt="Photo, 1.2 MB: open it in full size"`,
			`<video controls`, `<audio controls`, `download>report.pdf</a>`, `(293 KB)`, `download>photo.jpg</a>`, "Location",
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the thread lacks %q", want)
			}
		}
		if n := strings.Count(r.body, base); n < 7 {
			t.Errorf("%d links to the media route, want the photo's two and one for each of 4 other files and more", n)
		}
		if strings.Count(r.body, `?variant=thumb"`) != 1 {
			t.Error("a file that calls itself photo.jpg is shown as a picture: only the Telegram photo may be")
		}
		// The media route as another workspace's member: not found.
		first := regexp.MustCompile(regexp.QuoteMeta(base) + `(\d+)/media`).FindStringSubmatch(r.body)
		if first == nil {
			t.Fatal("no media link")
		}
		bob.get(base+first[1]+"/media").wantStatus(t, http.StatusNotFound)
	})
}
