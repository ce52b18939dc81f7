package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"log/slog"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/telegramate/telegramate/internal/sandbox/mtserver"
)

// caller is who made the call being handled.
type caller struct {
	ref    keyRef
	userID int64
	req    *mtserver.Request
}

type callerKey struct{}

func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// after runs f once the answer to the current call has been written.
func (c *caller) after(f func()) {
	prev := c.req.After
	c.req.After = func() {
		if prev != nil {
			prev()
		}
		f()
	}
}

func rpcErr(code int, typ string) error { return tgerr.New(code, typ) }

var (
	errAuthKeyUnregistered = tgerr.New(401, "AUTH_KEY_UNREGISTERED")
	errSessionRevoked      = tgerr.New(401, "SESSION_REVOKED")
	errMethodInvalid       = tgerr.New(400, "INPUT_METHOD_INVALID")
	errRequestInvalid      = tgerr.New(400, "INPUT_REQUEST_INVALID")
)

func randInt64() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]) &^ (1 << 63))
}

// handle is every RPC call's way in: counting, the authorization gate,
// faults, then the method.
func (s *Server) handle(ctx context.Context, req *mtserver.Request) (bin.Encoder, error) {
	name := methodName(req.TypeID)
	ref := keyRef{DC: req.DC, KeyID: req.AuthKeyID}
	now := s.now()

	s.mu.Lock()
	s.counts[name]++
	a := s.auths[ref]
	if a == nil {
		a = &authz{DC: req.DC, KeyID: req.AuthKeyID, Hash: randInt64(), Created: now.Unix()}
		s.auths[ref] = a
	}
	if req.Init.APIID != 0 {
		a.Init = req.Init
	}
	a.Active = now.Unix()
	userID, revoked := a.UserID, a.Revoked
	s.mu.Unlock()
	s.connLog.call(req.ConnID, userID, req.AuthKeyID)

	if revoked && !revokedAllowed[name] {
		return nil, errSessionRevoked
	}
	if userID == 0 && !noAuthMethods[name] {
		return nil, errAuthKeyUnregistered
	}
	actor := userID
	if actor == 0 {
		actor = -req.AuthKeyID
	}
	if err := s.checkFaults(name, actor, now); err != nil {
		return nil, err
	}

	if d := time.Duration(s.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	c := &caller{ref: ref, userID: userID, req: req}
	res, err := s.disp.Handle(context.WithValue(ctx, callerKey{}, c), req.Body)
	if err != nil {
		var te *tgerr.Error
		if errors.As(err, &te) || errors.Is(err, mtserver.ErrDropConnection) {
			return nil, err
		}
		// Anything else is a request the TL decoder refused.
		s.log.Warn("bad request", slog.String("method", name), slog.Any("err", err))
		return nil, errRequestInvalid
	}
	if d := time.Duration(s.answerDelay.Load()); d > 0 {
		// The request is done (a message delivered and recorded); only
		// the answer is late, like one lost with a dropped connection.
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return res, nil
}

// unknownMethod answers methods the sandbox does not implement the way
// Telegram answers methods it does not know.
func (s *Server) unknownMethod(_ context.Context, b *bin.Buffer) (bin.Encoder, error) {
	id, _ := b.PeekID()
	s.log.Warn("sandbox does not implement method", slog.String("method", methodName(id)))
	return nil, errMethodInvalid
}

func (s *Server) dispatcher() *tg.ServerDispatcher {
	d := tg.NewServerDispatcher(s.unknownMethod)
	s.registerConfig(d)
	s.registerAuth(d)
	s.registerUsers(d)
	s.registerChats(d)
	s.registerParticipants(d)
	s.registerMessages(d)
	s.registerUpdates(d)
	s.registerUpload(d)
	return d
}
