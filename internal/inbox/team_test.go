package inbox_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// member adds a person to the env's workspace with a role and returns
// the context they act in.
func (e *env) member(email string, role actor.Role) (store.User, context.Context) {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.st.CreateUser(ctx, store.NewUser{Email: email, PasswordHash: "x", Now: time.Now()})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.AddWorkspaceMember(ctx, e.user, u.ID, string(role), time.Now()); err != nil {
		e.t.Fatal(err)
	}
	return u, actor.With(ctx, actor.Actor{UserID: u.ID, WorkspaceID: e.user, Role: role, IP: "127.0.0.1"})
}

// TestTwoOperatorsAnswerAtOnce: two operators answer the same
// conversation at the same moment; Telegram (the sandbox's record) gets
// each answer once, in the order they were written, and the product
// labels each with its author. Notes written meanwhile never reach
// Telegram. On both databases: the answers race in their transactions.
func TestTwoOperatorsAnswerAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		var (
			mu        sync.Mutex
			announced []string // "text by email", as the answer hook heard them
		)
		e := newEnv(t, st, inbox.Options{}, func(s *inbox.Service) {
			s.OnAnswerTx(func(_ context.Context, _ store.Tx, _ inbox.Conversation, m inbox.Message) error {
				mu.Lock()
				announced = append(announced, m.Text+" by "+m.AnsweredByEmail)
				mu.Unlock()
				return nil
			})
		})
		e.listening(sam.TGUserID)
		if _, err := e.sbx.Write(stranger, sam.TGUserID, "Anyone there?", nil); err != nil {
			t.Fatal(err)
		}
		c := e.conversationWith(sam.TGUserID, stranger)
		bea, asBea := e.member("bea@example.com", actor.Operator)
		cal, asCal := e.member("cal@example.com", actor.Operator)

		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			answers [2]inbox.Message
			errs    [2]error
		)
		for i, as := range []context.Context{asBea, asCal} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				answers[i], errs[i] = e.svc.Answer(as, e.user, c.ID, []string{"Bea here", "Cal here"}[i])
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		note, err := e.svc.AddNote(asBea, e.user, c.ID, "Secret: VIP customer, offer the discount")
		if err != nil {
			t.Fatal(err)
		}
		if note.AuthorID != bea.ID || note.Author() != "bea@example.com" {
			t.Errorf("note %+v", note.Note)
		}
		// An answer after the note: once it is sent, anything queued
		// before it (the answers go in order) has been sent too.
		last, err := e.svc.Answer(asCal, e.user, c.ID, "Last one")
		if err != nil {
			t.Fatal(err)
		}
		e.waitFor("the three answers sent", func() (bool, error) {
			m, err := e.st.InboxMessageByID(context.Background(), last.ID)
			return m.State == store.AnswerSent, err
		})

		// The sandbox's record: each answer once, in the order written.
		byID := []inbox.Message{answers[0], answers[1]}
		slices.SortFunc(byID, func(a, b inbox.Message) int { return int(a.ID - b.ID) })
		var got []string
		for _, m := range e.sentTo(sam.TGUserID, stranger) {
			got = append(got, m.Text)
		}
		want := []string{byID[0].Text, byID[1].Text, "Last one"}
		if !slices.Equal(got, want) {
			t.Errorf("the sandbox got %q, want %q (each once, in the order written)", got, want)
		}
		for _, m := range e.sbx.Messages() {
			if strings.Contains(m.Text, "Secret") {
				t.Errorf("a note reached Telegram: %+v", m)
			}
		}

		// The product's thread: the same order, each labelled.
		author := map[string]int64{"Bea here": bea.ID, "Cal here": cal.ID, "Last one": cal.ID}
		email := map[int64]string{bea.ID: "bea@example.com", cal.ID: "cal@example.com"}
		var thread []string
		for _, m := range e.thread(c.ID) {
			if m.Origin != store.OriginAnswer {
				continue
			}
			thread = append(thread, m.Text)
			if m.AnsweredBy != author[m.Text] || m.AnsweredByEmail != email[author[m.Text]] || m.State != store.AnswerSent {
				t.Errorf("answer %q: by %d %q, %s; want by %d", m.Text, m.AnsweredBy, m.AnsweredByEmail, m.State, author[m.Text])
			}
		}
		if !slices.Equal(thread, want) {
			t.Errorf("the thread shows %q, want %q", thread, want)
		}
		mu.Lock()
		wantAnnounced := []string{byID[0].Text + " by " + email[author[byID[0].Text]], byID[1].Text + " by " + email[author[byID[1].Text]], "Last one by cal@example.com"}
		if !slices.Equal(announced, wantAnnounced) {
			t.Errorf("answers announced %q, want %q (each once, with its author; no note)", announced, wantAnnounced)
		}
		mu.Unlock()
		notes, err := e.svc.Notes(asCal, e.user, c.ID, "", 0)
		if err != nil || len(notes.Notes) != 1 || notes.Notes[0].Text != note.Text {
			t.Errorf("notes: %+v %v", notes, err)
		}
	})
}

// TestAssignment: an operator assigns a conversation to another member or
// to themselves, "mine" and "unassigned" filter the list, assigning
// someone who cannot answer here is refused and changes nothing, each
// change is in the audit log, and a viewer may do none of it.
func TestAssignment(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sam.TGUserID)
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "Hello?", nil); err != nil {
		t.Fatal(err)
	}
	c := e.conversationWith(sam.TGUserID, stranger)
	bea, asBea := e.member("bea@example.com", actor.Operator)
	cal, asCal := e.member("cal@example.com", actor.Operator)
	vic, asVic := e.member("vic@example.com", actor.Viewer)
	outsider, err := e.st.CreateUser(ctx, store.NewUser{Email: "out@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(as context.Context, assigned string) []int64 {
		t.Helper()
		page, err := e.svc.List(as, e.user, inbox.Filter{Assigned: assigned})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, c := range page.Conversations {
			out = append(out, c.ID)
		}
		return out
	}
	if got := ids(asBea, inbox.AssignedUnassigned); !slices.Equal(got, []int64{c.ID}) {
		t.Errorf("unassigned at first: %v", got)
	}
	got, err := e.svc.Assign(asBea, e.user, c.ID, cal.ID)
	if err != nil || got.AssignedTo != cal.ID || got.AssignedEmail != "cal@example.com" {
		t.Fatalf("bea assigns to cal: %+v %v", got.Conversation, err)
	}
	if got := ids(asCal, inbox.AssignedMine); !slices.Equal(got, []int64{c.ID}) {
		t.Errorf("cal's: %v", got)
	}
	if got := ids(asBea, inbox.AssignedMine); len(got) != 0 {
		t.Errorf("bea's: %v", got)
	}
	if got := ids(asBea, inbox.AssignedUnassigned); len(got) != 0 {
		t.Errorf("unassigned after assigning: %v", got)
	}
	if got := ids(asBea, inbox.AssignedAll); !slices.Equal(got, []int64{c.ID}) {
		t.Errorf("all: %v", got)
	}
	for _, who := range []int64{outsider.ID, vic.ID, 999999} {
		_, err := e.svc.Assign(asBea, e.user, c.ID, who)
		if ae, ok := apperr.As(err); !ok || ae.Code != "not_a_member" || ae.HTTPStatus() != 422 || ae.Field != "user_id" {
			t.Errorf("assigning %d: %v", who, err)
		}
	}
	if now, err := e.svc.Get(ctx, e.user, c.ID); err != nil || now.AssignedTo != cal.ID {
		t.Errorf("after refused assignments: %d %v", now.AssignedTo, err)
	}
	if _, err := e.svc.Assign(asCal, e.user, c.ID, cal.ID); err != nil {
		t.Errorf("assigning again to the same person: %v", err)
	}
	if got, err := e.svc.Assign(asCal, e.user, c.ID, 0); err != nil || got.AssignedTo != 0 {
		t.Fatalf("unassign: %+v %v", got.Conversation, err)
	}
	if got, err := e.svc.Assign(asBea, e.user, c.ID, bea.ID); err != nil || got.AssignedTo != bea.ID {
		t.Fatalf("bea takes it: %+v %v", got.Conversation, err)
	}
	if _, err := e.svc.List(ctx, e.user, inbox.Filter{Assigned: "someone"}); !errors.Is(err, errValidation) {
		t.Errorf("a bad filter: %v", err)
	}
	events, err := e.st.AuditEventsPage(ctx, e.user, store.AuditFilter{Action: audit.ConversationAssigned}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for _, ev := range events {
		log = append(log, ev.ActorEmail+": "+ev.Detail)
		if ev.TargetID != c.ID || ev.TargetKind != audit.TargetChat {
			t.Errorf("audit event %+v", ev)
		}
	}
	wantLog := []string{"bea@example.com: Assigned to bea@example.com", "cal@example.com: Assigned to nobody", "bea@example.com: Assigned to cal@example.com"}
	if !slices.Equal(log, wantLog) {
		t.Errorf("audit log %q, want %q (newest first; nothing for a refused or unchanged assignment)", log, wantLog)
	}

	// A viewer reads, and changes nothing.
	forbidden := func(what string, err error) {
		t.Helper()
		if ae, ok := apperr.As(err); !ok || ae.Code != "forbidden" || ae.HTTPStatus() != 403 {
			t.Errorf("a viewer's %s: %v", what, err)
		}
	}
	_, err = e.svc.Assign(asVic, e.user, c.ID, vic.ID)
	forbidden("assignment", err)
	_, err = e.svc.AddNote(asVic, e.user, c.ID, "hi")
	forbidden("note", err)
	_, err = e.svc.Answer(asVic, e.user, c.ID, "hi")
	forbidden("answer", err)
	forbidden("typing", e.svc.Typing(asVic, e.user, c.ID))
	if _, err := e.svc.List(asVic, e.user, inbox.Filter{Assigned: inbox.AssignedMine}); err != nil {
		t.Errorf("a viewer's own list: %v", err)
	}
	if notes, err := e.svc.Notes(asVic, e.user, c.ID, "", 0); err != nil || len(notes.Notes) != 0 {
		t.Errorf("a viewer reads the notes: %+v %v", notes, err)
	}
	// Another workspace's conversation is not found, whoever asks.
	if _, err := e.svc.Assign(asBea, outsider.ID, c.ID, 0); !isNotFound(err) {
		t.Errorf("assigning in another workspace: %v", err)
	}
	if _, err := e.svc.AddNote(asBea, outsider.ID, c.ID, "x"); !isNotFound(err) {
		t.Errorf("a note in another workspace: %v", err)
	}
	if _, err := e.svc.AddNote(asBea, e.user, c.ID, "   "); !errors.Is(err, errValidation) {
		t.Errorf("an empty note: %v", err)
	}
}

// TestReplying: a member typing is shown to the others for TypingFor,
// not to themselves, and no longer once their answer is written.
func TestReplying(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	clock := func() time.Time { return now }
	var mu sync.Mutex
	e := newEnv(t, storetest.SQLite(t), inbox.Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock() }})
	e.listening(sam.TGUserID)
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "Hello?", nil); err != nil {
		t.Fatal(err)
	}
	c := e.conversationWith(sam.TGUserID, stranger)
	bea, asBea := e.member("bea@example.com", actor.Operator)
	cal, _ := e.member("cal@example.com", actor.Operator)
	replying := func(except int64) []string {
		t.Helper()
		list, err := e.svc.Replying(ctx, c.ID, except)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range list {
			out = append(out, p.Email)
		}
		return out
	}
	if err := e.svc.Typing(asBea, e.user, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := replying(cal.ID); !slices.Equal(got, []string{"bea@example.com"}) {
		t.Errorf("cal sees %q replying", got)
	}
	if got := replying(bea.ID); len(got) != 0 {
		t.Errorf("bea sees %q replying", got)
	}
	mu.Lock()
	now = now.Add(inbox.TypingFor + time.Second)
	mu.Unlock()
	if got := replying(cal.ID); len(got) != 0 {
		t.Errorf("%s after bea stopped typing, cal sees %q", inbox.TypingFor+time.Second, got)
	}
	if err := e.svc.Typing(asBea, e.user, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := replying(cal.ID); len(got) != 1 {
		t.Errorf("bea typing again: cal sees %q", got)
	}
	if _, err := e.svc.Answer(asBea, e.user, c.ID, "Here!"); err != nil {
		t.Fatal(err)
	}
	if got := replying(cal.ID); len(got) != 0 {
		t.Errorf("after bea's answer, cal sees %q replying", got)
	}
}
