package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/gotd/td/telegram/uploader"
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

// BenchmarkSendMediaReused sends one uploaded 20 MB document by reference
// (inputMediaDocument, no upload) and a text message, interleaved on one
// connection: the ratio is what a media send costs over a text send in the
// sandbox, the baseline a media campaign's throughput is judged against.
// uploaded-MB is what the account uploaded in all: the file once.
func BenchmarkSendMediaReused(b *testing.B) {
	s := startSandbox(b, GenerateWorld(0), Options{})
	bob := &tg.InputPeerUser{UserID: 1002, AccessHash: s.people[1002].accessHash}
	c := loggedIn(b, s, "9996611001")
	run(b, c, func(ctx context.Context) error {
		api := c.API()
		f, err := uploader.NewUploader(api).FromBytes(ctx, "video.mp4", randomBytes(20<<20, 1))
		if err != nil {
			return err
		}
		m, err := api.MessagesUploadMedia(ctx, &tg.MessagesUploadMediaRequest{Peer: bob, Media: &tg.InputMediaUploadedDocument{
			File: f, MimeType: "video/mp4", Attributes: []tg.DocumentAttributeClass{&tg.DocumentAttributeVideo{Duration: 30, W: 1280, H: 720}},
		}})
		if err != nil {
			return err
		}
		d := m.(*tg.MessageMediaDocument).Document.(*tg.Document)
		media := &tg.InputMediaDocument{ID: &tg.InputDocument{ID: d.ID, AccessHash: d.AccessHash, FileReference: d.FileReference}}
		var text, withMedia time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if _, err := api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: bob, Message: "Hello", RandomID: int64(2*i + 1)}); err != nil {
				return err
			}
			t1 := time.Now()
			if _, err := api.MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: bob, Message: "Hello", Media: media, RandomID: int64(2*i + 2)}); err != nil {
				return err
			}
			text += t1.Sub(t0)
			withMedia += time.Since(t1)
		}
		b.StopTimer()
		rate, baseRate := float64(b.N)/withMedia.Seconds(), float64(b.N)/text.Seconds()
		b.ReportMetric(rate, "media-sends/s")
		b.ReportMetric(baseRate, "text-sends/s")
		b.ReportMetric(rate/baseRate, "ratio")
		b.ReportMetric(float64(s.UploadedBytes()[1001])/(1<<20), "uploaded-MB")
		b.ReportMetric(0, "ns/op")
		return nil
	})
}

// BenchmarkUploadBigFile uploads a 20 MB file with gotd's uploader (in
// saveBigFilePart parts) and uses it: the sandbox's upload rate.
func BenchmarkUploadBigFile(b *testing.B) {
	s := startSandbox(b, GenerateWorld(0), Options{})
	c := loggedIn(b, s, "9996611001")
	data := randomBytes(20<<20, 2)
	run(b, c, func(ctx context.Context) error {
		api := c.API()
		b.SetBytes(int64(len(data)))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			f, err := uploader.NewUploader(api).FromBytes(ctx, "video.mp4", data)
			if err != nil {
				return err
			}
			if _, err := api.MessagesUploadMedia(ctx, &tg.MessagesUploadMediaRequest{Peer: &tg.InputPeerSelf{},
				Media: &tg.InputMediaUploadedDocument{File: f, MimeType: "video/mp4"}}); err != nil {
				return err
			}
		}
		return nil
	})
}
