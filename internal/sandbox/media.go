package sandbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// Telegram's caption limit, in UTF-16 code units as the text limit is.
const maxCaptionLength = 1024

var (
	errCaptionTooLong  = rpcErr(400, "MEDIA_CAPTION_TOO_LONG")
	errMediaInvalid    = rpcErr(400, "MEDIA_INVALID")
	errMediaEmpty      = rpcErr(400, "MEDIA_EMPTY")
	errFileRefEmpty    = rpcErr(400, "FILE_REFERENCE_EMPTY")
	errFileRefInvalid  = rpcErr(400, "FILE_REFERENCE_INVALID")
	errFileRefExpired  = rpcErr(400, "FILE_REFERENCE_EXPIRED")
	errLocationInvalid = rpcErr(400, "LOCATION_INVALID")
	errLimitInvalid    = rpcErr(400, "LIMIT_INVALID")
	errOffsetInvalid   = rpcErr(400, "OFFSET_INVALID")
)

// Media is a photo or file a message carries. A message written with Write
// may carry a placeholder (type and size, no bytes); a photo or document
// sent with messages.sendMedia, or written with bytes, is a stored file
// that can be downloaded with upload.getFile.
type Media struct {
	// Type is "photo", "video", "voice", "audio" or "document".
	Type     string `json:"type"`
	Size     int64  `json:"size"`
	MimeType string `json:"mime_type,omitempty"`
	FileName string `json:"file_name,omitempty"`
	// SHA256 is of the bytes the sender uploaded (for a photo, the picture
	// before Telegram re-encodes its sizes), so a test can tell which file
	// arrived.
	SHA256 string `json:"sha256,omitempty"`
	// File is the stored photo or document; 0 for a placeholder.
	File int64 `json:"file,omitempty"`
	// Data is the file's bytes for Write (base64 in JSON); it is never
	// kept in a message or the record.
	Data []byte `json:"data,omitempty"`
}

func (m *Media) check() error {
	switch m.Type {
	case "photo", "video", "voice", "audio", "document":
	default:
		return fmt.Errorf("media type %q: use photo, video, voice, audio or document", m.Type)
	}
	if m.Data != nil {
		if len(m.Data) == 0 {
			return errors.New("media.data is empty: send the file's bytes in base64, or leave data out for a placeholder")
		}
		if m.Size != 0 && m.Size != int64(len(m.Data)) {
			return fmt.Errorf("media.size %d is not the length of media.data (%d bytes): leave size out when sending data", m.Size, len(m.Data))
		}
		return nil
	}
	if m.Size < 0 || m.Size > 4<<30 {
		return errors.New("media size must be between 0 and 4 GiB")
	}
	return nil
}

// tg is a placeholder as Telegram describes it in a message, with ids made
// from the message so they are stable across restarts; it cannot be
// downloaded.
func (m *Media) tg(msg boxMsg) tg.MessageMediaClass {
	id := accessHashFor('m', int64(msg.Date)<<20|int64(msg.ID))
	if m.Type == "photo" {
		return &tg.MessageMediaPhoto{Photo: &tg.Photo{
			ID: id, AccessHash: id, FileReference: []byte{}, Date: msg.Date, DCID: 1,
			Sizes: []tg.PhotoSizeClass{&tg.PhotoSize{Type: "y", W: 1280, H: 960, Size: int(m.Size)}},
		}}
	}
	attrs := writeAttributes(m.Type, m.FileName)
	return &tg.MessageMediaDocument{Document: &tg.Document{
		ID: id, AccessHash: id, FileReference: []byte{}, Date: msg.Date, MimeType: defaultMime(m.Type, m.MimeType), Size: m.Size, DCID: 1,
		Attributes: attrs,
	}}
}

// writeAttributes are what a Telegram app attaches to a file of this type.
func writeAttributes(typ, name string) []tg.DocumentAttributeClass {
	var attrs []tg.DocumentAttributeClass
	switch typ {
	case "video":
		attrs = append(attrs, &tg.DocumentAttributeVideo{Duration: 10, W: 1280, H: 720})
	case "voice":
		attrs = append(attrs, &tg.DocumentAttributeAudio{Voice: true, Duration: 5})
	case "audio":
		attrs = append(attrs, &tg.DocumentAttributeAudio{Duration: 180})
	}
	if name != "" || typ == "document" {
		attrs = append(attrs, &tg.DocumentAttributeFilename{FileName: cmpOr(name, "file")})
	}
	return attrs
}

func defaultMime(typ, mime string) string {
	switch typ {
	case "video":
		return cmpOr(mime, "video/mp4")
	case "voice":
		return cmpOr(mime, "audio/ogg")
	case "audio":
		return cmpOr(mime, "audio/mpeg")
	}
	return cmpOr(mime, "application/octet-stream")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// storedFile is a photo or document the data center keeps: its bytes live
// in the blob store by sha256, this is what the state file keeps.
type storedFile struct {
	ID         int64  `json:"id"`
	AccessHash int64  `json:"access_hash"`
	Photo      bool   `json:"photo,omitempty"`
	Type       string `json:"type"`
	// SHA256 and Size are of the uploaded bytes; a document is served as
	// them, a photo as its sizes.
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	MimeType string `json:"mime_type,omitempty"`
	FileName string `json:"file_name,omitempty"`
	Date     int    `json:"date"`
	DC       int    `json:"dc"`
	// Attrs are the document's attributes as the client sent them,
	// TL-encoded, so they come back exactly.
	Attrs [][]byte    `json:"attrs,omitempty"`
	Sizes []photoSize `json:"sizes,omitempty"`
}

func (f *storedFile) media() *Media {
	return &Media{Type: f.Type, Size: f.Size, MimeType: f.MimeType, FileName: f.FileName, SHA256: f.SHA256, File: f.ID}
}

// docType is how a Telegram app shows a document: by its attributes.
func docType(attrs []tg.DocumentAttributeClass) string {
	typ := "document"
	for _, a := range attrs {
		switch a := a.(type) {
		case *tg.DocumentAttributeAudio:
			if a.Voice {
				return "voice"
			}
			typ = "audio"
		case *tg.DocumentAttributeVideo:
			typ = "video"
		}
	}
	return typ
}

func fileNameOf(attrs []tg.DocumentAttributeClass, fallback string) string {
	for _, a := range attrs {
		if f, ok := a.(*tg.DocumentAttributeFilename); ok {
			return f.FileName
		}
	}
	return fallback
}

// newFile keeps uploaded bytes as a photo (its sizes made and the original
// dropped, as Telegram does) or a document. The slow part runs without
// s.mu.
func (s *Server) newFile(dc int, photo bool, data []byte, name, mime string, attrs []tg.DocumentAttributeClass) (*storedFile, error) {
	f := &storedFile{
		ID: randInt64(), AccessHash: randInt64(), Photo: photo, Size: int64(len(data)),
		SHA256: sha256Hex(data), Date: int(s.now().Unix()), DC: dc,
	}
	if photo {
		sizes, err := makePhotoSizes(data)
		if err != nil {
			return nil, err
		}
		for i := range sizes {
			if sizes[i].SHA256, err = s.blobs.put(sizes[i].data); err != nil {
				return nil, err
			}
			sizes[i].data = nil
		}
		f.Type, f.MimeType, f.FileName, f.Sizes = "photo", "image/jpeg", name, sizes
	} else {
		if _, err := s.blobs.put(data); err != nil {
			return nil, err
		}
		f.Type, f.MimeType, f.FileName = docType(attrs), defaultMime(docType(attrs), mime), fileNameOf(attrs, name)
		for _, a := range attrs {
			var b bin.Buffer
			if err := a.Encode(&b); err != nil {
				return nil, errMediaInvalid
			}
			f.Attrs = append(f.Attrs, b.Copy())
		}
	}
	s.mu.Lock()
	s.files[f.ID] = f
	s.dirty = true
	s.mu.Unlock()
	return f, nil
}

// fileRefKey signs file references; it is made from the data centers' RSA
// key so references stay valid across a restart with the same state.
func (s *Server) fileRefKey() []byte {
	s.refKeyOnce.Do(func() {
		h := sha256.Sum256(append([]byte("file reference"), x509.MarshalPKCS1PrivateKey(s.key)...))
		s.refKey = h[:]
	})
	return s.refKey
}

func (s *Server) fileRefMAC(id, issued int64) []byte {
	m := hmac.New(sha256.New, s.fileRefKey())
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(id))
	binary.BigEndian.PutUint64(b[8:], uint64(issued))
	m.Write(b[:])
	return m.Sum(nil)[:8]
}

// fileRef is a file reference issued now: when it was issued and a MAC, so
// the sandbox can tell its age without remembering it.
func (s *Server) fileRef(id int64) []byte {
	issued := s.now().Unix()
	b := binary.BigEndian.AppendUint64(nil, uint64(issued))
	return append(b, s.fileRefMAC(id, issued)...)
}

func (s *Server) checkFileRef(id int64, ref []byte) error {
	if len(ref) == 0 {
		return errFileRefEmpty
	}
	if len(ref) != 16 {
		return errFileRefInvalid
	}
	issued := int64(binary.BigEndian.Uint64(ref[:8]))
	if !hmac.Equal(ref[8:], s.fileRefMAC(id, issued)) {
		return errFileRefInvalid
	}
	if ttl := time.Duration(s.fileRefTTL.Load()); ttl > 0 && s.now().Sub(time.Unix(issued, 0)) > ttl {
		return errFileRefExpired
	}
	return nil
}

// SetFileReferenceTTL makes file references expire d after they were
// handed out (FILE_REFERENCE_EXPIRED, as Telegram's do after a while);
// 0, the default, keeps them valid. A fresh reference comes with
// messages.uploadMedia or by fetching the message again.
func (s *Server) SetFileReferenceTTL(d time.Duration) { s.fileRefTTL.Store(int64(max(d, 0))) }

// FileReferenceTTL is what SetFileReferenceTTL set.
func (s *Server) FileReferenceTTL() time.Duration { return time.Duration(s.fileRefTTL.Load()) }

// fileMedia is a stored file as a message's media, with a fresh file
// reference; s.mu is held.
func (s *Server) fileMedia(f *storedFile) tg.MessageMediaClass {
	if f.Photo {
		return &tg.MessageMediaPhoto{Photo: s.tgPhoto(f)}
	}
	return &tg.MessageMediaDocument{Document: s.tgDocument(f)}
}

func (s *Server) tgPhoto(f *storedFile) *tg.Photo {
	sizes := make([]tg.PhotoSizeClass, 0, len(f.Sizes))
	for _, z := range f.Sizes {
		sizes = append(sizes, &tg.PhotoSize{Type: z.Type, W: z.W, H: z.H, Size: z.Size})
	}
	return &tg.Photo{ID: f.ID, AccessHash: f.AccessHash, FileReference: s.fileRef(f.ID), Date: f.Date, Sizes: sizes, DCID: f.DC}
}

func (s *Server) tgDocument(f *storedFile) *tg.Document {
	attrs := []tg.DocumentAttributeClass{}
	for _, raw := range f.Attrs {
		if a, err := tg.DecodeDocumentAttribute(&bin.Buffer{Buf: raw}); err == nil {
			attrs = append(attrs, a)
		}
	}
	return &tg.Document{
		ID: f.ID, AccessHash: f.AccessHash, FileReference: s.fileRef(f.ID), Date: f.Date,
		MimeType: f.MimeType, Size: f.Size, DCID: f.DC, Attributes: attrs,
	}
}

// existingFile is a photo or document a client names by id, access hash
// and file reference; s.mu is held.
func (s *Server) existingFile(photo bool, id, hash int64, ref []byte) (*storedFile, error) {
	f := s.files[id]
	if f == nil || f.AccessHash != hash || f.Photo != photo {
		return nil, errMediaInvalid
	}
	if err := s.checkFileRef(id, ref); err != nil {
		return nil, err
	}
	return f, nil
}

// inputMedia turns what a client sends into a stored file: uploaded parts
// become a new photo or document, a reference names one already kept.
func (s *Server) inputMedia(c *caller, in tg.InputMediaClass) (*storedFile, error) {
	switch m := in.(type) {
	case *tg.InputMediaUploadedPhoto:
		up, err := s.takeUpload(c, m.File)
		if err != nil {
			return nil, err
		}
		return s.newFile(c.ref.DC, true, up.data, up.name, "", nil)
	case *tg.InputMediaUploadedDocument:
		up, err := s.takeUpload(c, m.File)
		if err != nil {
			return nil, err
		}
		return s.newFile(c.ref.DC, false, up.data, up.name, m.MimeType, m.Attributes)
	case *tg.InputMediaPhoto:
		p, ok := m.ID.(*tg.InputPhoto)
		if !ok {
			return nil, errMediaEmpty
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.existingFile(true, p.ID, p.AccessHash, p.FileReference)
	case *tg.InputMediaDocument:
		d, ok := m.ID.(*tg.InputDocument)
		if !ok {
			return nil, errMediaEmpty
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.existingFile(false, d.ID, d.AccessHash, d.FileReference)
	}
	// Geo points, contacts, polls, dice and the rest are outside what the
	// sandbox models.
	return nil, errMediaInvalid
}

// uploadMedia keeps a photo or document without sending it, answering it
// with a fresh file reference: how a client uploads once and sends the
// same file many times, and how it refreshes an expired reference.
func (s *Server) uploadMedia(ctx context.Context, req *tg.MessagesUploadMediaRequest) (tg.MessageMediaClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	_, err := s.inputPeer(c.userID, req.Peer)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	f, err := s.inputMedia(c, req.Media)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fileMedia(f), nil
}

// getFile serves a stored photo size or document in pieces, with
// Telegram's rules for offset and limit: both multiples of 4 KB, a limit
// that divides 1 MB; with precise, multiples of 1 KB and a piece that does
// not cross a 1 MB boundary.
func (s *Server) getFile(ctx context.Context, req *tg.UploadGetFileRequest) (tg.UploadFileClass, error) {
	const mb = 1 << 20
	if req.Limit <= 0 || req.Limit > mb {
		return nil, errLimitInvalid
	}
	if req.Offset < 0 {
		return nil, errOffsetInvalid
	}
	if req.Precise {
		if req.Limit%1024 != 0 {
			return nil, errLimitInvalid
		}
		if req.Offset%1024 != 0 || req.Offset/mb != (req.Offset+int64(req.Limit)-1)/mb {
			return nil, errOffsetInvalid
		}
	} else {
		if req.Limit%4096 != 0 || mb%req.Limit != 0 {
			return nil, errLimitInvalid
		}
		if req.Offset%4096 != 0 {
			return nil, errOffsetInvalid
		}
	}
	var (
		sum   string
		mtime int
		typ   tg.StorageFileTypeClass
		dc    int
	)
	s.mu.Lock()
	switch l := req.Location.(type) {
	case *tg.InputPhotoFileLocation:
		f, err := s.existingFile(true, l.ID, l.AccessHash, l.FileReference)
		if err != nil {
			s.mu.Unlock()
			return nil, locationErr(err)
		}
		dc = f.DC
		for _, z := range f.Sizes {
			if z.Type == l.ThumbSize {
				sum = z.SHA256
			}
		}
		mtime, typ = f.Date, &tg.StorageFileJpeg{}
	case *tg.InputDocumentFileLocation:
		f, err := s.existingFile(false, l.ID, l.AccessHash, l.FileReference)
		if err != nil {
			s.mu.Unlock()
			return nil, locationErr(err)
		}
		dc = f.DC
		// Documents have no thumbnails here: only the file itself.
		if l.ThumbSize == "" {
			sum = f.SHA256
		}
		mtime, typ = f.Date, &tg.StorageFilePartial{}
	}
	s.mu.Unlock()
	if sum == "" {
		return nil, errLocationInvalid
	}
	if here := callerFrom(ctx).ref.DC; dc != 0 && dc != here {
		// As Telegram: the file is served only by the data center that
		// keeps it, to a connection authorised there
		// (auth.exportAuthorization here, auth.importAuthorization there).
		return nil, rpcErr(303, fmt.Sprintf("FILE_MIGRATE_%d", dc))
	}
	data, err := s.blobs.readAt(sum, req.Offset, req.Limit)
	if err != nil {
		s.log.Error("sandbox file lost", "sha256", sum, "err", err)
		return nil, rpcErr(500, "FILE_READ_FAILED")
	}
	return &tg.UploadFile{Type: typ, Mtime: mtime, Bytes: data}, nil
}

// locationErr: a file the sandbox does not have is a bad location; a bad
// reference is named as such.
func locationErr(err error) error {
	if errors.Is(err, errMediaInvalid) {
		return errLocationInvalid
	}
	return err
}

// getMessages returns the caller's private messages by id, with their
// media's file references fresh; ids it does not have are messageEmpty.
func (s *Server) getMessages(ctx context.Context, ids []tg.InputMessageClass) (tg.MessagesMessagesClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.box(c.userID)
	users := map[int64]bool{c.userID: true}
	msgs := make([]tg.MessageClass, 0, len(ids))
	for _, in := range ids {
		id, ok := in.(*tg.InputMessageID)
		if !ok {
			return nil, errMessageIDInvalid
		}
		if id.ID < 1 || id.ID > len(b.Msgs) {
			msgs = append(msgs, &tg.MessageEmpty{ID: id.ID})
			continue
		}
		m := b.Msgs[id.ID-1]
		msgs = append(msgs, s.boxMessage(c.userID, m))
		users[m.Peer] = true
	}
	return &tg.MessagesMessages{Messages: msgs, Chats: []tg.ChatClass{}, Users: s.usersFor(c.userID, users)}, nil
}

var errMessageIDInvalid = rpcErr(400, "MESSAGE_ID_INVALID")
