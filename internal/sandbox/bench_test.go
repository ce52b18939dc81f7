package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/gotd/td/tg"
)

// benchPair times a method against a no-op round trip (help.getNearestDc)
// on the same connection, interleaved so both see the same machine state,
// and reports both rates and their ratio: the method's cost over the bare
// MTProto round trip that any Telegram call pays.
func benchPair(b *testing.B, s *Server, phone string, call func(ctx context.Context, api *tg.Client, i int) error) {
	c := loggedIn(b, s, phone)
	run(b, c, func(ctx context.Context) error {
		api := c.API()
		// Warm up the connection and the server's caches.
		for i := range 20 {
			if _, err := api.HelpGetNearestDC(ctx); err != nil {
				return err
			}
			if err := call(ctx, api, -1-i); err != nil {
				return err
			}
		}
		var base, method time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if _, err := api.HelpGetNearestDC(ctx); err != nil {
				return err
			}
			t1 := time.Now()
			if err := call(ctx, api, i); err != nil {
				return err
			}
			base += t1.Sub(t0)
			method += time.Since(t1)
		}
		b.StopTimer()
		baseRate := float64(b.N) / base.Seconds()
		rate := float64(b.N) / method.Seconds()
		b.ReportMetric(rate, "calls/s")
		b.ReportMetric(baseRate, "baseline-calls/s")
		b.ReportMetric(rate/baseRate, "ratio")
		b.ReportMetric(0, "ns/op") // the pair's ns/op mixes both calls; the rates say it
		return nil
	})
}

func BenchmarkGetConfig(b *testing.B) {
	s := startSandbox(b, GenerateWorld(0), Options{})
	benchPair(b, s, "9996611001", func(ctx context.Context, api *tg.Client, _ int) error {
		_, err := api.HelpGetConfig(ctx)
		return err
	})
}

func BenchmarkSendMessage(b *testing.B) {
	s := startSandbox(b, GenerateWorld(0), Options{})
	// Ann writes to Bob, a contact: no PEER_FLOOD however many she sends.
	bob := &tg.InputPeerUser{UserID: 1002, AccessHash: s.people[1002].accessHash}
	benchPair(b, s, "9996611001", func(ctx context.Context, api *tg.Client, i int) error {
		_, err := api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
			Peer: bob, Message: "Hello from the benchmark", RandomID: int64(i) + 1_000_000,
		})
		return err
	})
}

func BenchmarkGetParticipants(b *testing.B) {
	s := startSandbox(b, GenerateWorld(25000), Options{})
	ch := &tg.InputChannel{ChannelID: 5001, AccessHash: s.chats[5001].accessHash}
	pages := DefaultParticipantsCap / DefaultPageSize
	benchPair(b, s, "9996611001", func(ctx context.Context, api *tg.Client, i int) error {
		// Walk the capped list page by page, as an extraction does.
		off := ((i%pages + pages) % pages) * DefaultPageSize
		res, err := api.ChannelsGetParticipants(ctx, &tg.ChannelsGetParticipantsRequest{
			Channel: ch, Filter: &tg.ChannelParticipantsRecent{}, Offset: off, Limit: DefaultPageSize,
		})
		if err != nil {
			return err
		}
		if n := len(res.(*tg.ChannelsChannelParticipants).Participants); n != DefaultPageSize {
			b.Errorf("page at %d has %d members", off, n)
		}
		return nil
	})
}
