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
// so a kept chunk is never stale.
type chunkCache struct {
	mu    sync.Mutex
	max   int
	kept  map[chunkKey][]byte
	order []chunkKey // least recently used first
	reads singleflight.Group
}

type chunkKey struct{ file, idx int64 }

// keptChunks is how many chunks (of store.MediaChunkSize) stay in memory:
// enough for five uploads a few parts apart.
const keptChunks = 8

func newChunkCache() *chunkCache {
	return &chunkCache{max: keptChunks, kept: map[chunkKey][]byte{}}
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
			for len(c.order) > c.max {
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

// drop forgets the chunks of a deleted file, so that a reader half way
// through it learns it is gone. A file deleted through another node's
// store may still be read from chunks kept here a moment; nothing opens
// it again (OpenMediaFile reads its row first).
func (c *chunkCache) drop(file int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order = slices.DeleteFunc(c.order, func(k chunkKey) bool {
		if k.file == file {
			delete(c.kept, k)
			return true
		}
		return false
	})
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

// DeleteMediaFile deletes the file and the chunks of it kept here.
func (s *Store) DeleteMediaFile(ctx context.Context, userID, id int64) error {
	if err := s.queries.DeleteMediaFile(ctx, userID, id); err != nil {
		return err
	}
	s.chunks.drop(id)
	return nil
}
