// Package campaigntest connects sandbox accounts to a store the cheap way
// for campaign tests and benchmarks: with a session the sandbox issues (no
// key exchange, which costs a second each), sealed exactly as the accounts
// service seals a finished login.
package campaigntest

import (
	"context"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Account is a sandbox account to connect.
type Account struct {
	APIID    int64
	APIHash  string
	Phone    string
	TGUserID int64
	First    string
	Last     string
	Username string
}

// Connect stores acct for userID as a live account whose session the
// sandbox issued.
func Connect(ctx context.Context, st store.Store, keys *secrets.Keyring, sbx *sandbox.Server, userID int64, acct Account, now time.Time) (store.Account, error) {
	sess, err := sbx.IssueSession(acct.Phone)
	if err != nil {
		return store.Account{}, err
	}
	pending, err := st.CreatePendingAccount(ctx, userID, acct.APIID, acct.Phone, now)
	if err != nil {
		return store.Account{}, fmt.Errorf("pending account %s: %w", acct.Phone, err)
	}
	hash, err := keys.Seal([]byte(acct.APIHash), fmt.Appendf(nil, "telegram_accounts.api_hash_sealed:%d", pending.ID))
	if err != nil {
		return store.Account{}, err
	}
	sealed, err := keys.Seal(sess, fmt.Appendf(nil, "telegram_accounts.session_sealed:%d", pending.ID))
	if err != nil {
		return store.Account{}, err
	}
	return st.ActivateAccount(ctx, userID, pending.ID, store.AccountLogin{
		APIID: acct.APIID, APIHashSealed: hash, Phone: acct.Phone, TGUserID: acct.TGUserID,
		FirstName: acct.First, LastName: acct.Last, Username: acct.Username,
		DC: telegram.SessionDC(sess), SessionSealed: sealed, Now: now,
	})
}
