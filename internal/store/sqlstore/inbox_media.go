package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

// PutInboxMedia writes the chunks outside any transaction of its own, as
// PutMediaFile does: a file fetched from Telegram at its pace must not
// hold SQLite's one writer for the length of the download.
func (q queries) PutInboxMedia(ctx context.Context, e store.NewInboxMediaEntry, r io.Reader) (store.InboxMediaEntry, error) {
	id, err := q.q.CreateInboxMediaEntry(ctx, gen.CreateInboxMediaEntryParams{MessageID: e.MessageID, Variant: e.Variant,
		MimeType: e.MIMEType, Now: e.Now})
	if err != nil {
		return store.InboxMediaEntry{}, mapErr(q.d, err)
	}
	out, err := q.fillInboxMedia(ctx, e, id, r)
	if err != nil {
		// Cleaning up must happen even when the caller gave up.
		if _, derr := q.q.DeleteInboxMediaEntry(context.WithoutCancel(ctx), id); derr != nil {
			err = errors.Join(err, mapErr(q.d, derr))
		}
		return store.InboxMediaEntry{}, err
	}
	return out, nil
}

func (q queries) fillInboxMedia(ctx context.Context, e store.NewInboxMediaEntry, id int64, r io.Reader) (store.InboxMediaEntry, error) {
	buf := make([]byte, store.MediaChunkSize)
	var size int64
	for idx := int64(0); ; idx++ {
		n, rerr := fill(r, buf)
		if n > 0 {
			size += int64(n)
			if err := q.q.PutInboxMediaChunk(ctx, gen.PutInboxMediaChunkParams{EntryID: id, Idx: idx, Data: buf[:n]}); err != nil {
				return store.InboxMediaEntry{}, mapErr(q.d, err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return store.InboxMediaEntry{}, rerr
		}
	}
	n, err := q.q.CompleteInboxMediaEntry(ctx, gen.CompleteInboxMediaEntryParams{Size: size, MimeType: e.MIMEType, ID: id})
	if err = affected(q.d, n, err); errors.Is(err, store.ErrConflict) {
		// Another fetch of the same file completed first: its entry
		// stays, this one goes (the caller deletes it on the error).
		existing, lerr := q.inboxMediaEntry(ctx, e.MessageID, e.Variant)
		if lerr != nil {
			return store.InboxMediaEntry{}, lerr
		}
		if _, derr := q.q.DeleteInboxMediaEntry(ctx, id); derr != nil {
			return store.InboxMediaEntry{}, mapErr(q.d, derr)
		}
		return existing, nil
	}
	if err != nil {
		return store.InboxMediaEntry{}, err
	}
	return store.InboxMediaEntry{ID: id, MessageID: e.MessageID, Variant: e.Variant, Size: size, MIMEType: e.MIMEType,
		LastUsedAt: e.Now.UTC().Truncate(time.Microsecond)}, nil
}

func (q queries) inboxMediaEntry(ctx context.Context, messageID int64, variant string) (store.InboxMediaEntry, error) {
	r, err := q.q.InboxMediaEntry(ctx, gen.InboxMediaEntryParams{MessageID: messageID, Variant: variant})
	return one(q.d, r, err, func(r gen.InboxMediaEntryRow) store.InboxMediaEntry {
		return store.InboxMediaEntry{ID: r.ID, MessageID: r.MessageID, Variant: r.Variant, Size: r.Size, MIMEType: r.MimeType,
			LastUsedAt: r.LastUsedAt.UTC()}
	})
}

func (q queries) OpenInboxMedia(ctx context.Context, messageID int64, variant string, now time.Time) (store.InboxMediaEntry, io.Reader, error) {
	e, err := q.inboxMediaEntry(ctx, messageID, variant)
	if err != nil {
		return e, nil, err
	}
	if err := q.q.TouchInboxMediaEntry(ctx, gen.TouchInboxMediaEntryParams{Now: now, ID: e.ID}); err != nil {
		return e, nil, mapErr(q.d, err)
	}
	e.LastUsedAt = now.UTC()
	return e, &inboxMediaReader{ctx: ctx, q: q.pool(), entry: e}, nil
}

// inboxMediaReader holds one chunk at a time.
type inboxMediaReader struct {
	ctx   context.Context
	q     queries
	entry store.InboxMediaEntry
	idx   int64
	read  int64
	chunk []byte
}

func (m *inboxMediaReader) Read(p []byte) (int, error) {
	if len(m.chunk) == 0 {
		if m.read >= m.entry.Size {
			return 0, io.EOF
		}
		data, err := m.q.q.InboxMediaChunk(m.ctx, gen.InboxMediaChunkParams{EntryID: m.entry.ID, Idx: m.idx})
		if err != nil {
			return 0, fmt.Errorf("inbox media %d, chunk %d: %w", m.entry.ID, m.idx, mapErr(m.q.d, err))
		}
		if len(data) == 0 || m.read+int64(len(data)) > m.entry.Size {
			return 0, fmt.Errorf("inbox media %d, chunk %d: %d bytes do not fit its size %d", m.entry.ID, m.idx, len(data), m.entry.Size)
		}
		m.chunk = data
		m.idx++
	}
	n := copy(p, m.chunk)
	m.chunk = m.chunk[n:]
	m.read += int64(n)
	return n, nil
}

func (q queries) InboxMediaCacheSize(ctx context.Context) (int64, error) {
	n, err := q.q.InboxMediaCacheSize(ctx)
	return n, mapErr(q.d, err)
}

// EvictInboxMedia deletes one entry at a time, each its own statement:
// another node evicting at the same moment may take a little more than
// needed, never a file being read as a whole (a reader fails with
// ErrNotFound and the file is fetched again).
func (q queries) EvictInboxMedia(ctx context.Context, limit, keep int64, staleBefore time.Time) (int, error) {
	if _, err := q.q.DeleteIncompleteInboxMedia(ctx, staleBefore); err != nil {
		return 0, mapErr(q.d, err)
	}
	used, err := q.q.InboxMediaCacheSize(ctx)
	if err != nil {
		return 0, mapErr(q.d, err)
	}
	evicted := 0
	for used > limit {
		r, err := q.q.LeastUsedInboxMediaEntry(ctx, keep)
		if err != nil {
			if err = mapErr(q.d, err); errors.Is(err, store.ErrNotFound) {
				break
			}
			return evicted, err
		}
		n, err := q.q.DeleteInboxMediaEntry(ctx, r.ID)
		if err != nil {
			return evicted, mapErr(q.d, err)
		}
		if n > 0 {
			evicted++
		}
		used -= r.Size
	}
	return evicted, nil
}

func (q queries) DeleteInboxMedia(ctx context.Context, id int64) error {
	_, err := q.q.DeleteInboxMediaEntry(ctx, id)
	return mapErr(q.d, err)
}
