package telegram

import (
	"crypto/rand"
	"encoding/binary"
)

// NewRandomID is a message's random_id: Telegram drops a second message
// with the same one from the same account, so it must never repeat, and
// it refuses 0.
func NewRandomID() int64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		if v := int64(binary.LittleEndian.Uint64(b[:])); v != 0 {
			return v
		}
	}
}
