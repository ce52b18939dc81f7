package inbox_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// BenchmarkLiveMessage measures the time from a person's message at the
// sandbox to the inbox service announcing it, with the account's
// connection held by its listener: Telegram's push, not getDifference
// (asked for only at the listener's start here). It reports the median
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
		t0 := time.Now()
		if _, err := e.sbx.Write(stranger, sam.TGUserID, fmt.Sprintf("message %d", i), nil); err != nil {
			b.Fatal(err)
		}
		deadline := time.After(time.Minute)
	wait:
		for {
			select {
			case ev := <-events:
				if ev.Kind == inbox.EventMessage {
					took = append(took, time.Since(t0))
					break wait
				}
			case <-deadline:
				b.Fatalf("message %d not seen in a minute", i)
			}
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "worst-ms")
}
