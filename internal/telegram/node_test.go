package telegram

import (
	"testing"
	"time"
)

// TestNodeNamedInInitConnection: a gateway of a node names the node in
// initConnection's params (NodeParam), which the sandbox records for each
// connection, so a test can tell which node spoke for an account.
func TestNodeNamedInInitConnection(t *testing.T) {
	g, err := New(Config{DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM(), ConnectTimeout: 10 * time.Second, NodeID: "node-7"})
	if err != nil {
		t.Fatal(err)
	}
	res := login(t, g, phoneIvy)
	if _, err := g.Self(testCtx(t), creds, res.Session); err != nil {
		t.Fatal(err)
	}
	named := false
	for _, c := range sbx.ConnectionLog() {
		if c.UserID == res.Self.ID && c.Node == "node-7" {
			named = true
		}
	}
	if !named {
		t.Fatalf("no connection of user %d named node-7 in the sandbox's record: %+v", res.Self.ID, sbx.ConnectionLog())
	}
}
