package telegram

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// TestRelayedKind: the holder of an account tells a relayed call's kind
// from its bytes, as the asking node's call declared it.
func TestRelayedKind(t *testing.T) {
	for _, c := range []struct {
		req  bin.Encoder
		want CallKind
	}{
		{&tg.MessagesSendMessageRequest{Peer: &tg.InputPeerSelf{}, Message: "hi", RandomID: 1}, KindSend},
		{&tg.ContactsResolveUsernameRequest{Username: "someone"}, KindResolve},
		{&tg.AccountGetAuthorizationsRequest{}, KindAccount},
	} {
		var b bin.Buffer
		if err := c.req.Encode(&b); err != nil {
			t.Fatal(err)
		}
		if got := RelayedKind(b.Buf); got != c.want {
			t.Errorf("%T: kind %q, want %q", c.req, got, c.want)
		}
	}
}

// TestRelayedOnAnotherDC: a call to be made on another data center
// carries the DC before the call; the holder reads both, the kind from
// the call. The mark is no TL constructor, and a failure to reach the DC
// comes back to the asking node as one, with its DC.
func TestRelayedOnAnotherDC(t *testing.T) {
	if _, ok := constructors()[onDCID]; ok {
		t.Fatalf("%#x is a TL constructor", onDCID)
	}
	var sent []byte
	open := RelayedOtherDCs(func(_ context.Context, body []byte) ([]byte, error) {
		sent = body
		return nil, &FileDCError{DC: 4, Err: errors.New("dial tcp: refused")}
	})
	api, release, err := open(context.Background(), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	_, err = api.UploadGetFile(context.Background(), &tg.UploadGetFileRequest{Location: &tg.InputDocumentFileLocation{ID: 1}, Limit: FilePart})
	var dcErr *FileDCError
	if !errors.As(err, &dcErr) || dcErr.DC != 4 {
		t.Fatalf("error %v, want the FileDCError as sent", err)
	}
	req, dc, err := decodeRelayed(sent)
	if _, ok := req.(*tg.UploadGetFileRequest); err != nil || dc != 4 || !ok {
		t.Fatalf("decoded %T on DC %d (%v), want upload.getFile on DC 4", req, dc, err)
	}
	if k := RelayedKind(sent); k != KindAccount {
		t.Errorf("kind %q", k)
	}

	code, text := RelayError(fmt.Errorf("wrapped: %w", &FileDCError{DC: 2, Err: errors.New("export auth: FLOOD_WAIT_3")}))
	back := RelayedError(code, text)
	if !errors.As(back, &dcErr) || dcErr.DC != 2 || !errors.Is(back, ErrFileDC) || !strings.Contains(back.Error(), "FLOOD_WAIT_3") {
		t.Fatalf("relayed back as %v", back)
	}
	if _, ok := tgerr.As(RelayedError(RelayError(tgerr.New(303, "FILE_MIGRATE_2")))); !ok {
		t.Error("Telegram's own error no longer relayed as such")
	}
}

type oneAtATime struct{ ch chan struct{} }

func (g oneAtATime) Enter(ctx context.Context) (func(), error) {
	select {
	case g.ch <- struct{}{}:
		return func() { <-g.ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestGateLetsNestedCallsThrough: a call made while making one that
// holds the gate (gotd following FILE_MIGRATE exports the authorization
// inside the getFile call) does not wait for the gate for ever; another
// call does wait.
func TestGateLetsNestedCallsThrough(t *testing.T) {
	g := oneAtATime{ch: make(chan struct{}, 1)}
	var inv tg.Invoker
	inv = gateMiddleware(g).Handle(telegram.InvokeFunc(func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
		if _, outer := input.(*tg.UploadGetFileRequest); outer {
			return inv.Invoke(ctx, &tg.AuthExportAuthorizationRequest{DCID: 2}, nil)
		}
		return nil
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := inv.Invoke(ctx, &tg.UploadGetFileRequest{}, nil); err != nil {
		t.Fatalf("nested call: %v", err)
	}
	leave, _ := g.Enter(ctx)
	short, stop := context.WithTimeout(ctx, 50*time.Millisecond)
	defer stop()
	if err := inv.Invoke(short, &tg.AuthExportAuthorizationRequest{DCID: 2}, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a call while another holds the gate: %v, want it to wait", err)
	}
	leave()
}
