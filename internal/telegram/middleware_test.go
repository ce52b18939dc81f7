package telegram

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/gotd/td/tgerr"
)

func TestWaitFloodWaitsExactlyAndRetries(t *testing.T) {
	var slept []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	calls := 0
	err := waitFlood(context.Background(), time.Minute, sleep, func(context.Context) error {
		calls++
		if calls <= 2 {
			return classify("channels.getParticipants", tgerr.New(420, "FLOOD_WAIT_3"))
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err=%v calls=%d", err, calls)
	}
	if len(slept) != 2 || slept[0] != 3*time.Second || slept[1] != 3*time.Second {
		t.Fatalf("slept %v, want exactly [3s 3s]", slept)
	}
}

func TestWaitFloodSurfacesLongWaitsAndOtherErrors(t *testing.T) {
	sleep := func(context.Context, time.Duration) error { t.Fatal("slept"); return nil }
	long := classify("m", tgerr.New(420, "FLOOD_WAIT_120"))
	if err := waitFlood(context.Background(), time.Minute, sleep, func(context.Context) error { return long }); err != long {
		t.Fatalf("long wait: %v", err)
	}
	calls := 0
	peer := classify("messages.sendMessage", tgerr.New(400, "PEER_FLOOD"))
	err := waitFlood(context.Background(), time.Hour, sleep, func(context.Context) error { calls++; return peer })
	if !errors.Is(err, ErrPeerFlood) || calls != 1 {
		t.Fatalf("PEER_FLOOD: err=%v calls=%d", err, calls)
	}
}

func TestWaitFloodHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := WaitFlood(ctx, time.Hour, func(context.Context) error {
		return classify("m", tgerr.New(420, "FLOOD_WAIT_3600"))
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrFloodWait) {
		t.Fatalf("got %v, want context.Canceled joined with the flood wait", err)
	}
}

func TestLimitedBackoffGivesUp(t *testing.T) {
	now := time.Unix(1000, 0)
	b := giveUpAfter(30 * time.Second)().(*limitedBackoff)
	b.now = func() time.Time { return now }
	if d := b.NextBackOff(); d == backoff.Stop {
		t.Fatal("stopped on the first failure")
	}
	now = now.Add(29 * time.Second)
	if d := b.NextBackOff(); d == backoff.Stop {
		t.Fatal("stopped before the limit")
	}
	now = now.Add(time.Second)
	if d := b.NextBackOff(); d != backoff.Stop {
		t.Fatal("kept retrying past the limit")
	}
	b.Reset() // the connection came up: a later outage gets the full limit again
	now = now.Add(time.Hour)
	if d := b.NextBackOff(); d == backoff.Stop {
		t.Fatal("stopped right after a reset")
	}
}
