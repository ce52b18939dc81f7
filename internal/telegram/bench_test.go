package telegram

import (
	"context"
	"testing"
	"time"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
)

// BenchmarkSelf measures one gateway step on a stored session (fresh client,
// connect, users.getUsers, close) against the same step written as a plain
// gotd loop, and reports the ratio.
func BenchmarkSelf(b *testing.B) {
	g, err := New(Config{DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	p, err := g.SendCode(ctx, creds, phoneKim)
	if err != nil {
		b.Fatal(err)
	}
	res, err := g.SignIn(ctx, creds, phoneKim, p, codeFor(phoneKim))
	if err != nil {
		b.Fatal(err)
	}

	start := time.Now()
	for range b.N {
		if _, err := g.Self(ctx, creds, res.Session); err != nil {
			b.Fatal(err)
		}
	}
	gateway := time.Since(start)

	start = time.Now()
	for range b.N {
		st := &session.StorageMemory{}
		if err := st.StoreSession(ctx, res.Session); err != nil {
			b.Fatal(err)
		}
		c := telegram.NewClient(creds.APIID, creds.APIHash.Reveal(), telegram.Options{
			PublicKeys: g.net.publicKeys, DC: g.net.dc, DCList: g.net.list,
			SessionStorage: st, NoUpdates: true,
		})
		if err := c.Run(ctx, func(ctx context.Context) error {
			_, err := c.API().UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	plain := time.Since(start)
	b.ReportMetric(float64(gateway)/float64(b.N)/1e6, "gateway-ms/op")
	b.ReportMetric(float64(plain)/float64(b.N)/1e6, "gotd-ms/op")
	b.ReportMetric(float64(gateway)/float64(plain), "ratio")
}
