// Package media keeps the files campaigns attach (issue 20): it decides
// what Telegram is to show a file as from its bytes, stores it streamed
// into the database within a per-file limit and a per-workspace quota,
// and sends it through an account's connection, uploaded once per account.
package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
)

// Defaults of Options.
const (
	DefaultMaxFileSize = 50 << 20
	DefaultQuota       = 1 << 30
)

// CodeTooLarge refuses a file over the size limit.
const CodeTooLarge = "file_too_large"

// Store is the part of the store media uses.
type Store interface {
	PutMediaFile(ctx context.Context, f store.NewMediaFile, r io.Reader) (store.MediaFile, bool, error)
	MediaFile(ctx context.Context, userID, id int64) (store.MediaFile, error)
	OpenMediaFile(ctx context.Context, userID, id int64) (store.MediaFile, io.Reader, error)
	MediaUsage(ctx context.Context, userID int64) (int64, error)
	SaveMediaUpload(ctx context.Context, u store.MediaUpload) error
	MediaUpload(ctx context.Context, accountID, fileID int64) (store.MediaUpload, error)
	SaveMediaUploadProgress(ctx context.Context, p store.MediaUploadProgress) error
	MediaUploadProgress(ctx context.Context, accountID, fileID int64) (store.MediaUploadProgress, error)
	DeleteMediaUploadProgress(ctx context.Context, accountID, fileID int64) error
}

// Options are a Service's parts and limits.
type Options struct {
	Store Store
	// MaxFileSize is the largest file taken (default 50 MB).
	MaxFileSize int64
	// Quota is the most a workspace's files may add up to (default 1 GB).
	Quota  int64
	Logger *slog.Logger
	Now    func() time.Time
}

// Service stores attachments. It is safe for concurrent use.
type Service struct {
	o Options
	// carriers holds, per account and file, the id of the last message
	// that carried the file (see sent).
	carriers sync.Map
}

func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("media: Store is required")
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.Quota <= 0 {
		o.Quota = DefaultQuota
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{o: o}, nil
}

// MaxFileSize is the largest file Put takes.
func (s *Service) MaxFileSize() int64 { return s.o.MaxFileSize }

// sniffLen is what http.DetectContentType looks at.
const sniffLen = 512

// Put stores what r yields as a workspace's file named name, its type
// decided from its first bytes. A file over the size limit or past the
// quota is refused and leaves nothing stored; r is read in pieces and
// never held whole.
func (s *Service) Put(ctx context.Context, workspaceID int64, name string, r io.Reader) (store.MediaFile, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return store.MediaFile{}, err
	}
	name = cleanName(name)
	used, err := s.o.Store.MediaUsage(ctx, workspaceID)
	if err != nil {
		return store.MediaFile{}, err
	}
	if used >= s.o.Quota {
		return store.MediaFile{}, s.quotaError(used)
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return store.MediaFile{}, readError(err)
	}
	head = head[:n]
	if n == 0 {
		return store.MediaFile{}, fileError("The file is empty", "Choose the file again; it has no bytes.")
	}
	mimeType, typ := Sniff(head, name)
	body := &limitReader{r: io.MultiReader(bytes.NewReader(head), r), left: s.o.MaxFileSize}
	f, existed, err := s.o.Store.PutMediaFile(ctx, store.NewMediaFile{UserID: workspaceID, FileName: name, MIMEType: mimeType,
		Type: typ, Quota: s.o.Quota, Now: s.o.Now().UTC()}, body)
	switch {
	case errors.Is(err, errTooLarge):
		return store.MediaFile{}, s.TooLarge()
	case errors.Is(err, store.ErrMediaQuota):
		return store.MediaFile{}, s.quotaError(used)
	case err != nil:
		if _, ok := apperr.As(err); ok {
			return store.MediaFile{}, err
		}
		if body.failed != nil {
			return store.MediaFile{}, readError(err)
		}
		return store.MediaFile{}, fmt.Errorf("store media file: %w", err)
	}
	s.o.Logger.Info("media file stored", "workspace", workspaceID, "file", f.ID, "size", f.Size, "type", f.Type, "already_stored", existed)
	return f, nil
}

// TooLarge is the refusal of a file over the size limit.
func (s *Service) TooLarge() error {
	return &apperr.Error{Code: CodeTooLarge, Field: "file", Status: http.StatusRequestEntityTooLarge,
		Message: fmt.Sprintf("The file is larger than %s, the most this instance takes", humanBytes(s.o.MaxFileSize)),
		Hint:    "Send a smaller file: compress the video or the picture, or share a link to it in the message instead."}
}

func (s *Service) quotaError(used int64) error {
	return &apperr.Error{Code: apperr.CodeQuotaExceeded, Field: "file", Status: http.StatusUnprocessableEntity,
		Message: fmt.Sprintf("This file does not fit in the workspace's %s of attachments (%s used)", humanBytes(s.o.Quota), humanBytes(used)),
		Hint:    "Attachments stay as long as a campaign uses them; delete campaigns you no longer need, or ask the operator for a larger quota."}
}

func fileError(msg, hint string) error {
	e := apperr.Validation("file", msg)
	e.Hint = hint
	return e
}

func readError(err error) error {
	return (&apperr.Error{Code: apperr.CodeValidation, Field: "file", Message: "The file could not be read to its end",
		Hint: "Send it again; the upload was cut off."}).Wrap(err)
}

// errTooLarge is limitReader's refusal of the byte past its limit.
var errTooLarge = errors.New("media: file over the size limit")

// limitReader yields at most left bytes and fails on more, so a file
// over the limit ends in an error the store undoes, not in a truncated
// file.
type limitReader struct {
	r      io.Reader
	left   int64
	failed error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return 0, errTooLarge
	}
	if err != nil && err != io.EOF {
		l.failed = err
	}
	return n, err
}

// Sniff decides a file's MIME type and what Telegram shows it as from its
// first bytes. The name only refines a type the bytes leave generic, and
// never makes a file a photo, a video or a voice note: an executable named
// .jpg is a document.
func Sniff(head []byte, name string) (mimeType, typ string) {
	sniffed, _, err := mime.ParseMediaType(http.DetectContentType(head))
	if err != nil {
		sniffed = "application/octet-stream"
	}
	switch {
	case sniffed == "image/jpeg" || sniffed == "image/png":
		return sniffed, store.MediaPhoto
	case sniffed == "video/mp4":
		return sniffed, store.MediaVideo
	case oggOpus(head):
		return "audio/ogg", store.MediaVoice
	}
	if generic(sniffed) {
		if byName, _, err := mime.ParseMediaType(mime.TypeByExtension(strings.ToLower(path.Ext(name)))); err == nil && byName != "" && !showable(byName) {
			return byName, store.MediaDocument
		}
	}
	return sniffed, store.MediaDocument
}

// generic types say little of a file: a name's extension may say more.
func generic(t string) bool {
	return t == "application/octet-stream" || t == "application/zip" || t == "text/plain"
}

// showable types are ones Telegram renders inline: never taken from a name.
func showable(t string) bool {
	return strings.HasPrefix(t, "image/") || strings.HasPrefix(t, "video/") || strings.HasPrefix(t, "audio/")
}

// oggOpus reports an Ogg stream whose first packet is an Opus header: a
// voice note as Telegram's apps record one.
func oggOpus(head []byte) bool {
	return bytes.HasPrefix(head, []byte("OggS")) && bytes.Contains(head[:min(len(head), 64)], []byte("OpusHead"))
}

// maxNameRunes bounds a stored file name.
const maxNameRunes = 200

// cleanName keeps the last element of a name as a client gave it, without
// control characters, at most maxNameRunes long; "file" when nothing is
// left.
func cleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxNameRunes {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 16 {
			ext = ""
		}
		name = string([]rune(name)[:maxNameRunes-utf8.RuneCountInString(ext)]) + ext
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.4g MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.4g KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// File is a workspace's stored file. Another workspace's, or none, is a
// validation error on field, which names where the id was given.
func (s *Service) File(ctx context.Context, workspaceID, id int64, field string) (store.MediaFile, error) {
	f, err := s.o.Store.MediaFile(ctx, workspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		e := apperr.Validation(field, fmt.Sprintf("No attachment %d", id))
		e.Hint = "Upload the file first with POST /api/v1/media and give the id it answers with."
		return f, e
	}
	return f, err
}
