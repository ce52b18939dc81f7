package inbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// DefaultMediaCacheSize is Options.MediaCacheSize's default: 512 MB.
const DefaultMediaCacheSize = 512 << 20

// mediaFloodWaitMax is the longest FLOOD_WAIT a view waits out on the
// account's connection; a longer one answers flood_wait with its time.
const mediaFloodWaitMax = 5 * time.Second

// mediaFetchMax bounds one download from Telegram into the cache (50 MB
// at a slow 100 KB/s is under ten minutes).
const mediaFetchMax = 10 * time.Minute

// staleMediaAfter is when a cache entry left half written (a node died
// mid-fetch) is cleared.
const staleMediaAfter = time.Hour

// Media sizes a view asks for.
const (
	MediaThumb = store.MediaThumb
	MediaFull  = store.MediaFull
)

// MediaFile is an incoming photo or file ready to serve: its bytes with
// what to say of them. Body is read from the cache one chunk at a time.
type MediaFile struct {
	// MIMEType is decided from the bytes (media.Sniff), not from what the
	// sender's app claimed.
	MIMEType string
	// FileName is the name the sender gave, or one made of the message's
	// kind and id.
	FileName string
	Size     int64
	// Inline is true only for a photo, video, voice note or audio whose
	// bytes are one: anything else is served as a download.
	Inline bool
	Body   io.Reader
}

// Header sets the headers a file is served with: its type as its bytes
// say, never sniffed again by the browser, shown in the page only when
// Inline, else a download under its name.
func (f MediaFile) Header(h http.Header) {
	disposition := "attachment"
	if f.Inline {
		disposition = "inline"
	}
	h.Set("Content-Type", f.MIMEType)
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	cd := mime.FormatMediaType(disposition, map[string]string{"filename": f.FileName})
	if cd == "" {
		// A name it cannot write (a control character): the file goes
		// all the same, unnamed, never inline by accident.
		cd = disposition
	}
	h.Set("Content-Disposition", cd)
	// The same message's file never changes; the member's browser may
	// keep it, no shared cache may.
	h.Set("Cache-Control", "private, max-age=86400")
}

// downloadable kinds have a file behind them; a location, a contact or a
// poll does not.
var downloadable = map[string]bool{"photo": true, "video": true, "voice": true, "audio": true, "document": true,
	"sticker": true, "animation": true, "video_message": true}

// HasFile tells whether the message carries a file Media can serve.
func (m Message) HasFile() bool { return downloadable[m.MediaType] && m.TGMessageID != 0 }

// showable kinds may be shown in the page when their bytes agree.
var showable = map[string]bool{"photo": true, "video": true, "voice": true, "audio": true, "video_message": true, "animation": true}

var (
	errNoMedia = &apperr.Error{Code: apperr.CodeNotFound, Status: http.StatusNotFound, Message: "This message has no photo or file",
		Hint: "Only messages with a photo, video, voice note or file have one to open."}
	errNoThumb = &apperr.Error{Code: apperr.CodeNotFound, Status: http.StatusNotFound, Message: "This file has no thumbnail",
		Hint: "Open it in full size (leave variant out)."}
	errFileGone = &apperr.Error{Code: apperr.CodeNotFound, Status: http.StatusNotFound, Message: "Telegram no longer has this file",
		Hint: "The person may have deleted the message; ask them to send it again."}
)

// Media is an incoming message's photo or file, as reading the
// conversation allows: fetched from Telegram through the account's
// connection on its first view (the message again, for a fresh file
// reference, then upload.getFile in parts) and kept in the cache, whose
// later views do not reach Telegram. variant is MediaThumb (a photo's
// small size) or MediaFull ("" too).
func (s *Service) Media(ctx context.Context, userID, conversationID, messageID int64, variant string) (MediaFile, error) {
	switch variant {
	case "":
		variant = MediaFull
	case MediaThumb, MediaFull:
	default:
		return MediaFile{}, apperr.Validation("variant", "variant is thumb or full")
	}
	c, err := s.conversation(ctx, userID, conversationID)
	if err != nil {
		return MediaFile{}, err
	}
	m, err := s.st.InboxMessageByID(ctx, messageID)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && m.ConversationID != c.ID:
		return MediaFile{}, &apperr.Error{Code: apperr.CodeNotFound, Status: http.StatusNotFound,
			Message: fmt.Sprintf("No message %d in this conversation", messageID), Hint: "List the conversation's messages for their ids."}
	case err != nil:
		return MediaFile{}, fmt.Errorf("message %d: %w", messageID, err)
	}
	if !downloadable[m.MediaType] || m.TGMessageID == 0 {
		return MediaFile{}, errNoMedia
	}
	e, body, err := s.st.OpenInboxMedia(ctx, m.ID, variant, s.now())
	if errors.Is(err, store.ErrNotFound) {
		key := strconv.FormatInt(m.ID, 10) + "/" + variant
		if f, ok := s.failedFetches.Load(key); ok && s.now().Before(f.(fetchFailure).until) {
			return MediaFile{}, f.(fetchFailure).err
		}
		// Views of a file not cached yet (a team opening the same
		// conversation) wait for one download instead of each asking
		// Telegram for it. It runs to its end if the first viewer leaves:
		// the others still wait for it, and the cache keeps it.
		ch := s.fetches.DoChan(key, func() (any, error) {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mediaFetchMax)
			defer cancel()
			e, err := s.fetchMedia(ctx, c, m, variant)
			s.rememberFailure(key, err)
			return e, err
		})
		select {
		case r := <-ch:
			err = r.Err
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err == nil {
			e, body, err = s.st.OpenInboxMedia(ctx, m.ID, variant, s.now())
		}
	}
	if err != nil {
		return MediaFile{}, err
	}
	return serveMedia(m, variant, e, body)
}

// fetchFailure is a fetch that failed for good, answered again until
// until.
type fetchFailure struct {
	err   error
	until time.Time
}

// A fetch that failed for good is answered from memory for
// failedFetchFor (on this node), so that the views after it (a thread's
// thumbnails, on every load of the page) do not each ask Telegram again:
// a file Telegram no longer has, a photo without a thumbnail, a file too
// large for the cache. Other failures are not remembered: their "try
// again" must reach Telegram, and an account that cannot be used is
// answered by Use without it.
const failedFetchFor = time.Hour

func (s *Service) rememberFailure(key string, err error) {
	e, _ := apperr.As(err)
	if !errors.Is(err, errFileGone) && !errors.Is(err, errNoThumb) && (e == nil || e.Code != media.CodeTooLarge) {
		return
	}
	now := s.now()
	// The map holds only live failures: the expired go as new ones come.
	s.failedFetches.Range(func(k, v any) bool {
		if !now.Before(v.(fetchFailure).until) {
			s.failedFetches.Delete(k)
		}
		return true
	})
	s.failedFetches.Store(key, fetchFailure{err: err, until: now.Add(failedFetchFor)})
}

// serveMedia decides, from the first bytes, what the file is shown as.
func serveMedia(m store.InboxMessage, variant string, e store.InboxMediaEntry, body io.Reader) (MediaFile, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return MediaFile{}, fmt.Errorf("cached media of message %d: %w", m.ID, err)
	}
	head = head[:n]
	name := mediaFileName(m, variant)
	// The name never makes a file showable; only its bytes do.
	sniffed, typ := media.Sniff(head, name)
	inline := (showable[m.MediaType] || variant == MediaThumb) &&
		(typ != store.MediaDocument || strings.HasPrefix(sniffed, "audio/") || strings.HasPrefix(sniffed, "video/"))
	return MediaFile{MIMEType: sniffed, FileName: name, Size: e.Size, Inline: inline,
		Body: io.MultiReader(bytes.NewReader(head), body)}, nil
}

// mediaFileName is the sender's name for the file, or one made of the
// message: "photo-123.jpg", "voice-124.ogg".
func mediaFileName(m store.InboxMessage, variant string) string {
	if m.MediaFileName != "" && variant == MediaFull {
		return m.MediaFileName
	}
	ext := map[string]string{"photo": ".jpg", "video": ".mp4", "video_message": ".mp4", "voice": ".ogg", "audio": ".mp3", "sticker": ".webp", "animation": ".mp4"}[m.MediaType]
	if variant == MediaThumb {
		ext = ".jpg"
	}
	name := strings.ReplaceAll(m.MediaType, "_", "-") + "-" + strconv.FormatInt(m.ID, 10)
	if variant == MediaThumb {
		name += "-thumb"
	}
	return name + ext
}

// fetchMedia downloads one size of a message's file into the cache through
// the account's connection, then evicts what the cap no longer holds.
// FLOOD_WAIT is waited out up to mediaFloodWaitMax; a longer one, or an
// account that cannot be used, is refused as Use says, on this account
// only: the file is the account's chat's.
func (s *Service) fetchMedia(ctx context.Context, c store.Conversation, m store.InboxMessage, variant string) (store.InboxMediaEntry, error) {
	var e store.InboxMediaEntry
	started := time.Now()
	err := s.acc.Use(telegram.WithKinds(ctx, telegram.KindAccount), c.UserID, c.AccountID, func(ctx context.Context, api *tg.Client) error {
		f, err := telegram.MessageFile(ctx, api, m.TGMessageID, variant == MediaThumb)
		if err != nil {
			return err
		}
		if f.Size > s.o.MediaCacheSize {
			// Every view is served from the cache: a file it cannot hold
			// would push everything else out and still not fit.
			return &apperr.Error{Code: media.CodeTooLarge, Status: http.StatusUnprocessableEntity,
				Message: fmt.Sprintf("This file (%s) is larger than the inbox's cache of incoming files (%s)", formatSize(f.Size), formatSize(s.o.MediaCacheSize)),
				Hint:    "Open it in the account's Telegram app, or ask the operator for a larger --inbox-media-cache."}
		}
		// Telegram's parts go into the cache as they come, through a
		// pipe: one part in memory at a time.
		pr, pw := io.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err := telegram.Download(ctx, api, f, pw)
			pw.CloseWithError(err)
		}()
		e, err = s.st.PutInboxMedia(ctx, store.NewInboxMediaEntry{MessageID: m.ID, Variant: variant, MIMEType: f.MIMEType, Now: s.now()}, pr)
		pr.CloseWithError(errors.New("inbox: the cache stopped reading"))
		<-done
		return err
	}, telegram.HonourFloodWait(mediaFloodWaitMax))
	if err != nil {
		return e, s.mediaError(c, m, variant, err)
	}
	s.log.Info("inbox media fetched", slog.Int64("conversation", c.ID), slog.Int64("message", m.ID), slog.String("variant", variant),
		slog.Int64("bytes", e.Size), slog.Duration("took", time.Since(started)))
	evicted, err := s.st.EvictInboxMedia(context.WithoutCancel(ctx), s.o.MediaCacheSize, e.ID, s.now().Add(-staleMediaAfter))
	if err != nil {
		s.log.Warn("inbox media cache not evicted", slog.Any("err", err))
	} else if evicted > 0 {
		s.log.Info("inbox media evicted", slog.Int("entries", evicted), slog.Int64("cap", s.o.MediaCacheSize))
	}
	return e, nil
}

// mediaError says what a failed fetch means to the person viewing it.
func (s *Service) mediaError(c store.Conversation, m store.InboxMessage, variant string, err error) error {
	var (
		far *telegram.FileDCError
		fw  *telegram.FloodWaitError
	)
	if errors.As(err, &far) && !errors.As(err, &fw) && !errors.Is(err, telegram.ErrSessionRevoked) {
		// Before Use's answer: a DC the node cannot reach is not the
		// account's problem (a FLOOD_WAIT or a revoked session on the
		// authorization's transfer is, as Use says), and the person
		// should know which failed.
		s.log.Warn("inbox media not fetched", slog.Int64("conversation", c.ID), slog.Int64("message", m.ID), slog.Any("err", err))
		return (&apperr.Error{Code: apperr.CodeTelegramUnavailable, Status: http.StatusBadGateway,
			Message: fmt.Sprintf("Telegram keeps this file on its data center %d, which could not be reached", far.DC),
			Hint: "Try again in a minute. If it keeps failing, the operator should check that this server reaches that data center " +
				"(--telegram-dc lists the addresses); meanwhile open the file in the account's Telegram app."}).Wrap(err)
	}
	if _, ok := apperr.As(err); ok {
		return err // the account cannot be used now: Use said why and what to do
	}
	switch {
	case errors.Is(err, telegram.ErrNoFile) && variant == MediaThumb:
		return errNoThumb
	case errors.Is(err, telegram.ErrNoFile):
		return errFileGone
	}
	s.log.Warn("inbox media not fetched", slog.Int64("conversation", c.ID), slog.Int64("message", m.ID), slog.Any("err", err))
	if rpc, ok := tgerr.As(err); ok && rpc.Type == "FILE_MIGRATE" {
		return (&apperr.Error{Code: apperr.CodeTelegramUnavailable, Status: http.StatusBadGateway,
			Message: fmt.Sprintf("Telegram sent the inbox on to data center %d for this file, which did not serve it either", rpc.Argument),
			Hint:    "Try again in a minute; meanwhile open it in the account's Telegram app."}).Wrap(err)
	}
	return (&apperr.Error{Code: apperr.CodeTelegramUnavailable, Status: http.StatusBadGateway,
		Message: "Telegram did not hand over the file",
		Hint:    "Try again in a minute; if it keeps failing, look at the account's page for its status."}).Wrap(err)
}
