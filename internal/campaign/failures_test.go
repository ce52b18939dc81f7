package campaign_test

import (
	"testing"

	"github.com/telegramate/telegramate/internal/campaign"
)

// TestFailuresToPause: the self-pause needs more than the percent of a
// full window of 50, counted from the first message on, so "10 %" waits
// for the 6th failure: 2 failed of 4 sent does not pause.
func TestFailuresToPause(t *testing.T) {
	for _, c := range []struct{ percent, want int }{
		{1, 1}, {2, 2}, {3, 2}, {10, 6}, {20, 11}, {50, 26}, {99, 50}, {100, 0},
	} {
		if got := campaign.FailuresToPause(c.percent); got != c.want {
			t.Errorf("FailuresToPause(%d) = %d, want %d", c.percent, got, c.want)
		}
	}
}
