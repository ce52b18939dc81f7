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

// TestInboxMediaCacheEvictsLeastUsed caches three incoming files past the
// cap of two: the one used least recently goes, the one just read stays,
// and a message keeps the type and name Telegram gave its file.
func TestInboxMediaCacheEvictsLeastUsed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		a1, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := s.UpsertConversation(ctx, store.ConversationPeer{UserID: ann.ID, AccountID: a1.ID, TGUserID: 77, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		var msgs []int64
		for i := range 3 {
			m, _, err := s.AddInboxMessage(ctx, store.InboxMessage{ConversationID: c.ID, UserID: ann.ID, AccountID: a1.ID,
				TGMessageID: 10 + i, Direction: store.DirectionIn, Origin: store.OriginPerson, MediaType: "document", MediaSize: 3 << 20,
				MediaMIME: "application/pdf", MediaFileName: "report.pdf", SentAt: t0, CreatedAt: t0})
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, m.ID)
		}
		if m, err := s.InboxMessageByID(ctx, msgs[0]); err != nil || m.MediaMIME != "application/pdf" || m.MediaFileName != "report.pdf" {
			t.Fatalf("message %+v %v: the file's type and name not kept", m, err)
		}

		const size = store.MediaChunkSize + 4321 // two chunks
		var entries []store.InboxMediaEntry
		for i, id := range msgs {
			e, err := s.PutInboxMedia(ctx, store.NewInboxMediaEntry{MessageID: id, Variant: store.MediaFull, MIMEType: "application/pdf",
				Now: t0.Add(time.Duration(i) * time.Minute)}, randomBytes(byte(i), size))
			if err != nil || e.Size != size {
				t.Fatalf("put %d: %+v %v", i, e, err)
			}
			entries = append(entries, e)
		}
		if _, _, err := s.OpenInboxMedia(ctx, msgs[0], store.MediaThumb, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a size never cached: %v, want ErrNotFound", err)
		}
		// The oldest is read again: the second becomes the least used.
		e, r, err := s.OpenInboxMedia(ctx, msgs[0], store.MediaFull, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		got, n := sum(t, r)
		want, _ := sum(t, randomBytes(0, size))
		if n != size || !bytes.Equal(got, want) || e.ID != entries[0].ID {
			t.Fatalf("read back %d bytes of entry %d, want %d bytes of %d as written", n, e.ID, size, entries[0].ID)
		}
		if used, err := s.InboxMediaCacheSize(ctx); err != nil || used != 3*size {
			t.Fatalf("cache size %d %v, want %d", used, err, 3*size)
		}
		evicted, err := s.EvictInboxMedia(ctx, 2*size, entries[2].ID, t0)
		if err != nil || evicted != 1 {
			t.Fatalf("evicted %d %v, want 1", evicted, err)
		}
		if _, _, err := s.OpenInboxMedia(ctx, msgs[1], store.MediaFull, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the least recently used file is still cached: %v", err)
		}
		for _, id := range []int64{msgs[0], msgs[2]} {
			if _, _, err := s.OpenInboxMedia(ctx, id, store.MediaFull, t0.Add(2*time.Hour)); err != nil {
				t.Errorf("message %d's file evicted: %v", id, err)
			}
		}
		if n := countRows(t, s, "inbox_media_chunks"); n != 4 {
			t.Errorf("%d chunks left, want the two files' 4: an evicted file's chunks stay", n)
		}
		// Under a cap below the one kept, everything else goes, the kept
		// entry stays.
		if _, err := s.EvictInboxMedia(ctx, 1, entries[2].ID, t0); err != nil {
			t.Fatal(err)
		}
		if used, _ := s.InboxMediaCacheSize(ctx); used != size {
			t.Errorf("cache size %d after evicting to 1 byte keeping one, want %d", used, size)
		}
		// A fetch that fails midway leaves nothing.
		if _, err := s.PutInboxMedia(ctx, store.NewInboxMediaEntry{MessageID: msgs[1], Variant: store.MediaFull, Now: t0},
			io.MultiReader(randomBytes(9, size), errReader{})); err == nil {
			t.Fatal("a failed read cached a file")
		}
		if n := countRows(t, s, "inbox_media_cache"); n != 1 {
			t.Errorf("%d entries after a failed fetch, want 1", n)
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("telegram went away") }
