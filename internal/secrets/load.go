package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileName is the generated key's name inside the data directory.
const KeyFileName = "secret.key"

// KeyOptions says where the master keys come from.
type KeyOptions struct {
	// Keys is --secret-key: comma-separated "id:base64" entries or bare
	// base64 keys (given an id from their fingerprint); the first seals.
	Keys Secret
	// KeyFile is --secret-key-file: the same syntax, one or more per line.
	// It must not be readable by group or others.
	KeyFile string
	// DataDir receives a generated secret.key when neither is set.
	DataDir string
	// NoGenerate, when set, is returned instead of generating a key when
	// none is configured and <data-dir>/secret.key does not exist: a
	// database that already holds sealed secrets, or PostgreSQL, whose
	// nodes must all be given the same key.
	NoGenerate error
	Logger     *slog.Logger
}

// LoadKeyring builds the keyring from the flag's keys first, then the key
// file's. With neither, it uses <data-dir>/secret.key, generating it on
// first run.
func LoadKeyring(o KeyOptions) (*Keyring, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	keys, err := ParseKeys(o.Keys.Reveal())
	if err != nil {
		return nil, fmt.Errorf("--secret-key: %w", err)
	}
	file := o.KeyFile
	if file == "" && len(keys) == 0 {
		if o.DataDir == "" {
			return nil, errors.New("secrets: no --secret-key, --secret-key-file or data directory")
		}
		file = filepath.Join(o.DataDir, KeyFileName)
		if o.NoGenerate != nil {
			if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
				return nil, o.NoGenerate
			}
		} else if err := generateKeyFile(file, logger); err != nil {
			return nil, err
		}
	}
	if file != "" {
		fileKeys, err := readKeyFile(file)
		if err != nil {
			return nil, err
		}
		keys = append(keys, fileKeys...)
	}
	return NewKeyring(keys...)
}

// ParseKeys reads "id:base64" or bare base64 entries separated by commas,
// spaces or newlines. Lines starting with # are comments.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	var lines []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			lines = append(lines, line)
		}
	}
	entries := strings.FieldsFunc(strings.Join(lines, "\n"), func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	for i, e := range entries {
		id, b64, named := strings.Cut(e, ":")
		if !named {
			b64 = id
		}
		secret, err := decodeKey(b64)
		if err != nil {
			// Never echo the entry: it may be a real key with a typo.
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if !named {
			id = Fingerprint(secret)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	return keys, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("decodes to %d bytes, want %d (make one with: openssl rand -base64 32)", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("not base64 (make one with: openssl rand -base64 32)")
}

func readKeyFile(path string) ([]Key, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secret key file %s has mode %04o, which lets other users read it; run: chmod 600 %s", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("secret key file %s cannot be read by this user (uid %d): make the user the service runs as its owner (chown USER %s, mode 0600), or create it with 'telegramate secrets new-key --file %s --owner USER'", path, os.Getuid(), path, path)
	}
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	keys, err := ParseKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("secret key file %s holds no key", path)
	}
	return keys, nil
}

// generateKeyFile writes a new random key to path unless a file is there.
func generateKeyFile(path string, logger *slog.Logger) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("secret key file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("secret key file: %w", err)
	}
	id, err := WriteNewKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		// Two processes starting at once: the other one's key stands.
		return nil
	}
	if err != nil {
		return err
	}
	logger.Info("generated a new secret key; back it up: without it the sealed Telegram sessions and API hashes cannot be read",
		slog.String("path", path), slog.String("key_id", id))
	return nil
}

// WriteNewKeyFile writes a new random key to path, mode 0600, and returns
// its id (its fingerprint). It never overwrites: an existing file is an
// error wrapping fs.ErrExist, since replacing a key loses what it sealed.
func WriteNewKeyFile(path string) (id string, err error) {
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("secret key: %w", err)
	}
	// O_EXCL: two processes starting at once must not overwrite each
	// other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("secret key file: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(secret) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return "", fmt.Errorf("secret key file: %w", werr)
	}
	return Fingerprint(secret), nil
}
