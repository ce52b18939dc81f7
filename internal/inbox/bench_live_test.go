package inbox_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// BenchmarkLiveMessage measures the time from a person's message at the
// sandbox to the inbox service announcing it, with the account's
// connection live in the account runtime: Telegram's push, not
// getDifference (asked for only at the connection's start here). It reports the median
// and the worst of the run's messages.
//
//	go test -run '^$' -bench BenchmarkLiveMessage -benchtime 100x ./internal/inbox/
func BenchmarkLiveMessage(b *testing.B) {
	e := newEnv(b, storetest.SQLite(b), inbox.Options{})
	e.listening(sam.TGUserID)
	events, stop := e.svc.Subscribe(e.user)
	defer stop()
	var took []time.Duration
	i := 0
	for b.Loop() {
		i++
		took = append(took, timeMessage(b, e, events, fmt.Sprintf("message %d", i)))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "worst-ms")
}

// BenchmarkLiveWhileWaiting measures, on each engine, the time from a
// person's message at the sandbox to the inbox announcing it while the
// account's campaign waits at its daily cap, with the sandbox answering
// after 20 ms (a realistic round trip to Telegram). The account runtime
// keeps the connection and its updates whatever the campaign does; it
// reports the median, p99 and worst of the run's messages.
//
//	go test -run '^$' -bench BenchmarkLiveWhileWaiting -benchtime 200x ./internal/inbox/
func BenchmarkLiveWhileWaiting(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			st := storetest.SQLite(b)
			if engine == "postgres" {
				st = storetest.Postgres(b)
			}
			ctx := context.Background()
			e := newEnv(b, st, inbox.Options{})
			e.sbx.SetLatency(20 * time.Millisecond)
			list := e.list(sam.TGUserID)
			v, err := e.camp.Create(ctx, e.user, campaign.CreateInput{Name: "Capped", Message: "Hi {first_name|there}",
				Audience: campaign.Audience{ListIDs: []int64{list}}, SenderAccountIDs: []int64{e.account(sam.TGUserID)},
				Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(1)}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.camp.Start(ctx, e.user, v.ID); err != nil {
				b.Fatal(err)
			}
			e.waitFor("the cap", func() (bool, error) {
				v, err = e.camp.Get(ctx, e.user, v.ID)
				return err == nil && v.Counts.Sent == 1, err
			})
			events, stop := e.svc.Subscribe(e.user)
			defer stop()
			var took []time.Duration
			i := 0
			for b.Loop() {
				i++
				took = append(took, timeMessage(b, e, events, fmt.Sprintf("while capped %d", i)))
			}
			if v, err = e.camp.Get(ctx, e.user, v.ID); err != nil || v.Status != store.CampaignRunning || v.Counts.Sent != 1 {
				b.Fatalf("the campaign did not wait at its cap throughout: %s %+v %v", v.Status, v.Counts, err)
			}
			slices.Sort(took)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(took[len(took)/2]), "median-ms")
			b.ReportMetric(ms(took[min(len(took)-1, len(took)*99/100)]), "p99-ms")
			b.ReportMetric(ms(took[len(took)-1]), "worst-ms")
		})
	}
}

// timeMessage writes text from the stranger to Sam and returns how long
// the inbox took to announce it.
func timeMessage(b *testing.B, e *env, events <-chan inbox.Event, text string) time.Duration {
	b.Helper()
	t0 := time.Now()
	if _, err := e.sbx.Write(stranger, sam.TGUserID, text, nil); err != nil {
		b.Fatal(err)
	}
	deadline := time.After(time.Minute)
	for {
		select {
		case ev := <-events:
			if ev.Kind == inbox.EventMessage {
				return time.Since(t0)
			}
		case <-deadline:
			b.Fatalf("%q not in the inbox after a minute", text)
		}
	}
}
