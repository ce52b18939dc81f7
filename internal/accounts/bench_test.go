package accounts_test

import (
	"context"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
)

// BenchmarkUse measures one Use on a connected account (read the row, open
// the sealed session, fresh client, users.getUsers, seal and store the
// refreshed session) against gateway.Run on the same session with nothing
// around it, and reports the ratio: what the accounts layer adds to every
// extraction page and every send.
func BenchmarkUse(b *testing.B) {
	e := newEnv(b, storetest.SQLite(b))
	ctx := context.Background()
	acct := e.connect(e.ann, appA, phoneAnn, "").ID
	fn := func(ctx context.Context, api *tg.Client) error {
		_, err := api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		return err
	}

	start := time.Now()
	for range b.N {
		if err := e.svc.Use(ctx, e.ann.UserID, acct, fn); err != nil {
			b.Fatal(err)
		}
	}
	use := time.Since(start)

	session := e.session(acct)
	creds := telegram.Credentials{APIID: int(appA.id), APIHash: secrets.Secret(appA.hash)}
	start = time.Now()
	for range b.N {
		if _, err := e.gw.Run(ctx, creds, session, fn); err != nil {
			b.Fatal(err)
		}
	}
	run := time.Since(start)
	b.ReportMetric(float64(use)/float64(b.N)/1e6, "use-ms/op")
	b.ReportMetric(float64(run)/float64(b.N)/1e6, "run-ms/op")
	b.ReportMetric(float64(use)/float64(run), "ratio")
}
