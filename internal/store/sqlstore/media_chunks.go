package sqlstore

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/telegramate/telegramate/internal/store"
)

// chunkCache keeps the media chunks read last, for every reader of the
// store. A campaign's accounts upload its file at the same time, each
// reading the same chunks in the same order: read on their own, the
// database did the reading once per account (five times the work, on the
// cores the uploads' encryption needs, before a campaign's first
// messages). A chunk is read once while it is wanted (concurrent misses
// wait for one read), and the last few stay. Stored files never change,
// so a kept chunk is never stale; a deleted file is the reader's to see
// (mediaReader.sharedChunk).
type chunkCache struct {
	mu    sync.Mutex
	kept  map[chunkKey][]byte
	order []chunkKey // least recently used first
	reads singleflight.Group
}

type chunkKey struct{ file, idx int64 }

// keptChunks is how many chunks (of store.MediaChunkSize) stay in memory:
// enough for five uploads a few parts apart.
const keptChunks = 8

func newChunkCache() *chunkCache {
	return &chunkCache{kept: map[chunkKey][]byte{}}
}

// get returns chunk k, whole, reading it with read when it is not kept.
// The slice is shared: callers only read it.
func (c *chunkCache) get(k chunkKey, read func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if b, ok := c.kept[k]; ok {
		c.touch(k)
		c.mu.Unlock()
		return b, nil
	}
	c.mu.Unlock()
	v, err, _ := c.reads.Do(fmt.Sprint(k.file, "/", k.idx), func() (any, error) {
		b, err := read()
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.kept[k]; !ok {
			c.kept[k] = b
			c.order = append(c.order, k)
			for len(c.order) > keptChunks {
				delete(c.kept, c.order[0])
				c.order = c.order[1:]
			}
		}
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

// touch moves k to the most recently used end; c.mu is held.
func (c *chunkCache) touch(k chunkKey) {
	if i := slices.Index(c.order, k); i >= 0 && i < len(c.order)-1 {
		c.order = append(append(c.order[:i:i], c.order[i+1:]...), k)
	}
}

// OpenMediaFile reads the file through the store's chunk cache.
func (s *Store) OpenMediaFile(ctx context.Context, userID, id int64) (store.MediaFile, io.Reader, error) {
	f, err := s.MediaFile(ctx, userID, id)
	if err != nil {
		return store.MediaFile{}, nil, err
	}
	return f, &mediaReader{ctx: ctx, q: s.queries.pool(), file: f, cache: s.chunks}, nil
}
