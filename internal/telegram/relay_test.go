package telegram

import (
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
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
