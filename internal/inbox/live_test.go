package inbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
)

// TestLiveAcrossNodes: on PostgreSQL, a page served by one node hears of a
// message another node stored, and of a conversation it marked done.
func TestLiveAcrossNodes(t *testing.T) {
	ctx := context.Background()
	st := storetest.Postgres(t)
	u, err := st.CreateUser(ctx, store.NewUser{Email: "live@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := st.CreateAccount(ctx, u.ID, store.AccountLogin{APIID: 2500001, APIHashSealed: []byte("x"), Phone: "9996615001",
		TGUserID: 4601, FirstName: "Ann", SessionSealed: []byte("x"), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	serving, err := inbox.New(inbox.Options{Store: st, Accounts: noAccounts{}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := inbox.New(inbox.Options{Store: st, Accounts: noAccounts{}})
	if err != nil {
		t.Fatal(err)
	}
	events, stop := serving.Subscribe(u.ID)
	defer stop()
	next := func(what string) inbox.Event {
		t.Helper()
		select {
		case e := <-events:
			return e
		case <-time.After(3 * inbox.ChangesEvery):
			t.Fatalf("no event for %s", what)
			return inbox.Event{}
		}
	}
	if err := other.Ingest(ctx, u.ID, acct.ID, []telegram.PrivateMessage{{ID: 7, PeerID: 9001, Text: "hello", Date: time.Now(),
		AccessHash: 1, FirstName: "Vera"}}); err != nil {
		t.Fatal(err)
	}
	e := next("a message stored by another node")
	page, err := serving.List(ctx, u.ID, inbox.Filter{})
	if err != nil || len(page.Conversations) != 1 || e.ConversationID != page.Conversations[0].ID {
		t.Fatalf("event %+v, conversations %+v (%v)", e, page.Conversations, err)
	}
	if _, err := other.Done(ctx, u.ID, e.ConversationID); err != nil {
		t.Fatal(err)
	}
	if e2 := next("a conversation marked done by another node"); e2.ConversationID != e.ConversationID {
		t.Errorf("event %+v", e2)
	}

	bea, err := st.CreateUser(ctx, store.NewUser{Email: "bea@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddWorkspaceMember(ctx, u.ID, bea.ID, "operator", time.Now()); err != nil {
		t.Fatal(err)
	}
	asBea := actor.With(ctx, actor.Actor{UserID: bea.ID, WorkspaceID: u.ID, Role: actor.Operator})
	if _, err := other.AddNote(asBea, u.ID, e.ConversationID, "Handled by Bea"); err != nil {
		t.Fatal(err)
	}
	if e3 := next("a note written on another node"); e3.ConversationID != e.ConversationID {
		t.Errorf("event %+v", e3)
	}
	if err := other.Typing(asBea, u.ID, e.ConversationID); err != nil {
		t.Fatal(err)
	}
	replying, err := serving.Replying(ctx, e.ConversationID, u.ID)
	if err != nil || len(replying) != 1 || replying[0].Email != "bea@example.com" {
		t.Errorf("replying as the serving node sees it: %+v %v", replying, err)
	}
}
