package inbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestNulBytesReachTheInboxWithout: a message and a sender's name holding
// U+0000 reach the inbox without it on both engines (on PostgreSQL such a
// message never did), and an answer holding one is refused, so none is
// passed on to Telegram.
func TestNulBytesReachTheInboxWithout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, inbox.Options{})
		e.listening(sam.TGUserID)
		if _, err := e.sbx.Write(nulName, sam.TGUserID, "Hel\x00lo", nil); err != nil {
			t.Fatal(err)
		}
		c := e.conversationWith(sam.TGUserID, nulName)
		if c.Name() != "Null" || c.Username != "nul_writer" {
			t.Errorf("conversation %+v", c)
		}
		e.waitFor("the message", func() (bool, error) { return len(e.thread(c.ID)) == 1, nil })
		if m := e.thread(c.ID)[0]; m.Text != "Hello" {
			t.Errorf("message %q", m.Text)
		}
		if _, err := e.svc.Answer(context.Background(), e.user, c.ID, "Hi\x00 there"); !errors.Is(err, errValidation) {
			t.Errorf("an answer with U+0000: %v", err)
		}
		if got := e.sentTo(sam.TGUserID, nulName); len(got) != 0 {
			t.Errorf("the sandbox got %+v", got)
		}
	})
}
