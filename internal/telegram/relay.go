package telegram

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// A call relayed to the node holding an account: the node that has no
// connection encodes the call (TL) and reads back the answer, the holder
// decodes it and makes it on its live connection. Everything in between
// is bytes the database carries.

// RelayedClient is an API client whose calls are made by send, on another
// node's connection of the account. Telegram's errors come back as they
// would from a connection of this node's (FLOOD_WAIT, PEER_FLOOD, …).
func RelayedClient(send func(ctx context.Context, body []byte) ([]byte, error)) *tg.Client {
	return tg.NewClient(relayInvoker{send: send})
}

type relayInvoker struct {
	send func(ctx context.Context, body []byte) ([]byte, error)
}

func (r relayInvoker) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	var b bin.Buffer
	if err := input.Encode(&b); err != nil {
		return fmt.Errorf("encode %s: %w", methodName(input), err)
	}
	res, err := r.send(ctx, b.Buf)
	if err != nil {
		return classify(methodName(input), err)
	}
	if err := output.Decode(&bin.Buffer{Buf: res}); err != nil {
		return fmt.Errorf("decode the answer to %s: %w", methodName(input), err)
	}
	return nil
}

// RelayError is how a relayed call's error travels: Telegram's own as its
// code and message ("FLOOD_WAIT_30"), any other as code 0 and its text.
func RelayError(err error) (code int, text string) {
	if rpc, ok := tgerr.As(err); ok {
		return rpc.Code, rpc.Message
	}
	return 0, err.Error()
}

// RelayedError is the error RelayError described.
func RelayedError(code int, text string) error {
	if code != 0 {
		return tgerr.New(code, text)
	}
	return errors.New(text)
}

var constructors = sync.OnceValue(tg.TypesConstructorMap)

// InvokeRelayed makes a call another node encoded on api and returns
// Telegram's answer as it came.
func InvokeRelayed(ctx context.Context, api *tg.Client, body []byte) ([]byte, error) {
	req, err := decodeRelayed(body)
	if err != nil {
		return nil, err
	}
	var out rawAnswer
	if err := api.Invoker().Invoke(ctx, req, &out); err != nil {
		return nil, err
	}
	return out.buf, nil
}

// rawAnswer keeps an answer's bytes undecoded: only the caller knows its
// type.
type rawAnswer struct{ buf []byte }

func (r *rawAnswer) Decode(b *bin.Buffer) error {
	r.buf = append([]byte(nil), b.Buf...)
	b.Skip(len(b.Buf))
	return nil
}

// updates is the answer as updates, when it is some (a send's): the
// connection's updates manager must see them as it sees its own calls'.
func (r *rawAnswer) updates() (*tg.UpdatesBox, bool) {
	var box tg.UpdatesBox
	if err := box.Decode(&bin.Buffer{Buf: r.buf}); err != nil {
		return nil, false
	}
	return &box, true
}

// RelayedKind is the kind of the call another node encoded (for the
// holder to honour only that kind's waits, as the caller did).
func RelayedKind(body []byte) CallKind {
	req, err := decodeRelayed(body)
	if err != nil {
		return KindAccount
	}
	return KindOf(methodName(req))
}

// decodeRelayed is the call another node encoded, as its TL type.
func decodeRelayed(body []byte) (bin.Object, error) {
	b := &bin.Buffer{Buf: body}
	id, err := b.PeekID()
	if err != nil {
		return nil, fmt.Errorf("relayed call: %w", err)
	}
	ctor, ok := constructors()[id]
	if !ok {
		return nil, fmt.Errorf("relayed call: unknown constructor %#x", id)
	}
	req := ctor()
	if err := req.Decode(b); err != nil {
		return nil, fmt.Errorf("relayed call %#x: %w", id, err)
	}
	return req, nil
}
