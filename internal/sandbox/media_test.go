package sandbox

import (
	"bytes"
	"context"
	"crypto/md5" // #nosec G501 -- Telegram's InputFile checksum
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/downloader"
	"github.com/gotd/td/telegram/uploader"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/telegramate/telegramate/internal/testkit"
)

// randomBytes are n bytes that do not compress or repeat, so a part in the
// wrong place changes the hash.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// pngImage is a real picture of w×h pixels.
func pngImage(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// download fetches a file with gotd's own downloader, the way the product
// will.
func download(ctx context.Context, api *tg.Client, loc tg.InputFileLocationClass) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := downloader.NewDownloader().Download(api, loc).Stream(ctx, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func docLocation(d *tg.Document) *tg.InputDocumentFileLocation {
	return &tg.InputDocumentFileLocation{ID: d.ID, AccessHash: d.AccessHash, FileReference: d.FileReference}
}

func photoLocation(p *tg.Photo, size string) *tg.InputPhotoFileLocation {
	return &tg.InputPhotoFileLocation{ID: p.ID, AccessHash: p.AccessHash, FileReference: p.FileReference, ThumbSize: size}
}

// sentMessage is the message a sendMedia answer carries.
func sentMessage(u tg.UpdatesClass) (*tg.Message, error) {
	up, ok := u.(*tg.Updates)
	if !ok {
		return nil, fmt.Errorf("sendMedia answered %T", u)
	}
	for _, x := range up.Updates {
		if nm, ok := x.(*tg.UpdateNewMessage); ok {
			return nm.Message.(*tg.Message), nil
		}
	}
	return nil, fmt.Errorf("no new message in %+v", up)
}

func messageDocument(m *tg.Message) (*tg.Document, error) {
	md, ok := m.Media.(*tg.MessageMediaDocument)
	if !ok {
		return nil, fmt.Errorf("media %T, want a document", m.Media)
	}
	return md.Document.(*tg.Document), nil
}

// TestUploadAndDownloadSmallAndBigFiles uploads with gotd's uploader (one
// file under 10 MB in saveFilePart parts, one over it in saveBigFilePart
// parts), sends them, and downloads them back with gotd's downloader: the
// bytes come back identical, and the account's upload counter holds
// exactly what was uploaded.
func TestUploadAndDownloadSmallAndBigFiles(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{Control: "127.0.0.1:0"})
	ann := loggedIn(t, s, annPhone)
	small := randomBytes(700*1024+13, 1)
	big := randomBytes(11<<20+5, 2)
	run(t, ann, func(ctx context.Context) error {
		up := uploader.NewUploader(ann.API())
		for i, data := range [][]byte{small, big} {
			f, err := up.FromBytes(ctx, fmt.Sprintf("file%d.bin", i), data)
			if err != nil {
				return err
			}
			if _, isBig := f.(*tg.InputFileBig); isBig != (i == 1) {
				return fmt.Errorf("file %d went up as %T", i, f)
			}
			res, err := ann.API().MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{
				Peer: userInput(s, 1002), RandomID: int64(100 + i), Message: "here",
				Media: &tg.InputMediaUploadedDocument{File: f, MimeType: "application/octet-stream",
					Attributes: []tg.DocumentAttributeClass{&tg.DocumentAttributeFilename{FileName: "report.bin"}}},
			})
			if err != nil {
				return err
			}
			m, err := sentMessage(res)
			if err != nil {
				return err
			}
			d, err := messageDocument(m)
			if err != nil {
				return err
			}
			if d.Size != int64(len(data)) || d.MimeType != "application/octet-stream" {
				return fmt.Errorf("document %+v", d)
			}
			got, err := download(ctx, ann.API(), docLocation(d))
			if err != nil {
				return err
			}
			if !bytes.Equal(got, data) {
				return fmt.Errorf("file %d: downloaded %d bytes, not the %d uploaded", i, len(got), len(data))
			}
		}
		return nil
	})
	if got, want := s.UploadedBytes()[1001], int64(len(small)+len(big)); got != want {
		t.Fatalf("uploaded %d bytes, want %d", got, want)
	}
	if c := s.Counts(); c["upload.saveFilePart"] == 0 || c["upload.saveBigFilePart"] == 0 {
		t.Fatalf("counts %v", c)
	}
	var rec []struct {
		Message controlMessage `json:"message"`
	}
	getJSON(t, "GET", s.ControlURL()+"/messages?from=1001", "", &rec)
	if len(rec) != 2 {
		t.Fatalf("record %+v", rec)
	}
	for i, data := range [][]byte{small, big} {
		m := rec[i].Message.Media
		if m == nil || m.Type != "document" || m.Size != int64(len(data)) || m.SHA256 != sha256Hex(data) || m.FileName != "report.bin" || rec[i].Message.Text != "here" {
			t.Fatalf("record %d: %+v %+v", i, rec[i].Message, m)
		}
	}
	var uploads map[string]int64
	getJSON(t, "GET", s.ControlURL()+"/uploads", "", &uploads)
	if uploads["1001"] != int64(len(small)+len(big)) {
		t.Fatalf("GET /uploads %v", uploads)
	}
}

// TestUploadErrors sends parts and files that break Telegram's rules and
// gets Telegram's error for each; nothing is delivered.
func TestUploadErrors(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann := loggedIn(t, s, annPhone)
	part := func(n int) []byte { return randomBytes(n, uint64(n)) }
	run(t, ann, func(ctx context.Context) error {
		api := ann.API()
		save := func(id int64, n int, data []byte) error {
			_, err := api.UploadSaveFilePart(ctx, &tg.UploadSaveFilePartRequest{FileID: id, FilePart: n, Bytes: data})
			return err
		}
		saveBig := func(id int64, n, total int, data []byte) error {
			_, err := api.UploadSaveBigFilePart(ctx, &tg.UploadSaveBigFilePartRequest{FileID: id, FilePart: n, FileTotalParts: total, Bytes: data})
			return err
		}
		send := func(f tg.InputFileClass) error {
			_, err := api.MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{
				Peer: userInput(s, 1002), RandomID: randInt64(),
				Media: &tg.InputMediaUploadedDocument{File: f, MimeType: "application/pdf"},
			})
			return err
		}
		for _, tc := range []struct {
			name string
			err  error
			want string
		}{
			{"negative part", save(1, -1, part(1024)), "FILE_PART_INVALID"},
			{"part 4000", save(1, 4000, part(1024)), "FILE_PART_INVALID"},
			{"empty part", save(1, 0, []byte{}), "FILE_PART_EMPTY"},
			{"part over 512 KB", save(1, 0, part(512*1024+1024)), "FILE_PART_TOO_BIG"},
			{"no total", saveBig(2, 0, 0, part(1024)), "FILE_PARTS_INVALID"},
			{"part past the total", saveBig(2, 3, 3, part(1024)), "FILE_PART_INVALID"},
			{"big part not a multiple of 1 KB", saveBig(2, 0, 3, part(1000)), "FILE_PART_SIZE_INVALID"},
			{"big part not dividing 512 KB", saveBig(2, 0, 3, part(3*1024)), "FILE_PART_SIZE_INVALID"},
		} {
			if err := wantRPC(t, tc.err, tc.want); err != nil {
				return fmt.Errorf("%s: %w", tc.name, err)
			}
		}
		if err := wantPartMissing(send(&tg.InputFile{ID: 99, Parts: 1, Name: "a.pdf"}), 0); err != nil {
			return fmt.Errorf("file never uploaded: %w", err)
		}
		// Parts 0 and 2 of three: part 1 is missing.
		for _, n := range []int{0, 2} {
			if err := save(10, n, part(1024)); err != nil {
				return err
			}
		}
		if err := wantPartMissing(send(&tg.InputFile{ID: 10, Parts: 3, Name: "a.pdf"}), 1); err != nil {
			return err
		}
		// Parts of 1000 bytes: the size is not a multiple of 1 KB.
		for n := range 2 {
			if err := save(11, n, part(1000)); err != nil {
				return err
			}
		}
		if err := wantRPC(t, send(&tg.InputFile{ID: 11, Parts: 2, Name: "a.pdf"}), "FILE_PART_SIZE_INVALID"); err != nil {
			return err
		}
		// A first part shorter than the second.
		if err := save(12, 0, part(1024)); err != nil {
			return err
		}
		if err := save(12, 1, part(2048)); err != nil {
			return err
		}
		if err := wantRPC(t, send(&tg.InputFile{ID: 12, Parts: 2, Name: "a.pdf"}), "FILE_PART_SIZE_CHANGED"); err != nil {
			return err
		}
		// A wrong checksum.
		data := part(4096)
		if err := save(13, 0, data); err != nil {
			return err
		}
		if err := wantRPC(t, send(&tg.InputFile{ID: 13, Parts: 1, Name: "a.pdf", MD5Checksum: strings.Repeat("0", 32)}), "MD5_CHECKSUM_INVALID"); err != nil {
			return err
		}
		// More than 10 MB with saveFilePart: Telegram wants saveBigFilePart.
		chunk := part(512 * 1024)
		for n := range 21 {
			if err := save(14, n, chunk); err != nil {
				return err
			}
		}
		if err := wantRPC(t, send(&tg.InputFile{ID: 14, Parts: 21, Name: "a.pdf"}), "FILE_PARTS_INVALID"); err != nil {
			return err
		}
		// saveBigFilePart parts named with another total than uploaded.
		for n := range 2 {
			if err := saveBig(15, n, 2, part(1024)); err != nil {
				return err
			}
		}
		if err := wantRPC(t, send(&tg.InputFileBig{ID: 15, Parts: 3, Name: "a.pdf"}), "FILE_PARTS_INVALID"); err != nil {
			return err
		}
		// A whole small file with the right checksum goes.
		sum := md5.Sum(data) // #nosec G401
		if err := save(16, 0, data); err != nil {
			return err
		}
		return send(&tg.InputFile{ID: 16, Parts: 1, Name: "a.pdf", MD5Checksum: hex.EncodeToString(sum[:])})
	})
	if msgs := s.Messages(); len(msgs) != 1 || msgs[0].Media.SHA256 != sha256Hex(randomBytes(4096, 4096)) {
		t.Fatalf("delivered %+v", msgs)
	}
}

// TestSendMediaEachKind sends a photo, a document, a voice note and a video
// with captions and entities; the record names each file by sha256, Bob's
// history shows each with its attributes, and the photo has a thumbnail
// and full sizes that are real JPEGs of the right dimensions.
func TestSendMediaEachKind(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann, bob := loggedIn(t, s, annPhone), loggedIn(t, s, bobPhone)
	photo := pngImage(t, 1000, 600)
	pdf := append([]byte("%PDF-1.4\n"), randomBytes(5000, 5)...)
	voice := append([]byte("OggS\x00\x02"), randomBytes(3000, 6)...)
	video := append([]byte("\x00\x00\x00\x18ftypmp42"), randomBytes(90000, 7)...)
	kinds := []struct {
		typ   string
		data  []byte
		media func(tg.InputFileClass) tg.InputMediaClass
	}{
		{"photo", photo, func(f tg.InputFileClass) tg.InputMediaClass { return &tg.InputMediaUploadedPhoto{File: f} }},
		{"document", pdf, func(f tg.InputFileClass) tg.InputMediaClass {
			return &tg.InputMediaUploadedDocument{File: f, MimeType: "application/pdf", Attributes: []tg.DocumentAttributeClass{&tg.DocumentAttributeFilename{FileName: "offer.pdf"}}}
		}},
		{"voice", voice, func(f tg.InputFileClass) tg.InputMediaClass {
			return &tg.InputMediaUploadedDocument{File: f, MimeType: "audio/ogg", Attributes: []tg.DocumentAttributeClass{&tg.DocumentAttributeAudio{Voice: true, Duration: 3}}}
		}},
		{"video", video, func(f tg.InputFileClass) tg.InputMediaClass {
			return &tg.InputMediaUploadedDocument{File: f, MimeType: "video/mp4", Attributes: []tg.DocumentAttributeClass{
				&tg.DocumentAttributeVideo{Duration: 4, W: 640, H: 360, SupportsStreaming: true}, &tg.DocumentAttributeFilename{FileName: "clip.mp4"}}}
		}},
	}
	// "👋 Hi Zoë": the wave is two UTF-16 units, so "Zoë" starts at 6.
	caption := "👋 Hi Zoë"
	run(t, ann, func(ctx context.Context) error {
		up := uploader.NewUploader(ann.API())
		for i, k := range kinds {
			f, err := up.FromBytes(ctx, k.typ+".bin", k.data)
			if err != nil {
				return err
			}
			if _, err := ann.API().MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{
				Peer: userInput(s, 1002), RandomID: int64(200 + i), Message: caption, Media: k.media(f),
				Entities: []tg.MessageEntityClass{&tg.MessageEntityBold{Offset: 6, Length: 3}},
			}); err != nil {
				return fmt.Errorf("%s: %w", k.typ, err)
			}
		}
		return nil
	})
	msgs := s.Messages()
	if len(msgs) != len(kinds) {
		t.Fatalf("delivered %d messages", len(msgs))
	}
	for i, k := range kinds {
		m := msgs[i]
		if m.Media == nil || m.Media.Type != k.typ || m.Media.SHA256 != sha256Hex(k.data) || m.Media.Size != int64(len(k.data)) ||
			m.Text != caption || len(m.Entities) != 1 || m.Entities[0] != (Entity{Type: "bold", Offset: 6, Length: 3}) || m.To != 1002 {
			t.Fatalf("%s recorded as %+v %+v", k.typ, m, m.Media)
		}
	}
	if msgs[1].Media.FileName != "offer.pdf" || msgs[3].Media.FileName != "clip.mp4" || msgs[2].Media.MimeType != "audio/ogg" {
		t.Fatalf("names and types %+v %+v %+v", msgs[1].Media, msgs[2].Media, msgs[3].Media)
	}
	run(t, bob, func(ctx context.Context) error {
		h, err := bob.API().MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: userInput(s, 1001), Limit: 10})
		if err != nil {
			return err
		}
		got := h.(*tg.MessagesMessages).Messages
		if len(got) != 4 {
			return fmt.Errorf("Bob has %d messages", len(got))
		}
		// Newest first: video, voice, document, photo.
		vm, _ := got[0].(*tg.Message)
		vd, err := messageDocument(vm)
		if err != nil {
			return err
		}
		if v, ok := vd.Attributes[0].(*tg.DocumentAttributeVideo); !ok || v.W != 640 || !v.SupportsStreaming || vm.Message != caption {
			return fmt.Errorf("video %+v", vd.Attributes)
		}
		voiceDoc, err := messageDocument(got[1].(*tg.Message))
		if err != nil {
			return err
		}
		if a, ok := voiceDoc.Attributes[0].(*tg.DocumentAttributeAudio); !ok || !a.Voice || voiceDoc.MimeType != "audio/ogg" {
			return fmt.Errorf("voice %+v", voiceDoc)
		}
		b, err := download(ctx, bob.API(), docLocation(voiceDoc))
		if err != nil || !bytes.Equal(b, voice) {
			return fmt.Errorf("voice note downloaded %d bytes: %v", len(b), err)
		}
		pm := got[3].(*tg.Message)
		p := pm.Media.(*tg.MessageMediaPhoto).Photo.(*tg.Photo)
		want := map[string][2]int{"m": {320, 192}, "x": {800, 480}, "y": {1000, 600}}
		if len(p.Sizes) != len(want) {
			return fmt.Errorf("photo sizes %+v", p.Sizes)
		}
		for _, z := range p.Sizes {
			ps := z.(*tg.PhotoSize)
			wh, ok := want[ps.Type]
			if !ok || ps.W != wh[0] || ps.H != wh[1] {
				return fmt.Errorf("photo size %+v", ps)
			}
			data, err := download(ctx, bob.API(), photoLocation(p, ps.Type))
			if err != nil {
				return err
			}
			img, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil || len(data) != ps.Size || img.Bounds().Dx() != wh[0] || img.Bounds().Dy() != wh[1] {
				return fmt.Errorf("size %s: %d bytes (announced %d), %v, %v", ps.Type, len(data), ps.Size, img.Bounds(), err)
			}
		}
		return nil
	})
}

// TestSendMediaPushesToTheRecipient: a live connection of the recipient
// gets the photo as an updateNewMessage, caption and all.
func TestSendMediaPushesToTheRecipient(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	got := make(chan *tg.Message, 4)
	h := telegram.UpdateHandlerFunc(func(_ context.Context, u tg.UpdatesClass) error {
		if v, ok := u.(*tg.Updates); ok {
			for _, x := range v.Updates {
				if n, ok := x.(*tg.UpdateNewMessage); ok {
					got <- n.Message.(*tg.Message)
				}
			}
		}
		return nil
	})
	bob := loggedInWith(t, s, bobPhone, h)
	ann := loggedIn(t, s, annPhone)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- bob.Run(ctx, func(ctx context.Context) error {
			if _, err := bob.API().UpdatesGetState(ctx); err != nil {
				return err
			}
			close(ready)
			<-ctx.Done()
			return nil
		})
	}()
	<-ready
	run(t, ann, func(ctx context.Context) error {
		f, err := uploader.NewUploader(ann.API()).FromBytes(ctx, "p.png", pngImage(t, 64, 48))
		if err != nil {
			return err
		}
		_, err = ann.API().MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{
			Peer: userInput(s, 1002), RandomID: 5, Message: "look", Media: &tg.InputMediaUploadedPhoto{File: f},
		})
		return err
	})
	select {
	case m := <-got:
		p, ok := m.Media.(*tg.MessageMediaPhoto)
		if !ok || m.Message != "look" || len(p.Photo.(*tg.Photo).Sizes) != 2 {
			t.Fatalf("Bob got %+v", m)
		}
	case <-ctx.Done():
		t.Fatal("Bob got no update")
	}
	cancel()
	<-done
}

// TestSendMediaDeduplicatesAndReusesWithoutUpload sends a document once by
// upload, repeats the send with its random_id (nothing new), then sends the
// same document to another person by reference: delivered, same sha256, not
// one byte more uploaded.
func TestSendMediaDeduplicatesAndReusesWithoutUpload(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann := loggedIn(t, s, annPhone)
	data := randomBytes(300*1024, 9)
	var before int64
	run(t, ann, func(ctx context.Context) error {
		f, err := uploader.NewUploader(ann.API()).FromBytes(ctx, "a.zip", data)
		if err != nil {
			return err
		}
		media, err := ann.API().MessagesUploadMedia(ctx, &tg.MessagesUploadMediaRequest{
			Peer:  userInput(s, 1002),
			Media: &tg.InputMediaUploadedDocument{File: f, MimeType: "application/zip"},
		})
		if err != nil {
			return err
		}
		d := media.(*tg.MessageMediaDocument).Document.(*tg.Document)
		before = s.UploadedBytes()[1001]
		byRef := &tg.InputMediaDocument{ID: &tg.InputDocument{ID: d.ID, AccessHash: d.AccessHash, FileReference: d.FileReference}}
		first, err := ann.API().MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: userInput(s, 1002), RandomID: 31, Media: byRef, Message: "one"})
		if err != nil {
			return err
		}
		again, err := ann.API().MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: userInput(s, 1002), RandomID: 31, Media: byRef, Message: "one"})
		if err != nil {
			return err
		}
		m1, _ := sentMessage(first)
		u := again.(*tg.Updates)
		if id := u.Updates[0].(*tg.UpdateMessageID); id.ID != m1.ID || u.Updates[1].(*tg.UpdateNewMessage).PtsCount != 0 {
			return fmt.Errorf("repeat answered %+v", u.Updates)
		}
		_, err = ann.API().MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: userInput(s, 1004), RandomID: 32, Media: byRef, Message: "two"})
		return err
	})
	msgs := s.Messages()
	var sent []Message
	for _, m := range msgs {
		if !m.Reply {
			sent = append(sent, m)
		}
	}
	if len(sent) != 2 || sent[0].To != 1002 || sent[1].To != 1004 || sent[0].Media.SHA256 != sha256Hex(data) || sent[1].Media.SHA256 != sha256Hex(data) {
		t.Fatalf("delivered %+v", msgs)
	}
	if after := s.UploadedBytes()[1001]; after != before || after != int64(len(data)) {
		t.Fatalf("uploaded %d bytes after reuse, %d before, file is %d", after, before, len(data))
	}
	if n := s.Counts()["messages.uploadMedia"]; n != 1 {
		t.Fatalf("messages.uploadMedia called %d times", n)
	}
}

// TestFileReferenceExpires: with expiry on, a reference older than the
// limit is refused with FILE_REFERENCE_EXPIRED for sending and
// downloading; re-fetching the message gives a fresh one, and the send goes
// with the same random_id, once.
func TestFileReferenceExpires(t *testing.T) {
	clock := &testkit.Clock{}
	s := startSandbox(t, testWorld(t), Options{Clock: clock.Now, Control: "127.0.0.1:0"})
	var state map[string]any
	if code := getJSON(t, "POST", s.ControlURL()+"/file-references", `{"expire_after": "1h"}`, &state); code != 200 || state["expire_after"] != "1h0m0s" {
		t.Fatalf("POST /file-references: %d %v", code, state)
	}
	if code := getJSON(t, "POST", s.ControlURL()+"/file-references", `{"expire_after": "soon"}`, &state); code != 400 {
		t.Fatalf("bad duration answered %d", code)
	}
	if s.FileReferenceTTL() != time.Hour {
		t.Fatalf("TTL %v after a refused change", s.FileReferenceTTL())
	}
	ann := loggedIn(t, s, annPhone)
	data := randomBytes(20000, 11)
	run(t, ann, func(ctx context.Context) error {
		api := ann.API()
		f, err := uploader.NewUploader(api).FromBytes(ctx, "x.bin", data)
		if err != nil {
			return err
		}
		res, err := api.MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{
			Peer: userInput(s, 1002), RandomID: 41, Media: &tg.InputMediaUploadedDocument{File: f, MimeType: "application/octet-stream"},
		})
		if err != nil {
			return err
		}
		m, _ := sentMessage(res)
		old, _ := messageDocument(m)
		stale := &tg.InputMediaDocument{ID: &tg.InputDocument{ID: old.ID, AccessHash: old.AccessHash, FileReference: old.FileReference}}
		clock.Advance(59 * time.Minute)
		if _, err := download(ctx, api, docLocation(old)); err != nil {
			return fmt.Errorf("a reference within its hour: %w", err)
		}
		clock.Advance(2 * time.Minute)
		_, err = api.MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: userInput(s, 1002), RandomID: 42, Media: stale})
		if err := wantRPC(t, err, "FILE_REFERENCE_EXPIRED"); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		if _, err := download(ctx, api, docLocation(old)); wantRPC(t, err, "FILE_REFERENCE_EXPIRED") != nil {
			return fmt.Errorf("download with an old reference: %v", err)
		}
		forged := append([]byte(nil), old.FileReference...)
		forged[0] ^= 1
		if _, err := download(ctx, api, &tg.InputDocumentFileLocation{ID: old.ID, AccessHash: old.AccessHash, FileReference: forged}); wantRPC(t, err, "FILE_REFERENCE_INVALID") != nil {
			return fmt.Errorf("download with a forged reference: %v", err)
		}
		// The message fetched again carries a fresh reference.
		got, err := api.MessagesGetMessages(ctx, []tg.InputMessageClass{&tg.InputMessageID{ID: m.ID}})
		if err != nil {
			return err
		}
		fresh, err := messageDocument(got.(*tg.MessagesMessages).Messages[0].(*tg.Message))
		if err != nil {
			return err
		}
		if bytes.Equal(fresh.FileReference, old.FileReference) {
			return fmt.Errorf("the reference was not renewed")
		}
		again := &tg.InputMediaDocument{ID: &tg.InputDocument{ID: fresh.ID, AccessHash: fresh.AccessHash, FileReference: fresh.FileReference}}
		if _, err := api.MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: userInput(s, 1002), RandomID: 42, Media: again}); err != nil {
			return err
		}
		b, err := download(ctx, api, docLocation(fresh))
		if err != nil || !bytes.Equal(b, data) {
			return fmt.Errorf("download with the fresh reference: %d bytes, %v", len(b), err)
		}
		return nil
	})
	if msgs := s.Messages(); len(msgs) != 2 || msgs[1].RandomID != 42 {
		t.Fatalf("delivered %+v", msgs)
	}
	// Switched off, old references work again.
	getJSON(t, "POST", s.ControlURL()+"/file-references", `{"expire_after": ""}`, &state)
	if s.FileReferenceTTL() != 0 || state["expiring"] != false {
		t.Fatalf("expiry still on: %v", state)
	}
}

// TestSendMediaRefusals: the caption limit, the recipient's privacy, bytes
// that are no picture sent as a photo, a picture too thin for a photo,
// media the sandbox does not know; nothing is delivered.
func TestSendMediaRefusals(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann := loggedIn(t, s, annPhone)
	run(t, ann, func(ctx context.Context) error {
		up := uploader.NewUploader(ann.API())
		photo := func(data []byte) tg.InputMediaClass {
			f, err := up.FromBytes(ctx, "p.jpg", data)
			if err != nil {
				t.Error(err)
			}
			return &tg.InputMediaUploadedPhoto{File: f}
		}
		sendTo := func(peer int64, caption string, m tg.InputMediaClass) error {
			_, err := ann.API().MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: userInput(s, peer), RandomID: randInt64(), Message: caption, Media: m})
			return err
		}
		small := pngImage(t, 40, 30)
		for _, tc := range []struct {
			name string
			err  error
			want string
		}{
			{"1025-character caption", sendTo(1002, strings.Repeat("a", 1025), photo(small)), "MEDIA_CAPTION_TOO_LONG"},
			{"513 emoji caption", sendTo(1002, strings.Repeat("😀", 513), photo(small)), "MEDIA_CAPTION_TOO_LONG"},
			{"privacy", sendTo(1003, "hi", photo(small)), "USER_PRIVACY_RESTRICTED"},
			{"an .exe as a photo", sendTo(1002, "", photo(append([]byte("MZ\x90\x00"), randomBytes(4000, 3)...))), "IMAGE_PROCESS_FAILED"},
			{"a 2000×50 picture", sendTo(1002, "", photo(pngImage(t, 2000, 50))), "PHOTO_INVALID_DIMENSIONS"},
			{"an unknown photo", sendTo(1002, "", &tg.InputMediaPhoto{ID: &tg.InputPhoto{ID: 5, AccessHash: 6, FileReference: []byte{1}}}), "MEDIA_INVALID"},
			{"a geo point", sendTo(1002, "", &tg.InputMediaGeoPoint{GeoPoint: &tg.InputGeoPoint{Lat: 1, Long: 2}}), "MEDIA_INVALID"},
		} {
			if err := wantRPC(t, tc.err, tc.want); err != nil {
				return fmt.Errorf("%s: %w", tc.name, err)
			}
		}
		// 1,024 characters are fine.
		return sendTo(1002, strings.Repeat("a", 1024), photo(small))
	})
	if n := len(s.Messages()); n != 1 {
		t.Fatalf("%d messages delivered, want only the last", n)
	}
}

// TestGetFileLimits: upload.getFile takes Telegram's offsets and limits and
// refuses the rest.
func TestGetFileLimits(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann := loggedIn(t, s, annPhone)
	data := randomBytes(3<<20, 13)
	run(t, ann, func(ctx context.Context) error {
		api := ann.API()
		f, err := uploader.NewUploader(api).FromBytes(ctx, "x.bin", data)
		if err != nil {
			return err
		}
		media, err := api.MessagesUploadMedia(ctx, &tg.MessagesUploadMediaRequest{Peer: &tg.InputPeerSelf{}, Media: &tg.InputMediaUploadedDocument{File: f, MimeType: "application/octet-stream"}})
		if err != nil {
			return err
		}
		d := media.(*tg.MessageMediaDocument).Document.(*tg.Document)
		get := func(off int64, limit int, precise bool) ([]byte, error) {
			req := &tg.UploadGetFileRequest{Location: docLocation(d), Offset: off, Limit: limit}
			req.SetPrecise(precise)
			r, err := api.UploadGetFile(ctx, req)
			if err != nil {
				return nil, err
			}
			return r.(*tg.UploadFile).Bytes, nil
		}
		for _, tc := range []struct {
			off     int64
			limit   int
			precise bool
			want    string
		}{
			{0, 1000, false, "LIMIT_INVALID"},
			{0, 12 * 1024, false, "LIMIT_INVALID"}, // does not divide 1 MB
			{0, 2 << 20, false, "LIMIT_INVALID"},
			{0, 0, false, "LIMIT_INVALID"},
			{100, 4096, false, "OFFSET_INVALID"},
			{1<<20 - 1024, 2048, true, "OFFSET_INVALID"}, // crosses 1 MB
		} {
			if _, err := get(tc.off, tc.limit, tc.precise); wantRPC(t, err, tc.want) != nil {
				return fmt.Errorf("offset %d limit %d: %v, want %s", tc.off, tc.limit, err, tc.want)
			}
		}
		b, err := get(1<<20, 1<<20, false)
		if err != nil || !bytes.Equal(b, data[1<<20:2<<20]) {
			return fmt.Errorf("second megabyte: %d bytes, %v", len(b), err)
		}
		b, err = get(3<<20-3072, 3072, true)
		if err != nil || !bytes.Equal(b, data[3<<20-3072:]) {
			return fmt.Errorf("precise tail: %d bytes, %v", len(b), err)
		}
		if b, err = get(4<<20, 4096, false); err != nil || len(b) != 0 {
			return fmt.Errorf("past the end: %d bytes, %v", len(b), err)
		}
		_, err = api.UploadGetFile(ctx, &tg.UploadGetFileRequest{Location: &tg.InputDocumentFileLocation{ID: d.ID, AccessHash: d.AccessHash + 1, FileReference: d.FileReference}, Limit: 4096})
		if err := wantRPC(t, err, "LOCATION_INVALID"); err != nil {
			return err
		}
		// Many parts at once, as the downloader's parallel mode asks.
		var out writerAt
		if _, err := downloader.NewDownloader().WithPartSize(128*1024).Download(api, docLocation(d)).WithThreads(4).Parallel(ctx, &out); err != nil {
			return err
		}
		if !bytes.Equal(out.b, data) {
			return fmt.Errorf("parallel download: %d bytes differ", len(out.b))
		}
		return nil
	})
}

// wantPartMissing checks for FILE_PART_<n>_MISSING, which gotd reads as
// FILE_PART_MISSING with the number as its argument.
func wantPartMissing(err error, n int) error {
	var te *tgerr.Error
	if !errors.As(err, &te) || te.Type != "FILE_PART_MISSING" || te.Argument != n {
		return fmt.Errorf("got %v, want FILE_PART_%d_MISSING", err, n)
	}
	return nil
}

type writerAt struct{ b []byte }

func (w *writerAt) WriteAt(p []byte, off int64) (int, error) {
	if end := int(off) + len(p); end > len(w.b) {
		w.b = append(w.b, make([]byte, end-len(w.b))...)
	}
	copy(w.b[off:], p)
	return len(p), nil
}

// TestControlWriteWithBytes writes an incoming photo and voice note with
// their bytes through POST /messages/write; the record shows each file's
// sha256, and the account downloads them through upload.getFile.
func TestControlWriteWithBytes(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{Control: "127.0.0.1:0"})
	photo := pngImage(t, 300, 200)
	voice := append([]byte("OggS"), randomBytes(7000, 17)...)
	post := func(body any) (int, map[string]any) {
		raw, _ := json.Marshal(body)
		var out map[string]any
		code := getJSON(t, "POST", s.ControlURL()+"/messages/write", string(raw), &out)
		return code, out
	}
	code, out := post(map[string]any{"from": 1004, "to": 1001, "text": "my photo", "media": map[string]any{"type": "photo", "data": base64.StdEncoding.EncodeToString(photo), "file_name": "me.png"}})
	if code != 201 || out["media"].(map[string]any)["sha256"] != sha256Hex(photo) {
		t.Fatalf("write photo: %d %v", code, out)
	}
	if code, _ := post(map[string]any{"from": 1004, "to": 1001, "media": map[string]any{"type": "voice", "data": base64.StdEncoding.EncodeToString(voice), "mime_type": "audio/ogg"}}); code != 201 {
		t.Fatalf("write voice: %d", code)
	}
	// Bytes that are no picture, sent as a photo, are refused with a reason.
	code, out = post(map[string]any{"from": 1004, "to": 1001, "media": map[string]any{"type": "photo", "data": base64.StdEncoding.EncodeToString([]byte("MZ not a picture"))}})
	if code != 400 || !strings.Contains(fmt.Sprint(out), "send it as a document") {
		t.Fatalf("non-picture photo: %d %v", code, out)
	}
	var rec []struct {
		Message controlMessage `json:"message"`
	}
	getJSON(t, "GET", s.ControlURL()+"/messages?to=1001", "", &rec)
	if len(rec) != 2 {
		t.Fatalf("record %+v", rec)
	}
	if m := rec[0].Message; m.Text != "my photo" || m.Media.Type != "photo" || m.Media.SHA256 != sha256Hex(photo) || m.Media.FileName != "me.png" || m.Media.Size != int64(len(photo)) {
		t.Fatalf("photo record %+v %+v", m, m.Media)
	}
	if m := rec[1].Message; m.Media.Type != "voice" || m.Media.SHA256 != sha256Hex(voice) {
		t.Fatalf("voice record %+v", m.Media)
	}
	ann := loggedIn(t, s, annPhone)
	run(t, ann, func(ctx context.Context) error {
		h, err := ann.API().MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: userInput(s, 1004), Limit: 10})
		if err != nil {
			return err
		}
		msgs := h.(*tg.MessagesMessages).Messages
		vd, err := messageDocument(msgs[0].(*tg.Message))
		if err != nil {
			return err
		}
		if a, ok := vd.Attributes[0].(*tg.DocumentAttributeAudio); !ok || !a.Voice {
			return fmt.Errorf("voice attributes %+v", vd.Attributes)
		}
		b, err := download(ctx, ann.API(), docLocation(vd))
		if err != nil || !bytes.Equal(b, voice) {
			return fmt.Errorf("voice: %d bytes, %v", len(b), err)
		}
		p := msgs[1].(*tg.Message).Media.(*tg.MessageMediaPhoto).Photo.(*tg.Photo)
		b, err = download(ctx, ann.API(), photoLocation(p, "x"))
		if err != nil {
			return err
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() != 300 || img.Bounds().Dy() != 200 {
			return fmt.Errorf("photo x: %v %v", img, err)
		}
		return nil
	})
}

// TestMediaSurvivesRestart: with a state file, a document sent before a
// restart is still in the history after it and downloads byte for byte.
func TestMediaSurvivesRestart(t *testing.T) {
	state := tempState(t)
	w := testWorld(t)
	data := randomBytes(600*1024, 19)
	s := startSandbox(t, w, Options{StateFile: state})
	ann := loggedIn(t, s, annPhone)
	run(t, ann, func(ctx context.Context) error {
		f, err := uploader.NewUploader(ann.API()).FromBytes(ctx, "keep.bin", data)
		if err != nil {
			return err
		}
		_, err = ann.API().MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: userInput(s, 1002), RandomID: 51,
			Media: &tg.InputMediaUploadedDocument{File: f, MimeType: "application/octet-stream"}})
		return err
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := startSandbox(t, testWorld(t), Options{StateFile: state})
	bob := loggedIn(t, s2, bobPhone)
	run(t, bob, func(ctx context.Context) error {
		h, err := bob.API().MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: userInput(s2, 1001), Limit: 10})
		if err != nil {
			return err
		}
		d, err := messageDocument(h.(*tg.MessagesMessages).Messages[0].(*tg.Message))
		if err != nil {
			return err
		}
		b, err := download(ctx, bob.API(), docLocation(d))
		if err != nil || !bytes.Equal(b, data) {
			return fmt.Errorf("after restart: %d bytes, %v", len(b), err)
		}
		return nil
	})
	if m := s2.Messages(); len(m) != 1 || m[0].Media.SHA256 != sha256Hex(data) {
		t.Fatalf("record after restart %+v", m)
	}
}

// TestSendMediaPeerFlood: media sends count against the daily limit on
// strangers with text sends, and the refusal is recorded as a hit on
// messages.sendMedia.
func TestSendMediaPeerFlood(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	ann := loggedIn(t, s, annPhone)
	var strangers []int64
	for _, id := range s.chats[5001].members {
		p := s.people[id]
		if p.generated && !p.Deleted && p.PrivacyStrangers == "allow" && len(strangers) < 4 {
			strangers = append(strangers, id)
		}
	}
	run(t, ann, func(ctx context.Context) error {
		m, err := ann.API().MessagesUploadMedia(ctx, &tg.MessagesUploadMediaRequest{Peer: &tg.InputPeerSelf{},
			Media: &tg.InputMediaUploadedPhoto{File: mustUpload(ctx, t, ann.API(), pngImage(t, 50, 50))}})
		if err != nil {
			return err
		}
		p := m.(*tg.MessageMediaPhoto).Photo.(*tg.Photo)
		photo := &tg.InputMediaPhoto{ID: &tg.InputPhoto{ID: p.ID, AccessHash: p.AccessHash, FileReference: p.FileReference}}
		// The limit is 3 strangers a day: one by text, two by photo.
		if _, err := send(ctx, ann.API(), userInput(s, strangers[0]), "hi", randInt64()); err != nil {
			return err
		}
		for i, id := range strangers[1:] {
			_, err := ann.API().MessagesSendMedia(ctx, &tg.MessagesSendMediaRequest{Peer: userInput(s, id), RandomID: randInt64(), Media: photo})
			if i < 2 && err != nil {
				return err
			}
			if i == 2 {
				return wantRPC(t, err, "PEER_FLOOD")
			}
		}
		return nil
	})
	hits := s.FaultHits()
	if len(hits) != 1 || hits[0].Method != "messages.sendMedia" || hits[0].Error != "PEER_FLOOD" {
		t.Fatalf("hits %+v", hits)
	}
}

func mustUpload(ctx context.Context, t *testing.T, api *tg.Client, data []byte) tg.InputFileClass {
	f, err := uploader.NewUploader(api).FromBytes(ctx, "f", data)
	if err != nil {
		t.Error(err)
	}
	return f
}

// TestGetFileOnAnotherDC: a file is kept on the data center of whoever
// sent it (Bob's DC 2, written to Ann on DC 1). upload.getFile on Ann's
// own DC answers FILE_MIGRATE_2 (code 303), as Telegram does; a
// connection to DC 2 authorised by auth.exportAuthorization and
// importAuthorization (gotd's own, following the migration) serves the
// exact bytes.
func TestGetFileOnAnotherDC(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	data := randomBytes(300*1024, 23)
	rec, err := s.Write(1002, 1001, "", &Media{Type: "document", Data: data, FileName: "far.bin", MimeType: "application/octet-stream"})
	if err != nil {
		t.Fatal(err)
	}
	ann := loggedIn(t, s, annPhone)
	run(t, ann, func(ctx context.Context) error {
		h, err := ann.API().MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: userInput(s, 1002), Limit: 10})
		if err != nil {
			return err
		}
		d, err := messageDocument(h.(*tg.MessagesMessages).Messages[0].(*tg.Message))
		if err != nil {
			return err
		}
		if d.DCID != 2 {
			return fmt.Errorf("document on DC %d, want the writer's 2", d.DCID)
		}
		// A pool on the account's own DC makes the call as sent: gotd's
		// client would follow the migration by itself.
		home, err := ann.Pool(1)
		if err != nil {
			return err
		}
		defer home.Close()
		_, err = tg.NewClient(home).UploadGetFile(ctx, &tg.UploadGetFileRequest{Location: docLocation(d), Limit: 1 << 20})
		var te *tgerr.Error
		if !errors.As(err, &te) || te.Code != 303 || te.Type != "FILE_MIGRATE" || te.Argument != 2 {
			return fmt.Errorf("getFile on DC 1: %v, want 303 FILE_MIGRATE_2", err)
		}
		far, err := ann.DC(ctx, 2, 1)
		if err != nil {
			return err
		}
		defer far.Close()
		b, err := download(ctx, tg.NewClient(far), docLocation(d))
		if err != nil || sha256Hex(b) != rec.Media.SHA256 {
			return fmt.Errorf("from DC 2: %d bytes (sha256 %s, want %s), %v", len(b), sha256Hex(b), rec.Media.SHA256, err)
		}
		return nil
	})
	// The DC 2 connection served Ann: it was authorised by the import.
	var far []Connection
	for _, c := range s.ConnectionLog() {
		if c.DC == 2 && c.UserID == 1001 {
			far = append(far, c)
		}
	}
	if len(far) == 0 {
		t.Errorf("no connection of Ann's on DC 2 in the record: %+v", s.ConnectionLog())
	}
}
