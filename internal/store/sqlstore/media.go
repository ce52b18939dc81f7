package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
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
	existing, err := q.q.TouchMediaFileBySHA256(ctx, gen.TouchMediaFileBySHA256Params{Now: f.Now, UserID: f.UserID, Sha256: sum})
	if err == nil {
		return toMediaFile(gen.MediaFileRow(existing)), true, nil
	} else if err = mapErr(q.d, err); !errors.Is(err, store.ErrNotFound) {
		return store.MediaFile{}, false, err
	}
	// Usage is read and the file completed in one transaction, so on
	// SQLite (one writer) two uploads cannot both squeeze under the quota.
	// On PostgreSQL they can, by at most the uploads finishing in the same
	// instant: a soft edge, accepted rather than lock the workspace.
	err = q.inTx(ctx, func(q queries) error {
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

// mediaReader reads a file from its chunks. A Read of a large slice (an
// upload's 512 KB part) is served straight from the database into it;
// smaller ones from the chunk it holds, in a buffer it reuses. It is an
// io.Seeker too, so an upload that resumes reads only what it still has
// to send.
type mediaReader struct {
	ctx  context.Context
	q    queries
	file store.MediaFile
	// cache, when set (the store's readers), holds whole chunks shared
	// by every reader; Reads are copied from them.
	cache *chunkCache
	read  int64 // the offset of the next byte to hand out
	buf   []byte
	chunk []byte // the unread rest of buf
}

// directRead is the smallest Read served without the chunk buffer.
const directRead = 64 << 10

func (m *mediaReader) Read(p []byte) (int, error) {
	if len(m.chunk) == 0 {
		if m.read >= m.file.Size {
			return 0, io.EOF
		}
		idx, off := m.read/store.MediaChunkSize, m.read%store.MediaChunkSize
		var err error
		if m.cache != nil {
			err = m.sharedChunk(idx, off)
		} else if len(p) >= directRead {
			n := int(min(int64(len(p)), store.MediaChunkSize-off, m.file.Size-m.read))
			err = m.load(idx, off, p[:n])
			if err == nil {
				m.read += int64(n)
				return n, nil
			}
		} else {
			err = m.loadChunk(idx, off)
		}
		if err != nil {
			return 0, fmt.Errorf("media file %d, chunk %d: %w", m.file.ID, idx, err)
		}
	}
	n := copy(p, m.chunk)
	m.chunk = m.chunk[n:]
	m.read += int64(n)
	return n, nil
}

// sharedChunk points chunk at the rest of chunk idx from off, as the
// cache keeps it. A chunk found kept is served only while the file is
// still there (its row, one primary-key read), however it was deleted.
func (m *mediaReader) sharedChunk(idx, off int64) error {
	read := false
	b, err := m.cache.get(chunkKey{m.file.ID, idx}, func() ([]byte, error) {
		read = true
		b := make([]byte, min(store.MediaChunkSize, m.file.Size-idx*store.MediaChunkSize))
		return b, m.load(idx, 0, b)
	})
	if err != nil {
		return err
	}
	if !read {
		if _, err := m.q.MediaFile(m.ctx, m.file.UserID, m.file.ID); err != nil {
			return err
		}
	}
	m.chunk = b[off:]
	return nil
}

// loadChunk reads the rest of chunk idx from off into buf.
func (m *mediaReader) loadChunk(idx, off int64) error {
	n := min(store.MediaChunkSize, m.file.Size-idx*store.MediaChunkSize) - off
	if m.buf == nil {
		m.buf = make([]byte, store.MediaChunkSize)
	}
	if err := m.load(idx, off, m.buf[:n]); err != nil {
		return err
	}
	m.chunk = m.buf[:n]
	return nil
}

const mediaSliceQuery = "SELECT substr(data, ?, ?) FROM media_chunks WHERE file_id = ? AND idx = ?"

// load reads len(dst) bytes of chunk idx from off into dst. The driver's
// bytes are scanned as sql.RawBytes, valid only until the rows move on,
// and copied once, into dst: a []byte destination would have
// database/sql copy them again, a second short-lived allocation that a
// campaign of five accounts sending a large file turned into tens of
// megabytes of heap growth on PostgreSQL. Reading the slice asked for
// (substr, on a blob or a bytea alike) rather than the whole chunk keeps
// the driver's own copy to the size of a part.
func (m *mediaReader) load(idx, off int64, dst []byte) error {
	rows, err := m.q.query(m.ctx, mediaSliceQuery, off+1, len(dst), m.file.ID, idx)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return mapErr(m.q.d, err)
		}
		return store.ErrNotFound
	}
	var data sql.RawBytes
	if err := rows.Scan(&data); err != nil {
		return mapErr(m.q.d, err)
	}
	if len(data) != len(dst) {
		return fmt.Errorf("%d bytes at %d where the file's size %d wants %d", len(data), off, m.file.Size, len(dst))
	}
	copy(dst, data)
	return mapErr(m.q.d, rows.Close())
}

// Seek moves to offset from the file's start (io.SeekStart only).
func (m *mediaReader) Seek(offset int64, whence int) (int64, error) {
	if whence != io.SeekStart || offset < 0 || offset > m.file.Size {
		return m.read, fmt.Errorf("media file %d: cannot seek to %d (whence %d) in %d bytes", m.file.ID, offset, whence, m.file.Size)
	}
	m.read, m.chunk = offset, nil
	return offset, nil
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

func (q queries) DeleteUnusedMediaFiles(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.q.DeleteUnusedMediaFiles(ctx, before)
	return n, mapErr(q.d, err)
}

// deleteFilesIfUnused deletes those of files no campaign attaches any
// more, in q's transaction: the one that deleted their campaigns.
func (q queries) deleteFilesIfUnused(ctx context.Context, files []int64) error {
	for _, id := range files {
		if _, err := q.q.DeleteMediaFileIfUnused(ctx, id); err != nil {
			return mapErr(q.d, err)
		}
	}
	return nil
}

// SaveMediaUpload forgets the upload's progress in the same transaction:
// a crash between the two would leave a finished upload to be resumed,
// which Telegram refuses (its parts were used) and costs an upload again.
func (q queries) SaveMediaUpload(ctx context.Context, u store.MediaUpload) error {
	return q.inTx(ctx, func(q queries) error {
		if err := q.q.SaveMediaUpload(ctx, gen.SaveMediaUploadParams{
			AccountID: u.AccountID, FileID: u.FileID, Kind: u.Kind, TelegramID: u.TelegramID,
			AccessHash: u.AccessHash, FileReference: u.FileReference, RefreshedAt: u.RefreshedAt,
		}); err != nil {
			return mapErr(q.d, err)
		}
		return mapErr(q.d, q.q.DeleteMediaUploadProgress(ctx, gen.DeleteMediaUploadProgressParams{AccountID: u.AccountID, FileID: u.FileID}))
	})
}

func (q queries) SaveMediaUploadProgress(ctx context.Context, p store.MediaUploadProgress) error {
	return mapErr(q.d, q.q.SaveMediaUploadProgress(ctx, gen.SaveMediaUploadProgressParams{
		AccountID: p.AccountID, FileID: p.FileID, UploadID: p.UploadID, Big: p.Big, Parts: int64(p.Parts), UpdatedAt: p.UpdatedAt,
	}))
}

func (q queries) MediaUploadProgress(ctx context.Context, accountID, fileID int64) (store.MediaUploadProgress, error) {
	r, err := q.q.MediaUploadProgress(ctx, gen.MediaUploadProgressParams{AccountID: accountID, FileID: fileID})
	return one(q.d, r, err, func(r gen.MediaUploadProgress) store.MediaUploadProgress {
		return store.MediaUploadProgress{AccountID: r.AccountID, FileID: r.FileID, UploadID: r.UploadID, Big: r.Big,
			Parts: int(r.Parts), UpdatedAt: r.UpdatedAt.UTC()}
	})
}

func (q queries) DeleteMediaUploadProgress(ctx context.Context, accountID, fileID int64) error {
	return mapErr(q.d, q.q.DeleteMediaUploadProgress(ctx, gen.DeleteMediaUploadProgressParams{AccountID: accountID, FileID: fileID}))
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
