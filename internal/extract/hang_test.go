package extract_test

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestFailedSaveWithFullBufferEndsTheRun reaches the state that once hung
// a worker for good: a page's save fails while the fetcher has filled the
// buffer of pages waiting to be saved and the run's budget has ended, so
// the fetcher's last word (the budget is used) has nowhere to go. The run
// must end with the save's error, and River's retry must then finish the
// extraction.
func TestFailedSaveWithFullBufferEndsTheRun(t *testing.T) {
	clock := &testkit.Clock{}
	e := newEnvWith(t, storetest.SQLite(t), true, extract.Options{Now: clock.Now, RunBudget: time.Hour})
	pages := func() int { return sbx.Counts()["channels.getParticipants"] }
	var once sync.Once
	failed, before := false, 0
	extract.SetPageCheck(e.svc, func(x store.Extraction) error {
		if x.Fetched == 0 {
			before = pages() // the checkpoint before the first page is asked for
			return nil
		}
		var err error
		once.Do(func() {
			// The first page is being saved: the fetcher fills the buffer
			// behind it. The budget ends while the page that fills it is on
			// its way (answers take 100 ms here), so the fetcher's next step
			// is to say so into a full buffer; once it is stuck there, the
			// save fails.
			fill := before + 1 + extract.MaxPagesPerSave // the page that fills the buffer
			waitUntil(t, "the fetcher to ask for the page that fills the buffer", func() bool { return pages() >= fill })
			clock.Advance(2 * time.Hour)
			waitUntil(t, "the fetcher to block on the full buffer", fetcherBlocked)
			failed, err = true, errors.New("the database went away")
		})
		return err
	})
	sbx.SetLatency(100 * time.Millisecond)
	t.Cleanup(func() { sbx.SetLatency(0) })
	x := e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs})
	x = e.wait(x.ID)
	if !failed {
		t.Fatal("no save failed: the test reached nothing")
	}
	if x.Status != store.ExtractionCompleted || x.Fetched != 1506 {
		t.Fatalf("extraction %s with %d members, want completed with 1,506", x.Status, x.Fetched)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("gave up waiting for %s", what)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fetcherBlocked reports whether the extraction's fetcher goroutine is
// parked on a channel send of its own (not inside a Telegram call).
func fetcherBlocked() bool {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, rest, _ := strings.Cut(g, "\n")
		if (strings.Contains(header, "[chan send") || strings.Contains(header, "[select")) &&
			strings.HasPrefix(rest, "github.com/telegramate/telegramate/internal/extract.(*run).pages.func1") {
			return true
		}
	}
	return false
}
