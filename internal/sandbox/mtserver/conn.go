package mtserver

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"sync"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/exchange"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/transport"
)

type conn struct {
	transport.Conn
	id int64
}

// bufferedConn hands the frame the loop already read to the key exchange.
type bufferedConn struct {
	transport.Conn
	mu      sync.Mutex
	pending [][]byte
}

func (c *bufferedConn) Recv(ctx context.Context, b *bin.Buffer) error {
	c.mu.Lock()
	if len(c.pending) > 0 {
		p := c.pending[0]
		c.pending = c.pending[1:]
		c.mu.Unlock()
		b.ResetTo(p)
		return nil
	}
	c.mu.Unlock()
	return c.Conn.Recv(ctx, b)
}

func (s *Server) serveConn(ctx context.Context, c *conn) {
	defer func() {
		_ = c.Close()
		s.forget(c)
		if s.obs != nil {
			s.obs.ConnClosed(c.id)
		}
	}()
	b := new(bin.Buffer)
	for {
		b.Reset()
		rctx, cancel := context.WithTimeout(ctx, s.idle)
		err := c.Recv(rctx, b)
		cancel()
		if err != nil {
			return
		}
		if err := s.handleFrame(ctx, c, b); err != nil {
			if !errors.Is(err, ErrDropConnection) {
				s.log.Debug("connection closed", slog.Any("err", err))
			}
			return
		}
	}
}

func (s *Server) handleFrame(ctx context.Context, c *conn, b *bin.Buffer) error {
	var keyID [8]byte
	if err := b.PeekN(keyID[:], len(keyID)); err != nil {
		return err
	}
	if keyID == ([8]byte{}) {
		return s.runExchange(ctx, c, b)
	}
	key, ok := s.lookupKey(keyID)
	if !ok {
		// Telegram's transport error for a key it does not know; gotd answers
		// it by making a new key.
		return s.sendProtoError(ctx, c, codec.CodeAuthKeyNotFound)
	}
	return s.handleEncrypted(ctx, c, key, b)
}

func (s *Server) runExchange(ctx context.Context, c *conn, first *bin.Buffer) error {
	bc := exchangeConn{&bufferedConn{Conn: c.Conn, pending: [][]byte{first.Copy()}}}
	res, err := exchange.NewExchanger(bc, s.dc).
		WithRand(s.cipher.Rand()).
		Server(s.key).
		Run(ctx)
	if err != nil {
		var enc *exchange.UnexpectedEncryptedError
		if errors.As(err, &enc) {
			return s.handleFrame(ctx, c, &bin.Buffer{Buf: enc.Frame})
		}
		var exErr *exchange.ServerExchangeError
		if errors.As(err, &exErr) {
			_ = s.sendProtoError(ctx, c, exErr.Code)
		}
		return err
	}
	s.AddKey(res.Key)
	if s.onKey != nil {
		s.onKey(res.Key)
	}
	return nil
}

func (s *Server) sendProtoError(ctx context.Context, c *conn, code int32) error {
	var b bin.Buffer
	b.PutInt32(-code)
	return c.Send(ctx, &b)
}

func (s *Server) handleEncrypted(ctx context.Context, c *conn, key crypto.AuthKey, b *bin.Buffer) error {
	m := &crypto.EncryptedMessage{}
	if err := m.DecodeWithoutCopy(b); err != nil {
		return err
	}
	msg, err := s.cipher.Decrypt(key, m)
	if err != nil {
		return err
	}
	sess, isNew := s.bindSession(key, msg.SessionID, c)
	if isNew {
		salt := int64(binary.LittleEndian.Uint64(key.ID[:]))
		if err := s.sendSessionCreated(ctx, sess, salt); err != nil {
			return err
		}
	}
	return s.dispatch(ctx, sess, msg.MessageID, &bin.Buffer{Buf: msg.Data()})
}

// bindSession points the session at the connection it last spoke on, so
// answers and pushes follow a client that reconnected.
func (s *Server) bindSession(key crypto.AuthKey, id int64, c *conn) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok || sess.key.ID != key.ID {
		sess = &session{id: id, key: key}
		s.sessions[id] = sess
	}
	sess.conn = c
	s.latest[key.ID] = sess
	isNew := !sess.created
	sess.created = true
	return sess, isNew
}

// forget drops the sessions bound to a closed connection.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	for id, sess := range s.sessions {
		if sess.conn == c {
			delete(s.sessions, id)
			if s.latest[sess.key.ID] == sess {
				delete(s.latest, sess.key.ID)
			}
		}
	}
	// Updates go on to another live session of the key, if any (a client
	// holding two connections, one of which closed), as with Telegram;
	// without one they wait for getDifference.
	for _, sess := range s.sessions {
		if _, ok := s.latest[sess.key.ID]; !ok {
			s.latest[sess.key.ID] = sess
		}
	}
}
