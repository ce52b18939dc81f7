package sandbox

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/testkit"
)

// nodeClient is a client logged in as phone that names its node in
// initConnection's params, as telegramate serve --node-id does.
func nodeClient(t *testing.T, s *Server, phone, node string) *telegram.Client {
	t.Helper()
	s.mu.Lock()
	p := s.byPhone[phone]
	s.mu.Unlock()
	store, ref := fabricatedSession(t, s, p.DC)
	s.mu.Lock()
	s.auths[ref] = &authz{DC: ref.DC, KeyID: ref.KeyID, UserID: p.ID, Hash: randInt64(), Created: s.now().Unix()}
	s.mu.Unlock()
	keys, err := crypto.ParseRSAPublicKeys(s.PublicKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	var list dcs.List
	for id, addr := range s.DCs() {
		host, port, _ := splitHostPort(addr)
		list.Options = append(list.Options, tg.DCOption{ID: id, IPAddress: host, Port: port})
	}
	return telegram.NewClient(testAPIID, testAPIHash, telegram.Options{
		DC: p.DC, DCList: list, PublicKeys: []telegram.PublicKey{{RSA: keys[0]}}, SessionStorage: store, NoUpdates: true,
		Device: telegram.DeviceConfig{Params: &tg.JSONObject{Value: []tg.JSONObjectValue{
			{Key: "tz_offset", Value: &tg.JSONNumber{Value: 0}},
			{Key: NodeParam, Value: &tg.JSONString{Value: node}},
		}}},
	})
}

// runSelf connects c, asks for the user itself and disconnects.
func runSelf(t *testing.T, c *telegram.Client) {
	t.Helper()
	run(t, c, func(ctx context.Context) error { return getSelf(ctx, c) })
}

func getSelf(ctx context.Context, c *telegram.Client) error {
	_, err := c.API().UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
	return err
}

// waitClosed polls until the record shows no open connection of the user.
func waitClosed(t *testing.T, s *Server, user int64) {
	t.Helper()
	testkit.EventuallyWith(t, 10*time.Second, fmt.Sprintf("the connections of %d to close", user), func() (bool, string) {
		open := 0
		for _, c := range s.ConnectionLog() {
			if c.UserID == user && c.Open() {
				open++
			}
		}
		return open == 0, fmt.Sprintf("%d still open", open)
	})
}

func TestConnectionLogNamesNodeAndAccount(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	runSelf(t, nodeClient(t, s, annPhone, "node-a"))
	waitClosed(t, s, 1001)
	runSelf(t, nodeClient(t, s, annPhone, "node-b"))
	waitClosed(t, s, 1001)
	runSelf(t, loggedIn(t, s, danPhone))

	var nodes []string
	for _, c := range s.ConnectionLog() {
		if c.UserID != 1001 {
			continue
		}
		nodes = append(nodes, c.Node)
		if c.Calls == 0 || c.Opened.IsZero() || c.Closed.Before(c.Opened) || c.AuthKeyID == 0 {
			t.Errorf("connection %+v: want calls, an auth key and opened before closed", c)
		}
	}
	if len(nodes) != 2 || nodes[0] != "node-a" || nodes[1] != "node-b" {
		t.Errorf("Ann's connections came from %q, want node-a then node-b", nodes)
	}
	for _, c := range s.ConnectionLog() {
		if c.UserID == 1004 && c.Node != "" {
			t.Errorf("a client without the param is from node %q", c.Node)
		}
	}
	if o := s.NodeOverlaps(0); len(o) != 0 {
		t.Errorf("one node after the other reported as overlapping: %+v", o)
	}
}

func TestNodeOverlapsFindsTwoNodesAtOnce(t *testing.T) {
	const slack = 100 * time.Millisecond
	s := startSandbox(t, testWorld(t), Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a := nodeClient(t, s, annPhone, "node-a")
	err := a.Run(ctx, func(ctx context.Context) error {
		if err := getSelf(ctx, a); err != nil {
			return err
		}
		// Node b speaks for Ann while node a is still connected; the same
		// node twice is no overlap.
		runSelf(t, nodeClient(t, s, annPhone, "node-a"))
		b := nodeClient(t, s, annPhone, "node-b")
		run(t, b, func(ctx context.Context) error {
			if err := getSelf(ctx, b); err != nil {
				return err
			}
			time.Sleep(2 * slack) // connected together for longer than the slack
			return nil
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o := s.NodeOverlaps(slack)
	if len(o) != 1 || o[0].UserID != 1001 || !o[0].From.Before(o[0].To) {
		t.Fatalf("overlaps %+v, want one of Ann", o)
	}
	if n := [2]string{o[0].Conns[0].Node, o[0].Conns[1].Node}; n != [2]string{"node-a", "node-b"} {
		t.Errorf("overlap between %v", n)
	}
}
