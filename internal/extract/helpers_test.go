package extract_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/testkit"
)

// env is one test's world: a fresh database with a user owning Ann's and
// Bob's accounts, the service and River working its jobs.
type env struct {
	t    *testing.T
	st   store.Store
	acc  *tgAccounts
	svc  *extract.Service
	user store.User
	ann  int64 // account ids
	bob  int64
}

func newEnv(t *testing.T, st store.Store) *env {
	t.Helper()
	return newEnvWith(t, st, true, extract.Options{})
}

func newEnvWith(t *testing.T, st store.Store, work bool, o extract.Options) *env {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	u, err := st.CreateUser(ctx, store.NewUser{Email: "owner@example.com", PasswordHash: "x", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, user: u, acc: &tgAccounts{st: st, phones: map[int64]string{}}}
	for i, phone := range []string{phoneAnn, phoneBob} {
		a, err := st.CreateAccount(ctx, u.ID, store.AccountLogin{
			APIID: int64(100 + i), APIHashSealed: []byte("h"), Phone: phone, SessionSealed: []byte("s"), Now: now,
		})
		if err != nil {
			t.Fatal(err)
		}
		e.acc.phones[a.ID] = phone
		if phone == phoneAnn {
			e.ann = a.ID
		} else {
			e.bob = a.ID
		}
	}
	o.Store, o.Accounts = st, e.acc
	if o.Queue == nil {
		// As the server does: the service enqueues through a client that
		// only inserts; startJobs works what it enqueues.
		if o.Queue, err = jobs.New(ctx, jobs.Options{Store: st, InsertOnly: true}); err != nil {
			t.Fatal(err)
		}
	}
	e.svc, err = extract.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if work {
		e.startJobs()
	}
	return e
}

// startJobs runs a River client working extractions until the test ends.
func (e *env) startJobs() *jobs.Client {
	e.t.Helper()
	c, err := jobs.New(context.Background(), jobs.Options{
		Store:             e.st,
		Register:          func(w *river.Workers) { extract.Register(w, e.svc) },
		FetchPollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			e.t.Errorf("close jobs: %v", err)
		}
	})
	return c
}

func (e *env) start(in extract.StartInput) store.Extraction {
	e.t.Helper()
	x, err := e.svc.Start(context.Background(), e.user.ID, in)
	if err != nil {
		e.t.Fatalf("start %+v: %v", in, err)
	}
	return x
}

// wait polls until the extraction is final and returns it.
func (e *env) wait(id int64) store.Extraction {
	e.t.Helper()
	return e.waitFor(id, func(x store.Extraction) bool { return x.Final() }, "to end")
}

func (e *env) waitFor(id int64, cond func(store.Extraction) bool, what string) store.Extraction {
	e.t.Helper()
	var x store.Extraction
	testkit.EventuallyWith(e.t, 90*time.Second, fmt.Sprintf("extraction %d to come %s", id, what), func() (bool, string) {
		var err error
		if x, err = e.svc.Get(context.Background(), e.user.ID, id); err != nil {
			e.t.Fatal(err)
		}
		return cond(x), fmt.Sprintf("%+v", x)
	})
	return x
}

// members reads a whole list in order of discovery.
func (e *env) members(listID int64) []store.Member {
	e.t.Helper()
	var out []store.Member
	var after store.MemberCursor
	f := store.MemberFilter{}
	for {
		page, err := e.st.ListMembers(context.Background(), listID, f, after, 500)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = f.CursorAfter(page[len(page)-1])
	}
}

var userOf = map[string]int64{phoneAnn: 1001, phoneBob: 1002}

// participantCalls counts channels.getParticipants calls the sandbox saw.
func participantCalls() int { return sbx.Counts()["channels.getParticipants"] }

// expected is what Telegram should give Ann of a chat: the first cap
// members in recent order, plus every admin and bot; only admins and bots
// when members are hidden.
func expected(chatID int64, hidden bool) map[int64]sandbox.ChatMember {
	out := map[int64]sandbox.ChatMember{}
	for i, m := range sbx.ChatMembers(chatID) {
		if (!hidden && i < testCap) || m.Admin || m.Bot {
			out[m.ID] = m
		}
	}
	return out
}

// checkMembers compares a list with the world: the same people, once each,
// with what Telegram says of them.
func (e *env) checkMembers(got []store.Member, want map[int64]sandbox.ChatMember, accountID int64) {
	t := e.t
	t.Helper()
	self := userOf[e.acc.phones[accountID]]
	seen := map[int64]bool{}
	for _, m := range got {
		if seen[m.TGUserID] {
			t.Errorf("member %d listed twice", m.TGUserID)
		}
		seen[m.TGUserID] = true
		w, ok := want[m.TGUserID]
		if !ok {
			t.Errorf("member %d is not expected", m.TGUserID)
			continue
		}
		if m.AccountID != accountID || m.AccessHash != w.AccessHash {
			t.Errorf("member %d: account %d hash %d, want %d %d", m.TGUserID, m.AccountID, m.AccessHash, accountID, w.AccessHash)
		}
		if w.Deleted {
			if !m.Deleted || m.FirstName != "" || m.LastSeen != store.SeenHidden {
				t.Errorf("deleted member %d: %+v", m.TGUserID, m)
			}
			continue
		}
		if m.FirstName != w.FirstName || m.LastName != w.LastName || m.Username != w.Username || m.Bot != w.Bot ||
			m.Premium != w.Premium || m.Verified != w.Verified {
			t.Errorf("member %d: got %+v, want %+v", m.TGUserID, m, w.User)
		}
		wantRole := store.RoleMember
		switch {
		case w.Creator:
			wantRole = store.RoleCreator
		case w.Admin:
			wantRole = store.RoleAdmin
		}
		if m.Role != wantRole {
			t.Errorf("member %d: role %s, want %s", m.TGUserID, m.Role, wantRole)
		}
		if !w.Creator && !m.JoinedAt.Equal(w.Joined) {
			t.Errorf("member %d: joined %v, want %v", m.TGUserID, m.JoinedAt, w.Joined)
		}
		want := seenBucket(w.Status, w.Bot)
		if m.TGUserID == self {
			want = store.SeenOnline // Telegram shows an account itself online
		}
		if m.LastSeen != want {
			t.Errorf("member %d: last seen %s, want %s (status %q)", m.TGUserID, m.LastSeen, want, w.Status)
		}
	}
	var missing []int64
	for id := range want {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d members missing, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
}

func seenBucket(status string, bot bool) string {
	switch {
	case bot:
		return store.SeenHidden
	case status == "online":
		return store.SeenOnline
	case status == "recently":
		return store.SeenRecently
	case status == "last_week":
		return store.SeenLastWeek
	case status == "last_month":
		return store.SeenLastMonth
	}
	if t, ok := strings.CutPrefix(status, "offline:"); ok {
		unix, _ := strconv.ParseInt(t, 10, 64)
		switch age := time.Since(time.Unix(unix, 0)); {
		case age <= 3*24*time.Hour:
			return store.SeenRecently
		case age <= 7*24*time.Hour:
			return store.SeenLastWeek
		case age <= 30*24*time.Hour:
			return store.SeenLastMonth
		}
	}
	return store.SeenLongAgo
}
