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
	"time"

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
// earlier upload was reused, less than the file when one resumed) and whether a file reference was refreshed.
type SendStats struct {
	Uploaded  int64
	Refreshed bool
}

// Send sends a stored file with its caption through api, an account's
// connection. The account uploads the file the first time (in parts read
// from the store as they go) and remembers the photo or document Telegram
// made of it; later messages send that again. An upload cut off (a crash,
// a lost connection) goes on from where its recorded progress says, and
// from the start once more if Telegram refuses the parts it had. A file
// reference Telegram calls expired is refreshed by uploading again, and
// the message goes again with its random_id.
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
	in, n, resumed, err := s.upload(ctx, api, req, true)
	stats.Uploaded += n
	var res tg.UpdatesClass
	if err == nil {
		res, err = api.MessagesSendMedia(ctx, s.sendRequest(req, in))
	}
	if resumed && isUploadRefused(err) {
		// Telegram no longer has the parts sent before (it forgets unused
		// ones after a while), or not all of them: once more from the
		// start, under a new file id.
		s.o.Logger.Info("a resumed upload was refused; uploading the file again from its start", "account", req.AccountID, "file", req.FileID, slog.Any("err", err))
		in, n, _, err = s.upload(ctx, api, req, false)
		stats.Uploaded += n
		if err == nil {
			res, err = api.MessagesSendMedia(ctx, s.sendRequest(req, in))
		}
	}
	if err != nil {
		return nil, stats, err
	}
	s.sent(req, res)
	if m, ok := sentMessage(res, req.RandomID); ok {
		s.remember(ctx, req, m.Media)
	} else if err := s.o.Store.DeleteMediaUploadProgress(context.WithoutCancel(ctx), req.AccountID, req.FileID); err != nil {
		// The message took the parts: resuming them would only be refused.
		s.o.Logger.Warn("could not forget a finished upload", "account", req.AccountID, "file", req.FileID, slog.Any("err", err))
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

// progressEvery is how many parts go up between two records of an
// upload's progress: a crash sends at most that many parts again (2 MB),
// for one small write per 2 MB rather than one per part, which on SQLite
// would queue behind the campaign's own writes for every 512 KB.
const progressEvery = 4

// upload uploads the request's file and returns the InputMedia that sends
// it, with the bytes it sent. With resume, an upload of the file by the
// account that a crash or an error cut off goes on from the part after
// the last one recorded, under its file id (resumed is true then);
// otherwise, or when there is none, it begins at part 0 under a new id.
func (s *Service) upload(ctx context.Context, api *tg.Client, req SendRequest, resume bool) (in tg.InputMediaClass, sent int64, resumed bool, err error) {
	f, rd, err := s.o.Store.OpenMediaFile(ctx, req.WorkspaceID, req.FileID)
	if err != nil {
		return nil, 0, false, fmt.Errorf("open media file %d: %w", req.FileID, err)
	}
	parts := int((f.Size + PartSize - 1) / PartSize)
	if parts == 0 || parts > maxFileParts {
		return nil, 0, false, fmt.Errorf("media file %d: %d bytes cannot be uploaded in %d parts of %d", f.ID, f.Size, maxFileParts, PartSize)
	}
	u := uploadState{file: f, parts: parts, big: f.Size > BigFileAfter}
	prog, err := s.o.Store.MediaUploadProgress(ctx, req.AccountID, req.FileID)
	switch {
	case err == nil && resume && prog.Big == u.big && prog.Parts > 0 && prog.Parts <= parts:
		u.id, u.from, resumed = prog.UploadID, prog.Parts, true
		s.o.Logger.Info("resuming an upload", "account", req.AccountID, "file", req.FileID, "part", u.from, "parts", parts)
	case err == nil:
		if err := s.o.Store.DeleteMediaUploadProgress(ctx, req.AccountID, req.FileID); err != nil {
			return nil, 0, false, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return nil, 0, false, err
	}
	if !resumed {
		var idb [8]byte
		if _, err := rand.Read(idb[:]); err != nil {
			return nil, 0, false, err
		}
		u.id = int64(binary.LittleEndian.Uint64(idb[:]) >> 1)
	}
	save := func(done int) {
		// Losing a record only costs a crash a few more parts.
		if err := s.o.Store.SaveMediaUploadProgress(ctx, store.MediaUploadProgress{AccountID: req.AccountID, FileID: req.FileID,
			UploadID: u.id, Big: u.big, Parts: done, UpdatedAt: s.o.Now().UTC()}); err != nil {
			s.o.Logger.Warn("could not record an upload's progress", "account", req.AccountID, "file", req.FileID, slog.Any("err", err))
		}
	}
	started := time.Now()
	file, sent, err := u.send(ctx, api, rd, save)
	if err != nil {
		return nil, sent, resumed, err
	}
	s.o.Logger.Info("file uploaded", "account", req.AccountID, "file", req.FileID, "bytes", sent, "parts", parts-u.from,
		"took", time.Since(started).Round(time.Millisecond))
	return uploaded(f, file), sent, resumed, nil
}

// uploadState is one upload of a file: its file id, and the first part
// still to send.
type uploadState struct {
	file  store.MediaFile
	parts int
	big   bool
	id    int64
	from  int
}

// send sends the file's parts from u.from in PartSize parts as rd yields
// them, calling save with the parts done every progressEvery parts and at
// the end. A small file's MD5 covers every part, so the parts sent before
// are read again for it; a big file has none and skips them.
//
// The next part is read from the store while this one is on its way, and
// a progress record is written while the next parts are: with a 20 ms round
// trip, reading and recording in turn with the sends made an account's
// first message wait for all of its reads and writes on top of the
// upload. Two parts are in memory at a time, never the file.
func (u uploadState) send(ctx context.Context, api *tg.Client, rd io.Reader, save func(done int)) (tg.InputFileClass, int64, error) {
	sum := md5.New() // #nosec G401
	if u.from > 0 {
		skip := min(int64(u.from)*PartSize, u.file.Size)
		var err error
		if sk, ok := rd.(io.Seeker); ok && u.big {
			_, err = sk.Seek(skip, io.SeekStart)
		} else {
			_, err = io.CopyN(sum, rd, skip)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("media file %d, to part %d: %w", u.file.ID, u.from, err)
		}
	}
	next, stop := readAhead(ctx, rd, u.parts-u.from)
	defer stop()
	var saving chan struct{} // closed when the last progress record is written
	defer func() {
		if saving != nil {
			<-saving
		}
	}()
	var sent int64
	for part := u.from; part < u.parts; part++ {
		p, ok := <-next
		if !ok { // ctx ended
			return nil, sent, fmt.Errorf("media file %d, part %d: %w", u.file.ID, part, context.Cause(ctx))
		}
		n, err := p.n, p.err
		if err != nil && !(errors.Is(err, io.ErrUnexpectedEOF) && part == u.parts-1) {
			return nil, sent, fmt.Errorf("media file %d, part %d: %w", u.file.ID, part, err)
		}
		if !u.big {
			sum.Write(p.buf[:n])
			_, err = api.UploadSaveFilePart(ctx, &tg.UploadSaveFilePartRequest{FileID: u.id, FilePart: part, Bytes: p.buf[:n]})
		} else {
			_, err = api.UploadSaveBigFilePart(ctx, &tg.UploadSaveBigFilePartRequest{FileID: u.id, FilePart: part, FileTotalParts: u.parts, Bytes: p.buf[:n]})
		}
		p.done()
		if err != nil {
			return nil, sent, fmt.Errorf("upload part %d of %d: %w", part+1, u.parts, err)
		}
		sent += int64(n)
		if done := part + 1; done%progressEvery == 0 || done == u.parts {
			// One record at a time, in order: the last one written is
			// the furthest.
			if saving != nil {
				<-saving
			}
			saving = make(chan struct{})
			go func(ch chan struct{}) {
				defer close(ch)
				save(done)
			}(saving)
		}
	}
	if u.big {
		return &tg.InputFileBig{ID: u.id, Parts: u.parts, Name: u.file.FileName}, sent, nil
	}
	return &tg.InputFile{ID: u.id, Parts: u.parts, Name: u.file.FileName, MD5Checksum: hex.EncodeToString(sum.Sum(nil))}, sent, nil
}

// readPart is one part read ahead; done gives its buffer back for the
// part after the next.
type readPart struct {
	buf  []byte
	n    int
	err  error
	done func()
}

// readAhead reads count parts of rd on a goroutine of its own, one part
// ahead of the caller, into two buffers that take turns. A read error
// ends it after that part; next is closed when it ends. stop ends it and
// waits until it no longer reads rd, whose reads go to the store.
func readAhead(ctx context.Context, rd io.Reader, count int) (next <-chan readPart, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan readPart)
	free := make(chan []byte, 2)
	for range min(count, 2) {
		free <- make([]byte, PartSize)
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		defer close(out)
		for range count {
			var buf []byte
			select {
			case buf = <-free:
			case <-ctx.Done():
				return
			}
			n, err := io.ReadFull(rd, buf)
			p := readPart{buf: buf, n: n, err: err, done: func() { free <- buf }}
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out, func() {
		cancel()
		<-ended
	}
}

// isUploadRefused reports Telegram refusing an uploaded file or one of its
// parts: a part it does not have (FILE_PART_3_MISSING), parts that do not
// add up, a checksum that does not match.
func isUploadRefused(err error) bool {
	rpc, ok := tgerr.As(err)
	return ok && (strings.HasPrefix(rpc.Type, "FILE_PART") || rpc.Type == "MD5_CHECKSUM_INVALID" || rpc.Type == "FILE_ID_INVALID")
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
