package media

import (
	"context"
	"crypto/md5" // #nosec G501 -- Telegram's InputFile checksum is MD5
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/telegramate/telegramate/internal/store"
)

// Telegram's upload rules (core.telegram.org/api/files): parts of 512 KB
// (the last may be shorter), upload.saveBigFilePart for a file past 10 MB.
const (
	PartSize     = 512 << 10
	BigFileAfter = 10 << 20
	// MaxPhotoSize is the largest photo Telegram takes as one; a larger
	// picture goes as a document.
	MaxPhotoSize  = 10 << 20
	maxFileParts  = 4000
	fileRefPrefix = "FILE_REFERENCE_"
)

// SendRequest is one message carrying a stored file, sent by one account.
type SendRequest struct {
	WorkspaceID int64
	AccountID   int64
	FileID      int64
	Peer        tg.InputPeerClass
	// Caption and Entities are the personalised message; RandomID is the
	// delivery's, the same on every try, so Telegram keeps one message.
	Caption  string
	Entities []tg.MessageEntityClass
	RandomID int64
}

// SendStats says what a send cost: bytes uploaded (0 when the account's
// earlier upload was reused) and whether a file reference was refreshed.
type SendStats struct {
	Uploaded  int64
	Refreshed bool
}

// Send sends a stored file with its caption through api, an account's
// connection. The account uploads the file the first time (in parts read
// from the store as they go) and remembers the photo or document Telegram
// made of it; later messages send that again. A file reference Telegram
// calls expired is refreshed by uploading again, and the message goes
// again with its random_id.
func (s *Service) Send(ctx context.Context, api *tg.Client, req SendRequest) (tg.UpdatesClass, SendStats, error) {
	var stats SendStats
	up, err := s.o.Store.MediaUpload(ctx, req.AccountID, req.FileID)
	switch {
	case err == nil:
		res, err := api.MessagesSendMedia(ctx, s.sendRequest(req, existing(up)))
		if !isFileRefError(err) {
			s.sent(req, res)
			return res, stats, err
		}
		stats.Refreshed = true
		if fresh, ok := s.refresh(ctx, api, req, up); ok {
			res, err := api.MessagesSendMedia(ctx, s.sendRequest(req, existing(fresh)))
			if !isFileRefError(err) {
				s.sent(req, res)
				return res, stats, err
			}
		}
		s.o.Logger.Info("file reference refused and not refreshed; uploading the file again", "account", req.AccountID, "file", req.FileID, "err", err)
	case !errors.Is(err, store.ErrNotFound):
		return nil, stats, err
	}
	f, rd, err := s.o.Store.OpenMediaFile(ctx, req.WorkspaceID, req.FileID)
	if err != nil {
		return nil, stats, fmt.Errorf("open media file %d: %w", req.FileID, err)
	}
	in, err := uploadParts(ctx, api, rd, f)
	if err != nil {
		return nil, stats, err
	}
	stats.Uploaded = f.Size
	res, err := api.MessagesSendMedia(ctx, s.sendRequest(req, uploaded(f, in)))
	if err != nil {
		return nil, stats, err
	}
	s.sent(req, res)
	if m, ok := sentMessage(res, req.RandomID); ok {
		s.remember(ctx, req, m.Media)
	}
	return res, stats, nil
}

// carrierKey names an account's file.
type carrierKey struct{ account, file int64 }

// sent notes the message that carried an account's file, so that an
// expired file reference is refreshed by fetching that message again
// rather than uploading the file once more. It is kept on this node only:
// after a restart the first refresh uploads.
func (s *Service) sent(req SendRequest, res tg.UpdatesClass) {
	if m, ok := sentMessage(res, req.RandomID); ok {
		s.carriers.Store(carrierKey{req.AccountID, req.FileID}, m.ID)
	}
}

// refresh fetches the message that last carried the account's file, for
// the fresh file reference Telegram gives with it.
func (s *Service) refresh(ctx context.Context, api *tg.Client, req SendRequest, up store.MediaUpload) (store.MediaUpload, bool) {
	v, ok := s.carriers.Load(carrierKey{req.AccountID, req.FileID})
	if !ok {
		return up, false
	}
	res, err := api.MessagesGetMessages(ctx, []tg.InputMessageClass{&tg.InputMessageID{ID: v.(int)}})
	if err != nil {
		s.o.Logger.Info("could not fetch the message carrying a file again", "account", req.AccountID, "file", req.FileID, slog.Any("err", err))
		return up, false
	}
	msgs, _ := res.(interface{ GetMessages() []tg.MessageClass })
	if msgs == nil {
		return up, false
	}
	for _, mc := range msgs.GetMessages() {
		m, ok := mc.(*tg.Message)
		if !ok || m.Media == nil {
			continue
		}
		fresh, ok := uploadOfMedia(m.Media)
		if !ok || fresh.TelegramID != up.TelegramID || fresh.Kind != up.Kind {
			continue
		}
		fresh.AccountID, fresh.FileID, fresh.RefreshedAt = req.AccountID, req.FileID, s.o.Now().UTC()
		if err := s.o.Store.SaveMediaUpload(context.WithoutCancel(ctx), fresh); err != nil {
			s.o.Logger.Warn("could not remember a refreshed file reference", "account", req.AccountID, "file", req.FileID, slog.Any("err", err))
		}
		return fresh, true
	}
	return up, false
}

// remember records the photo or document Telegram made of an account's
// upload. The message is sent: failing to record it only costs the next
// message an upload of its own.
func (s *Service) remember(ctx context.Context, req SendRequest, m tg.MessageMediaClass) {
	u, ok := uploadOfMedia(m)
	if !ok {
		return
	}
	u.AccountID, u.FileID, u.RefreshedAt = req.AccountID, req.FileID, s.o.Now().UTC()
	if err := s.o.Store.SaveMediaUpload(context.WithoutCancel(ctx), u); err != nil {
		s.o.Logger.Warn("could not remember an account's upload", "account", req.AccountID, "file", req.FileID, slog.Any("err", err))
	}
}

func (s *Service) sendRequest(req SendRequest, m tg.InputMediaClass) *tg.MessagesSendMediaRequest {
	return &tg.MessagesSendMediaRequest{Peer: req.Peer, Media: m, Message: req.Caption, Entities: req.Entities, RandomID: req.RandomID}
}

// isFileRefError reports Telegram refusing a remembered photo or
// document: its reference expired (refreshed, or uploaded again), or
// Telegram no longer knows it (uploaded again).
func isFileRefError(err error) bool {
	rpc, ok := tgerr.As(err)
	return ok && (strings.HasPrefix(rpc.Type, fileRefPrefix) || staleMedia[rpc.Type])
}

var staleMedia = map[string]bool{"MEDIA_INVALID": true, "MEDIA_EMPTY": true, "PHOTO_INVALID": true, "DOCUMENT_INVALID": true}

// existing names an account's earlier upload.
func existing(u store.MediaUpload) tg.InputMediaClass {
	if u.Kind == store.MediaPhoto {
		return &tg.InputMediaPhoto{ID: &tg.InputPhoto{ID: u.TelegramID, AccessHash: u.AccessHash, FileReference: u.FileReference}}
	}
	return &tg.InputMediaDocument{ID: &tg.InputDocument{ID: u.TelegramID, AccessHash: u.AccessHash, FileReference: u.FileReference}}
}

// uploaded is the InputMedia of freshly uploaded parts: a photo, or a
// document with its name and type (a voice note marked as one, a video as
// one that streams; any other file, or a photo past MaxPhotoSize, forced
// to show as a file).
func uploaded(f store.MediaFile, in tg.InputFileClass) tg.InputMediaClass {
	name := &tg.DocumentAttributeFilename{FileName: f.FileName}
	doc := &tg.InputMediaUploadedDocument{File: in, MimeType: f.MIMEType}
	switch {
	case f.Type == store.MediaPhoto && f.Size <= MaxPhotoSize:
		return &tg.InputMediaUploadedPhoto{File: in}
	case f.Type == store.MediaVideo:
		doc.Attributes = []tg.DocumentAttributeClass{&tg.DocumentAttributeVideo{SupportsStreaming: true}, name}
	case f.Type == store.MediaVoice:
		doc.Attributes = []tg.DocumentAttributeClass{&tg.DocumentAttributeAudio{Voice: true}, name}
	default:
		doc.ForceFile = true
		doc.Attributes = []tg.DocumentAttributeClass{name}
	}
	return doc
}

// uploadParts sends the file in PartSize parts as rd yields them, one part
// in memory at a time.
func uploadParts(ctx context.Context, api *tg.Client, rd io.Reader, f store.MediaFile) (tg.InputFileClass, error) {
	parts := int((f.Size + PartSize - 1) / PartSize)
	if parts == 0 || parts > maxFileParts {
		return nil, fmt.Errorf("media file %d: %d bytes cannot be uploaded in %d parts of %d", f.ID, f.Size, maxFileParts, PartSize)
	}
	big := f.Size > BigFileAfter
	var idb [8]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return nil, err
	}
	fileID := int64(binary.LittleEndian.Uint64(idb[:]) >> 1)
	sum := md5.New() // #nosec G401
	buf := make([]byte, PartSize)
	for part := range parts {
		n, err := io.ReadFull(rd, buf)
		if err != nil && !(errors.Is(err, io.ErrUnexpectedEOF) && part == parts-1) {
			return nil, fmt.Errorf("media file %d, part %d: %w", f.ID, part, err)
		}
		if !big {
			sum.Write(buf[:n])
			_, err = api.UploadSaveFilePart(ctx, &tg.UploadSaveFilePartRequest{FileID: fileID, FilePart: part, Bytes: buf[:n]})
		} else {
			_, err = api.UploadSaveBigFilePart(ctx, &tg.UploadSaveBigFilePartRequest{FileID: fileID, FilePart: part, FileTotalParts: parts, Bytes: buf[:n]})
		}
		if err != nil {
			return nil, fmt.Errorf("upload part %d of %d: %w", part+1, parts, err)
		}
	}
	if big {
		return &tg.InputFileBig{ID: fileID, Parts: parts, Name: f.FileName}, nil
	}
	return &tg.InputFile{ID: fileID, Parts: parts, Name: f.FileName, MD5Checksum: hex.EncodeToString(sum.Sum(nil))}, nil
}

// sentMessage finds the message sendMedia made in its answer: the one of
// the random_id, else the only new one.
func sentMessage(res tg.UpdatesClass, randomID int64) (*tg.Message, bool) {
	u, ok := res.(*tg.Updates)
	if !ok {
		return nil, false
	}
	id := 0
	for _, x := range u.Updates {
		if m, ok := x.(*tg.UpdateMessageID); ok && m.RandomID == randomID {
			id = m.ID
		}
	}
	for _, x := range u.Updates {
		if n, ok := x.(*tg.UpdateNewMessage); ok {
			if m, ok := n.Message.(*tg.Message); ok && (id == 0 || m.ID == id) {
				return m, true
			}
		}
	}
	return nil, false
}

// uploadOfMedia is the photo or document of a message's media.
func uploadOfMedia(m tg.MessageMediaClass) (store.MediaUpload, bool) {
	switch m := m.(type) {
	case *tg.MessageMediaPhoto:
		if p, ok := m.Photo.(*tg.Photo); ok {
			return store.MediaUpload{Kind: store.MediaPhoto, TelegramID: p.ID, AccessHash: p.AccessHash, FileReference: p.FileReference}, true
		}
	case *tg.MessageMediaDocument:
		if d, ok := m.Document.(*tg.Document); ok {
			return store.MediaUpload{Kind: store.MediaDocument, TelegramID: d.ID, AccessHash: d.AccessHash, FileReference: d.FileReference}, true
		}
	}
	return store.MediaUpload{}, false
}
