package inbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestFormattingInThreadsAndAnswers: a campaign's formatted message is
// kept in the thread with its entities (it showed as plain text), and an
// answer is written as a campaign's message is: "**Friday**" went out
// with its stars; now Telegram gets the text with a bold entity and the
// person's name filled in. Judged from the sandbox's record and from the
// thread's HTML, which escapes the text.
func TestFormattingInThreadsAndAnswers(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	v, err := e.camp.Create(ctx, e.user, campaign.CreateInput{Name: "Formatted", Message: "Hi {first_name|there}, join us **Friday** at [our page](https://example.com/meetup)",
		Audience: campaign.Audience{ListIDs: []int64{e.list(sam.TGUserID)}}, SenderAccountIDs: []int64{e.account(sam.TGUserID)},
		Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(100)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.camp.Start(ctx, e.user, v.ID); err != nil {
		t.Fatal(err)
	}
	c := e.conversationWith(e.account(sam.TGUserID), ann)
	if _, err := e.svc.Open(ctx, e.user, c.ID); err != nil {
		t.Fatal(err)
	}
	var sent inbox.Message
	e.waitFor("the campaign's message in the thread", func() (bool, error) {
		for _, m := range e.thread(c.ID) {
			if m.Origin == store.OriginCampaign {
				sent = m
				return true, nil
			}
		}
		return false, nil
	})
	if got, want := sent.Formatted().HTML(), `Hi Ann, join us <b>Friday</b> at <a href="https://example.com/meetup" rel="noopener noreferrer nofollow" target="_blank">our page</a>`; !strings.HasPrefix(got, want) {
		t.Errorf("the campaign's message in the thread:\n got %s\nwant %s", got, want)
	}

	// A formatting mistake is refused next to the field; nothing is kept.
	if _, err := e.svc.Answer(ctx, e.user, c.ID, "See you **Friday"); err == nil {
		t.Fatal("an unclosed ** was taken")
	} else if ae, ok := apperr.As(err); !ok || ae.Field != "text" || !strings.Contains(ae.Message, "**") {
		t.Errorf("unclosed **: %v", err)
	}
	before := len(e.thread(c.ID))

	ans, err := e.svc.Answer(ctx, e.user, c.ID, "See you **Friday**, {first_name}! <b>not html</b>")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.thread(c.ID)); n != before+1 {
		t.Errorf("thread has %d messages, want %d: the refused answer was kept", n, before+1)
	}
	e.waitFor("the answer sent", func() (bool, error) {
		m, err := e.st.InboxMessageByID(ctx, ans.ID)
		return m.State == store.AnswerSent, err
	})
	var got []string
	for _, m := range e.sentTo(sam.TGUserID, ann) {
		if m.RandomID != ans.RandomID {
			continue
		}
		got = append(got, m.Text)
		if len(m.Entities) != 1 || m.Entities[0].Type != "bold" || m.Entities[0].Offset != 8 || m.Entities[0].Length != 6 {
			t.Errorf("the answer reached Telegram with entities %+v, want bold at 8 for 6 (Friday)", m.Entities)
		}
	}
	if len(got) != 1 || got[0] != "See you Friday, Ann! <b>not html</b>" {
		t.Errorf("the sandbox got %q, want the answer once, formatted and with Ann's name", got)
	}
	th := e.thread(c.ID)
	if html := th[len(th)-1].Formatted().HTML(); html != "See you <b>Friday</b>, Ann! &lt;b&gt;not html&lt;/b&gt;" {
		t.Errorf("the answer in the thread: %s", html)
	}
}
