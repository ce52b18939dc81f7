package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// blobStore keeps file bytes by their sha256: in memory for a sandbox
// without a state file, in a directory beside the state file otherwise,
// so a restart can still serve every photo and document it announced and a
// long demo does not hold every file in memory.
type blobStore struct {
	dir string
	mu  sync.Mutex
	mem map[string][]byte
}

func newBlobStore(stateFile string) *blobStore {
	b := &blobStore{mem: map[string][]byte{}}
	if stateFile != "" {
		b.dir = stateFile + ".media"
	}
	return b
}

func sha256Hex(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// put stores data and answers its sha256; the same bytes are kept once.
func (b *blobStore) put(data []byte) (string, error) {
	sum := sha256Hex(data)
	if b.dir == "" {
		b.mu.Lock()
		if _, ok := b.mem[sum]; !ok {
			b.mem[sum] = data
		}
		b.mu.Unlock()
		return sum, nil
	}
	path := filepath.Join(b.dir, sum)
	if _, err := os.Stat(path); err == nil {
		return sum, nil
	}
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return "", fmt.Errorf("sandbox media: %w", err)
	}
	tmp, err := os.CreateTemp(b.dir, ".blob-*")
	if err != nil {
		return "", fmt.Errorf("sandbox media: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("sandbox media: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("sandbox media: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("sandbox media: %w", err)
	}
	return sum, nil
}

// readAt reads up to n bytes at off; past the end it answers what is left
// (nothing at or after the end), as upload.getFile does.
func (b *blobStore) readAt(sum string, off int64, n int) ([]byte, error) {
	if b.dir == "" {
		b.mu.Lock()
		data, ok := b.mem[sum]
		b.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("sandbox media: no file %s", sum)
		}
		if off >= int64(len(data)) {
			return []byte{}, nil
		}
		end := min(off+int64(n), int64(len(data)))
		return data[off:end:end], nil
	}
	f, err := os.Open(filepath.Join(b.dir, sum))
	if err != nil {
		return nil, fmt.Errorf("sandbox media: %w", err)
	}
	defer f.Close()
	buf := make([]byte, n)
	m, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("sandbox media: %w", err)
	}
	return buf[:m], nil
}
