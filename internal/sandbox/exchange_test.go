package sandbox

import (
	"context"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/transport"
)

// TestKeyExchangeOffersAQuickPQ: a new auth key's first answer (resPQ)
// carries a pq the client factors at once (a 16-bit factor), not
// Telegram's example of two 31-bit primes, which under -race cost every
// login of the tests seconds of CPU. The key exchange itself still
// completes with gotd's client: every login of these tests makes one.
func TestKeyExchangeOffersAQuickPQ(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	raw, err := net.Dial("tcp", s.DCs()[1])
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	conn, err := transport.Intermediate.Handshake(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body bin.Buffer
	if err := (&mt.ReqPqMultiRequest{Nonce: bin.Int128{1, 2, 3}}).Encode(&body); err != nil {
		t.Fatal(err)
	}
	var b bin.Buffer
	if err := (&proto.UnencryptedMessage{MessageID: int64(proto.NewMessageID(time.Now(), proto.MessageFromClient)), MessageData: body.Buf}).Encode(&b); err != nil {
		t.Fatal(err)
	}
	if err := conn.Send(ctx, &b); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := conn.Recv(ctx, &b); err != nil {
		t.Fatal(err)
	}
	var msg proto.UnencryptedMessage
	if err := msg.Decode(&b); err != nil {
		t.Fatal(err)
	}
	var res mt.ResPQ
	if err := res.Decode(&bin.Buffer{Buf: msg.MessageData}); err != nil {
		t.Fatal(err)
	}
	pq := new(big.Int).SetBytes(res.Pq)
	if len(res.Pq) != 8 || new(big.Int).Mod(pq, big.NewInt(65521)).Sign() != 0 || res.Nonce != (bin.Int128{1, 2, 3}) {
		t.Errorf("resPQ pq %v (%d bytes), nonce %v; want 8 bytes with the factor 65521, and the nonce sent", pq, len(res.Pq), res.Nonce)
	}
}
