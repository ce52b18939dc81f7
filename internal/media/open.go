package media

import (
	"context"
	"errors"
	"io"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
)

// Open reads a workspace's stored file back, a chunk at a time. Another
// workspace's file, or none, is not found.
func (s *Service) Open(ctx context.Context, workspaceID, id int64) (store.MediaFile, io.Reader, error) {
	f, r, err := s.o.Store.OpenMediaFile(ctx, workspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return f, nil, apperr.NotFound("Attachment")
	}
	return f, r, err
}

// HumanBytes is a size as pages and messages say it: "1.5 MB", "50 MB".
func HumanBytes(n int64) string { return humanBytes(n) }

// TypeLabel is what Telegram shows a file as, in words.
func TypeLabel(typ string) string {
	switch typ {
	case store.MediaPhoto:
		return "photo"
	case store.MediaVideo:
		return "video"
	case store.MediaVoice:
		return "voice note"
	}
	return "document"
}

// Inline reports a type a browser may show in a page: only a file whose
// bytes Sniff found to be a photo or a video, never one by its name.
func Inline(typ string) bool { return typ == store.MediaPhoto || typ == store.MediaVideo }
