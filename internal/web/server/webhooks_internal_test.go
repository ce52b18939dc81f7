package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/webhook"
)

// TestDomainEventsBecomeWebhookEvents: the inbox's incoming messages (not
// the account's own) and the accounts' health changes are written as
// webhook events of the right type and object.
func TestDomainEventsBecomeWebhookEvents(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	keys, err := secrets.NewKeyring(secrets.Key{ID: "test", Secret: make([]byte, secrets.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	jc, err := jobs.New(ctx, jobs.Options{Store: st, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	hooks, err := webhook.New(webhook.Options{Store: st, Keyring: keys, Queue: jc, AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "ann@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ep, _, err := hooks.Create(ctx, u.ID, "https://crm.example/hook",
		[]string{webhook.MessageReceived, webhook.AnswerSent, webhook.AccountLimited, webhook.AccountNeedsLogin})
	if err != nil {
		t.Fatal(err)
	}

	onAnswer := answersToWebhooks(hooks, nil)
	onMessage := inboxToWebhooks(hooks, nil)
	conv := inbox.Conversation{Conversation: store.Conversation{ID: 5, UserID: u.ID, AccountID: 3, TGUserID: 9001,
		Username: "pia", FirstName: "Pia", CampaignID: 2, AssignedTo: 44, AssignedEmail: "bea@example.com"}}
	for _, m := range []store.InboxMessage{
		{ID: 11, Direction: store.DirectionIn, Text: "Hello!", TGMessageID: 77, MediaType: "photo", MediaSize: 1024, SentAt: time.Now()},
		{ID: 12, Direction: store.DirectionOut, Text: "Hi Pia"},
	} {
		if err := st.InTx(ctx, func(tx store.Tx) error { return onMessage(ctx, tx, conv, inbox.Message{InboxMessage: m}) }); err != nil {
			t.Fatal(err)
		}
	}
	// The event is the message's transaction's: rolled back with it.
	rollback := errors.New("the message's insert failed")
	if err := st.InTx(ctx, func(tx store.Tx) error {
		if err := onMessage(ctx, tx, conv, inbox.Message{InboxMessage: store.InboxMessage{ID: 13, Direction: store.DirectionIn, Text: "Lost?"}}); err != nil {
			return err
		}
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatal(err)
	}

	answer := store.InboxMessage{ID: 14, Direction: store.DirectionOut, Origin: store.OriginAnswer, Text: "See you", TGMessageID: 78,
		State: store.AnswerSent, SentAt: time.Now(), AnsweredBy: 45, AnsweredByEmail: "cal@example.com"}
	if err := st.InTx(ctx, func(tx store.Tx) error { return onAnswer(ctx, tx, conv, inbox.Message{InboxMessage: answer}) }); err != nil {
		t.Fatal(err)
	}

	onHealth := accountsToWebhooks(hooks, slog.New(slog.DiscardHandler))
	onHealth(ctx, accounts.Account{ID: 3, UserID: u.ID, Name: "Sam", Status: accounts.StatusLimited, StatusDetail: "PEER_FLOOD"})
	onHealth(ctx, accounts.Account{ID: 3, UserID: u.ID, Name: "Sam", Status: accounts.StatusNeedsRelogin, StatusDetail: "SESSION_REVOKED"})

	list, err := hooks.Deliveries(ctx, u.ID, ep.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, d := range list {
		types = append(types, d.EventType)
	}
	slices.Sort(types)
	if want := []string{webhook.AccountLimited, webhook.AccountNeedsLogin, webhook.AnswerSent, webhook.MessageReceived}; !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	for _, d := range list {
		var ev struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(d.Body), &ev); err != nil {
			t.Fatal(err)
		}
		switch d.EventType {
		case webhook.MessageReceived:
			from, _ := ev.Data["from"].(map[string]any)
			media, _ := ev.Data["media"].(map[string]any)
			assigned, _ := ev.Data["assigned_to"].(map[string]any)
			if ev.Data["text"] != "Hello!" || ev.Data["conversation_id"] != float64(5) || ev.Data["campaign_id"] != float64(2) ||
				from["username"] != "pia" || media["type"] != "photo" || assigned["user_id"] != float64(44) || assigned["email"] != "bea@example.com" {
				t.Errorf("message.received %s", d.Body)
			}
		case webhook.AnswerSent:
			by, _ := ev.Data["answered_by"].(map[string]any)
			assigned, _ := ev.Data["assigned_to"].(map[string]any)
			to, _ := ev.Data["to"].(map[string]any)
			if ev.Data["text"] != "See you" || ev.Data["message_id"] != float64(78) || to["username"] != "pia" ||
				by["user_id"] != float64(45) || by["email"] != "cal@example.com" || assigned["email"] != "bea@example.com" {
				t.Errorf("answer.sent %s", d.Body)
			}
		case webhook.AccountLimited, webhook.AccountNeedsLogin:
			if ev.Data["id"] != float64(3) || ev.Data["detail"] == "" {
				t.Errorf("%s %s", d.EventType, d.Body)
			}
		}
	}
}
