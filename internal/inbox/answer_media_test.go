package inbox_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// put stores a file in the env's workspace.
func (e *env) put(name string, data []byte) store.MediaFile {
	e.t.Helper()
	f, err := e.media.Put(context.Background(), e.user, name, bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// strangerConversation is Sam's conversation with a stranger who wrote
// first.
func (e *env) strangerConversation() inbox.Conversation {
	e.t.Helper()
	e.listening(sam.TGUserID)
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "Can you send me the details?", nil); err != nil {
		e.t.Fatal(err)
	}
	return e.conversationWith(sam.TGUserID, stranger)
}

func (e *env) waitSent(id int64) store.InboxMessage {
	e.t.Helper()
	var m store.InboxMessage
	e.waitFor("the answer sent", func() (bool, error) {
		var err error
		m, err = e.st.InboxMessageByID(context.Background(), id)
		if m.State == store.AnswerFailed {
			e.t.Fatalf("answer %d failed: %s %s", id, m.ErrorCode, m.Error)
		}
		return m.State == store.AnswerSent, err
	})
	return m
}

// TestAnswerWithFileReachesThePersonOnce answers with a photo under a
// formatted caption and with a document alone: each reaches the person
// once, as the file stored (judged from the sandbox's record: type, size,
// sha256, name, caption), and the thread shows each answer's attachment.
func TestAnswerWithFileReachesThePersonOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, inbox.Options{})
		c := e.strangerConversation()
		photo, pdf := testJPEG(t, 320, 240+3), testPDF(84009)
		pf, df := e.put("beach.jpg", photo), e.put("terms.pdf", pdf)
		if pf.Type != store.MediaPhoto || df.Type != store.MediaDocument {
			t.Fatalf("stored as %s and %s, want a photo and a document", pf.Type, df.Type)
		}
		withPhoto, err := e.svc.AnswerFile(ctx, e.user, c.ID, "Here is **the beach**, {first_name|friend}", pf.ID)
		if err != nil {
			t.Fatal(err)
		}
		if withPhoto.State != store.AnswerPending || withPhoto.MediaFileID != pf.ID || withPhoto.MediaType != store.MediaPhoto ||
			withPhoto.MediaSize != int64(len(photo)) || withPhoto.MediaFileName != "beach.jpg" {
			t.Errorf("pending answer %+v, want it to carry beach.jpg", withPhoto.InboxMessage)
		}
		withDoc, err := e.svc.AnswerFile(ctx, e.user, c.ID, "  ", df.ID)
		if err != nil {
			t.Fatal(err)
		}
		sentPhoto, sentDoc := e.waitSent(withPhoto.ID), e.waitSent(withDoc.ID)

		got := e.sentTo(sam.TGUserID, stranger)
		if len(got) != 2 {
			t.Fatalf("the sandbox recorded %d messages to the stranger, want 2: %+v", len(got), got)
		}
		byRandom := map[int64]sandbox.Message{}
		for _, m := range got {
			byRandom[m.RandomID] = m
		}
		p, ok := byRandom[withPhoto.RandomID]
		switch {
		case !ok || p.Media == nil:
			t.Errorf("no photo with the answer's random_id %d in %+v", withPhoto.RandomID, got)
		case p.Media.Type != "photo" || p.Media.SHA256 != sha(photo) || p.Media.Size != int64(len(photo)):
			t.Errorf("photo arrived as %+v, want a photo of %d bytes, sha256 %s", p.Media, len(photo), sha(photo))
		case p.Text != "Here is the beach, Stella" || len(p.Entities) != 1 || p.Entities[0].Type != "bold" || p.Entities[0].Offset != 8 || p.Entities[0].Length != 9:
			t.Errorf("photo's caption %q %+v, want the rendered text with \"the beach\" bold", p.Text, p.Entities)
		case p.MessageID != sentPhoto.TGMessageID:
			t.Errorf("answer recorded Telegram's id %d, the sandbox %d", sentPhoto.TGMessageID, p.MessageID)
		}
		d, ok := byRandom[withDoc.RandomID]
		switch {
		case !ok || d.Media == nil:
			t.Errorf("no document with the answer's random_id %d in %+v", withDoc.RandomID, got)
		case d.Media.Type != "document" || d.Media.SHA256 != sha(pdf) || d.Media.FileName != "terms.pdf" || d.Media.Size != int64(len(pdf)):
			t.Errorf("document arrived as %+v, want terms.pdf of %d bytes, sha256 %s", d.Media, len(pdf), sha(pdf))
		case d.Text != "":
			t.Errorf("document's caption %q, want none", d.Text)
		case d.MessageID != sentDoc.TGMessageID:
			t.Errorf("answer recorded Telegram's id %d, the sandbox %d", sentDoc.TGMessageID, d.MessageID)
		}

		// The thread: the stranger's message and the two answers, each
		// labelled with its file.
		th := e.thread(c.ID)
		if len(th) != 3 {
			t.Fatalf("thread %+v, want the message and two answers", th)
		}
		for i, want := range []string{"beach.jpg (Photo, ", "terms.pdf (Document, "} {
			m := th[i+1]
			if !strings.HasPrefix(m.MediaLabel(), want) || m.State != store.AnswerSent {
				t.Errorf("answer %d in the thread: %q %s, want sent and labelled %q…", i+1, m.MediaLabel(), m.State, want)
			}
		}
	})
}

// TestAnswerWithFileRetriedOnce: the first sendMedia fails (INTERNAL), and
// the answer goes again with its random_id; then, as after a crash between
// Telegram's work and the record, the sent answer is put back mid-send and
// goes once more (the account's upload reused). The person has it once.
func TestAnswerWithFileRetriedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.SQLite(t)
	e := newEnv(t, st, inbox.Options{})
	c := e.strangerConversation()
	pdf := testPDF(630009) // two upload parts
	f := e.put("brochure.pdf", pdf)
	if err := e.sbx.SetFault(sandbox.Fault{Method: "messages.sendMedia", Error: "INTERNAL", Phone: sam.Phone}); err != nil {
		t.Fatal(err)
	}
	ans, err := e.svc.AnswerFile(ctx, e.user, c.ID, "Our brochure", f.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := e.waitSent(ans.ID)
	hit := false
	for _, h := range e.sbx.FaultHits() {
		hit = hit || (h.Method == "messages.sendMedia" && h.Error == "INTERNAL")
	}
	if !hit || m.Attempts < 2 {
		t.Fatalf("fault hit %v, attempts %d: the send was not retried", hit, m.Attempts)
	}
	once := func(stage string) {
		t.Helper()
		got := e.sentTo(sam.TGUserID, stranger)
		if len(got) != 1 || got[0].RandomID != ans.RandomID || got[0].Media == nil || got[0].Media.SHA256 != sha(pdf) || got[0].Text != "Our brochure" {
			t.Fatalf("%s: the sandbox recorded %+v, want the brochure once with random_id %d", stage, got, ans.RandomID)
		}
		if m.TGMessageID != got[0].MessageID {
			t.Errorf("%s: answer has Telegram's id %d, the sandbox %d", stage, m.TGMessageID, got[0].MessageID)
		}
	}
	once("after the fault")

	attempts := m.Attempts
	if _, err := st.DB().ExecContext(ctx, `UPDATE inbox_messages SET state = 'sending' WHERE id = ?`, ans.ID); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the answer sent again", func() (bool, error) {
		m, err = st.InboxMessageByID(ctx, ans.ID)
		return m.State == store.AnswerSent && m.Attempts > attempts, err
	})
	once("after sending again")
}

// TestAnswerWithFileRefused: a caption past Telegram's 1,024 and a file of
// another workspace (or none) are refused on their field, and nothing is
// stored or sent.
func TestAnswerWithFileRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.SQLite(t)
	e := newEnv(t, st, inbox.Options{})
	c := e.strangerConversation()
	f := e.put("beach.jpg", testJPEG(t, 320, 240+1))
	other, err := st.CreateUser(ctx, store.NewUser{Email: "other@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := e.media.Put(ctx, other.ID, "theirs.pdf", bytes.NewReader(testPDF(219)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, text, field, msg string
		file                   int64
	}{
		{"caption too long", strings.Repeat("a", 1025), "text", "1025 characters long; Telegram allows 1024 beside a file", f.ID},
		{"caption too long in emoji", strings.Repeat("🙂", 513), "text", "1026 characters long", f.ID},
		{"caption too long once rendered", strings.Repeat("a", 1011) + " {full_name}", "text", "1025 characters long for Stella Ranger", f.ID},
		{"another workspace's file", "Here", "media_id", "No attachment", foreign.ID},
		{"no such file", "Here", "media_id", "No attachment", foreign.ID + 1000},
		{"nothing at all", "", "text", "Write a message first", 0},
	} {
		_, err := e.svc.AnswerFile(ctx, e.user, c.ID, tc.text, tc.file)
		ae, ok := apperr.As(err)
		if !ok || ae.Field != tc.field || !strings.Contains(ae.Message, tc.msg) {
			t.Errorf("%s: %v, want a refusal on %s saying %q", tc.name, err, tc.field, tc.msg)
		}
	}
	// 1,024 as Telegram counts is taken.
	if _, err := e.svc.AnswerFile(ctx, e.user, c.ID, strings.Repeat("🙂", 512), f.ID); err != nil {
		t.Errorf("a caption of 1,024: %v", err)
	}
	if th := e.thread(c.ID); len(th) != 2 {
		t.Errorf("thread %+v, want the message and the one answer taken", th)
	}
}
