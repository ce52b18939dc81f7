package inbox_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// Test files whose bytes are what they claim (or, for the .exe, not).
func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rnd := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(rnd.IntN(64)), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func noise(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// testMP4 sniffs as video/mp4 (an ftyp box first).
func testMP4(n int) []byte {
	head := []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
	return append(head, noise(3, n-len(head))...)
}

// testOpus sniffs as a voice note (an Ogg page with an Opus header).
func testOpus(n int) []byte {
	head := append([]byte("OggS\x00\x02"), make([]byte, 22)...)
	head = append(head, []byte("OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00")...)
	return append(head, noise(4, n-len(head))...)
}

func testPDF(n int) []byte {
	head := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	return append(head, noise(5, n-len(head))...)
}

// testEXE is a Windows executable's first bytes.
func testEXE(n int) []byte {
	head := []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
	return append(head, noise(6, n-len(head))...)
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// written writes a message with a file from the stranger to Sam and
// waits for it in the conversation.
func (e *env) written(media *sandbox.Media) (inbox.Conversation, inbox.Message, sandbox.Message) {
	e.t.Helper()
	return e.writtenBy(stranger, media)
}

// writtenBy is written from another person.
func (e *env) writtenBy(from int64, media *sandbox.Media) (inbox.Conversation, inbox.Message, sandbox.Message) {
	e.t.Helper()
	seen := map[int64]bool{}
	if page, err := e.svc.List(context.Background(), e.user, inbox.Filter{AccountID: e.account(sam.TGUserID)}); err == nil && len(page.Conversations) > 0 {
		for _, m := range e.thread(page.Conversations[0].ID) {
			seen[m.ID] = true
		}
	}
	rec, err := e.sbx.Write(from, sam.TGUserID, "", media)
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.conversationWith(sam.TGUserID, from)
	var got inbox.Message
	e.waitFor("the "+media.Type+" in the inbox", func() (bool, error) {
		for _, m := range e.thread(c.ID) {
			// Not by its type: a file that calls itself image/jpeg is
			// a document.
			if !seen[m.ID] && m.Incoming() && m.MediaType != "" {
				got = m
			}
		}
		return got.ID != 0, nil
	})
	return c, got, rec
}

// fetch reads one size of a message's file through the service.
func (e *env) fetch(c inbox.Conversation, m inbox.Message, variant string) (inbox.MediaFile, []byte) {
	e.t.Helper()
	// Bounded: a fetch that hangs fails the test with what it waited for.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, err := e.svc.Media(ctx, e.user, c.ID, m.ID, variant)
	if err != nil {
		e.t.Fatalf("%s %s of message %d: %v", m.MediaType, variant, m.ID, err)
	}
	b, err := io.ReadAll(f.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if int64(len(b)) != f.Size {
		e.t.Errorf("%s %s: %d bytes read, %d said", m.MediaType, variant, len(b), f.Size)
	}
	return f, b
}

// TestIncomingMediaShownAndDownloaded: a stranger sends a photo, a video,
// a voice note and a document; each is fetched through the account's
// connection on its first view, byte for byte what the sandbox keeps, and
// served again from the cache without asking Telegram. A photo, video
// and voice note are shown inline; a document, and an executable that
// calls itself photo.jpg, are downloads.
func TestIncomingMediaShownAndDownloaded(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sam.TGUserID)
	photo := testJPEG(t, 1000, 750)

	c, pm, rec := e.written(&sandbox.Media{Type: "photo", Data: photo})
	if pm.MediaMIME != "image/jpeg" {
		t.Errorf("photo stored as %q", pm.MediaMIME)
	}
	thumb, thumbBytes := e.fetch(c, pm, inbox.MediaThumb)
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumbBytes))
	if err != nil || cfg.Width != 320 || !thumb.Inline || thumb.MIMEType != "image/jpeg" {
		t.Errorf("thumbnail %dx%d (%v), %+v: want a 320-pixel JPEG shown inline", cfg.Width, cfg.Height, err, thumb)
	}
	full, fullBytes := e.fetch(c, pm, inbox.MediaFull)
	sizes := e.sbx.PhotoSizes(rec.Media.File)
	// Telegram keeps a photo as sizes it encodes itself: the largest
	// (here "y", the picture's own 1000×750) is the full photo.
	if sha(fullBytes) != sizes["y"] || !full.Inline || full.MIMEType != "image/jpeg" {
		t.Errorf("full photo sha256 %s, want the sandbox's largest size %s (sizes %v); %+v", sha(fullBytes), sizes["y"], sizes, full)
	}
	if sha(thumbBytes) != sizes["m"] {
		t.Errorf("thumbnail sha256 %s, want the sandbox's %q size %s", sha(thumbBytes), "m", sizes["m"])
	}

	cases := []struct {
		media      sandbox.Media
		mime, name string
		inline     bool
	}{
		{sandbox.Media{Type: "video", Data: testMP4(2<<20 + 12345), FileName: "clip.mp4"}, "video/mp4", "clip.mp4", true},
		{sandbox.Media{Type: "voice", Data: testOpus(40000)}, "audio/ogg", "", true},
		{sandbox.Media{Type: "document", Data: testPDF(300000), FileName: "report.pdf", MimeType: "application/pdf"}, "application/pdf", "report.pdf", false},
		// An executable that says it is a JPEG: its bytes decide.
		{sandbox.Media{Type: "document", Data: testEXE(70000), FileName: "photo.jpg", MimeType: "image/jpeg"}, "application/octet-stream", "photo.jpg", false},
		{sandbox.Media{Type: "video", Data: testEXE(70000), FileName: "holiday.mp4"}, "application/octet-stream", "holiday.mp4", false},
	}
	for _, tc := range cases {
		want := sha(tc.media.Data)
		_, m, _ := e.written(&tc.media)
		f, b := e.fetch(c, m, inbox.MediaFull)
		if sha(b) != want {
			t.Errorf("%s %q: sha256 %s, want the written bytes' %s", tc.media.Type, tc.media.FileName, sha(b), want)
		}
		if f.MIMEType != tc.mime || f.Inline != tc.inline || tc.name != "" && f.FileName != tc.name {
			t.Errorf("%s %q served as %q inline=%v name %q, want %q inline=%v", tc.media.Type, tc.media.FileName, f.MIMEType, f.Inline, f.FileName,
				tc.mime, tc.inline)
		}
		if tc.name != "" && m.MediaFileName != tc.name {
			t.Errorf("%s: file name %q kept, want %q", tc.media.Type, m.MediaFileName, tc.name)
		}
		if _, err := e.svc.Media(ctx, e.user, c.ID, m.ID, inbox.MediaThumb); !isCode(err, apperr.CodeNotFound) {
			t.Errorf("%s: thumbnail of a file without one: %v, want not_found", tc.media.Type, err)
		}
	}

	// Second views come from the cache: Telegram is not asked again.
	counts := e.sbx.Counts()
	for range 2 {
		if _, b := e.fetch(c, pm, inbox.MediaFull); sha(b) != sizes["y"] {
			t.Errorf("full photo from the cache: sha256 %s", sha(b))
		}
		e.fetch(c, pm, inbox.MediaThumb)
	}
	after := e.sbx.Counts()
	if after["upload.getFile"] != counts["upload.getFile"] || after["messages.getMessages"] != counts["messages.getMessages"] {
		t.Errorf("views from the cache reached Telegram: getFile %d → %d, getMessages %d → %d", counts["upload.getFile"], after["upload.getFile"],
			counts["messages.getMessages"], after["messages.getMessages"])
	}

	// A text message has nothing to open; another conversation's message
	// is not found through this one.
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "did you get them?", nil); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the text", func() (bool, error) { th := e.thread(c.ID); return th[len(th)-1].Text == "did you get them?", nil })
	th := e.thread(c.ID)
	if _, err := e.svc.Media(ctx, e.user, c.ID, th[len(th)-1].ID, ""); !isCode(err, apperr.CodeNotFound) {
		t.Errorf("media of a text message: %v, want not_found", err)
	}
	if _, err := e.svc.Media(ctx, e.user, c.ID+1000, pm.ID, ""); !isCode(err, apperr.CodeNotFound) {
		t.Errorf("media through another conversation: %v, want not_found", err)
	}
	if _, err := e.svc.Media(ctx, e.user, c.ID, pm.ID, "huge"); !isCode(err, apperr.CodeValidation) {
		t.Errorf("an unknown variant: %v, want validation_failed", err)
	}
}

// TestIncomingMediaCacheCapped: past the cache's cap the file viewed least
// recently is dropped, and viewing it again fetches it again. A file larger
// than the whole cache is refused, and its next views do not ask Telegram.
func TestIncomingMediaCacheCapped(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), inbox.Options{MediaCacheSize: 3 << 20})
	e.listening(sam.TGUserID)
	c, first, _ := e.written(&sandbox.Media{Type: "document", Data: testPDF(2 << 20), FileName: "a.pdf"})
	_, second, _ := e.written(&sandbox.Media{Type: "document", Data: testPDF(2<<20 + 1), FileName: "b.pdf"})
	e.fetch(c, first, "")
	e.fetch(c, second, "") // 4 MB past a 3 MB cap: the first goes
	before := e.sbx.Counts()["upload.getFile"]
	e.fetch(c, second, "")
	if n := e.sbx.Counts()["upload.getFile"]; n != before {
		t.Errorf("the file just fetched was not kept: %d getFile calls for a second view", n-before)
	}
	e.fetch(c, first, "")
	if n := e.sbx.Counts()["upload.getFile"]; n == before {
		t.Error("the least recently used file was still cached past the cap")
	}
	// A file larger than the whole cache is refused, not fetched.
	_, big, _ := e.written(&sandbox.Media{Type: "document", Data: testPDF(3<<20 + 1), FileName: "big.pdf"})
	before = e.sbx.Counts()["upload.getFile"]
	if _, err := e.svc.Media(context.Background(), e.user, c.ID, big.ID, ""); !isCode(err, "file_too_large") {
		t.Errorf("a file past the cache's size: %v, want file_too_large", err)
	}
	if n := e.sbx.Counts()["upload.getFile"]; n != before {
		t.Errorf("a file past the cache's size was downloaded (%d getFile calls)", n-before)
	}
	// Its next views are answered without asking Telegram again (a page
	// showing it asks on every load).
	asked := e.sbx.Counts()["messages.getMessages"]
	for range 3 {
		if _, err := e.svc.Media(context.Background(), e.user, c.ID, big.ID, ""); !isCode(err, "file_too_large") {
			t.Errorf("a file past the cache's size, viewed again: %v, want file_too_large", err)
		}
	}
	if n := e.sbx.Counts()["messages.getMessages"] - asked; n != 0 {
		t.Errorf("three more views of a file past the cache's size asked Telegram %d times, want none", n)
	}
}

// TestIncomingMediaViewedAtOnce: four people open the same file, not
// cached yet, at the same time; Telegram is asked for it once, and each
// of them gets all of it.
func TestIncomingMediaViewedAtOnce(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sam.TGUserID)
	c, first, _ := e.written(&sandbox.Media{Type: "document", Data: testPDF(2 << 20), FileName: "a.pdf"})
	before := e.sbx.Counts()["upload.getFile"]
	e.fetch(c, first, "")
	once := e.sbx.Counts()["upload.getFile"] - before

	data := testPDF(2<<20 + 7)
	_, second, _ := e.written(&sandbox.Media{Type: "document", Data: data, FileName: "b.pdf"})
	before = e.sbx.Counts()["upload.getFile"]
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			f, err := e.svc.Media(context.Background(), e.user, c.ID, second.ID, "")
			if err != nil {
				t.Error(err)
				return
			}
			if b, err := io.ReadAll(f.Body); err != nil || sha(b) != sha(data) {
				t.Errorf("a view read %d bytes (%v), not the file", len(b), err)
			}
		})
	}
	wg.Wait()
	if n := e.sbx.Counts()["upload.getFile"] - before; n != once {
		t.Errorf("four views at once made %d getFile calls, want %d (one download)", n, once)
	}
}

func isCode(err error, code string) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Code == code
}

// TestIncomingMediaFromAnotherDC: a person on DC 2 sends Sam (DC 1) a
// photo and a document. Telegram keeps them on DC 2, whose getFile alone
// serves them (FILE_MIGRATE_2 on DC 1): the inbox fetches them through
// Sam's own client, authorised on DC 2 (auth.exportAuthorization and
// importAuthorization, no new login), byte for byte, and closes that
// connection after the download; Sam's live connection on DC 1 stays
// the one it was.
func TestIncomingMediaFromAnotherDC(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sam.TGUserID)
	c, pm, rec := e.writtenBy(farAway, &sandbox.Media{Type: "photo", Data: testJPEG(t, 1000, 750)})
	sizes := e.sbx.PhotoSizes(rec.Media.File)
	if _, thumb := e.fetch(c, pm, inbox.MediaThumb); sha(thumb) != sizes["m"] {
		t.Errorf("thumbnail sha256 %s, want the sandbox's %q size %s", sha(thumb), "m", sizes["m"])
	}
	if _, full := e.fetch(c, pm, inbox.MediaFull); sha(full) != sizes["y"] {
		t.Errorf("full photo sha256 %s, want the sandbox's largest size %s", sha(full), sizes["y"])
	}
	// Three parts of upload.getFile, all on DC 2.
	doc := testPDF(2<<20 + 4321)
	_, dm, _ := e.writtenBy(farAway, &sandbox.Media{Type: "document", Data: doc, FileName: "far.pdf", MimeType: "application/pdf"})
	if f, b := e.fetch(c, dm, inbox.MediaFull); sha(b) != sha(doc) || f.FileName != "far.pdf" {
		t.Errorf("document sha256 %s name %q, want the written bytes' %s", sha(b), f.FileName, sha(doc))
	}

	var home, far []sandbox.Connection
	for _, cn := range e.sbx.ConnectionLog() {
		switch {
		case cn.UserID == sam.TGUserID && cn.DC == 1:
			home = append(home, cn)
		case cn.UserID == sam.TGUserID && cn.DC == 2:
			far = append(far, cn)
		}
	}
	if len(home) != 1 || !home[0].Open() {
		t.Errorf("Sam's connections on DC 1: %+v, want the one live connection", home)
	}
	if len(far) == 0 {
		t.Fatal("no connection of Sam's on DC 2 in the data center's record")
	}
	e.waitFor("the connections to DC 2 closed", func() (bool, error) {
		for _, cn := range e.sbx.ConnectionLog() {
			if cn.UserID == sam.TGUserID && cn.DC == 2 && cn.Open() {
				return false, nil
			}
		}
		return true, nil
	})
}

// onlyDC1 configures the product with the sandbox's DC 1 alone.
type onlyDC1 struct{ *sandbox.Server }

func (o onlyDC1) DCs() map[int]string { return map[int]string{1: o.Server.DCs()[1]} }

// TestIncomingMediaFromAnUnreachableDC: a file kept on a data center the
// product cannot reach is refused with what failed and what to do, and
// the account's other work goes on.
func TestIncomingMediaFromAnUnreachableDC(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.stop()
	e.dcs = onlyDC1{e.sbx}
	e.start()
	e.listening(sam.TGUserID)
	c, pm, _ := e.writtenBy(farAway, &sandbox.Media{Type: "photo", Data: testJPEG(t, 400, 300)})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := e.svc.Media(ctx, e.user, c.ID, pm.ID, inbox.MediaFull)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.CodeTelegramUnavailable || !strings.Contains(ae.Message, "data center 2") ||
		!strings.Contains(ae.Hint, "--telegram-dc") {
		t.Fatalf("a file on an unreachable DC: %v (%+v), want telegram_unavailable naming DC 2 and --telegram-dc", err, ae)
	}
	// The account still works: its text messages still come.
	if _, err := e.sbx.Write(farAway, sam.TGUserID, "did it arrive?", nil); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the text", func() (bool, error) { th := e.thread(c.ID); return th[len(th)-1].Text == "did it arrive?", nil })
}

// TestIncomingMediaWhenDC2RefusesTheAuthorization: the account's
// authorization cannot be transferred to the file's DC (Telegram refuses
// auth.importAuthorization there): the view says which data center failed
// and what to do, and the next view, once it is accepted, has the file.
func TestIncomingMediaWhenDC2RefusesTheAuthorization(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sam.TGUserID)
	c, pm, rec := e.writtenBy(farAway, &sandbox.Media{Type: "photo", Data: testJPEG(t, 400, 300)})
	if err := e.sbx.SetFault(sandbox.Fault{Method: "auth.importAuthorization", Error: "400:AUTH_BYTES_INVALID"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := e.svc.Media(ctx, e.user, c.ID, pm.ID, inbox.MediaFull)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.CodeTelegramUnavailable || !strings.Contains(ae.Message, "data center 2") ||
		!strings.Contains(err.Error(), "AUTH_BYTES_INVALID") {
		t.Fatalf("a file whose DC refuses the authorization: %v, want telegram_unavailable naming DC 2 and Telegram's refusal", err)
	}
	e.sbx.ClearFaults()
	if _, b := e.fetch(c, pm, inbox.MediaFull); sha(b) != e.sbx.PhotoSizes(rec.Media.File)["x"] && sha(b) != e.sbx.PhotoSizes(rec.Media.File)["y"] {
		t.Errorf("after the refusal ended: sha256 %s, sizes %v", sha(b), e.sbx.PhotoSizes(rec.Media.File))
	}
}
