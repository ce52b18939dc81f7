package campaign_test

import (
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/campaign"
)

// TestFinishEstimate: the draft's estimated finish is the time of the
// last send as the sender's gates would let it go, also past the sends
// walked one by one (counted in whole days).
func TestFinishEstimate(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	w, err := campaign.ParseWindow("09:00", "17:00", "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	day0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	nine := time.Date(2026, 3, 2, 9, 0, 0, 0, berlin)
	for _, tc := range []struct {
		name string
		p    campaign.Pacing
		n    int
		from time.Time
		want time.Time
	}{
		{"one message", campaign.Pacing{MinInterval: 30 * time.Second, DailyCap: 50}, 1, day0, day0},
		{"within a day", campaign.Pacing{MinInterval: 30 * time.Second, DailyCap: 50}, 50, day0, day0.Add(49 * 30 * time.Second)},
		// 5,000 at 50 a day: the last is the 50th of day 99.
		{"the cap, 100 days", campaign.Pacing{MinInterval: 30 * time.Second, DailyCap: 50}, 5000, day0, day0.AddDate(0, 0, 99).Add(49 * 30 * time.Second)},
		// 10,000 a day at once: 100,000 take until day 9's midnight.
		{"a large cap, no interval", campaign.Pacing{DailyCap: 10000}, 100000, day0, day0.AddDate(0, 0, 9)},
		// A minute apart 09:00–17:00 in Berlin: 480 a day, the 5,000th is
		// the 200th of day 10.
		{"a window", campaign.Pacing{MinInterval: time.Minute, DailyCap: 1000, Window: w}, 5000, nine,
			time.Date(2026, 3, 12, 9, 199, 0, 0, berlin)},
		{"no cap reached, evenly spaced", campaign.Pacing{MinInterval: time.Second, DailyCap: 100000}, 3000, day0, day0.Add(2999 * time.Second)},
	} {
		if got := campaign.Finish(tc.p, tc.n, tc.from); !got.Equal(tc.want) {
			t.Errorf("%s: finish %v, want %v", tc.name, got.UTC(), tc.want.UTC())
		}
	}
}
