package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestMediaUploadProgress: an account's upload in flight is recorded and
// replaced as it goes, per account and file, goes when the upload is
// remembered, and with its file or account.
func TestMediaUploadProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "progress@example.com")
		ws := ownWorkspace(t, s, u.ID)
		acc := mustAccount(t, s, ws, 1001, "+15550001")
		acc2 := mustAccount(t, s, ws, 1002, "+15550002")
		f, _, err := s.PutMediaFile(ctx, newMedia(ws, "a.mp4"), randomBytes(5, 100))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.MediaUploadProgress(ctx, acc.ID, f.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("before any upload: %v", err)
		}
		p := store.MediaUploadProgress{AccountID: acc.ID, FileID: f.ID, UploadID: -1 << 62, Big: true, Parts: 4, UpdatedAt: t0}
		if err := s.SaveMediaUploadProgress(ctx, p); err != nil {
			t.Fatal(err)
		}
		p.Parts, p.UpdatedAt = 8, t0.Add(time.Second)
		if err := s.SaveMediaUploadProgress(ctx, p); err != nil {
			t.Fatal(err)
		}
		other := store.MediaUploadProgress{AccountID: acc2.ID, FileID: f.ID, UploadID: 5, Parts: 1, UpdatedAt: t0}
		if err := s.SaveMediaUploadProgress(ctx, other); err != nil {
			t.Fatal(err)
		}
		got, err := s.MediaUploadProgress(ctx, acc.ID, f.ID)
		if want := p; err != nil || got.UploadID != want.UploadID || !got.Big || got.Parts != 8 || !got.UpdatedAt.Equal(t0.Add(time.Second).Truncate(time.Microsecond)) {
			t.Errorf("progress %+v %v, want %+v", got, err, want)
		}
		if err := s.SaveMediaUploadProgress(ctx, store.MediaUploadProgress{AccountID: acc.ID, FileID: f.ID, Parts: -1, UpdatedAt: t0}); err == nil {
			t.Error("negative progress was stored")
		}
		// Remembering the upload ends it; the other account's goes on.
		if err := s.SaveMediaUpload(ctx, store.MediaUpload{AccountID: acc.ID, FileID: f.ID, Kind: store.MediaDocument, TelegramID: 7,
			FileReference: []byte{1}, RefreshedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MediaUploadProgress(ctx, acc.ID, f.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("progress outlives the remembered upload: %v", err)
		}
		if got, err := s.MediaUploadProgress(ctx, acc2.ID, f.ID); err != nil || got.Parts != 1 || got.Big {
			t.Errorf("the other account's progress %+v %v", got, err)
		}
		if err := s.DeleteMediaUploadProgress(ctx, acc2.ID, f.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteMediaUploadProgress(ctx, acc2.ID, f.ID); err != nil {
			t.Errorf("deleting no progress: %v", err)
		}
		if err := s.SaveMediaUploadProgress(ctx, other); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteMediaFile(ctx, ws, f.ID); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "media_upload_progress"); n != 0 {
			t.Errorf("%d progress rows outlive their file", n)
		}
	})
}

// TestMediaFilesOutliveNoUse: a file goes with the last campaign that
// attaches it, whichever prune deletes that campaign, and not before; a
// file no campaign attaches goes a while after it was stored, or stored
// again.
func TestMediaFilesOutliveNoUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "lifetime@example.com")
		ws := ownWorkspace(t, s, u.ID)
		acc := mustAccount(t, s, u.ID, 1, "+100")
		put := func(seed byte, now time.Time) store.MediaFile {
			t.Helper()
			nf := newMedia(ws, "f.mp4")
			nf.Now = now
			f, _, err := s.PutMediaFile(ctx, nf, randomBytes(seed, 3000))
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		shared, own, loose := put(1, t0), put(2, t0), put(3, t0)
		draft, running := newCampaign(t, s, ws, acc.ID), newCampaign(t, s, ws, acc.ID)
		for _, x := range []struct{ c, f int64 }{{draft.ID, shared.ID}, {draft.ID, own.ID}, {running.ID, shared.ID}} {
			step := 1
			if x.f == own.ID {
				step = 2
			}
			if err := s.SetCampaignMedia(ctx, x.c, step, x.f); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.SetCampaignStatus(ctx, ws, running.ID, []string{store.CampaignDraft}, store.CampaignRunning, "", t0); err != nil {
			t.Fatal(err)
		}
		exists := func(f store.MediaFile) bool {
			t.Helper()
			_, err := s.MediaFile(ctx, ws, f.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}

		// The draft is pruned: its own file goes with it, the shared one
		// stays with the running campaign, the loose one is no campaign's.
		if _, err := s.PruneDraftsBefore(ctx, t0.Add(time.Hour), t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for {
			k, err := s.DeletePruned(ctx, store.WriteBatch)
			if err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				break
			}
		}
		if _, err := s.CampaignByID(ctx, ws, draft.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the pruned draft: %v", err)
		}
		if exists(own) || !exists(shared) || !exists(loose) {
			t.Errorf("after the draft's deletion: its own file %v, the shared one %v, the loose one %v; want false, true, true", exists(own), exists(shared), exists(loose))
		}

		// The running campaign ends and is deleted in its time: the shared
		// file goes with it.
		if _, err := s.SetCampaignStatus(ctx, ws, running.ID, []string{store.CampaignRunning}, store.CampaignCancelled, "", t0); err != nil {
			t.Fatal(err)
		}
		if exists(shared) != true {
			t.Error("the shared file went while its campaign was kept")
		}
		for {
			k, err := s.PruneFinishedCampaigns(ctx, t0.Add(48*time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				break
			}
		}
		if _, err := s.CampaignByID(ctx, ws, running.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the finished campaign: %v", err)
		}
		if exists(shared) || !exists(loose) {
			t.Errorf("after the last campaign's deletion: the shared file %v, the loose one %v; want false, true", exists(shared), exists(loose))
		}

		// Unused files: kept until stored before the prune's time; storing
		// the same bytes again makes one new.
		inUse := put(4, t0)
		c := newCampaign(t, s, ws, acc.ID)
		if err := s.SetCampaignMedia(ctx, c.ID, 1, inUse.ID); err != nil {
			t.Fatal(err)
		}
		again := put(3, t0.Add(2*time.Hour))
		if again.ID != loose.ID || !again.CreatedAt.Equal(t0.Add(2*time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("the loose file stored again: %+v, want file %d as of now", again, loose.ID)
		}
		if n, err := s.DeleteUnusedMediaFiles(ctx, t0.Add(time.Hour)); err != nil || n != 0 || !exists(loose) {
			t.Errorf("pruned %d (%v) with the loose file stored again since; its file exists: %v", n, err, exists(loose))
		}
		if n, err := s.DeleteUnusedMediaFiles(ctx, t0.Add(3*time.Hour)); err != nil || n != 1 || exists(loose) || !exists(inUse) {
			t.Errorf("pruned %d (%v); loose file %v, in use %v; want 1, false, true", n, err, exists(loose), exists(inUse))
		}
		if used, err := s.MediaUsage(ctx, ws); err != nil || used != 3000 {
			t.Errorf("usage %d %v, want the one file in use", used, err)
		}
		// A file an inbox answer attaches is the answer's record: kept,
		// and the prune is not refused for it.
		answered := put(5, t0)
		conv, _, err := s.UpsertConversation(ctx, store.ConversationPeer{UserID: ws, AccountID: acc.ID, TGUserID: 77, AccessHash: 7, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAnswer(ctx, store.NewAnswer{UserID: ws, ConversationID: conv.ID, RandomID: 99, MediaFileID: answered.ID,
			MediaType: answered.Type, MediaSize: answered.Size, Now: t0}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeleteUnusedMediaFiles(ctx, t0.Add(3*time.Hour)); err != nil || n != 0 || !exists(answered) {
			t.Errorf("pruned %d (%v) with only an answer's file unused by campaigns; it exists: %v", n, err, exists(answered))
		}
		// A half-written file is the other prune's.
		half := newMedia(ws, "half.mp4")
		half.Now = t0
		r, w := io.Pipe()
		done := make(chan error, 1)
		go func() { _, _, err := s.PutMediaFile(ctx, half, r); done <- err }()
		_, _ = w.Write(make([]byte, 10))
		if n, err := s.DeleteUnusedMediaFiles(ctx, t0.Add(3*time.Hour)); err != nil || n != 0 {
			t.Errorf("pruned %d (%v) with only a half-written file unused", n, err)
		}
		_ = w.CloseWithError(errors.New("gone"))
		<-done
	})
}

// TestMediaReaderParts: a file read back in an upload's 512 KB parts,
// from its start or after a seek, and in small reads, is its bytes.
func TestMediaReaderParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "parts@example.com")
		ws := ownWorkspace(t, s, u.ID)
		const size = 3*store.MediaChunkSize + 12345
		want, _ := io.ReadAll(randomBytes(9, size))
		f, _, err := s.PutMediaFile(ctx, newMedia(ws, "p.mp4"), bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		for _, from := range []int64{0, 512 << 10, 5 * 512 << 10} {
			_, r, err := s.OpenMediaFile(ctx, ws, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			if from > 0 {
				if _, err := r.(io.Seeker).Seek(from, io.SeekStart); err != nil {
					t.Fatal(err)
				}
			}
			var got []byte
			buf := make([]byte, 512<<10)
			for {
				n, err := io.ReadFull(r, buf)
				got = append(got, buf[:n]...)
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, want[from:]) {
				t.Errorf("from %d: %d bytes read, not the file's %d from there", from, len(got), len(want[from:]))
			}
			// Small reads after a part read mid-chunk.
			_, r, _ = s.OpenMediaFile(ctx, ws, f.ID)
			head := make([]byte, 512<<10)
			if _, err := io.ReadFull(r, head); err != nil {
				t.Fatal(err)
			}
			rest, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(append(head, rest...), want) {
				t.Errorf("a part then small reads: %d bytes, %v", len(head)+len(rest), err)
			}
		}
	})
}
