package store

import (
	"context"
	"errors"
	"io"
	"time"
)

// MediaChunkSize is the size of each stored piece of a media file: a file
// is written and read one chunk at a time, so memory holds a chunk, never
// the file.
const MediaChunkSize = 1 << 20

// Media types: what Telegram is asked to show a file as.
const (
	MediaPhoto    = "photo"
	MediaVideo    = "video"
	MediaDocument = "document"
	MediaVoice    = "voice"
)

// ErrMediaQuota is PutMediaFile's refusal of a file that would take the
// workspace's stored media past NewMediaFile.Quota.
var ErrMediaQuota = errors.New("store: media quota exceeded")

// MediaFile is a stored attachment, content-addressed within its workspace.
type MediaFile struct {
	ID     int64
	UserID int64 // the workspace
	SHA256 []byte
	Size   int64
	// MIMEType and Type were decided from the bytes by the caller; FileName
	// is the name the file was first stored under.
	MIMEType  string
	Type      string
	FileName  string
	CreatedAt time.Time
}

type NewMediaFile struct {
	UserID   int64
	FileName string
	MIMEType string
	Type     string
	// Quota, when above zero, is the most the workspace's complete files
	// may add up to with this one.
	Quota int64
	Now   time.Time
}

// MediaUpload is what Telegram made of a file uploaded by one account: the
// photo or document later messages of that account send again.
type MediaUpload struct {
	AccountID     int64
	FileID        int64
	Kind          string // MediaPhoto or MediaDocument
	TelegramID    int64
	AccessHash    int64
	FileReference []byte
	RefreshedAt   time.Time
}

// MediaUploadProgress is an account's upload of a file to Telegram still in
// flight: Parts parts (from the first) went up under UploadID, the file id
// the client chose, the big way (saveBigFilePart) or not.
type MediaUploadProgress struct {
	AccountID int64
	FileID    int64
	UploadID  int64
	Big       bool
	Parts     int
	UpdatedAt time.Time
}

type Media interface {
	// PutMediaFile stores what r yields, chunk by chunk, hashing as it
	// writes. When the workspace already holds the same bytes it returns
	// that file (its name and type as first stored, CreatedAt now f.Now,
	// so DeleteUnusedMediaFiles sees it as new) and true. An error
	// from r, or ErrMediaQuota, is returned as is, and leaves no row or
	// chunk behind (a crash can: DeleteIncompleteMediaFiles clears those).
	// A half-written file is invisible to every other method.
	PutMediaFile(ctx context.Context, f NewMediaFile, r io.Reader) (MediaFile, bool, error)
	// MediaFile is ErrNotFound for another workspace's file.
	MediaFile(ctx context.Context, userID, id int64) (MediaFile, error)
	// OpenMediaFile reads a file back one chunk at a time. The reader
	// queries the pool as it goes (not a transaction it was opened in), and
	// fails with ErrNotFound if the file is deleted under it.
	OpenMediaFile(ctx context.Context, userID, id int64) (MediaFile, io.Reader, error)
	// MediaUsage is the bytes a workspace's complete files take.
	MediaUsage(ctx context.Context, userID int64) (int64, error)
	// DeleteMediaFile deletes a file with its chunks and uploads;
	// ErrNotFound for another workspace's.
	DeleteMediaFile(ctx context.Context, userID, id int64) error
	// DeleteIncompleteMediaFiles deletes the files whose writing began
	// before before and never finished, returning how many.
	DeleteIncompleteMediaFiles(ctx context.Context, before time.Time) (int64, error)
	// DeleteUnusedMediaFiles deletes the complete files that no campaign
	// attaches and that were stored (or stored again) before before,
	// returning how many.
	DeleteUnusedMediaFiles(ctx context.Context, before time.Time) (int64, error)
	// SaveMediaUpload records (or replaces) an account's upload of a file,
	// and forgets the progress of that upload.
	SaveMediaUpload(ctx context.Context, u MediaUpload) error
	// SaveMediaUploadProgress records (or replaces) how far an account's
	// upload of a file got.
	SaveMediaUploadProgress(ctx context.Context, p MediaUploadProgress) error
	// MediaUploadProgress is ErrNotFound when no upload of the file by the
	// account is in flight.
	MediaUploadProgress(ctx context.Context, accountID, fileID int64) (MediaUploadProgress, error)
	// DeleteMediaUploadProgress forgets an upload in flight; none is no
	// error.
	DeleteMediaUploadProgress(ctx context.Context, accountID, fileID int64) error
	// MediaUpload is ErrNotFound until the account has uploaded the file.
	MediaUpload(ctx context.Context, accountID, fileID int64) (MediaUpload, error)
}
