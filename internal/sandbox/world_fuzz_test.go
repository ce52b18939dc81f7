package sandbox

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseWorld: the world loader takes hand-written JSON; anything must
// give a world that passes its own validation, or an error, never a panic
// (or a world the sandbox would then trip over).
func FuzzParseWorld(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}]}`))
	f.Add([]byte(`{"users": [{"id": 1, "phone": "9996610001"}], "chats": [{"id": 5, "type": "supergroup", "title": "x", "members": [1]}]}`))
	f.Add([]byte(`{"chats": [{"id": 5, "type": "grp"}]}`))
	f.Add([]byte(`{"chats": [{"id": 5, "type": "supergroup", "title": "x", "generate_members": {"count": 3, "seed": 1}}]}`))
	if b, err := os.ReadFile(filepath.Join("testdata", "demo-world.json")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseWorld(data)
		if err != nil {
			return
		}
		if err := w.Validate(); err != nil {
			t.Fatalf("a parsed world fails validation: %v", err)
		}
	})
}
