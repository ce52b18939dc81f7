package telegram

import (
	"context"
	"log/slog"
	"sync"

	"github.com/gotd/td/session"
)

// Session is a gotd session blob (JSON holding the account's permanent auth
// key). It redacts itself in fmt, slog and JSON so it cannot reach a log
// line by accident; convert with []byte(s) where the raw bytes are needed
// (sealing). A nil Session means "no session yet": a new auth key is created.
type Session []byte

func (Session) String() string               { return "[redacted session]" }
func (Session) GoString() string             { return "[redacted session]" }
func (Session) LogValue() slog.Value         { return slog.StringValue("[redacted session]") }
func (Session) MarshalText() ([]byte, error) { return []byte("[redacted session]"), nil }

// SessionDC returns the data center the session is bound to, or 0 when the
// bytes are empty or not a gotd session.
func SessionDC(s Session) int {
	data, err := loadSessionData(s)
	if err != nil || data == nil {
		return 0
	}
	return data.DC
}

func loadSessionData(s Session) (*session.Data, error) {
	if len(s) == 0 {
		return nil, nil
	}
	loader := session.Loader{Storage: newMemStorage(s)}
	return loader.Load(context.Background())
}

// checkSession decodes s, reporting whether it is empty (nil data) or a
// usable gotd session. gotd itself would treat an unknown version as "no
// session" and silently log in from scratch, and a corrupt blob would
// surface deep inside the client.
func checkSession(s Session) (*session.Data, bool) {
	if len(s) == 0 {
		return nil, true
	}
	data, err := loadSessionData(s)
	if err != nil || data == nil || len(data.AuthKey) != 256 || len(data.AuthKeyID) != 8 {
		return nil, false
	}
	return data, true
}

// memStorage is gotd's session.Storage over a byte slice the caller seeded.
// It copies on the way in and out so the caller's slice is never aliased by
// the client's goroutines.
type memStorage struct {
	mu   sync.Mutex
	data []byte
}

var _ session.Storage = (*memStorage)(nil)

func newMemStorage(seed []byte) *memStorage {
	return &memStorage{data: clone(seed)}
}

func (m *memStorage) LoadSession(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.data) == 0 {
		return nil, session.ErrNotFound
	}
	return clone(m.data), nil
}

func (m *memStorage) StoreSession(_ context.Context, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = clone(data)
	return nil
}

// Bytes returns a copy of the current session, nil when nothing was stored.
func (m *memStorage) Bytes() Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return clone(m.data)
}

func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
