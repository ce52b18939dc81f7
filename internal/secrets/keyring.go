package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
)

// KeySize is the length of every master key: AES-256.
const KeySize = 32

var (
	// ErrUnknownKey means the value was sealed with a key id the keyring
	// does not hold (an old key removed too early, or another instance's).
	ErrUnknownKey = errors.New("secrets: sealed with a key that is not configured")
	// ErrOpen means the value is damaged, was sealed for another purpose
	// (associated data), or the key with its id is not the one it was
	// sealed with.
	ErrOpen = errors.New("secrets: cannot open sealed value: wrong key, wrong purpose or damaged data")
)

// Key is a master key with the id stored beside everything it seals.
type Key struct {
	ID     string
	Secret []byte // KeySize bytes
}

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Keyring seals with its first key and opens with any of them, so a new
// key can be put first while values sealed with older ones still open
// until Rotate has re-sealed them.
type Keyring struct {
	keys []keyEntry // keys[0] seals
	byID map[string]cipher.AEAD
}

type keyEntry struct {
	id   string
	aead cipher.AEAD
}

// NewKeyring builds a keyring; keys[0] is the one new values are sealed
// with.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("secrets: no key")
	}
	k := &Keyring{byID: map[string]cipher.AEAD{}}
	aliases := map[string]cipher.AEAD{}
	for _, key := range keys {
		if !keyIDPattern.MatchString(key.ID) {
			return nil, fmt.Errorf("secrets: key id %q: use 1-64 letters, digits, '.', '_' or '-'", key.ID)
		}
		if len(key.Secret) != KeySize {
			return nil, fmt.Errorf("secrets: key %q is %d bytes, want %d", key.ID, len(key.Secret), KeySize)
		}
		if _, dup := k.byID[key.ID]; dup {
			return nil, fmt.Errorf("secrets: key id %q given twice", key.ID)
		}
		block, err := aes.NewCipher(key.Secret)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		k.keys = append(k.keys, keyEntry{key.ID, aead})
		k.byID[key.ID] = aead
		aliases[Fingerprint(key.Secret)] = aead
	}
	// A key also answers to its fingerprint, the id it had when it was
	// generated or given without a name: "new:…,old:…" then opens what the
	// generated key sealed, as the documented rotation says it does.
	for id, aead := range aliases {
		if _, taken := k.byID[id]; !taken {
			k.byID[id] = aead
		}
	}
	return k, nil
}

// Fingerprint is the id given to a key configured without one: stable for
// the same key material, and not enough to recover it.
func Fingerprint(secret []byte) string {
	sum := sha256.Sum256(append([]byte("telegramate key id\x00"), secret...))
	return "k" + hex.EncodeToString(sum[:4])
}

// CurrentKeyID is the id new values are sealed with.
func (k *Keyring) CurrentKeyID() string { return k.keys[0].id }

// The sealed format, version 1:
//
//	0x01 | len(key id) | key id | uvarint len(ad) | ad | nonce (12) | ciphertext+tag
//
// Everything before the nonce is GCM's associated data, so the key id and
// the purpose are authenticated with the ciphertext. The purpose (ad) is
// kept in the value so Rewrap can re-seal without knowing what it is; Open
// still requires the caller's to match, so a value moved to another column
// or row does not open there.
const formatV1 = 0x01

// Seal encrypts plaintext with the current key. associatedData names the
// value's purpose (for example "telegram_accounts.session_sealed:42"); Open
// needs the same.
func (k *Keyring) Seal(plaintext, associatedData []byte) ([]byte, error) {
	return k.seal(k.keys[0], plaintext, associatedData)
}

func (k *Keyring) seal(key keyEntry, plaintext, ad []byte) ([]byte, error) {
	header := make([]byte, 0, 2+len(key.id)+binary.MaxVarintLen64+len(ad))
	header = append(header, formatV1, byte(len(key.id)))
	header = append(header, key.id...)
	header = binary.AppendUvarint(header, uint64(len(ad)))
	header = append(header, ad...)
	nonce := make([]byte, key.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secrets: nonce: %w", err)
	}
	// header stays a separate array: GCM's dst must not overlap its
	// associated data.
	out := make([]byte, 0, len(header)+len(nonce)+len(plaintext)+key.aead.Overhead())
	out = append(append(out, header...), nonce...)
	return key.aead.Seal(out, nonce, plaintext, header), nil
}

// Open decrypts a value Seal returned, with the same associated data.
func (k *Keyring) Open(sealed, associatedData []byte) ([]byte, error) {
	p, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p.ad, associatedData) {
		return nil, ErrOpen
	}
	return k.open(p)
}

// Rewrap re-seals a value with the current key, keeping its associated
// data; a value already sealed with the current key is returned as is.
func (k *Keyring) Rewrap(sealed []byte) ([]byte, error) {
	p, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	if p.keyID == k.CurrentKeyID() {
		return sealed, nil
	}
	plain, err := k.open(p)
	if err != nil {
		return nil, err
	}
	return k.Seal(plain, p.ad)
}

// Check opens a value with the purpose stored in it, so a whole column can
// be verified without knowing each row's associated data. It says only
// whether the keyring can open the value; it does not return the plaintext.
func (k *Keyring) Check(sealed []byte) error {
	p, err := parse(sealed)
	if err != nil {
		return err
	}
	_, err = k.open(p)
	return err
}

// Has reports whether the keyring holds a key with this id.
func (k *Keyring) Has(id string) bool {
	_, ok := k.byID[id]
	return ok
}

// KeyIDs lists the configured key ids, the sealing one first.
func (k *Keyring) KeyIDs() []string {
	ids := make([]string, len(k.keys))
	for i, e := range k.keys {
		ids[i] = e.id
	}
	return ids
}

// HeaderKeyID is the key id at the start of a sealed value, read from its
// first bytes alone (a prefix of at least 2+64 bytes holds any id).
func HeaderKeyID(header []byte) (string, error) {
	if len(header) < 2 || header[0] != formatV1 || len(header) < 2+int(header[1]) {
		return "", ErrOpen
	}
	return string(header[2 : 2+int(header[1])]), nil
}

// KeyID is the id of the key a value was sealed with.
func KeyID(sealed []byte) (string, error) {
	p, err := parse(sealed)
	return p.keyID, err
}

type parsed struct {
	keyID                 string
	ad, header, nonce, ct []byte
}

const nonceSize = 12 // GCM's standard nonce

func parse(sealed []byte) (parsed, error) {
	if len(sealed) < 2 || sealed[0] != formatV1 {
		return parsed{}, ErrOpen
	}
	rest := sealed[2:]
	idLen := int(sealed[1])
	if len(rest) < idLen {
		return parsed{}, ErrOpen
	}
	p := parsed{keyID: string(rest[:idLen])}
	rest = rest[idLen:]
	adLen, n := binary.Uvarint(rest)
	if n <= 0 || adLen > uint64(len(rest)-n) {
		return parsed{}, ErrOpen
	}
	rest = rest[n:]
	p.ad = rest[:adLen]
	rest = rest[adLen:]
	if len(rest) < nonceSize {
		return parsed{}, ErrOpen
	}
	p.header = sealed[:len(sealed)-len(rest)]
	p.nonce, p.ct = rest[:nonceSize], rest[nonceSize:]
	return p, nil
}

func (k *Keyring) open(p parsed) ([]byte, error) {
	aead, ok := k.byID[p.keyID]
	if !ok {
		return nil, fmt.Errorf("%w (key id %q)", ErrUnknownKey, p.keyID)
	}
	plain, err := aead.Open(nil, p.nonce, p.ct, p.header)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
