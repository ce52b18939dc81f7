package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// FilePart is the most upload.getFile hands out at once (1 MB): a file is
// downloaded in parts of this size, one in memory at a time.
const FilePart = 1 << 20

// ErrNoFile is MessageFile's answer for a message without a photo or file
// of the size asked (text, a location, a document without a thumbnail),
// or one Telegram no longer has.
var ErrNoFile = errors.New("telegram: the message has no such file")

// File is one size of a message's photo, or its document, as
// upload.getFile names it.
type File struct {
	Location tg.InputFileLocationClass
	// Size is in bytes when Telegram said, else 0.
	Size     int64
	MIMEType string
	// DC is the data center that keeps the file.
	DC int
}

// MessageFile fetches a private message of the account again, for the
// fresh file reference Telegram gives with it (a stored one expires), and
// names the file of its media: the photo's thumbnail or a document's
// when thumb, else the photo's largest size or the document itself.
func MessageFile(ctx context.Context, api *tg.Client, messageID int, thumb bool) (File, error) {
	res, err := api.MessagesGetMessages(ctx, []tg.InputMessageClass{&tg.InputMessageID{ID: messageID}})
	if err != nil {
		return File{}, fmt.Errorf("telegram messages.getMessages: %w", err)
	}
	msgs, ok := res.(interface{ GetMessages() []tg.MessageClass })
	if !ok {
		return File{}, ErrNoFile
	}
	for _, mc := range msgs.GetMessages() {
		m, ok := mc.(*tg.Message)
		if !ok || m.ID != messageID {
			continue
		}
		media, ok := m.GetMedia()
		if !ok {
			return File{}, ErrNoFile
		}
		return fileOfMedia(media, thumb)
	}
	return File{}, ErrNoFile
}

func fileOfMedia(media tg.MessageMediaClass, thumb bool) (File, error) {
	switch v := media.(type) {
	case *tg.MessageMediaPhoto:
		p, ok := v.Photo.(*tg.Photo)
		if !ok {
			return File{}, ErrNoFile
		}
		size, ok := pickSize(p.Sizes, thumb)
		if !ok {
			return File{}, ErrNoFile
		}
		return File{Location: &tg.InputPhotoFileLocation{ID: p.ID, AccessHash: p.AccessHash, FileReference: p.FileReference,
			ThumbSize: size.typ}, Size: size.bytes, MIMEType: "image/jpeg", DC: p.DCID}, nil
	case *tg.MessageMediaDocument:
		d, ok := v.Document.(*tg.Document)
		if !ok {
			return File{}, ErrNoFile
		}
		loc := &tg.InputDocumentFileLocation{ID: d.ID, AccessHash: d.AccessHash, FileReference: d.FileReference}
		if !thumb {
			return File{Location: loc, Size: d.Size, MIMEType: d.MimeType, DC: d.DCID}, nil
		}
		size, ok := pickSize(d.Thumbs, true)
		if !ok {
			return File{}, ErrNoFile
		}
		loc.ThumbSize = size.typ
		return File{Location: loc, Size: size.bytes, MIMEType: "image/jpeg", DC: d.DCID}, nil
	}
	return File{}, ErrNoFile
}

type photoSize struct {
	typ   string
	area  int
	bytes int64
}

// pickSize chooses among a photo's sizes that can be downloaded: the
// thumbnail ("m", 320 pixels a side, else the smallest), or the largest.
func pickSize(sizes []tg.PhotoSizeClass, thumb bool) (photoSize, bool) {
	var all []photoSize
	for _, s := range sizes {
		switch v := s.(type) {
		case *tg.PhotoSize:
			all = append(all, photoSize{v.Type, v.W * v.H, int64(v.Size)})
		case *tg.PhotoSizeProgressive:
			var n int64
			for _, b := range v.Sizes {
				n = max(n, int64(b))
			}
			all = append(all, photoSize{v.Type, v.W * v.H, n})
		}
	}
	if len(all) == 0 {
		return photoSize{}, false
	}
	best := all[0]
	for _, s := range all[1:] {
		if thumb && (best.typ == "m" || s.typ != "m" && s.area >= best.area) || !thumb && s.area <= best.area {
			continue
		}
		best = s
	}
	return best, true
}

// Download writes a file to w as upload.getFile hands it out, in parts of
// FilePart, one in memory at a time, and returns the bytes written. The
// parts come from the data center that keeps the file (f.DC), over the
// account's own connection when it is the account's DC, else over a
// connection of the account's client to that DC (OtherDCs in ctx; without
// it, the account's connection, where gotd follows FILE_MIGRATE itself).
// A FILE_MIGRATE there is followed once more. A file behind a CDN is
// refused.
func Download(ctx context.Context, api *tg.Client, f File, w io.Writer) (int64, error) {
	open, others := OtherDCsOf(ctx)
	release := func() {}
	defer func() { release() }()
	at := func(dc int) error {
		if !others || dc == 0 {
			return nil
		}
		a, r, err := open(ctx, dc)
		if err != nil {
			return err
		}
		release()
		api, release = a, r
		return nil
	}
	if err := at(f.DC); err != nil {
		return 0, err
	}
	var offset int64
	moved := false
	for {
		res, err := api.UploadGetFile(ctx, &tg.UploadGetFileRequest{Location: f.Location, Offset: offset, Limit: FilePart})
		if dc, migrate := fileMigrate(err); migrate && others && !moved {
			// The file is not where the message said: Telegram names
			// the right DC.
			moved = true
			if err := at(dc); err != nil {
				return offset, err
			}
			continue
		}
		if err != nil {
			return offset, fmt.Errorf("telegram upload.getFile at %d: %w", offset, err)
		}
		part, ok := res.(*tg.UploadFile)
		if !ok {
			return offset, fmt.Errorf("telegram upload.getFile at %d: the file is served by a CDN, which is not supported", offset)
		}
		if len(part.Bytes) > 0 {
			if _, err := w.Write(part.Bytes); err != nil {
				return offset, err
			}
			offset += int64(len(part.Bytes))
		}
		if len(part.Bytes) < FilePart {
			return offset, nil
		}
	}
}

// fileMigrate is the DC a FILE_MIGRATE_X names.
func fileMigrate(err error) (int, bool) {
	rpc, ok := tgerr.As(err)
	if !ok || rpc.Type != "FILE_MIGRATE" || rpc.Argument <= 0 {
		return 0, false
	}
	return rpc.Argument, true
}
