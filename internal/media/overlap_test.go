package media

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/store"
)

// overlap notes the moments an upload's reads, part calls and progress
// records begin, so each can wait for the one it should run beside.
type overlap struct {
	mu      sync.Mutex
	changed chan struct{}
	reading int // the highest part whose read began
	calling int // the highest part whose call began
	missed  []string
}

func newOverlap() *overlap {
	return &overlap{changed: make(chan struct{}), reading: -1, calling: -1}
}

func (o *overlap) note(f func()) {
	o.mu.Lock()
	f()
	close(o.changed)
	o.changed = make(chan struct{})
	o.mu.Unlock()
}

// await waits until cond holds, and notes what when it does not within
// a while (the failure a serial upload shows, at every part).
func (o *overlap) await(what string, cond func() bool) {
	deadline := time.After(3 * time.Second)
	for {
		o.mu.Lock()
		ok, ch := cond(), o.changed
		o.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			o.mu.Lock()
			o.missed = append(o.missed, what)
			o.mu.Unlock()
			return
		}
	}
}

type overlapReader struct {
	r    io.Reader
	o    *overlap
	read int64
}

func (r *overlapReader) Read(p []byte) (int, error) {
	part := int(r.read / PartSize)
	r.o.note(func() { r.o.reading = max(r.o.reading, part) })
	n, err := r.r.Read(p)
	r.read += int64(n)
	return n, err
}

type overlapStore struct {
	*streamStore
	o *overlap
}

func (s overlapStore) OpenMediaFile(ctx context.Context, ws, id int64) (store.MediaFile, io.Reader, error) {
	f, rd, err := s.streamStore.OpenMediaFile(ctx, ws, id)
	return f, &overlapReader{r: rd, o: s.o}, err
}

// A progress record of done parts is written while part done is sent.
func (s overlapStore) SaveMediaUploadProgress(ctx context.Context, p store.MediaUploadProgress) error {
	if p.Parts < int((s.file.Size+PartSize-1)/PartSize) {
		s.o.await(fmt.Sprintf("the call of part %d during the record of %d parts", p.Parts, p.Parts), func() bool { return s.o.calling >= p.Parts })
	}
	return s.streamStore.SaveMediaUploadProgress(ctx, p)
}

// overlapTelegram takes each part once the next part's read has begun.
type overlapTelegram struct {
	fakeTelegram
	o     *overlap
	total int // parts in the file
}

func (f *overlapTelegram) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	if req, ok := input.(*tg.UploadSaveFilePartRequest); ok {
		f.o.note(func() { f.o.calling = max(f.o.calling, req.FilePart) })
		if next := req.FilePart + 1; next < f.total {
			f.o.await(fmt.Sprintf("the read of part %d during the call of part %d", next, req.FilePart), func() bool { return f.o.reading >= next })
		}
	}
	return f.fakeTelegram.Invoke(ctx, input, output)
}

// TestUploadReadsAheadAndRecordsBeside: while a part is on its way to
// Telegram, the next part is read from the store, and a progress record
// is written while the next part is on its way, so an account's first
// message does not wait for every read and record in turn on top of the
// upload's round trips.
func TestUploadReadsAheadAndRecordsBeside(t *testing.T) {
	size := int64(4*PartSize + 100) // five parts, progress recorded after four
	o := newOverlap()
	ss := &streamStore{file: store.MediaFile{ID: 3, UserID: 1, Size: size, MIMEType: "application/pdf", Type: store.MediaDocument, FileName: "a.pdf"},
		uploads: map[int64]store.MediaUpload{}}
	s, err := New(Options{Store: overlapStore{streamStore: ss, o: o}, Now: func() time.Time { return time.Unix(1e9, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	fake := &overlapTelegram{o: o, total: 5}
	req := SendRequest{WorkspaceID: 1, AccountID: 9, FileID: 3, Peer: &tg.InputPeerUser{UserID: 5, AccessHash: 6}, Caption: "Hi", RandomID: 11}
	if _, _, err := s.Send(context.Background(), tg.NewClient(fake), req); err != nil {
		t.Fatal(err)
	}
	if fake.parts != 5 || len(fake.sends) != 1 {
		t.Fatalf("%d parts and %d sends, want 5 and 1", fake.parts, len(fake.sends))
	}
	for _, m := range o.missed {
		t.Errorf("not side by side: %s", m)
	}
}
