package accounts_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/connections"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit"
)

// node is one node of two on a PostgreSQL database: its own lease
// manager, gateway (named, so the sandbox tells its connections apart)
// and accounts service with the relay on.
func node(t *testing.T, e *env, id, url string) *accounts.Service {
	t.Helper()
	return nodeTTL(t, e, id, url, 3*time.Second)
}

func nodeTTL(t *testing.T, e *env, id, url string, ttl time.Duration) *accounts.Service {
	t.Helper()
	leases, err := lease.New(lease.Options{Store: e.st, NodeID: id, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(leases.Close)
	gw, err := telegram.New(telegram.Config{DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM(), Logger: slog.New(slog.DiscardHandler),
		ConnectTimeout: 10 * time.Second, NodeID: id, OtherDCIdle: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := accounts.New(accounts.Options{Store: e.st, Keyring: e.keys, Gateway: gw, Leases: leases, DatabaseURL: url, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svc.Listen(ctx, func(context.Context, int64, int64, []telegram.PrivateMessage) error { return nil })
	t.Cleanup(func() { cancel(); svc.Close() })
	return svc
}

// TestPersonsCallAnsweredThroughTheHolder: node A holds an account (its
// connection listens there); a person's requests on node B (who the
// account is, an unknown username) are answered by A's connection, with
// Telegram's answers and errors as they are, and the account never moves:
// no connection of it from B, A's still open (issue 17: never
// account_busy, no handover for a chat list).
func TestPersonsCallAnsweredThroughTheHolder(t *testing.T) {
	st, url := storetest.PostgresURL(t)
	e := newEnv(t, st)
	acct := e.connect(e.ann, appA, phoneAnn, "")
	a := node(t, e, "node-a", url)
	testkit.Eventually(t, 30*time.Second, "node A connects the account", func() bool { return a.Live(acct.ID) })
	b := node(t, e, "node-b", url)

	ctx := ctxFor(t)
	for range 3 {
		start := time.Now()
		if err := b.Use(ctx, e.ann.UserID, acct.ID, selfCheck(acct.TGUserID)); err != nil {
			t.Fatalf("a person's call on node B: %v", err)
		}
		t.Logf("answered through node A in %s", time.Since(start).Round(time.Millisecond))
	}
	err := b.Use(ctx, e.ann.UserID, acct.ID, func(ctx context.Context, api *tg.Client) error {
		_, err := api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "nobody_has_this_name"})
		return err
	})
	if !errors.Is(err, telegram.ErrUsernameNotFound) {
		t.Fatalf("Telegram's error through node A: %v, want USERNAME_NOT_OCCUPIED as a connection here says it", err)
	}

	if b.Live(acct.ID) || !a.Live(acct.ID) {
		t.Fatalf("the account moved: live on A %v, on B %v", a.Live(acct.ID), b.Live(acct.ID))
	}
	for _, c := range sbx.ConnectionLog() {
		if c.UserID == acct.TGUserID && c.Node == "node-b" {
			t.Fatalf("node B opened a connection of the account: %+v", c)
		}
	}
	l, err := st.LeaseOf(ctx, acct.ID)
	if err != nil || l.Holder != "node-a" {
		t.Fatalf("lease: %+v, %v; want node-a's", l, err)
	}
}

// TestWantedAccountGivenAtOnce: node A holds an account only to listen;
// work on node B (not a person's request: it runs where its job runs)
// asks for it, and A gives it up as soon as it hears (NOTIFY), not at its
// next renewal, a third of the lease's time later (here 100 s).
func TestWantedAccountGivenAtOnce(t *testing.T) {
	st, url := storetest.PostgresURL(t)
	e := newEnv(t, st)
	acct := e.connect(e.ann, appA, phoneAnn, "")
	const ttl = 5 * time.Minute
	a := nodeTTL(t, e, "node-a", url, ttl)
	testkit.Eventually(t, 30*time.Second, "node A connects the account", func() bool { return a.Live(acct.ID) })
	b := nodeTTL(t, e, "node-b", url, ttl)

	start := time.Now()
	ctx := connections.WithPriority(ctxFor(t), connections.Campaign)
	if err := b.Use(ctx, e.ann.UserID, acct.ID, selfCheck(acct.TGUserID)); err != nil {
		t.Fatalf("work on node B: %v", err)
	}
	took := time.Since(start)
	t.Logf("node B had the account in %s", took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("node B waited %s for the account, as for A's next renewal (every %s): A did not hear it was asked for", took.Round(time.Second), ttl/3)
	}
}

// TestWantedAccountGivenWhenWorkEnds: node B asks for the account while
// work on node A holds it (a firm use, which is not given away); A gives
// it up soon after the work ends, because B keeps asking, not a third of
// the lease's time later (here 100 s) at A's next renewal.
func TestWantedAccountGivenWhenWorkEnds(t *testing.T) {
	st, url := storetest.PostgresURL(t)
	e := newEnv(t, st)
	acct := e.connect(e.ann, appA, phoneAnn, "")
	const ttl = 5 * time.Minute
	a := nodeTTL(t, e, "node-a", url, ttl)
	testkit.Eventually(t, 30*time.Second, "node A connects the account", func() bool { return a.Live(acct.ID) })
	b := nodeTTL(t, e, "node-b", url, ttl)

	working, ended := make(chan struct{}), make(chan time.Time, 1)
	go func() {
		ctx := connections.WithPriority(ctxFor(t), connections.Campaign)
		err := a.Use(ctx, e.ann.UserID, acct.ID, func(ctx context.Context, api *tg.Client) error {
			close(working)
			time.Sleep(3 * time.Second) // the work on A
			return nil
		})
		if err != nil {
			t.Errorf("work on node A: %v", err)
		}
		ended <- time.Now()
	}()
	<-working
	ctx := connections.WithPriority(ctxFor(t), connections.Campaign)
	if err := b.Use(ctx, e.ann.UserID, acct.ID, selfCheck(acct.TGUserID)); err != nil {
		t.Fatalf("work on node B: %v", err)
	}
	after := time.Since(<-ended)
	t.Logf("node B had the account %s after A's work ended", after.Round(time.Millisecond))
	if after > 10*time.Second {
		t.Errorf("node B had the account %s after A's work ended, as at A's next renewal (every %s): asking once is not enough", after.Round(time.Second), ttl/3)
	}
}

// TestFileOnAnotherDCDownloadedThroughTheHolder: Bob (DC 2) sends Ann
// (DC 1, held by node A) a document, which Telegram keeps on DC 2. A
// person's download of it on node B is made by node A, on its client's
// connection to DC 2 (authorised by the transfer of Ann's authorization),
// byte for byte, and closed once idle; node B opens no connection of
// Ann's, on any DC.
func TestFileOnAnotherDCDownloadedThroughTheHolder(t *testing.T) {
	st, url := storetest.PostgresURL(t)
	e := newEnv(t, st)
	acct := e.connect(e.ann, appA, phoneAnn, "")
	a := node(t, e, "node-a", url)
	testkit.Eventually(t, 30*time.Second, "node A connects the account", func() bool { return a.Live(acct.ID) })
	b := node(t, e, "node-b", url)

	// The sandbox is the package's: earlier tests' connections of Ann's
	// are in its record too.
	since := time.Now()
	const bob = 3002
	data := bytes.Repeat([]byte("far away file "), 100_000) // two parts
	if _, err := sbx.Write(bob, acct.TGUserID, "", &sandbox.Media{Type: "document", Data: data, FileName: "far.bin", MimeType: "application/octet-stream"}); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	err := b.Use(ctxFor(t), e.ann.UserID, acct.ID, func(ctx context.Context, api *tg.Client) error {
		res, err := api.MessagesGetDialogs(ctx, &tg.MessagesGetDialogsRequest{OffsetPeer: &tg.InputPeerEmpty{}, Limit: 100})
		if err != nil {
			return err
		}
		top := 0
		for _, dc := range res.(interface{ GetDialogs() []tg.DialogClass }).GetDialogs() {
			if d, ok := dc.(*tg.Dialog); ok {
				if p, ok := d.Peer.(*tg.PeerUser); ok && p.UserID == bob {
					top = d.TopMessage
				}
			}
		}
		f, err := telegram.MessageFile(ctx, api, top, false)
		if err != nil {
			return err
		}
		if f.DC != 2 {
			return fmt.Errorf("the file is on DC %d, want Bob's 2", f.DC)
		}
		_, err = telegram.Download(ctx, api, f, &got)
		return err
	})
	if err != nil {
		t.Fatalf("a download on node B of a file on DC 2: %v", err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("downloaded %d bytes, want the %d written", got.Len(), len(data))
	}
	far := false
	for _, c := range sbx.ConnectionLog() {
		if c.Opened.Before(since) {
			continue
		}
		if c.UserID == acct.TGUserID && c.Node == "node-b" {
			t.Fatalf("node B opened a connection of the account: %+v", c)
		}
		far = far || c.UserID == acct.TGUserID && c.DC == 2 && c.Node == "node-a"
	}
	if !far {
		t.Fatal("no connection of the account's on DC 2 from node A in the data center's record")
	}
	// Closed once idle, while A's live connection stays.
	testkit.Eventually(t, 30*time.Second, "node A's connection to DC 2 closed", func() bool {
		for _, c := range sbx.ConnectionLog() {
			if c.UserID == acct.TGUserID && c.DC == 2 && c.Open() && !c.Opened.Before(since) {
				return false
			}
		}
		return true
	})
	if !a.Live(acct.ID) {
		t.Error("node A's live connection of the account ended")
	}
}
