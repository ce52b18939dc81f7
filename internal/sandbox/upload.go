package sandbox

import (
	"bytes"
	"context"
	"crypto/md5" // #nosec G501 -- Telegram's InputFile checksum is MD5
	"encoding/hex"
	"fmt"
	"maps"

	"github.com/gotd/td/tg"
)

// Telegram's upload rules (core.telegram.org/api/files): parts of at most
// 512 KB whose size divides 512 KB and is a multiple of 1 KB (the last part
// of a file may be shorter), numbered from 0 to 3999; a file of more than
// 10 MB goes up with upload.saveBigFilePart, which names the total.
const (
	maxPartSize      = 512 << 10
	partSizeUnit     = 1 << 10
	maxParts         = 4000
	maxSmallFileSize = 10 << 20
	// maxPendingUploads caps the bytes of parts not yet used by
	// messages.uploadMedia or messages.sendMedia, over all accounts: a
	// client that uploads and never sends loses its oldest unused uploads
	// rather than growing the sandbox without end (Telegram forgets unused
	// parts after a while too).
	maxPendingUploads = 1 << 30
)

var (
	errFilePartInvalid     = rpcErr(400, "FILE_PART_INVALID")
	errFilePartEmpty       = rpcErr(400, "FILE_PART_EMPTY")
	errFilePartTooBig      = rpcErr(400, "FILE_PART_TOO_BIG")
	errFilePartSizeInvalid = rpcErr(400, "FILE_PART_SIZE_INVALID")
	errFilePartSizeChanged = rpcErr(400, "FILE_PART_SIZE_CHANGED")
	errFilePartsInvalid    = rpcErr(400, "FILE_PARTS_INVALID")
	errMD5Invalid          = rpcErr(400, "MD5_CHECKSUM_INVALID")
	errFileIDInvalid       = rpcErr(400, "FILE_ID_INVALID")
)

func errFilePartMissing(n int) error { return rpcErr(400, fmt.Sprintf("FILE_PART_%d_MISSING", n)) }

// uploadKey names an upload as Telegram does: file_id is the client's own
// random number, so it is only unique per auth key.
type uploadKey struct {
	ref    keyRef
	fileID int64
}

// pendingUpload is the parts of one file uploaded so far, kept in memory
// until a message uses them (a 20 MB video is 20 MB here for that while).
type pendingUpload struct {
	parts map[int][]byte
	big   bool
	total int // file_total_parts of saveBigFilePart
	bytes int64
	seq   int64 // when it was last touched, for dropping the oldest
}

func (s *Server) registerUpload(d *tg.ServerDispatcher) {
	d.OnUploadSaveFilePart(s.saveFilePart)
	d.OnUploadSaveBigFilePart(s.saveBigFilePart)
	d.OnUploadGetFile(s.getFile)
}

func (s *Server) saveFilePart(ctx context.Context, req *tg.UploadSaveFilePartRequest) (bool, error) {
	return s.savePart(callerFrom(ctx), req.FileID, req.FilePart, 0, req.Bytes, false)
}

func (s *Server) saveBigFilePart(ctx context.Context, req *tg.UploadSaveBigFilePartRequest) (bool, error) {
	if req.FileTotalParts < 1 || req.FileTotalParts > maxParts {
		return false, errFilePartsInvalid
	}
	if req.FilePart >= req.FileTotalParts {
		return false, errFilePartInvalid
	}
	// Every part but the last has the upload's one part size, so only the
	// last may be short.
	if req.FilePart < req.FileTotalParts-1 && len(req.Bytes) > 0 && !validPartSize(len(req.Bytes)) {
		return false, errFilePartSizeInvalid
	}
	return s.savePart(callerFrom(ctx), req.FileID, req.FilePart, req.FileTotalParts, req.Bytes, true)
}

func validPartSize(n int) bool { return n%partSizeUnit == 0 && maxPartSize%n == 0 }

func (s *Server) savePart(c *caller, fileID int64, part, total int, data []byte, big bool) (bool, error) {
	if part < 0 || part >= maxParts {
		return false, errFilePartInvalid
	}
	if len(data) == 0 {
		return false, errFilePartEmpty
	}
	if len(data) > maxPartSize {
		return false, errFilePartTooBig
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := uploadKey{ref: c.ref, fileID: fileID}
	u := s.uploads[key]
	if u == nil {
		u = &pendingUpload{parts: map[int][]byte{}, big: big, total: total}
		s.uploads[key] = u
	}
	if u.big != big || u.total != total {
		// One file_id goes up one way with one total.
		return false, errFilePartsInvalid
	}
	if old, ok := u.parts[part]; ok {
		u.bytes -= int64(len(old))
		s.pendingBytes -= int64(len(old))
	}
	// The decoder's slice may share the request's buffer.
	u.parts[part] = bytes.Clone(data)
	u.bytes += int64(len(data))
	s.pendingBytes += int64(len(data))
	s.uploadSeq++
	u.seq = s.uploadSeq
	s.uploaded[c.userID] += int64(len(data))
	if c.req != nil && c.req.Packed {
		s.uploadedPacked[c.userID] += int64(len(data))
	}
	s.dropOldUploads(key)
	return true, nil
}

// dropOldUploads forgets the least recently touched uploads, never keep,
// while the parts waiting exceed maxPendingUploads; s.mu is held.
func (s *Server) dropOldUploads(keep uploadKey) {
	for s.pendingBytes > maxPendingUploads {
		var oldest uploadKey
		var seq int64 = -1
		for k, u := range s.uploads {
			if k != keep && (seq < 0 || u.seq < seq) {
				oldest, seq = k, u.seq
			}
		}
		if seq < 0 {
			return
		}
		s.pendingBytes -= s.uploads[oldest].bytes
		delete(s.uploads, oldest)
	}
}

// uploadedFile is an InputFile put together from its parts.
type uploadedFile struct {
	name string
	data []byte
}

// takeUpload checks an InputFile or InputFileBig against the parts the
// caller's key uploaded and, when it is whole, hands over its bytes and
// forgets the parts: Telegram's errors name the first thing wrong.
func (s *Server) takeUpload(c *caller, in tg.InputFileClass) (uploadedFile, error) {
	var (
		id    int64
		parts int
		name  string
		sum   string
		big   bool
	)
	switch f := in.(type) {
	case *tg.InputFile:
		id, parts, name, sum = f.ID, f.Parts, f.Name, f.MD5Checksum
	case *tg.InputFileBig:
		id, parts, name, big = f.ID, f.Parts, f.Name, true
	default:
		return uploadedFile{}, errFileIDInvalid
	}
	if parts < 1 || parts > maxParts {
		return uploadedFile{}, errFilePartsInvalid
	}
	s.mu.Lock()
	key := uploadKey{ref: c.ref, fileID: id}
	u := s.uploads[key]
	var got map[int][]byte
	if u != nil {
		got = maps.Clone(u.parts)
	}
	s.mu.Unlock()
	if u == nil {
		return uploadedFile{}, errFilePartMissing(0)
	}
	if u.big != big || (big && u.total != parts) {
		return uploadedFile{}, errFilePartsInvalid
	}
	size := 0
	partSize := 0
	for i := range parts {
		p, ok := got[i]
		if !ok {
			return uploadedFile{}, errFilePartMissing(i)
		}
		switch {
		case i == 0:
			partSize = len(p)
		case len(p) > partSize:
			return uploadedFile{}, errFilePartSizeChanged
		case i < parts-1 && len(p) != partSize:
			return uploadedFile{}, errFilePartSizeChanged
		}
		size += len(p)
	}
	if parts > 1 && !validPartSize(partSize) {
		return uploadedFile{}, errFilePartSizeInvalid
	}
	if !big && size > maxSmallFileSize {
		// Past 10 MB Telegram wants upload.saveBigFilePart.
		return uploadedFile{}, errFilePartsInvalid
	}
	data := make([]byte, 0, size)
	for i := range parts {
		data = append(data, got[i]...)
	}
	if sum != "" {
		h := md5.Sum(data) // #nosec G401
		if hex.EncodeToString(h[:]) != sum {
			return uploadedFile{}, errMD5Invalid
		}
	}
	s.mu.Lock()
	if s.uploads[key] == u {
		delete(s.uploads, key)
		s.pendingBytes -= u.bytes
	}
	s.mu.Unlock()
	return uploadedFile{name: name, data: data}, nil
}

// UploadedBytes is how many bytes each account sent with
// upload.saveFilePart and upload.saveBigFilePart, parts sent again
// included: what a test compares with "each file once per account".
func (s *Server) UploadedBytes() map[int64]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.uploaded)
}

// UploadedPackedBytes is the part of UploadedBytes that came gzip_packed:
// a client compressing file parts, which are mostly compressed already
// (photos, video, archives), spends its CPU and ours for nothing.
func (s *Server) UploadedPackedBytes() map[int64]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.uploadedPacked)
}
