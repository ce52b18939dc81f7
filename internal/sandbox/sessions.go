package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/session"
)

// IssueSession logs a new session of the account with this phone in on the
// server side and returns it as a gotd session blob: the JSON that gotd's
// session.Storage holds ({"Version": 1, "Data": {DC, Addr, AuthKey,
// AuthKeyID, Salt, Config}}). A stock gotd client given it (for example in
// a session.StorageMemory) is logged in at once, with no key exchange and no
// login code, which is what a benchmark with a thousand accounts needs.
// The session is listed by account.getAuthorizations and revoked like any
// other; with --state it survives restarts.
func (s *Server) IssueSession(phone string) ([]byte, error) {
	p := NormalizePhone(phone)
	s.mu.Lock()
	acct, ok := s.byPhone[p]
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, errors.New("sandbox: closed")
	}
	if !ok || acct.Deleted {
		return nil, fmt.Errorf("sandbox: %q is not an account's phone", phone)
	}
	var k crypto.Key
	if _, err := rand.Read(k[:]); err != nil {
		return nil, fmt.Errorf("sandbox: auth key: %w", err)
	}
	ak := k.WithID()
	d := s.dcs[acct.DC]
	d.srv.AddKey(ak)

	s.mu.Lock()
	ref := keyRef{DC: acct.DC, KeyID: ak.IntID()}
	now := s.now().Unix()
	s.auths[ref] = &authz{DC: ref.DC, KeyID: ref.KeyID, UserID: acct.ID, Hash: randInt64(), Created: now, Active: now}
	s.dirty = true
	s.mu.Unlock()
	s.log.Info("sandbox session issued", "user", acct.ID, "dc", acct.DC)

	store := &session.StorageMemory{}
	loader := session.Loader{Storage: store}
	if err := loader.Save(context.Background(), &session.Data{
		Config:    session.ConfigFromTG(*s.config(acct.DC)),
		DC:        acct.DC,
		Addr:      d.addr,
		AuthKey:   ak.Value[:],
		AuthKeyID: ak.ID[:],
		// The salt the data center announces in new_session_created.
		Salt: int64(binary.LittleEndian.Uint64(ak.ID[:])),
	}); err != nil {
		return nil, fmt.Errorf("sandbox: session: %w", err)
	}
	return store.Bytes(nil)
}
