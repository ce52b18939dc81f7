package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// randomBytes is n reproducible bytes that do not compress or repeat, read
// as a stream (never held whole).
func randomBytes(seed byte, n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{seed}), n)
}

func sum(t *testing.T, r io.Reader) ([]byte, int64) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatal(err)
	}
	return h.Sum(nil), n
}

// countRows counts a media table's rows (each subtest has a database of
// its own).
func countRows(t *testing.T, s store.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func newMedia(ws int64, name string) store.NewMediaFile {
	return store.NewMediaFile{UserID: ws, FileName: name, MIMEType: "video/mp4", Type: store.MediaVideo, Now: t0}
}

func TestMediaPutOpenDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice := mustUser(t, s, "alice@example.com")
		ws := ownWorkspace(t, s, alice.ID)
		other := ownWorkspace(t, s, mustUser(t, s, "bob@example.com").ID)

		const size = 3*store.MediaChunkSize + 12345 // past three chunks, the last one short
		want, _ := sum(t, randomBytes(1, size))
		f, existed, err := s.PutMediaFile(ctx, newMedia(ws, "clip.mp4"), randomBytes(1, size))
		if err != nil || existed {
			t.Fatalf("put: %+v existed=%v %v", f, existed, err)
		}
		if f.Size != size || !bytes.Equal(f.SHA256, want) || f.Type != store.MediaVideo || f.FileName != "clip.mp4" {
			t.Errorf("put gave %+v", f)
		}
		if n := countRows(t, s, "media_chunks"); n != 4 {
			t.Errorf("%d chunks, want 4 of at most %d bytes", n, store.MediaChunkSize)
		}
		got, err := s.MediaFile(ctx, ws, f.ID)
		if err != nil || got.Size != size || !bytes.Equal(got.SHA256, want) || got.MIMEType != "video/mp4" || !got.CreatedAt.Equal(t0.Truncate(time.Microsecond)) {
			t.Errorf("MediaFile: %+v %v", got, err)
		}

		// Read back whole, and one byte at a time (a reader's every
		// boundary falls inside or at the end of a chunk).
		_, r, err := s.OpenMediaFile(ctx, ws, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if h, n := sum(t, r); n != size || !bytes.Equal(h, want) {
			t.Errorf("read back %d bytes, sha256 %x; want %d, %x", n, h, size, want)
		}
		_, r, _ = s.OpenMediaFile(ctx, ws, f.ID)
		if h, n := sum(t, iotest.OneByteReader(r)); n != size || !bytes.Equal(h, want) {
			t.Errorf("read back byte by byte: %d bytes, sha256 %x", n, h)
		}
		_, r, _ = s.OpenMediaFile(ctx, ws, f.ID)
		head, _ := io.ReadAll(io.LimitReader(randomBytes(1, size), 2*store.MediaChunkSize+7))
		if err := iotest.TestReader(io.LimitReader(r, int64(len(head))), head); err != nil {
			t.Errorf("reads of every size across chunk boundaries: %v", err)
		}

		if _, _, err := s.OpenMediaFile(ctx, other, f.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another workspace opens the file: %v", err)
		}
		if used, err := s.MediaUsage(ctx, ws); used != size || err != nil {
			t.Errorf("usage %d %v, want %d", used, err, size)
		}

		// Deleted while a reader is half way: the reader says so.
		_, r, _ = s.OpenMediaFile(ctx, ws, f.ID)
		if _, err := io.CopyN(io.Discard, r, store.MediaChunkSize+1); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteMediaFile(ctx, other, f.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another workspace deletes the file: %v", err)
		}
		if err := s.DeleteMediaFile(ctx, ws, f.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("reading a deleted file: %v, want ErrNotFound", err)
		}
		if n := countRows(t, s, "media_chunks"); n != 0 {
			t.Errorf("%d chunks left after delete", n)
		}
		if used, _ := s.MediaUsage(ctx, ws); used != 0 {
			t.Errorf("usage %d after delete", used)
		}
		if _, _, err := s.OpenMediaFile(ctx, ws, f.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("open after delete: %v", err)
		}
		if err := s.DeleteMediaFile(ctx, ws, f.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}

		// An empty file is stored and reads back empty (refusing it is the
		// domain's business).
		e, _, err := s.PutMediaFile(ctx, newMedia(ws, "empty"), bytes.NewReader(nil))
		if err != nil || e.Size != 0 {
			t.Fatalf("empty: %+v %v", e, err)
		}
		_, r, _ = s.OpenMediaFile(ctx, ws, e.ID)
		if b, err := io.ReadAll(r); len(b) != 0 || err != nil {
			t.Errorf("empty read %d bytes, %v", len(b), err)
		}
	})
}

func TestMediaDedupe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ws := ownWorkspace(t, s, mustUser(t, s, "alice@example.com").ID)
		other := ownWorkspace(t, s, mustUser(t, s, "bob@example.com").ID)
		const size = store.MediaChunkSize + 1

		first, existed, err := s.PutMediaFile(ctx, newMedia(ws, "a.mp4"), randomBytes(2, size))
		if err != nil || existed {
			t.Fatal(existed, err)
		}
		again, existed, err := s.PutMediaFile(ctx, newMedia(ws, "b.mp4"), randomBytes(2, size))
		if err != nil || !existed || again.ID != first.ID || again.FileName != "a.mp4" {
			t.Errorf("the same bytes again: %+v existed=%v %v; want file %d as first stored", again, existed, err, first.ID)
		}
		if n := countRows(t, s, "media_files"); n != 1 {
			t.Errorf("%d file rows, want 1", n)
		}
		if n := countRows(t, s, "media_chunks"); n != 2 {
			t.Errorf("%d chunks, want 2", n)
		}
		if used, _ := s.MediaUsage(ctx, ws); used != size {
			t.Errorf("usage %d, want %d: one copy", used, size)
		}
		// Another workspace's same bytes are its own.
		theirs, existed, err := s.PutMediaFile(ctx, newMedia(other, "c.mp4"), randomBytes(2, size))
		if err != nil || existed || theirs.ID == first.ID {
			t.Errorf("another workspace: %+v existed=%v %v", theirs, existed, err)
		}
		// A dedupe hit costs nothing, so it passes a quota already full.
		full := newMedia(ws, "d.mp4")
		full.Quota = size
		if f, existed, err := s.PutMediaFile(ctx, full, randomBytes(2, size)); err != nil || !existed || f.ID != first.ID {
			t.Errorf("the same bytes at a full quota: %+v %v %v", f, existed, err)
		}
	})
}

// failingReader yields n bytes, then err.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestMediaRefusedPutLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ws := ownWorkspace(t, s, mustUser(t, s, "alice@example.com").ID)
		nothing := func(what string) {
			t.Helper()
			if f, c := countRows(t, s, "media_files"), countRows(t, s, "media_chunks"); f != 0 || c != 0 {
				t.Errorf("%s left %d files, %d chunks", what, f, c)
			}
		}

		boom := errors.New("client went away")
		_, _, err := s.PutMediaFile(ctx, newMedia(ws, "x"), &failingReader{randomBytes(3, 2*store.MediaChunkSize+5), boom})
		if !errors.Is(err, boom) {
			t.Errorf("a reader failing after two chunks: %v, want its error", err)
		}
		nothing("a failed read")

		// A truncated upload's own ErrUnexpectedEOF is not the end of the file.
		_, _, err = s.PutMediaFile(ctx, newMedia(ws, "x"), &failingReader{randomBytes(3, 5), io.ErrUnexpectedEOF})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("a truncated upload: %v", err)
		}
		nothing("a truncated upload")

		over := newMedia(ws, "x")
		over.Quota = store.MediaChunkSize
		if _, _, err := s.PutMediaFile(ctx, over, randomBytes(3, store.MediaChunkSize+1)); !errors.Is(err, store.ErrMediaQuota) {
			t.Errorf("past the quota: %v", err)
		}
		nothing("a refused quota")

		cancelled, cancel := context.WithCancel(ctx)
		_, _, err = s.PutMediaFile(cancelled, newMedia(ws, "x"), &cancelAfter{r: randomBytes(3, 3*store.MediaChunkSize), cancel: cancel})
		if err == nil {
			t.Error("a cancelled put succeeded")
		}
		nothing("a cancelled put")

		// Exactly at the quota is allowed.
		at := newMedia(ws, "x")
		at.Quota = store.MediaChunkSize + 1
		if _, _, err := s.PutMediaFile(ctx, at, randomBytes(3, store.MediaChunkSize+1)); err != nil {
			t.Errorf("exactly at the quota: %v", err)
		}
	})
}

// cancelAfter cancels its context after the first read.
type cancelAfter struct {
	r      io.Reader
	cancel func()
	reads  int
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	c.reads++
	if c.reads == 2 {
		c.cancel()
	}
	return c.r.Read(p)
}

// TestMediaIncompleteIsInvisible: a file being written counts nowhere, and
// what a crash leaves half written is cleared by DeleteIncompleteMediaFiles.
func TestMediaIncompleteIsInvisible(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ws := ownWorkspace(t, s, mustUser(t, s, "alice@example.com").ID)
		var during func()
		r := &hookReader{r: randomBytes(4, 2*store.MediaChunkSize), at: store.MediaChunkSize + 1, hook: func() { during() }}
		during = func() {
			if n := countRows(t, s, "media_files"); n != 1 {
				t.Errorf("%d rows while writing", n)
			}
			if used, _ := s.MediaUsage(ctx, ws); used != 0 {
				t.Errorf("usage %d while writing", used)
			}
			if n, err := s.DeleteIncompleteMediaFiles(ctx, t0); n != 0 || err != nil {
				t.Errorf("an upload begun at t0 is not older than t0: deleted %d, %v", n, err)
			}
			// As if the writing node had died an hour ago.
			if n, err := s.DeleteIncompleteMediaFiles(ctx, t0.Add(time.Hour)); n != 1 || err != nil {
				t.Errorf("deleted %d incomplete files, %v; want 1", n, err)
			}
		}
		if _, _, err := s.PutMediaFile(ctx, newMedia(ws, "x"), r); err == nil {
			t.Error("a put whose row was cleared away succeeded")
		}
		if f, c := countRows(t, s, "media_files"), countRows(t, s, "media_chunks"); f != 0 || c != 0 {
			t.Errorf("left %d files, %d chunks", f, c)
		}
	})
}

// hookReader calls hook once, when at bytes have been read.
type hookReader struct {
	r    io.Reader
	at   int64
	read int64
	hook func()
}

func (h *hookReader) Read(p []byte) (int, error) {
	if h.read >= h.at && h.hook != nil {
		h.hook()
		h.hook = nil
	}
	n, err := h.r.Read(p)
	h.read += int64(n)
	return n, err
}

func TestMediaUploads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		alice := mustUser(t, s, "alice@example.com")
		ws := ownWorkspace(t, s, alice.ID)
		acc := mustAccount(t, s, ws, 1001, "+15550001")
		acc2 := mustAccount(t, s, ws, 1002, "+15550002")
		f, _, err := s.PutMediaFile(ctx, newMedia(ws, "a.mp4"), randomBytes(5, 100))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.MediaUpload(ctx, acc.ID, f.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("before any upload: %v", err)
		}
		up := store.MediaUpload{AccountID: acc.ID, FileID: f.ID, Kind: store.MediaDocument, TelegramID: 77, AccessHash: -5,
			FileReference: []byte{1, 2, 3}, RefreshedAt: t0}
		if err := s.SaveMediaUpload(ctx, up); err != nil {
			t.Fatal(err)
		}
		// A refreshed file reference replaces the old one.
		up.FileReference, up.RefreshedAt = []byte{9, 9}, t0.Add(time.Hour)
		if err := s.SaveMediaUpload(ctx, up); err != nil {
			t.Fatal(err)
		}
		got, err := s.MediaUpload(ctx, acc.ID, f.ID)
		if err != nil || got.TelegramID != 77 || got.AccessHash != -5 || !bytes.Equal(got.FileReference, []byte{9, 9}) ||
			got.Kind != store.MediaDocument || !got.RefreshedAt.Equal(t0.Add(time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("upload: %+v %v", got, err)
		}
		if _, err := s.MediaUpload(ctx, acc2.ID, f.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another account's upload: %v", err)
		}
		if err := s.SaveMediaUpload(ctx, store.MediaUpload{AccountID: acc.ID, FileID: f.ID, Kind: "sticker",
			FileReference: []byte{}, RefreshedAt: t0}); err == nil {
			t.Error("an upload of kind sticker was stored")
		}
		if err := s.DeleteMediaFile(ctx, ws, f.ID); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "media_uploads"); n != 0 {
			t.Errorf("%d uploads outlive their file", n)
		}
	})
}

// TestMediaChunksReadOnceForAllReaders: readers of one file (a campaign's
// accounts uploading it at once) share the chunks read last; past the few
// kept, a chunk is read from the database again. Shown by taking the
// chunks' rows away behind the store's back after one reader read them.
func TestMediaChunksReadOnceForAllReaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ws := ownWorkspace(t, s, mustUser(t, s, "alice@example.com").ID)
		for _, c := range []struct {
			name   string
			size   int64
			shared bool
		}{
			{"a few chunks", 3*store.MediaChunkSize + 5, true},
			{"more than are kept", 12 * store.MediaChunkSize, false},
		} {
			f, _, err := s.PutMediaFile(ctx, newMedia(ws, c.name), randomBytes(byte(c.size), c.size))
			if err != nil {
				t.Fatal(err)
			}
			_, first, err := s.OpenMediaFile(ctx, ws, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			_, second, err := s.OpenMediaFile(ctx, ws, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := sum(t, iotest.OneByteReader(io.LimitReader(first, 100)))
			rest, _ := sum(t, first)
			if _, err := s.DB().ExecContext(ctx, fmt.Sprintf("DELETE FROM media_chunks WHERE file_id = %d", f.ID)); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(second)
			switch {
			case c.shared && err != nil:
				t.Errorf("%s: the second reader read the database again: %v", c.name, err)
			case c.shared:
				if h := sha256.Sum256(got[:100]); !bytes.Equal(h[:], want) {
					t.Errorf("%s: the second reader read other bytes", c.name)
				}
				if h := sha256.Sum256(got[100:]); !bytes.Equal(h[:], rest) {
					t.Errorf("%s: the second reader read other bytes", c.name)
				}
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("%s: a chunk past the kept ones read as %v, want ErrNotFound from the database", c.name, err)
			}
		}
	})
}
