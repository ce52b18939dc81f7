package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestDownloadFromAnotherDC: Bob (DC 2) sends Ivy (DC 1) a document,
// kept on DC 2. Download fetches it, byte for byte, over one connection of
// Ivy's client to DC 2, which a second download reuses while it is kept
// and which closes with the client. A 401 there is no revoked session
// of the account's: the next download authorises a new connection.
func TestDownloadFromAnotherDC(t *testing.T) {
	g, err := New(Config{DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM(), ConnectTimeout: 10 * time.Second, OtherDCIdle: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	res := login(t, g, phoneIvy)
	since := time.Now()
	data := bytes.Repeat([]byte("kept on DC 2 "), 150_000) // two parts
	if _, err := sbx.Write(1002, 1009, "", &sandbox.Media{Type: "document", Data: data, FileName: "far.bin"}); err != nil {
		t.Fatal(err)
	}
	farConns := func(open bool) int {
		n := 0
		for _, c := range sbx.ConnectionLog() {
			if c.UserID == 1009 && c.DC == 2 && !c.Opened.Before(since) && (!open || c.Open()) {
				n++
			}
		}
		return n
	}
	_, err = g.Run(ctx, creds, res.Session, func(ctx context.Context, api *tg.Client) error {
		d, err := api.MessagesGetDialogs(ctx, &tg.MessagesGetDialogsRequest{OffsetPeer: &tg.InputPeerEmpty{}, Limit: 100})
		if err != nil {
			return err
		}
		top := 0
		for _, dc := range d.(interface{ GetDialogs() []tg.DialogClass }).GetDialogs() {
			if dg, ok := dc.(*tg.Dialog); ok {
				if p, ok := dg.Peer.(*tg.PeerUser); ok && p.UserID == 1002 {
					top = dg.TopMessage
				}
			}
		}
		f, err := MessageFile(ctx, api, top, false)
		if err != nil {
			return err
		}
		if f.DC != 2 {
			return fmt.Errorf("the file is on DC %d, want 2", f.DC)
		}
		for i := range 2 {
			var b bytes.Buffer
			if _, err := Download(ctx, api, f, &b); err != nil {
				return err
			}
			if !bytes.Equal(b.Bytes(), data) {
				return fmt.Errorf("download %d: %d bytes, want the %d written", i, b.Len(), len(data))
			}
		}
		if n := farConns(false); n != 1 {
			return fmt.Errorf("%d connections of Ivy's to DC 2 for two downloads, want one kept and reused", n)
		}

		// DC 2 drops its copy of the authorization: that is no revoked
		// session of the account's, and the next download authorises a
		// new connection there.
		if err := sbx.SetFault(sandbox.Fault{Method: "upload.getFile", Error: "401:AUTH_KEY_UNREGISTERED", Phone: phoneIvy}); err != nil {
			return err
		}
		_, err = Download(ctx, api, f, io.Discard)
		sbx.ClearFaults()
		var dcErr *FileDCError
		if !errors.As(err, &dcErr) || dcErr.DC != 2 || errors.Is(err, ErrSessionRevoked) {
			return fmt.Errorf("a 401 of DC 2: %v, want a FileDCError of DC 2, not a revoked session", err)
		}
		var b bytes.Buffer
		if _, err := Download(ctx, api, f, &b); err != nil || !bytes.Equal(b.Bytes(), data) {
			return fmt.Errorf("after DC 2 dropped the authorization: %d bytes, %v", b.Len(), err)
		}
		if n := farConns(false); n != 2 {
			return fmt.Errorf("%d connections of Ivy's to DC 2, want a second after the first lost its authorization", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 30*time.Second, "the connection to DC 2 closed with the client", func() bool { return farConns(true) == 0 })
}
