package mtserver

import (
	"context"
	"errors"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
)

const writeTimeout = 30 * time.Second

func (s *Server) send(ctx context.Context, sess *session, t proto.MessageType, msg bin.Encoder) error {
	var b bin.Buffer
	if err := msg.Encode(&b); err != nil {
		return err
	}
	data := crypto.EncryptedMessageData{
		SessionID:              sess.id,
		MessageDataLen:         int32(b.Len()),
		MessageDataWithPadding: b.Copy(),
		MessageID:              s.msgID.New(t),
	}
	if err := s.cipher.Encrypt(sess.key, data, &b); err != nil {
		return err
	}
	s.mu.Lock()
	c := sess.conn
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return c.Send(ctx, &b)
}

func (s *Server) sendResult(ctx context.Context, sess *session, reqMsgID int64, msg bin.Encoder) error {
	var b bin.Buffer
	if err := msg.Encode(&b); err != nil {
		return err
	}
	return s.send(ctx, sess, proto.MessageServerResponse, &proto.Result{
		RequestMessageID: reqMsgID,
		Result:           b.Raw(),
	})
}

func (s *Server) sendSessionCreated(ctx context.Context, sess *session, salt int64) error {
	return s.send(ctx, sess, proto.MessageFromServer, &mt.NewSessionCreated{
		FirstMsgID: s.msgID.New(proto.MessageFromClient),
		ServerSalt: salt,
	})
}

// ErrNotConnected means the auth key has no live connection to push to.
var ErrNotConnected = errors.New("no live session for auth key")

// Push sends an update to the session that last used the auth key. A client
// without a live connection catches up later with updates.getDifference, as
// with Telegram.
func (s *Server) Push(ctx context.Context, authKeyID int64, msg bin.Encoder) error {
	var id [8]byte
	k := crypto.AuthKey{}
	k.SetIntID(authKeyID)
	id = k.ID
	s.mu.Lock()
	sess, ok := s.latest[id]
	s.mu.Unlock()
	if !ok {
		return ErrNotConnected
	}
	return s.send(ctx, sess, proto.MessageFromServer, msg)
}
