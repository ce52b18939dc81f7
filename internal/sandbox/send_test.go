package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tg"
)

// TestSendMessageRecordsEntitiesAndNoWebpage sends formatted text with an
// emoji before the entities (two UTF-16 units, one rune) and checks that
// the entities arrive as sent: in the record, the control endpoint, and
// the recipient's history.
func TestSendMessageRecordsEntitiesAndNoWebpage(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{Control: "127.0.0.1:0"})
	ann, bob := loggedIn(t, s, annPhone), loggedIn(t, s, bobPhone)
	// "👋 Zoë, read this" — the wave is 2 units, so "Zoë" starts at 3.
	text := "👋 Zoë, read this\ncode"
	ents := []tg.MessageEntityClass{
		&tg.MessageEntityBold{Offset: 3, Length: 3},
		&tg.MessageEntityTextURL{Offset: 8, Length: 9, URL: "https://example.com/a"},
		&tg.MessageEntityPre{Offset: 18, Length: 4, Language: "go"},
	}
	want := []Entity{
		{Type: "bold", Offset: 3, Length: 3},
		{Type: "text_url", Offset: 8, Length: 9, URL: "https://example.com/a"},
		{Type: "pre", Offset: 18, Length: 4, Language: "go"},
	}
	run(t, ann, func(ctx context.Context) error {
		_, err := ann.API().MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
			Peer: userInput(s, 1002), Message: text, Entities: ents, NoWebpage: true, RandomID: 42,
		})
		return err
	})
	msgs := s.Messages()
	if len(msgs) != 1 || !msgs[0].NoWebpage || !reflect.DeepEqual(msgs[0].Entities, want) || msgs[0].MessageID != 1 {
		t.Fatalf("recorded %+v", msgs)
	}
	var out []struct {
		Message map[string]any `json:"message"`
	}
	getJSON(t, "GET", s.ControlURL()+"/messages?from=1001", "", &out)
	if len(out) != 1 {
		t.Fatalf("control messages %+v", out)
	}
	raw, _ := json.Marshal(out[0].Message["entities"])
	if string(raw) != `[{"length":3,"offset":3,"type":"bold"},{"length":9,"offset":8,"type":"text_url","url":"https://example.com/a"},{"language":"go","length":4,"offset":18,"type":"pre"}]` ||
		out[0].Message["no_webpage"] != true {
		t.Fatalf("control message %s %+v", raw, out[0].Message)
	}
	run(t, bob, func(ctx context.Context) error {
		h, err := bob.API().MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: userInput(s, 1001), Limit: 10})
		if err != nil {
			return err
		}
		m := h.(*tg.MessagesMessages).Messages[0].(*tg.Message)
		if m.Message != text || len(m.Entities) != 3 {
			return fmt.Errorf("Bob sees %+v", m)
		}
		if u, ok := m.Entities[1].(*tg.MessageEntityTextURL); !ok || u.Offset != 8 || u.URL != "https://example.com/a" {
			return fmt.Errorf("Bob sees entity %+v", m.Entities[1])
		}
		return nil
	})
}

// TestSendMessageCountsUTF16Units checks entity bounds and the 4096 limit
// in UTF-16 code units, as Telegram documents them: counting runes would
// accept 2049 emoji and refuse an entity over the second half of one.
func TestSendMessageCountsUTF16Units(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann := loggedIn(t, s, annPhone)
	bob := userInput(s, 1002)
	sendWith := func(ctx context.Context, text string, ents ...tg.MessageEntityClass) error {
		_, err := ann.API().MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
			Peer: bob, Message: text, Entities: ents, RandomID: randInt64(),
		})
		return err
	}
	run(t, ann, func(ctx context.Context) error {
		for _, tc := range []struct {
			name string
			text string
			ents []tg.MessageEntityClass
			want string // "" accepted
		}{
			{"entity to the end of an emoji", "a😀", []tg.MessageEntityClass{&tg.MessageEntityBold{Offset: 1, Length: 2}}, ""},
			{"entity past the end", "a😀", []tg.MessageEntityClass{&tg.MessageEntityBold{Offset: 1, Length: 3}}, "ENTITY_BOUNDS_INVALID"},
			{"negative offset", "hello", []tg.MessageEntityClass{&tg.MessageEntityItalic{Offset: -1, Length: 2}}, "ENTITY_BOUNDS_INVALID"},
			{"zero length", "hello", []tg.MessageEntityClass{&tg.MessageEntityCode{Offset: 1, Length: 0}}, "ENTITY_BOUNDS_INVALID"},
			{"4096 units of emoji", strings.Repeat("😀", 2048), nil, ""},
			{"4098 units of emoji", strings.Repeat("😀", 2049), nil, "MESSAGE_TOO_LONG"},
			{"4096 letters", strings.Repeat("ж", 4096), nil, ""},
			{"4097 letters", strings.Repeat("ж", 4097), nil, "MESSAGE_TOO_LONG"},
			{"only spaces", " \n ", nil, "MESSAGE_EMPTY"},
		} {
			err := sendWith(ctx, tc.text, tc.ents...)
			if tc.want == "" {
				if err != nil {
					return fmt.Errorf("%s: %w", tc.name, err)
				}
				continue
			}
			if err := wantRPC(t, err, tc.want); err != nil {
				return fmt.Errorf("%s: %w", tc.name, err)
			}
		}
		return nil
	})
	if n := len(s.Messages()); n != 3 {
		t.Fatalf("%d messages delivered, want the 3 accepted ones", n)
	}
}

// TestSavedMessages: a message to InputPeerSelf is delivered once, recorded
// from the account to itself, and is in its own history as outgoing.
func TestSavedMessages(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann := loggedIn(t, s, annPhone)
	run(t, ann, func(ctx context.Context) error {
		res, err := send(ctx, ann.API(), &tg.InputPeerSelf{}, "test send to myself", 5)
		if err != nil {
			return err
		}
		if sent, ok := res.(*tg.UpdateShortSentMessage); !ok || sent.ID != 1 {
			return fmt.Errorf("answer %T %+v", res, res)
		}
		h, err := ann.API().MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: &tg.InputPeerSelf{}, Limit: 10})
		if err != nil {
			return err
		}
		msgs := h.(*tg.MessagesMessages).Messages
		if len(msgs) != 1 || !msgs[0].(*tg.Message).Out || msgs[0].(*tg.Message).Message != "test send to myself" {
			return fmt.Errorf("saved messages %+v", msgs)
		}
		return nil
	})
	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].From != 1001 || msgs[0].To != 1001 || msgs[0].RandomID != 5 {
		t.Fatalf("recorded %+v", msgs)
	}
}

// TestRecipientRefusals gives every per-recipient refusal the world can
// switch on, by the name Telegram uses.
func TestRecipientRefusals(t *testing.T) {
	w := testWorld(t)
	w.Users = append(w.Users,
		User{ID: 1007, FirstName: "Eve", BlocksEveryone: true},
		User{ID: 1008, FirstName: "Finn", Blocked: []int64{1001}},
	)
	s := startSandbox(t, w, Options{})
	ann, bob := loggedIn(t, s, annPhone), loggedIn(t, s, bobPhone)
	run(t, ann, func(ctx context.Context) error {
		for _, tc := range []struct {
			peer tg.InputPeerClass
			want string
		}{
			{userInput(s, 1007), "USER_IS_BLOCKED"},
			{userInput(s, 1008), "USER_IS_BLOCKED"},
			{userInput(s, 1006), "INPUT_USER_DEACTIVATED"},
			{userInput(s, 1003), "USER_PRIVACY_RESTRICTED"},
			{&tg.InputPeerUser{UserID: 1008, AccessHash: 12345}, "PEER_ID_INVALID"},
			{&tg.InputPeerUser{UserID: 987654321, AccessHash: 1}, "PEER_ID_INVALID"},
		} {
			_, err := send(ctx, ann.API(), tc.peer, "hi", randInt64())
			if err := wantRPC(t, err, tc.want); err != nil {
				return err
			}
		}
		return nil
	})
	// Finn blocked only Ann.
	run(t, bob, func(ctx context.Context) error {
		_, err := send(ctx, bob.API(), userInput(s, 1008), "hi Finn", randInt64())
		return err
	})
	if msgs := s.Messages(); len(msgs) != 1 || msgs[0].From != 1002 {
		t.Fatalf("delivered %+v", msgs)
	}
	// Refusals are not strangers written to: none counts toward PEER_FLOOD.
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.strangers[1001]; d != nil && len(d.Peers) != 0 {
		t.Fatalf("refused sends counted as strangers: %+v", d.Peers)
	}
}

// TestHistoryOfAPrivateChat pages a conversation with sent and received
// messages the way the product checks, after a crash, whether a message is
// already in the dialog.
func TestHistoryOfAPrivateChat(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	// A gotd client runs once, so each turn is a new one.
	ann, bob := loggedIn(t, s, annPhone), loggedIn(t, s, bobPhone)
	// Ann's box: 1 "a1", 2 "a2", (Bob) 3 "b1", 4 "a3", 5 "to myself", 6 "a4", 7 "b2".
	run(t, ann, func(ctx context.Context) error {
		for _, m := range []string{"a1", "a2"} {
			if _, err := send(ctx, ann.API(), userInput(s, 1002), m, randInt64()); err != nil {
				return err
			}
		}
		return nil
	})
	run(t, bob, func(ctx context.Context) error {
		_, err := send(ctx, bob.API(), userInput(s, 1001), "b1", randInt64())
		return err
	})
	ann = loggedIn(t, s, annPhone)
	run(t, ann, func(ctx context.Context) error {
		// A message to Saved Messages in between belongs to another dialog.
		for _, m := range []struct {
			to   tg.InputPeerClass
			text string
		}{{userInput(s, 1002), "a3"}, {&tg.InputPeerSelf{}, "to myself"}, {userInput(s, 1002), "a4"}} {
			if _, err := send(ctx, ann.API(), m.to, m.text, randInt64()); err != nil {
				return err
			}
		}
		return nil
	})
	bob = loggedIn(t, s, bobPhone)
	run(t, bob, func(ctx context.Context) error {
		_, err := send(ctx, bob.API(), userInput(s, 1001), "b2", randInt64())
		return err
	})
	ann = loggedIn(t, s, annPhone)
	type row struct {
		id   int
		out  bool
		text string
	}
	run(t, ann, func(ctx context.Context) error {
		history := func(req tg.MessagesGetHistoryRequest) ([]row, int, error) {
			req.Peer = userInput(s, 1002)
			res, err := ann.API().MessagesGetHistory(ctx, &req)
			if err != nil {
				return nil, 0, err
			}
			var msgs []tg.MessageClass
			count := -1
			switch v := res.(type) {
			case *tg.MessagesMessages:
				msgs = v.Messages
			case *tg.MessagesMessagesSlice:
				msgs, count = v.Messages, v.Count
			}
			var out []row
			for _, m := range msgs {
				mm := m.(*tg.Message)
				if mm.Date == 0 || (mm.Out && mm.FromID == nil) {
					return nil, 0, fmt.Errorf("message without date or sender: %+v", mm)
				}
				out = append(out, row{mm.ID, mm.Out, mm.Message})
			}
			return out, count, nil
		}
		all := []row{{7, false, "b2"}, {6, true, "a4"}, {4, true, "a3"}, {3, false, "b1"}, {2, true, "a2"}, {1, true, "a1"}}
		for _, tc := range []struct {
			name  string
			req   tg.MessagesGetHistoryRequest
			want  []row
			count int
		}{
			{"everything, newest first", tg.MessagesGetHistoryRequest{Limit: 100}, all, -1},
			{"limit", tg.MessagesGetHistoryRequest{Limit: 2}, all[:2], 6},
			{"offset_id", tg.MessagesGetHistoryRequest{OffsetID: 6, Limit: 2}, all[2:4], 6},
			{"min_id", tg.MessagesGetHistoryRequest{MinID: 3, Limit: 100}, all[:3], 6},
			{"max_id", tg.MessagesGetHistoryRequest{MaxID: 4, Limit: 100}, all[3:], 6},
			{"min_id and max_id", tg.MessagesGetHistoryRequest{MinID: 2, MaxID: 7, Limit: 100}, all[1:4], 6},
		} {
			got, count, err := history(tc.req)
			if err != nil {
				return fmt.Errorf("%s: %w", tc.name, err)
			}
			if !reflect.DeepEqual(got, tc.want) || count != tc.count {
				return fmt.Errorf("%s: got %v (count %d), want %v (count %d)", tc.name, got, count, tc.want, tc.count)
			}
		}
		return nil
	})
}

// TestDeliveryRecordKeepsNanoseconds: pacing is judged from Message.Date,
// so it must not be cut to seconds, in memory, on the control endpoint or
// in the state file.
func TestDeliveryRecordKeepsNanoseconds(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	path := tempState(t)
	s := startSandbox(t, testWorld(t), Options{Clock: func() time.Time { return at }, StateFile: path, Control: "127.0.0.1:0"})
	ann := loggedIn(t, s, annPhone)
	run(t, ann, func(ctx context.Context) error {
		_, err := send(ctx, ann.API(), userInput(s, 1002), "tick", randInt64())
		return err
	})
	if d := s.Messages()[0].Date; !d.Equal(at) {
		t.Fatalf("recorded date %s, want %s", d.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
	}
	var out []struct {
		Message struct {
			Date time.Time `json:"date"`
		} `json:"message"`
	}
	getJSON(t, "GET", s.ControlURL()+"/messages", "", &out)
	if !out[0].Message.Date.Equal(at) {
		t.Fatalf("control date %s", out[0].Message.Date.Format(time.RFC3339Nano))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := startSandbox(t, testWorld(t), Options{StateFile: path})
	if d := s2.Messages()[0].Date; !d.Equal(at) {
		t.Fatalf("date after restart %s", d.Format(time.RFC3339Nano))
	}
}

// TestControlMessagesFilters: from, to and after (an index) narrow the
// record; bad values are refused naming the parameter.
func TestControlMessagesFilters(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{Control: "127.0.0.1:0"})
	ann, bob := loggedIn(t, s, annPhone), loggedIn(t, s, bobPhone)
	run(t, ann, func(ctx context.Context) error {
		for _, text := range []string{"1", "2"} {
			if _, err := send(ctx, ann.API(), userInput(s, 1002), text, randInt64()); err != nil {
				return err
			}
		}
		return nil
	})
	run(t, bob, func(ctx context.Context) error {
		_, err := send(ctx, bob.API(), userInput(s, 1001), "3", randInt64())
		return err
	})
	texts := func(query string) string {
		var out []struct {
			Index   int `json:"index"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
		}
		if code := getJSON(t, "GET", s.ControlURL()+"/messages"+query, "", &out); code != 200 {
			t.Fatalf("%s: %d", query, code)
		}
		var parts []string
		for _, m := range out {
			parts = append(parts, fmt.Sprintf("%d:%s", m.Index, m.Message.Text))
		}
		return strings.Join(parts, " ")
	}
	for query, want := range map[string]string{
		"":                   "0:1 1:2 2:3",
		"?from=1001":         "0:1 1:2",
		"?to=1001":           "2:3",
		"?after=0":           "1:2 2:3",
		"?from=1001&after=0": "1:2",
		"?from=1002&to=1001": "2:3",
		"?from=1001&to=1003": "",
		"?after=2":           "",
	} {
		if got := texts(query); got != want {
			t.Errorf("%s: got %q, want %q", query, got, want)
		}
	}
	var e map[string]map[string]string
	if code := getJSON(t, "GET", s.ControlURL()+"/messages?after=x", "", &e); code != 400 || !strings.Contains(e["error"]["message"], "after") {
		t.Fatalf("bad after: %d %+v", code, e)
	}
}

// TestRandomIDDedupSwitch: a send repeated with its random_id is dropped by
// default and delivered again with de-duplication off, as Telegram does
// once its recent cache forgot the id.
func TestRandomIDDedupSwitch(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann := loggedIn(t, s, annPhone)
	var counts []int
	run(t, ann, func(ctx context.Context) error {
		for i, dedup := range []bool{true, true, false} {
			s.SetRandomIDDedup(dedup)
			if _, err := ann.API().MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
				Peer: userInput(s, 1002), Message: "once", RandomID: 77,
			}); err != nil {
				return fmt.Errorf("send %d: %w", i+1, err)
			}
			counts = append(counts, len(s.Messages()))
		}
		return nil
	})
	if !reflect.DeepEqual(counts, []int{1, 1, 2}) {
		t.Fatalf("messages after each send of random_id 77 (de-duplication on, on, off): %v, want [1 1 2]", counts)
	}
}
