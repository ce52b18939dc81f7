package sandbox

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestSilentClientHoldsNoOneUp: a client that connects to a data center
// and sends nothing (not even the transport header) does not keep other
// clients out. The header used to be read in the accept loop, so a login
// waited behind such a connection until it gave up.
func TestSilentClientHoldsNoOneUp(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	for _, addr := range s.DCs() {
		silent, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { silent.Close() })
	}
	c := clientFor(t, s, 1, testAPIID, testAPIHash, nil)
	// Far longer than a login takes, far shorter than the wait there was.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Run(ctx, func(ctx context.Context) error {
		_, err := login(ctx, s, c, annPhone, "")
		return err
	}); err != nil {
		t.Fatalf("login beside a silent connection: %v", err)
	}
}
