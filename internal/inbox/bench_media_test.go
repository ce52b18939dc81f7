package inbox_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// bigJPEG is a picture of noise close to Telegram's 10 MB limit for a
// photo.
func bigJPEG(b testing.TB) []byte {
	b.Helper()
	const limit = 10 << 20
	side := 3600
	for {
		img := image.NewRGBA(image.Rect(0, 0, side, side))
		r := rand.New(rand.NewPCG(7, 7))
		for y := range side {
			for x := range side {
				img.Set(x, y, color.RGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255})
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
			b.Fatal(err)
		}
		if buf.Len() <= limit && buf.Len() > limit*9/10 {
			return buf.Bytes()
		}
		// Bytes grow with the pixels: aim at 95% of the limit.
		side = int(float64(side) * math.Sqrt(0.95*limit/float64(buf.Len())))
	}
}

// BenchmarkIncomingPhotoThumbnail serves the thumbnail of a photo of
// about 10 MB a person sent, after its first view fetched it from the
// sandbox over MTProto: each op is one view from the cache (the service's
// checks, the cache's read, sniffing, the bytes read whole), on both
// engines. The first fetch of the thumbnail and of the full size are
// reported as first_thumb_ms and first_full_ms.
//
//	go test -run '^$' -bench BenchmarkIncomingPhotoThumbnail -benchtime 200x ./internal/inbox/
func BenchmarkIncomingPhotoThumbnail(b *testing.B) {
	photo := bigJPEG(b)
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var st store.Store
			if engine == "sqlite" {
				st = storetest.SQLite(b)
			} else {
				st = storetest.Postgres(b)
			}
			e := newEnv(b, st, inbox.Options{})
			e.listening(sam.TGUserID)
			c, m, _ := e.written(&sandbox.Media{Type: "photo", Data: photo})
			b.Logf("photo of %d bytes (%d as Telegram keeps its largest size)", len(photo), m.MediaSize)
			ctx := context.Background()
			view := func(variant string) int64 {
				f, err := e.svc.Media(ctx, e.user, c.ID, m.ID, variant)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, f.Body)
				if err != nil {
					b.Fatal(err)
				}
				return n
			}
			start := time.Now()
			thumb := view(inbox.MediaThumb)
			firstThumb := time.Since(start)
			start = time.Now()
			full := view(inbox.MediaFull)
			firstFull := time.Since(start)
			b.Logf("first views: thumbnail %d bytes in %v, full size %d bytes in %v", thumb, firstThumb, full, firstFull)
			b.ResetTimer()
			for b.Loop() {
				view(inbox.MediaThumb)
			}
			b.ReportMetric(float64(firstThumb.Microseconds())/1000, "first_thumb_ms")
			b.ReportMetric(float64(firstFull.Microseconds())/1000, "first_full_ms")
		})
	}
}
