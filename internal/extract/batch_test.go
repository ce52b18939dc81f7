package extract_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestPagesAfterTheFirstAreSavedFourToATransaction extracts 1,506 members
// (8 pages) while Telegram answers slower than the database saves: the
// first page is saved at once, the next ones four to a transaction, the
// last with what is left, each with the checkpoint after it.
func TestPagesAfterTheFirstAreSavedFourToATransaction(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	var mu sync.Mutex
	var saves []int
	extract.SetAfterPage(e.svc, func(x store.Extraction) {
		mu.Lock()
		saves = append(saves, x.Fetched)
		mu.Unlock()
	})
	sbx.SetLatency(100 * time.Millisecond)
	t.Cleanup(func() { sbx.SetLatency(0) })
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs}).ID)
	if x.Status != store.ExtractionCompleted || x.Fetched != 1506 {
		t.Fatalf("extraction %s with %d members, want completed with 1,506", x.Status, x.Fetched)
	}
	mu.Lock()
	defer mu.Unlock()
	// The checkpoint before the first page, then members after each save.
	if want := []int{0, 200, 1000, 1506}; !slices.Equal(saves, want) {
		t.Errorf("members after each save %v, want %v", saves, want)
	}
}
