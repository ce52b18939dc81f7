package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestAccountCallLifecycle: a call is taken once, by the node it was
// written for; a taken call cannot be withdrawn, a withdrawn one cannot be
// taken; its answer reads back as written.
func TestAccountCallLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		a, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		call := store.AccountCall{UserID: ann.ID, AccountID: a.ID, Body: []byte{1, 2, 3}, FloodWaitMax: 3 * time.Second}
		id, err := s.AddAccountCall(ctx, call, "node-a", t0)
		if err != nil {
			t.Fatal(err)
		}
		if ids, err := s.QueuedAccountCalls(ctx, "node-a"); err != nil || len(ids) != 1 || ids[0] != id {
			t.Fatalf("queued for node-a: %v, %v", ids, err)
		}
		if _, ok, err := s.TakeAccountCall(ctx, id, "node-b"); err != nil || ok {
			t.Fatalf("node-b took node-a's call: %v, %v", ok, err)
		}
		got, ok, err := s.TakeAccountCall(ctx, id, "node-a")
		if err != nil || !ok || got.AccountID != a.ID || got.UserID != ann.ID || string(got.Body) != string(call.Body) || got.FloodWaitMax != call.FloodWaitMax {
			t.Fatalf("taken: %+v, %v, %v", got, ok, err)
		}
		if _, ok, _ := s.TakeAccountCall(ctx, id, "node-a"); ok {
			t.Fatal("a call was taken twice")
		}
		if ok, err := s.CancelAccountCall(ctx, id, t0); err != nil || ok {
			t.Fatalf("a taken call was withdrawn: %v, %v", ok, err)
		}
		if r, _ := s.AccountCallResultOf(ctx, id); r.State != "taken" {
			t.Fatalf("state %q, want taken", r.State)
		}
		want := store.AccountCallResult{State: "done", Result: []byte("answer"), ErrorCode: 420, ErrorText: "FLOOD_WAIT_30"}
		if err := s.FinishAccountCall(ctx, id, want, t0); err != nil {
			t.Fatal(err)
		}
		if r, err := s.AccountCallResultOf(ctx, id); err != nil || r.State != want.State || string(r.Result) != "answer" || r.ErrorCode != 420 || r.ErrorText != want.ErrorText {
			t.Fatalf("answer: %+v, %v; want %+v", r, err, want)
		}

		other, _ := s.AddAccountCall(ctx, call, "node-a", t0.Add(time.Hour))
		if ok, err := s.CancelAccountCall(ctx, other, t0); err != nil || !ok {
			t.Fatalf("withdraw: %v, %v", ok, err)
		}
		if _, ok, _ := s.TakeAccountCall(ctx, other, "node-a"); ok {
			t.Fatal("a withdrawn call was taken")
		}
		if ids, _ := s.QueuedAccountCalls(ctx, "node-a"); len(ids) != 0 {
			t.Fatalf("still queued: %v", ids)
		}
		if n, err := s.ForgetAccountCalls(ctx, t0.Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("forgot %d, %v; want the older call only", n, err)
		}
		if _, err := s.AccountCallResultOf(ctx, other); err != nil {
			t.Fatalf("the newer call is gone: %v", err)
		}
	})
}
