package media

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/store"
)

// streamStore serves one file of size bytes made as it is read, so a test
// can tell the sender's memory from the file's.
type streamStore struct {
	Store
	file     store.MediaFile
	uploads  map[int64]store.MediaUpload
	progress map[int64]store.MediaUploadProgress
}

func (s *streamStore) OpenMediaFile(_ context.Context, _, id int64) (store.MediaFile, io.Reader, error) {
	if id != s.file.ID {
		return store.MediaFile{}, nil, store.ErrNotFound
	}
	return s.file, io.LimitReader(rand.NewChaCha8([32]byte{7}), s.file.Size), nil
}

func (s *streamStore) MediaUpload(_ context.Context, accountID, fileID int64) (store.MediaUpload, error) {
	u, ok := s.uploads[accountID]
	if !ok || u.FileID != fileID {
		return store.MediaUpload{}, store.ErrNotFound
	}
	return u, nil
}

func (s *streamStore) SaveMediaUpload(_ context.Context, u store.MediaUpload) error {
	s.uploads[u.AccountID] = u
	delete(s.progress, u.AccountID)
	return nil
}

func (s *streamStore) SaveMediaUploadProgress(_ context.Context, p store.MediaUploadProgress) error {
	if s.progress == nil {
		s.progress = map[int64]store.MediaUploadProgress{}
	}
	s.progress[p.AccountID] = p
	return nil
}

func (s *streamStore) MediaUploadProgress(_ context.Context, accountID, fileID int64) (store.MediaUploadProgress, error) {
	p, ok := s.progress[accountID]
	if !ok || p.FileID != fileID {
		return store.MediaUploadProgress{}, store.ErrNotFound
	}
	return p, nil
}

func (s *streamStore) DeleteMediaUploadProgress(_ context.Context, accountID, _ int64) error {
	delete(s.progress, accountID)
	return nil
}

// fakeTelegram takes parts and sends, noting the bytes and the heap in use
// at each part.
type fakeTelegram struct {
	parts, bigParts int
	bytes           int64
	peakHeap        uint64
	sends           []tg.InputMediaClass
}

func (f *fakeTelegram) Invoke(_ context.Context, input bin.Encoder, output bin.Decoder) error {
	switch req := input.(type) {
	case *tg.UploadSaveFilePartRequest:
		f.parts++
		f.bytes += int64(len(req.Bytes))
		f.sample()
		output.(*tg.BoolBox).Bool = &tg.BoolTrue{}
	case *tg.UploadSaveBigFilePartRequest:
		f.bigParts++
		f.bytes += int64(len(req.Bytes))
		f.sample()
		output.(*tg.BoolBox).Bool = &tg.BoolTrue{}
	case *tg.MessagesSendMediaRequest:
		f.sends = append(f.sends, req.Media)
		id := len(f.sends)
		output.(*tg.UpdatesBox).Updates = &tg.Updates{Updates: []tg.UpdateClass{
			&tg.UpdateMessageID{ID: id, RandomID: req.RandomID},
			&tg.UpdateNewMessage{Message: &tg.Message{ID: id, Message: req.Message,
				Media: &tg.MessageMediaDocument{Document: &tg.Document{ID: 500, AccessHash: 600, FileReference: []byte("ref")}}}},
		}}
	default:
		return fmt.Errorf("unexpected %T", input)
	}
	return nil
}

func (f *fakeTelegram) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	f.peakHeap = max(f.peakHeap, m.HeapInuse)
}

// TestSendStreamsABigFileOncePerAccount sends a 20 MB video twice from one
// account: the first send uploads it in saveBigFilePart parts read as they
// go (the heap in use grows by far less than the file), the second sends
// the remembered document without an upload.
func TestSendStreamsABigFileOncePerAccount(t *testing.T) {
	const size = 20 << 20
	st := &streamStore{file: store.MediaFile{ID: 3, UserID: 1, Size: size, MIMEType: "video/mp4", Type: store.MediaVideo, FileName: "talk.mp4"},
		uploads: map[int64]store.MediaUpload{}}
	s, err := New(Options{Store: st, Now: func() time.Time { return time.Unix(1e9, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeTelegram{}
	api := tg.NewClient(fake)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i, rnd := range []int64{11, 12} {
		_, stats, err := s.Send(context.Background(), api, SendRequest{WorkspaceID: 1, AccountID: 9, FileID: 3,
			Peer: &tg.InputPeerUser{UserID: 5, AccessHash: 6}, Caption: "Hi", RandomID: rnd})
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(size) * int64(1-i); stats.Uploaded != want {
			t.Errorf("send %d uploaded %d bytes, want %d", i+1, stats.Uploaded, want)
		}
	}
	wantParts := (size + PartSize - 1) / PartSize
	if fake.bytes != size || fake.bigParts != wantParts || fake.parts != 0 {
		t.Errorf("%d bytes in %d big and %d small parts, want %d bytes in %d big parts", fake.bytes, fake.bigParts, fake.parts, size, wantParts)
	}
	if len(fake.sends) != 2 {
		t.Fatalf("%d sends", len(fake.sends))
	}
	first, ok := fake.sends[0].(*tg.InputMediaUploadedDocument)
	if !ok || first.MimeType != "video/mp4" || len(first.Attributes) != 2 {
		t.Errorf("first send %#v", fake.sends[0])
	} else if big, ok := first.File.(*tg.InputFileBig); !ok || big.Parts != wantParts || big.Name != "talk.mp4" {
		t.Errorf("first send's file %#v", first.File)
	}
	if again, ok := fake.sends[1].(*tg.InputMediaDocument); !ok || again.ID.(*tg.InputDocument).ID != 500 {
		t.Errorf("second send %#v, want the remembered document", fake.sends[1])
	}
	growth := int64(fake.peakHeap) - int64(before.HeapInuse)
	t.Logf("heap in use grew by at most %.1f MB uploading a %d MB file", float64(growth)/(1<<20), size>>20)
	if growth > size/2 {
		t.Errorf("the heap in use grew by %d bytes uploading a %d-byte file: it is not streamed", growth, size)
	}
}
