package sqlstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func toMediaFile(r gen.MediaFileRow) store.MediaFile {
	return store.MediaFile{
		ID: r.ID, UserID: r.UserID, SHA256: r.Sha256, Size: r.Size, MIMEType: r.MimeType,
		Type: r.Type, FileName: r.FileName, CreatedAt: r.CreatedAt.UTC(),
	}
}

// PutMediaFile writes the chunks outside any transaction of its own: a
// 50 MB upload from a slow client must not hold SQLite's one writer (or a
// PostgreSQL transaction) for its whole length. The row stays incomplete,
// and so invisible, until the last chunk is in; then one short step either
// completes it or, when the bytes were already stored, drops it.
func (q queries) PutMediaFile(ctx context.Context, f store.NewMediaFile, r io.Reader) (store.MediaFile, bool, error) {
	id, err := q.q.CreateMediaFile(ctx, gen.CreateMediaFileParams{
		UserID: f.UserID, MimeType: f.MIMEType, Type: f.Type, FileName: f.FileName, CreatedAt: f.Now,
	})
	if err != nil {
		return store.MediaFile{}, false, mapErr(q.d, err)
	}
	file, existed, err := q.fillMediaFile(ctx, f, id, r)
	if err != nil || existed {
		// Cleaning up must happen even when the caller gave up.
		if derr := q.deleteMediaFile(context.WithoutCancel(ctx), f.UserID, id); derr != nil && err == nil {
			err = derr
		}
	}
	if err != nil {
		return store.MediaFile{}, false, err
	}
	return file, existed, nil
}

func (q queries) fillMediaFile(ctx context.Context, f store.NewMediaFile, id int64, r io.Reader) (store.MediaFile, bool, error) {
	h := sha256.New()
	buf := make([]byte, store.MediaChunkSize)
	var size int64
	for idx := int64(0); ; idx++ {
		n, rerr := fill(r, buf)
		if n > 0 {
			h.Write(buf[:n])
			size += int64(n)
			if err := q.q.PutMediaChunk(ctx, gen.PutMediaChunkParams{FileID: id, Idx: idx, Data: buf[:n]}); err != nil {
				return store.MediaFile{}, false, mapErr(q.d, err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return store.MediaFile{}, false, rerr
		}
	}
	sum := h.Sum(nil)
	if existing, err := q.MediaFileBySHA256(ctx, f.UserID, sum); err == nil {
		return existing, true, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.MediaFile{}, false, err
	}
	// Usage is read and the file completed in one transaction, so on
	// SQLite (one writer) two uploads cannot both squeeze under the quota.
	// On PostgreSQL they can, by at most the uploads finishing in the same
	// instant: a soft edge, accepted rather than lock the workspace.
	err := q.inTx(ctx, func(q queries) error {
		if f.Quota > 0 {
			used, err := q.q.MediaUsage(ctx, f.UserID)
			if err != nil {
				return mapErr(q.d, err)
			}
			if used+size > f.Quota {
				return store.ErrMediaQuota
			}
		}
		n, err := q.q.CompleteMediaFile(ctx, gen.CompleteMediaFileParams{Sha256: sum, Size: size, ID: id})
		return affected(q.d, n, err)
	})
	if errors.Is(err, store.ErrConflict) {
		// The same bytes completed by another upload since the look-up.
		existing, err := q.MediaFileBySHA256(ctx, f.UserID, sum)
		return existing, err == nil, err
	}
	if err != nil {
		return store.MediaFile{}, false, err
	}
	return store.MediaFile{
		ID: id, UserID: f.UserID, SHA256: sum, Size: size, MIMEType: f.MIMEType, Type: f.Type,
		FileName: f.FileName, CreatedAt: f.Now.UTC().Truncate(time.Microsecond),
	}, false, nil
}

// fill reads until buf is full or r ends (io.EOF, with what it read). It
// is io.ReadFull but for one thing: r's own io.ErrUnexpectedEOF (a
// truncated upload) stays an error instead of passing for the end.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// MediaFileBySHA256 is a workspace's complete file with these bytes.
func (q queries) MediaFileBySHA256(ctx context.Context, userID int64, sum []byte) (store.MediaFile, error) {
	r, err := q.q.MediaFileBySHA256(ctx, gen.MediaFileBySHA256Params{UserID: userID, Sha256: sum})
	return one(q.d, r, err, func(r gen.MediaFileBySHA256Row) store.MediaFile { return toMediaFile(gen.MediaFileRow(r)) })
}

func (q queries) MediaFile(ctx context.Context, userID, id int64) (store.MediaFile, error) {
	r, err := q.q.MediaFile(ctx, gen.MediaFileParams{ID: id, UserID: userID})
	return one(q.d, r, err, toMediaFile)
}

func (q queries) OpenMediaFile(ctx context.Context, userID, id int64) (store.MediaFile, io.Reader, error) {
	f, err := q.MediaFile(ctx, userID, id)
	if err != nil {
		return store.MediaFile{}, nil, err
	}
	pool := q.pool()
	return f, &mediaReader{ctx: ctx, q: pool, file: f}, nil
}

// mediaReader holds one chunk at a time.
type mediaReader struct {
	ctx   context.Context
	q     queries
	file  store.MediaFile
	idx   int64
	read  int64 // bytes handed out so far
	chunk []byte
}

func (m *mediaReader) Read(p []byte) (int, error) {
	if len(m.chunk) == 0 {
		if m.read >= m.file.Size {
			return 0, io.EOF
		}
		data, err := m.q.q.MediaChunk(m.ctx, gen.MediaChunkParams{FileID: m.file.ID, Idx: m.idx})
		if err != nil {
			return 0, fmt.Errorf("media file %d, chunk %d: %w", m.file.ID, m.idx, mapErr(m.q.d, err))
		}
		if len(data) == 0 || m.read+int64(len(data)) > m.file.Size {
			return 0, fmt.Errorf("media file %d, chunk %d: %d bytes do not fit its size %d", m.file.ID, m.idx, len(data), m.file.Size)
		}
		m.chunk = data
		m.idx++
	}
	n := copy(p, m.chunk)
	m.chunk = m.chunk[n:]
	m.read += int64(n)
	return n, nil
}

func (q queries) MediaUsage(ctx context.Context, userID int64) (int64, error) {
	used, err := q.q.MediaUsage(ctx, userID)
	return used, mapErr(q.d, err)
}

func (q queries) DeleteMediaFile(ctx context.Context, userID, id int64) error {
	return q.deleteMediaFile(ctx, userID, id)
}

func (q queries) deleteMediaFile(ctx context.Context, userID, id int64) error {
	n, err := q.q.DeleteMediaFile(ctx, gen.DeleteMediaFileParams{ID: id, UserID: userID})
	return affected(q.d, n, err)
}

func (q queries) DeleteIncompleteMediaFiles(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.q.DeleteIncompleteMediaFiles(ctx, before)
	return n, mapErr(q.d, err)
}

func (q queries) SaveMediaUpload(ctx context.Context, u store.MediaUpload) error {
	return mapErr(q.d, q.q.SaveMediaUpload(ctx, gen.SaveMediaUploadParams{
		AccountID: u.AccountID, FileID: u.FileID, Kind: u.Kind, TelegramID: u.TelegramID,
		AccessHash: u.AccessHash, FileReference: u.FileReference, RefreshedAt: u.RefreshedAt,
	}))
}

func (q queries) MediaUpload(ctx context.Context, accountID, fileID int64) (store.MediaUpload, error) {
	r, err := q.q.MediaUpload(ctx, gen.MediaUploadParams{AccountID: accountID, FileID: fileID})
	return one(q.d, r, err, func(r gen.MediaUpload) store.MediaUpload {
		return store.MediaUpload{
			AccountID: r.AccountID, FileID: r.FileID, Kind: r.Kind, TelegramID: r.TelegramID,
			AccessHash: r.AccessHash, FileReference: r.FileReference, RefreshedAt: r.RefreshedAt.UTC(),
		}
	})
}
