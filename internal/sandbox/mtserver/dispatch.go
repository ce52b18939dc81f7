package mtserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// dispatch handles one decrypted message: service messages here, RPC calls
// through the Handler.
func (s *Server) dispatch(ctx context.Context, sess *session, msgID int64, b *bin.Buffer) error {
	id, err := b.PeekID()
	if err != nil {
		return err
	}
	switch id {
	case proto.MessageContainerTypeID:
		var container proto.MessageContainer
		if err := container.Decode(b); err != nil {
			return err
		}
		for _, m := range container.Messages {
			if err := s.dispatch(ctx, sess, m.ID, &bin.Buffer{Buf: m.Body}); err != nil {
				return err
			}
		}
		return nil
	case proto.GZIPTypeID:
		var content proto.GZIP
		if err := content.Decode(b); err != nil {
			return err
		}
		return s.dispatch(context.WithValue(ctx, packedKey{}, true), sess, msgID, &bin.Buffer{Buf: content.Data})
	case mt.PingRequestTypeID:
		var req mt.PingRequest
		if err := req.Decode(b); err != nil {
			return err
		}
		return s.send(ctx, sess, proto.MessageServerResponse, &mt.Pong{MsgID: msgID, PingID: req.PingID})
	case mt.PingDelayDisconnectRequestTypeID:
		var req mt.PingDelayDisconnectRequest
		if err := req.Decode(b); err != nil {
			return err
		}
		return s.send(ctx, sess, proto.MessageServerResponse, &mt.Pong{MsgID: msgID, PingID: req.PingID})
	case mt.GetFutureSaltsRequestTypeID:
		// Salts are not checked, so one salt valid forever is honest.
		return s.send(ctx, sess, proto.MessageServerResponse, &mt.FutureSalts{
			ReqMsgID: msgID,
			Now:      int(time.Now().Unix()),
			Salts:    []mt.FutureSalt{{ValidSince: 1, ValidUntil: math.MaxInt32, Salt: 10}},
		})
	case mt.DestroySessionRequestTypeID:
		var req mt.DestroySessionRequest
		if err := req.Decode(b); err != nil {
			return err
		}
		return s.sendResult(ctx, sess, msgID, &mt.DestroySessionOk{SessionID: req.SessionID})
	case mt.RPCDropAnswerRequestTypeID:
		return s.sendResult(ctx, sess, msgID, &mt.RPCAnswerDroppedRunning{})
	case mt.MsgsAckTypeID, mt.MsgsStateReqTypeID, mt.MsgResendReqTypeID, mt.HTTPWaitRequestTypeID,
		mt.MsgsAllInfoTypeID, mt.MsgDetailedInfoTypeID, mt.MsgNewDetailedInfoTypeID:
		return nil
	}
	return s.call(ctx, sess, msgID, b)
}

// packedKey marks the context of a message that came inside gzip_packed.
type packedKey struct{}

// queryPeek stops decoding of an invokeWith* wrapper at its inner query,
// leaving the buffer positioned on it (the query is always the last field).
type queryPeek struct{}

func (queryPeek) Decode(*bin.Buffer) error { return nil }
func (queryPeek) Encode(*bin.Buffer) error { return errors.New("queryPeek is decode-only") }

func (s *Server) unwrap(sess *session, b *bin.Buffer) (uint32, error) {
	for {
		id, err := b.PeekID()
		if err != nil {
			return 0, err
		}
		switch id {
		case tg.InvokeWithLayerRequestTypeID:
			err = (&tg.InvokeWithLayerRequest{Query: queryPeek{}}).Decode(b)
		case tg.InvokeWithoutUpdatesRequestTypeID:
			err = (&tg.InvokeWithoutUpdatesRequest{Query: queryPeek{}}).Decode(b)
		case tg.InvokeAfterMsgRequestTypeID:
			err = (&tg.InvokeAfterMsgRequest{Query: queryPeek{}}).Decode(b)
		case tg.InvokeAfterMsgsRequestTypeID:
			err = (&tg.InvokeAfterMsgsRequest{Query: queryPeek{}}).Decode(b)
		case tg.InvokeWithTakeoutRequestTypeID:
			err = (&tg.InvokeWithTakeoutRequest{Query: queryPeek{}}).Decode(b)
		case tg.InitConnectionRequestTypeID:
			req := tg.InitConnectionRequest{Query: queryPeek{}}
			if err = req.Decode(b); err == nil {
				s.mu.Lock()
				s.inits[sess.key.ID] = InitInfo{
					APIID:          req.APIID,
					DeviceModel:    req.DeviceModel,
					SystemVersion:  req.SystemVersion,
					AppVersion:     req.AppVersion,
					SystemLangCode: req.SystemLangCode,
					LangCode:       req.LangCode,
				}
				connID := sess.conn.id
				s.mu.Unlock()
				if s.obs != nil {
					s.obs.ConnInit(connID, req.Params)
				}
			}
		default:
			return id, nil
		}
		if err != nil {
			return 0, fmt.Errorf("unwrap %#x: %w", id, err)
		}
	}
}

func (s *Server) call(ctx context.Context, sess *session, msgID int64, b *bin.Buffer) error {
	id, err := s.unwrap(sess, b)
	if err != nil {
		return s.sendResult(ctx, sess, msgID, &mt.RPCError{ErrorCode: 400, ErrorMessage: "INPUT_REQUEST_INVALID"})
	}
	s.mu.Lock()
	init := s.inits[sess.key.ID]
	connID := sess.conn.id
	s.mu.Unlock()
	req := &Request{
		DC:        s.dc,
		AuthKeyID: sess.key.IntID(),
		SessionID: sess.id,
		MsgID:     msgID,
		TypeID:    id,
		Body:      b,
		ConnID:    connID,
		Packed:    ctx.Value(packedKey{}) != nil,
		Init:      init,
	}
	res, err := s.handler.Handle(ctx, req)
	if err != nil {
		if errors.Is(err, ErrDropConnection) {
			return err
		}
		var rpcErr *tgerr.Error
		if !errors.As(err, &rpcErr) {
			s.log.Error("handler failed", slog.String("type", fmt.Sprintf("%#x", id)), slog.Any("err", err))
			rpcErr = tgerr.New(500, "INTERNAL")
		}
		return s.sendResult(ctx, sess, msgID, &mt.RPCError{ErrorCode: rpcErr.Code, ErrorMessage: rpcErr.Message})
	}
	if err := s.sendResult(ctx, sess, msgID, res); err != nil {
		return err
	}
	if req.After != nil {
		req.After()
	}
	return nil
}
