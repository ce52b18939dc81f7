package store_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestForEachSuppressionHoldsAPageNotTheList: the CSV export walks a
// user's list through ForEachSuppression, and a list of a million entries
// must never sit in memory. While the first entry is handed over, the
// heap holds about a page of the 40,000 entries, not all of them; every
// entry comes once, newest first.
func TestForEachSuppressionHoldsAPageNotTheList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		const entries = 40_000
		reason := strings.Repeat("asked to be left alone ", 4) // ~100 bytes an entry, as real reasons are
		list := make([]store.Suppression, entries)
		for i := range list {
			list[i] = store.Suppression{UserID: ann.ID, TGUserID: int64(i + 1), Reason: reason, CreatedAt: t0}
		}
		if _, _, err := s.AddSuppressions(ctx, list); err != nil {
			t.Fatal(err)
		}
		list = nil

		var before, during runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		seen, last := 0, int64(1<<62)
		err := s.ForEachSuppression(ctx, ann.ID, func(e store.Suppression) error {
			if seen == 0 {
				runtime.GC() // what is left is what the walk holds
				runtime.ReadMemStats(&during)
			}
			if e.ID >= last {
				t.Fatalf("entry %d after %d: not newest first", e.ID, last)
			}
			seen, last = seen+1, e.ID
			return nil
		})
		if err != nil || seen != entries {
			t.Fatalf("walked %d of %d entries: %v", seen, entries, err)
		}
		grew := int64(during.HeapAlloc) - int64(before.HeapAlloc)
		t.Logf("heap held while walking %d entries: %d KB", entries, grew>>10)
		// The whole list is over 6 MB of entries; a page of 1,000 is about
		// 200 KB.
		if grew > 2<<20 {
			t.Errorf("the walk held %d KB at its first entry: it read the whole list", grew>>10)
		}
	})
}
