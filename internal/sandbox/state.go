package sandbox

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gotd/td/crypto"
)

// stateFile is what --state keeps: the RSA key (so the public key the
// product was given stays valid), auth keys and what they are logged in as,
// and every message box. It holds secrets, so it is written 0600.
type stateFile struct {
	Version   int                     `json:"version"`
	Key       string                  `json:"rsa_private_key"`
	AuthKeys  []stateKey              `json:"auth_keys"`
	Auths     []*authz                `json:"authorizations"`
	Boxes     map[string]*box         `json:"boxes"`
	Delivered []Message               `json:"delivered"`
	Strangers map[string]*strangerDay `json:"strangers"`
	Replied   [][2]int64              `json:"replied"`
	// Codes are the logins waiting for their code, LastCodes what the
	// control endpoint shows: a restart in the middle of a login (the demo
	// restarted while a person reads the code) must not lose it.
	Codes     []*pendingCode    `json:"codes,omitempty"`
	LastCodes map[string]string `json:"last_codes,omitempty"`
	// PendingReplies are scripted replies still waiting for their delay.
	PendingReplies []*pendingReply `json:"pending_replies,omitempty"`
	FaultHits      []FaultHit      `json:"fault_hits,omitempty"`
	// Files are the photos and documents messages carry; their bytes are
	// in the directory beside the state file (<state>.media, by sha256).
	Files []*storedFile `json:"files,omitempty"`
}

type stateKey struct {
	DC  int    `json:"dc"`
	Key string `json:"key"`
}

const stateVersion = 1

func loadState(path string) (*stateFile, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("sandbox state %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("sandbox state %s: version %d, want %d", path, st.Version, stateVersion)
	}
	return &st, nil
}

func parsePrivateKey(p string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, errors.New("rsa_private_key is not PEM")
	}
	return x509.ParsePKCS1PrivateKey(block.Bytes)
}

// restore puts saved keys and boxes back; anything about users the world no
// longer has is dropped.
func (s *Server) restore(st *stateFile) {
	for _, k := range st.AuthKeys {
		d, ok := s.dcs[k.DC]
		raw, err := hex.DecodeString(k.Key)
		if !ok || err != nil || len(raw) != 256 {
			continue
		}
		var key crypto.Key
		copy(key[:], raw)
		d.srv.AddKey(key.WithID())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range st.Auths {
		if _, ok := s.dcs[a.DC]; !ok {
			continue
		}
		if _, ok := s.people[a.UserID]; a.UserID != 0 && !ok {
			continue
		}
		s.auths[keyRef{DC: a.DC, KeyID: a.KeyID}] = a
	}
	for k, b := range st.Boxes {
		id, err := strconv.ParseInt(k, 10, 64)
		if _, ok := s.people[id]; err != nil || !ok {
			continue
		}
		s.boxes[id] = b
		for _, m := range b.Msgs {
			if m.Out && m.RandomID != 0 {
				s.sentRandom[randKey{from: id, randomID: m.RandomID}] = m.ID
			}
		}
	}
	s.delivered = st.Delivered
	for k, d := range st.Strangers {
		if id, err := strconv.ParseInt(k, 10, 64); err == nil {
			s.strangers[id] = d
		}
	}
	for _, r := range st.Replied {
		s.replied[r] = true
	}
	for _, pc := range st.Codes {
		if _, ok := s.byPhone[pc.Phone]; ok {
			s.codes[pc.Phone] = pc
		}
	}
	for phone, code := range st.LastCodes {
		if _, ok := s.byPhone[phone]; ok {
			s.lastCodes[phone] = code
		}
	}
	for _, p := range st.PendingReplies {
		_, from := s.people[p.From]
		_, to := s.people[p.To]
		if from && to {
			s.scheduleReply(*p, p.Due.Sub(s.now()))
		}
	}
	s.hits = st.FaultHits
	for _, f := range st.Files {
		s.files[f.ID] = f
	}
}

func (s *Server) snapshot() *stateFile {
	st := &stateFile{
		Version:   stateVersion,
		Key:       string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(s.key)})),
		Boxes:     map[string]*box{},
		Strangers: map[string]*strangerDay{},
	}
	for _, d := range s.dcs {
		for _, k := range d.srv.Keys() {
			st.AuthKeys = append(st.AuthKeys, stateKey{DC: d.id, Key: hex.EncodeToString(k.Value[:])})
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirty = false
	for _, a := range s.sortedAuths() {
		cp := *a
		cp.srp = nil
		st.Auths = append(st.Auths, &cp)
	}
	for id, b := range s.boxes {
		cp := &box{Pts: b.Pts, Msgs: append([]boxMsg(nil), b.Msgs...)}
		st.Boxes[strconv.FormatInt(id, 10)] = cp
	}
	st.Delivered = append([]Message(nil), s.delivered...)
	for id, d := range s.strangers {
		st.Strangers[strconv.FormatInt(id, 10)] = d.clone()
	}
	for r := range s.replied {
		st.Replied = append(st.Replied, r)
	}
	for _, pc := range s.codes {
		cp := *pc
		st.Codes = append(st.Codes, &cp)
	}
	if len(s.lastCodes) > 0 {
		st.LastCodes = maps.Clone(s.lastCodes)
	}
	for _, p := range s.pending {
		cp := *p
		st.PendingReplies = append(st.PendingReplies, &cp)
	}
	st.FaultHits = append([]FaultHit(nil), s.hits...)
	for _, f := range s.files {
		cp := *f
		st.Files = append(st.Files, &cp)
	}
	return st
}

func (s *Server) saveState() error {
	if s.opts.StateFile == "" {
		return nil
	}
	data, err := json.Marshal(s.snapshot())
	if err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	dir := filepath.Dir(s.opts.StateFile)
	tmp, err := os.CreateTemp(dir, ".sandbox-state-*")
	if err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("sandbox state: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("sandbox state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.opts.StateFile); err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	return nil
}

// saveLoop writes the state a second after it changes, so a sandbox that is
// killed rather than closed loses at most that second.
func (s *Server) saveLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.mu.Lock()
			dirty := s.dirty
			s.mu.Unlock()
			if dirty {
				if err := s.saveState(); err != nil {
					s.log.Error("sandbox state not saved", "err", err)
				}
			}
		}
	}
}
