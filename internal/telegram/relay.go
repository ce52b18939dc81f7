package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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

// RelayedOtherDCs is OtherDCs for a relayed account: the holder makes
// the calls on its client's connection to the DC (its own when it is the
// account's), so a file kept elsewhere is downloaded there, part by part,
// as its calls on the account's DC are.
func RelayedOtherDCs(send func(ctx context.Context, body []byte) ([]byte, error)) OtherDCs {
	return func(_ context.Context, dc int) (*tg.Client, func(), error) {
		return tg.NewClient(relayInvoker{send: send, dc: dc}), func() {}, nil
	}
}

type relayInvoker struct {
	send func(ctx context.Context, body []byte) ([]byte, error)
	// dc, when set, is the data center the holder makes the call on.
	dc int
}

// onDCID starts a relayed call to be made on another data center: the id,
// the DC (int32), then the call. No TL constructor has it (a test checks).
const onDCID = 0x7e1ed0c5

func (r relayInvoker) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	var b bin.Buffer
	if r.dc != 0 {
		b.PutID(onDCID)
		b.PutInt(r.dc)
	}
	if err := input.Encode(&b); err != nil {
		return fmt.Errorf("encode %s: %w", methodName(input), err)
	}
	res, err := r.send(ctx, b.Buf)
	var dcErr *FileDCError
	if errors.As(err, &dcErr) {
		return err // the holder could not reach the DC: not Telegram's answer
	}
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
	var dcErr *FileDCError
	if errors.As(err, &dcErr) {
		// Before Telegram's: a FLOOD_WAIT refusing the authorization's
		// transfer is still the DC's failure, with its cause in the text.
		return relayedDCCode, strconv.Itoa(dcErr.DC) + " " + dcErr.Err.Error()
	}
	if rpc, ok := tgerr.As(err); ok {
		return rpc.Code, rpc.Message
	}
	return 0, err.Error()
}

// relayedDCCode marks a relayed FileDCError: no Telegram error has it.
const relayedDCCode = -1303

// RelayedError is the error RelayError described.
func RelayedError(code int, text string) error {
	if code == relayedDCCode {
		dc, cause, _ := strings.Cut(text, " ")
		n, _ := strconv.Atoi(dc)
		return &FileDCError{DC: n, Err: errors.New(cause)}
	}
	if code != 0 {
		return tgerr.New(code, text)
	}
	return errors.New(text)
}

var constructors = sync.OnceValue(tg.TypesConstructorMap)

// InvokeRelayed makes a call another node encoded on api (or, for one on
// another data center, on ctx's OtherDCs) and returns Telegram's answer
// as it came.
func InvokeRelayed(ctx context.Context, api *tg.Client, body []byte) ([]byte, error) {
	req, dc, err := decodeRelayed(body)
	if err != nil {
		return nil, err
	}
	if dc != 0 {
		open, ok := OtherDCsOf(ctx)
		if !ok {
			return nil, &FileDCError{DC: dc, Err: errors.New("the node holding the account has no connection to other data centers")}
		}
		other, release, err := open(ctx, dc)
		if err != nil {
			return nil, err
		}
		defer release()
		api = other
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
	req, _, err := decodeRelayed(body)
	if err != nil {
		return KindAccount
	}
	return KindOf(methodName(req))
}

// decodeRelayed is the call another node encoded, as its TL type, and the
// data center to make it on (0: the account's).
func decodeRelayed(body []byte) (bin.Object, int, error) {
	b := &bin.Buffer{Buf: body}
	id, err := b.PeekID()
	if err != nil {
		return nil, 0, fmt.Errorf("relayed call: %w", err)
	}
	dc := 0
	if id == onDCID {
		_, _ = b.ID()
		if dc, err = b.Int(); err != nil || dc <= 0 {
			return nil, 0, fmt.Errorf("relayed call: no data center after %#x (%v)", id, err)
		}
		if id, err = b.PeekID(); err != nil {
			return nil, 0, fmt.Errorf("relayed call: %w", err)
		}
	}
	ctor, ok := constructors()[id]
	if !ok {
		return nil, 0, fmt.Errorf("relayed call: unknown constructor %#x", id)
	}
	req := ctor()
	if err := req.Decode(b); err != nil {
		return nil, 0, fmt.Errorf("relayed call %#x: %w", id, err)
	}
	return req, dc, nil
}
