// Package medialink makes and opens the links webhooks carry to a
// message's media. A link is sealed with the instance's key (every node
// shares it), names the workspace, conversation and message, and says
// when it expires, so a receiver downloads without a session or an API
// token, and nobody can forge a link to another message or stretch one.
package medialink

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/telegramate/telegramate/internal/secrets"
)

// DefaultTTL is how long a link works: a webhook delivery is retried for
// up to a day, and the link goes out in the payload built when the
// message arrived.
const DefaultTTL = 25 * time.Hour

// Link is what a link names.
type Link struct {
	WorkspaceID    int64
	ConversationID int64
	MessageID      int64
	Expires        time.Time
}

var (
	// ErrInvalid: the token was not made by this instance (or is cut).
	ErrInvalid = errors.New("medialink: not a link of this instance")
	// ErrExpired: the link was made here and has expired.
	ErrExpired = errors.New("medialink: link expired")
)

// purpose binds the sealed value to links: a value sealed for anything
// else (a session) does not open as one.
var purpose = []byte("ml")

// Path is where the web server serves links.
const Path = "/media/links/"

// Seal returns the token of l, for Path+token.
func Seal(keys *secrets.Keyring, l Link) (string, error) {
	b := make([]byte, 0, 4*binary.MaxVarintLen64)
	b = binary.AppendUvarint(b, uint64(l.WorkspaceID))
	b = binary.AppendUvarint(b, uint64(l.ConversationID))
	b = binary.AppendUvarint(b, uint64(l.MessageID))
	b = binary.AppendVarint(b, l.Expires.Unix())
	sealed, err := keys.Seal(b, purpose)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open reads a token Seal made and checks it has not expired at now.
func Open(keys *secrets.Keyring, token string, now time.Time) (Link, error) {
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return Link{}, ErrInvalid
	}
	b, err := keys.Open(sealed, purpose)
	if err != nil {
		return Link{}, ErrInvalid
	}
	var (
		l    Link
		vals [3]uint64
	)
	for i := range vals {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return Link{}, ErrInvalid
		}
		vals[i], b = v, b[n:]
	}
	exp, n := binary.Varint(b)
	if n <= 0 || n != len(b) {
		return Link{}, ErrInvalid
	}
	l.WorkspaceID, l.ConversationID, l.MessageID = int64(vals[0]), int64(vals[1]), int64(vals[2])
	l.Expires = time.Unix(exp, 0).UTC()
	if !now.Before(l.Expires) {
		return l, ErrExpired
	}
	return l, nil
}
