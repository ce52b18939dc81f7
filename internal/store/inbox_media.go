package store

import (
	"context"
	"io"
	"time"
)

// Sizes of an incoming file the inbox caches: a photo's thumbnail, and
// the file itself (a photo's largest size).
const (
	MediaThumb = "thumb"
	MediaFull  = "full"
)

// InboxMediaEntry is a cached incoming file: one size of one message's
// photo or file, as fetched from Telegram.
type InboxMediaEntry struct {
	ID         int64
	MessageID  int64
	Variant    string // MediaThumb or MediaFull
	Size       int64
	MIMEType   string
	LastUsedAt time.Time
}

// NewInboxMediaEntry is a file about to be cached.
type NewInboxMediaEntry struct {
	MessageID int64
	Variant   string
	MIMEType  string
	Now       time.Time
}

// InboxMedia is the inbox's cache of incoming media. Every node reads and
// fills the same cache; its total size is capped by the caller
// (EvictInboxMedia), least recently used first.
type InboxMedia interface {
	// PutInboxMedia caches what r yields, chunk by chunk (MediaChunkSize),
	// outside any transaction: the entry is invisible until its last chunk
	// is in. An error from r leaves nothing behind. When another fetch
	// cached the same message and size meanwhile, that entry is returned.
	PutInboxMedia(ctx context.Context, e NewInboxMediaEntry, r io.Reader) (InboxMediaEntry, error)
	// OpenInboxMedia reads a cached file one chunk at a time and marks it
	// used at now; ErrNotFound when it is not cached. The reader fails
	// with ErrNotFound when the entry is evicted under it.
	OpenInboxMedia(ctx context.Context, messageID int64, variant string, now time.Time) (InboxMediaEntry, io.Reader, error)
	// InboxMediaCacheSize is the bytes the complete entries take.
	InboxMediaCacheSize(ctx context.Context) (int64, error)
	// EvictInboxMedia deletes entries, least recently used first, until
	// the cache holds at most limit bytes, never keep (the entry just
	// served); it returns how many went. Entries left half written before
	// staleBefore go too.
	EvictInboxMedia(ctx context.Context, limit, keep int64, staleBefore time.Time) (int, error)
	// DeleteInboxMedia drops one entry (a file too large to keep).
	DeleteInboxMedia(ctx context.Context, id int64) error
}
